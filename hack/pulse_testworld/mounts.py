"""A Secret volume's folder as the kubelet writes it (its AtomicWriter): the
keys' files in a hidden, timestamped folder, ``..data`` a symlink to it and
each key a symlink through ``..data``. An update writes a new folder and
swaps ``..data`` with one rename, so a reader (the ETL reading a token and
its ``email`` at the start of a run) sees the old set or the new one, never
half of each. A Secret that is gone (the volumes are ``optional``) leaves
the folder with no key in it."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

DATA = "..data"


def write_volume(folder: Path, files: dict[str, str]) -> bool:
    """Makes ``folder`` hold exactly ``files``; False when it already did."""
    if _current(folder) == files:
        return False
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = dt.datetime.now(dt.UTC).strftime("..%Y_%m_%d_%H_%M_%S.")
    fresh = Path(tempfile.mkdtemp(prefix=stamp, dir=folder))
    for key, value in files.items():
        (fresh / key).write_text(value)
        (fresh / key).chmod(0o600)
    data = folder / DATA
    previous = os.readlink(data) if data.is_symlink() else None
    swap = folder / "..data_tmp"
    swap.unlink(missing_ok=True)
    swap.symlink_to(fresh.name)
    os.replace(swap, data)
    for key in files:
        if not (folder / key).is_symlink():
            (folder / key).symlink_to(Path(DATA) / key)
    for entry in folder.iterdir():
        if not entry.name.startswith("..") and entry.name not in files:
            entry.unlink()
    if previous is not None:
        shutil.rmtree(folder / previous, ignore_errors=True)
    return True


def _current(folder: Path) -> dict[str, str] | None:
    data = folder / DATA
    if not data.is_dir():
        return None
    return {p.name: p.read_text() for p in data.iterdir() if p.is_file()}
