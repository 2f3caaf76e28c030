"""PostgreSQL 15 as a primary and a streaming replica (``pg_basebackup -R``).

PostgreSQL refuses to run as root, and CI runs as root: then the servers run
as the ``postgres`` user that Debian's package creates.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pulse_testworld.procs import StartError, Supervisor, free_port, wait_until

PG_BIN = Path(os.environ.get("PULSE_PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "postgres"


@dataclass(frozen=True)
class PostgresInfo:
    primary_dsn: str
    replica_dsn: str
    superuser: str
    password: str
    primary_port: int
    replica_port: int


def _run_as() -> str | None:
    return "postgres" if os.geteuid() == 0 else None


def _chown(path: Path, user: str | None) -> None:
    if user is None:
        return
    entry = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


def _run(argv: list[str], user: str | None, env: dict[str, str] | None = None) -> None:
    kwargs: dict[str, object] = {"user": user, "group": user} if user else {}
    result = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )
    if result.returncode != 0:
        raise StartError(f"{argv[0]} failed ({result.returncode}):\n{result.stderr[-2000:]}")


def _ready(port: int) -> bool:
    argv = [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-q"]
    return subprocess.run(argv, check=False).returncode == 0


def start_postgres(sup: Supervisor, base: Path) -> PostgresInfo:
    if not (PG_BIN / "postgres").exists():
        raise StartError(f"PostgreSQL 15 not found in {PG_BIN}: run hack/bootstrap.sh")
    user = _run_as()
    root = base / "postgres"
    root.mkdir(parents=True)
    root.chmod(0o755)
    password = secrets.token_urlsafe(18)
    pwfile = root / "pwfile"
    pwfile.write_text(password + "\n")
    socket_dir = root / "sock"
    socket_dir.mkdir()
    _chown(root, user)

    primary, replica = root / "primary", root / "replica"
    _run(
        [
            str(PG_BIN / "initdb"),
            "-D",
            str(primary),
            "-U",
            SUPERUSER,
            "--pwfile",
            str(pwfile),
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ],
        user,
    )
    (pwfile).unlink()
    with (primary / "pg_hba.conf").open("a") as hba:
        hba.write("host replication all 127.0.0.1/32 scram-sha-256\n")
    p_port, r_port = free_port(), free_port()
    settings = [
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        f"unix_socket_directories={socket_dir}",
        "-c",
        "wal_level=replica",
        "-c",
        "max_wal_senders=5",
        "-c",
        "max_connections=300",
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "shared_buffers=64MB",
    ]
    # SIGINT is PostgreSQL's "fast" shutdown.
    prim = sup.start(
        "postgres-primary",
        [str(PG_BIN / "postgres"), "-D", str(primary), "-p", str(p_port), *settings],
        user=user,
        stop_signal=signal.SIGINT,
    )
    wait_until("PostgreSQL primary", lambda: _ready(p_port), timeout=60, proc=prim)

    _run(
        [
            str(PG_BIN / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(p_port),
            "-U",
            SUPERUSER,
            "-D",
            str(replica),
            "-R",
            "-X",
            "stream",
            "--no-sync",
        ],
        user,
        env={"PGPASSWORD": password},
    )
    rep = sup.start(
        "postgres-replica",
        [
            str(PG_BIN / "postgres"),
            "-D",
            str(replica),
            "-p",
            str(r_port),
            *settings,
            "-c",
            "hot_standby=on",
        ],
        user=user,
        stop_signal=signal.SIGINT,
    )
    wait_until("PostgreSQL replica", lambda: _ready(r_port), timeout=60, proc=rep)

    def dsn(port: int) -> str:
        return f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{port}/postgres"

    return PostgresInfo(dsn(p_port), dsn(r_port), SUPERUSER, password, p_port, r_port)


def remove_data(base: Path) -> None:
    shutil.rmtree(base / "postgres", ignore_errors=True)
