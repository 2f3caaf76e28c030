"""Where a test world keeps its files: RAM when the machine has a RAM file
system with room (PostgreSQL and etcd churn tens of thousands of files),
else the temp dir; PULSE_WORLD_DIR overrides both."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections import namedtuple
from pathlib import Path

import pytest

from pulse_testworld import world as world_mod
from pulse_testworld.world import (
    OWNER_FILE,
    RAM_DIR_MIN_FREE,
    World,
    remove_orphans,
    world_parent,
)

Usage = namedtuple("Usage", "total used free")


@pytest.fixture
def ram(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A pretend /dev/shm: a tmpfs with plenty of room on a machine with
    plenty of memory, until a test says otherwise."""
    monkeypatch.delenv("PULSE_WORLD_DIR", raising=False)
    monkeypatch.setattr(world_mod, "RAM_DIR", tmp_path)
    monkeypatch.setattr(world_mod, "_mount_type", lambda p: "tmpfs" if p == tmp_path else "ext4")
    monkeypatch.setattr(world_mod, "_mem_available", lambda: 4 * RAM_DIR_MIN_FREE)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: Usage(0, 0, 4 * RAM_DIR_MIN_FREE))
    return tmp_path


def test_a_roomy_ram_file_system_is_chosen(ram: Path) -> None:
    assert world_parent() == ram


def test_not_a_ram_file_system_means_the_temp_dir(
    ram: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(world_mod, "_mount_type", lambda p: "ext4")
    assert world_parent() is None


@pytest.mark.parametrize("short", ["space", "memory"])
def test_too_little_room_means_the_temp_dir(
    ram: Path, monkeypatch: pytest.MonkeyPatch, short: str
) -> None:
    if short == "space":
        monkeypatch.setattr(shutil, "disk_usage", lambda p: Usage(0, 0, RAM_DIR_MIN_FREE - 1))
    else:
        monkeypatch.setattr(world_mod, "_mem_available", lambda: RAM_DIR_MIN_FREE - 1)
    assert world_parent() is None


def test_pulse_world_dir_wins(ram: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PULSE_WORLD_DIR", str(tmp_path / "here"))
    assert world_parent() == tmp_path / "here"


def test_this_sessions_world_is_where_the_rule_says(world: World) -> None:
    assert world.base.parent == (world_parent() or Path(tempfile.gettempdir()))


def test_worlds_whose_owner_is_gone_are_removed(tmp_path: Path) -> None:
    orphan, mine, strange = (tmp_path / f"pulse-world-{n}" for n in ("a", "b", "c"))
    for folder in (orphan, mine, strange):
        (folder / "postgres").mkdir(parents=True)
    dead_pid = _exited_pid()
    (orphan / OWNER_FILE).write_text(str(dead_pid))
    (mine / OWNER_FILE).write_text(str(os.getpid()))
    assert remove_orphans(tmp_path) == [orphan]
    assert not orphan.exists() and mine.exists() and strange.exists()


def _exited_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid
