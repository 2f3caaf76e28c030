"""The long-lived browser runner (run.mjs --serve) keeps scenarios apart and
fails a test with its scenario's log; a dead browser or runner is replaced."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.frontend.conftest import BROWSER_DIR, CHROMIUM, _Runner

CONFIG = {"chromium": CHROMIUM, "baseUrl": "http://runner.test"}


def test_scenarios_stay_apart_and_failures_carry_their_log(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run `make bootstrap`"
    monkeypatch.setenv("PULSE_BROWSER_SCENARIOS", str(BROWSER_DIR / "runner_check.mjs"))
    runner = _Runner()
    try:
        first = runner.run("storage", CONFIG, timeout=120)
        second = runner.run("storage", CONFIG, timeout=120)
        # Each scenario starts with no storage, cookie or context of another.
        expected = {"earlier": None, "cookies": 0, "contexts": 1}
        assert first["result"] == second["result"] == expected

        failed = runner.run("fails", CONFIG, timeout=120)
        assert failed["ok"] is False
        log = "\n".join(failed["log"])
        assert "printed before failing" in log and "the scenario's own failure" in log

        assert runner.proc is not None
        node = runner.proc.pid
        assert runner.run("closesBrowser", CONFIG, timeout=120)["ok"]
        # The same runner launches a new browser.
        assert runner.run("storage", CONFIG, timeout=120)["result"] == expected
        assert runner.proc is not None and runner.proc.pid == node

        os.kill(node, signal.SIGKILL)
        runner.proc.wait()
        # A dead runner is started again for the next scenario.
        assert runner.run("storage", CONFIG, timeout=120)["result"] == expected
        assert runner.proc is not None and runner.proc.pid != node
    finally:
        runner.stop()
