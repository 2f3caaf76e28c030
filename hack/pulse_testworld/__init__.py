"""The Pulse test world: real etcd, kube-apiserver, kube-controller-manager,
PostgreSQL primary + streaming replica and Redis with ACLs, started from local
binaries on free loopback ports and stopped by pid.

Used by the pytest fixtures (``tests/conftest.py``) and by ``make dev``
(``python -m pulse_testworld up``).
"""

from pulse_testworld.world import World, start_world

__all__ = ["World", "start_world"]
