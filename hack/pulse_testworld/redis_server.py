"""Redis 7 with ACLs on: the ``default`` user is off and a password-protected
admin user can manage ACLs (and persist them with ``ACL SAVE``)."""

from __future__ import annotations

import secrets
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

from pulse_testworld.procs import StartError, Supervisor, free_port, wait_until

ADMIN_USER = "pulse-admin"


@dataclass(frozen=True)
class RedisInfo:
    url: str
    host: str
    port: int
    admin_user: str
    admin_password: str
    acl_file: Path


def _ping(port: int, user: str, password: str) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        cmd = f"AUTH {user} {password}\r\nPING\r\n".encode()
        s.sendall(cmd)
        data = b""
        while data.count(b"\r\n") < 2:
            chunk = s.recv(1024)
            if not chunk:
                break
            data += chunk
    return data == b"+OK\r\n+PONG\r\n"


def start_redis(sup: Supervisor, base: Path) -> RedisInfo:
    server = shutil.which("redis-server")
    if server is None:
        raise StartError("redis-server not found: run hack/bootstrap.sh")
    root = base / "redis"
    root.mkdir(parents=True)
    password = secrets.token_urlsafe(18)
    acl_file = root / "users.acl"
    acl_file.write_text(f"user default off\nuser {ADMIN_USER} on >{password} ~* &* +@all\n")
    acl_file.chmod(0o600)
    port = free_port()
    conf = root / "redis.conf"
    # The chart's policy (values.yaml redis.maxmemoryPolicy): a key with no
    # TTL (a session) is never evicted, so tests run under production's rule.
    conf.write_text(
        f"port {port}\nbind 127.0.0.1\ndir {root}\naclfile {acl_file}\n"
        'save ""\nappendonly no\nmaxmemory 256mb\nmaxmemory-policy volatile-lru\n'
        "protected-mode yes\ndaemonize no\n"
    )
    proc = sup.start("redis", [server, str(conf)])
    wait_until("Redis", lambda: _ping(port, ADMIN_USER, password), timeout=30, proc=proc)
    return RedisInfo(
        url=f"redis://{ADMIN_USER}:{password}@127.0.0.1:{port}/0",
        host="127.0.0.1",
        port=port,
        admin_user=ADMIN_USER,
        admin_password=password,
        acl_file=acl_file,
    )
