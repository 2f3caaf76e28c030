"""The pulse-db CLI: commands, output, and clear errors with exit codes."""

from __future__ import annotations

import pytest

from pulse_common.cli import main
from tests.db.conftest import PulseDb, unique_slug


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_provision_list_migrate_revoke_drop(
    pulse_db: PulseDb, capsys: pytest.CaptureFixture[str]
) -> None:
    dsn = pulse_db.primary_dsn
    slug = unique_slug("cli")
    code, out, _ = run(
        capsys,
        "--dsn",
        dsn,
        "tenant",
        "provision",
        slug,
        "--display-name",
        "CLI Co",
        "--admin-email",
        "ops@cli.example",
    )
    assert code == 0
    assert f"tenant {slug}: id " in out and "state active" in out
    assert "initial password: " in out and "login role" in out
    code, out, _ = run(capsys, "--dsn", dsn, "tenants", "list")
    assert code == 0 and slug in out and "active" in out
    code, out, _ = run(capsys, "--dsn", dsn, "tenant", "migrate", slug)
    assert code == 0 and out.startswith(f"{slug}: ")
    assert run(capsys, "--dsn", dsn, "tenant", "revoke", slug)[0] == 0
    code, out, _ = run(
        capsys,
        "--dsn",
        dsn,
        "tenant",
        "provision",
        slug,
        "--display-name",
        "CLI Co",
        "--admin-email",
        "ops@cli.example",
    )
    assert code == 0 and "adopted retained data" in out
    assert "initial password" not in out  # the admin exists: no password to show
    code, _, err = run(capsys, "--dsn", dsn, "tenant", "drop", slug)
    assert code == 2 and "--yes" in err
    code, out, _ = run(capsys, "--dsn", dsn, "tenant", "drop", slug, "--yes")
    assert code == 0 and "dropped" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            [
                "tenant",
                "provision",
                "Bad_Slug",
                "--display-name",
                "x",
                "--admin-email",
                "a@b.example",
            ],
            2,
            "invalid tenant slug 'Bad_Slug'",
        ),
        (
            ["tenant", "provision", "okay-slug", "--display-name", "x", "--admin-email", "nope"],
            2,
            "admin_email: value is not a valid email address",
        ),
        (["tenant", "revoke", "never-made"], 2, "unknown tenant 'never-made'"),
        (["tenant", "migrate"], 2, "give a tenant slug or --all"),
    ],
)
def test_bad_input_is_named(
    pulse_db: PulseDb, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    got, _, err = run(capsys, "--dsn", pulse_db.primary_dsn, *args)
    assert got == code
    assert message in err


def test_unreachable_database(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "--dsn", "postgresql://u:secret-pw@127.0.0.1:1/pulse", "tenants", "list"
    )
    assert code == 3
    assert "cannot reach the database" in err
    assert "secret-pw" not in err


def test_no_dsn(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULSE_DATABASE_ADMIN_URL", raising=False)
    code, _, err = run(capsys, "tenants", "list")
    assert code == 2 and "PULSE_DATABASE_ADMIN_URL" in err
