"""The tests' wait for the streaming replica: ``pulse_testworld.replication``
(shared with the benchmarks), here under the name the tests import."""

from __future__ import annotations

from pulse_testworld.replication import flushed_mark, replay_report, wait_replayed

__all__ = ["flushed_mark", "replay_report", "wait_replayed"]
