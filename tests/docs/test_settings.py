"""Every setting the docs name exists under that name with the stated
default: ``PULSE_*`` variables (the settings models, or code that reads
them by hand), chart values (values.yaml and values.schema.json), and the
database commands run as written in a new shell. No test world is needed."""

from __future__ import annotations

import json
import os
import re
import subprocess
from typing import Any

import pytest
import yaml

from tests.docs.text import (
    CHART,
    README,
    REPO,
    bash_block,
    docs_text,
    lookup,
    one_line,
    settings_variables,
)


def _sources_text() -> str:
    """The code that reads variables by hand (os.environ, shell, make)."""
    paths = [
        REPO / "Makefile",
        REPO / "alembic.ini",
        *REPO.glob("hack/**/*.py"),
        *REPO.glob("hack/*.sh"),
        *REPO.glob("migrations/*.py"),
        *REPO.glob("services/*/pulse_*/**/*.py"),
        *REPO.glob("operator/pulse_operator/**/*.py"),
        *REPO.glob("tests/**/*.py"),
        *REPO.glob("tests/**/*.mjs"),
    ]
    return "\n".join(p.read_text() for p in paths if p.is_file())


def test_every_pulse_variable_the_docs_name_is_read_somewhere() -> None:
    named = set(re.findall(r"\bPULSE_[A-Z0-9_]*[A-Z0-9]\b", docs_text()))
    assert len(named) > 10
    settings = settings_variables()
    sources = _sources_text()
    unknown = sorted(v for v in named if v not in settings and v not in sources)
    assert unknown == []


def _backend_settings_paragraph() -> str:
    text = one_line(README.read_text())
    start = text.index("Settings (environment, prefix `PULSE_BACKEND_`")
    return text[start : text.index("In the chart: `backend.*`", start)]


def test_the_backend_settings_list_names_real_settings() -> None:
    settings = settings_variables()
    paragraph = _backend_settings_paragraph().replace("prefix `PULSE_BACKEND_`", "")
    listed = re.findall(r"`([A-Z][A-Z0-9_]*\*?)`", paragraph)
    assert "DATABASE_URL" in listed
    missing = [
        name
        for name in listed
        if not any(
            v.startswith("PULSE_BACKEND_" + name.rstrip("*"))
            if name.endswith("*")
            else v == "PULSE_BACKEND_" + name
            for v in settings
        )
    ]
    assert missing == []


# "`PULSE_X`, default 300", "`PULSE_X` (default 4)", "`PULSE_X`, 30 s by default"
STATED_DEFAULT = re.compile(
    r"`(PULSE_[A-Z0-9_]+)`[,;]? \(?(?:default )?([0-9][0-9 ]*)(?: s)?(?: by default)?[),;]"
)


def test_stated_defaults_of_variables_are_the_settings_defaults() -> None:
    settings = settings_variables()
    stated = [(m[1], m[2]) for m in STATED_DEFAULT.finditer(one_line(docs_text()))]
    assert len(stated) >= 4
    wrong = [
        (name, value, settings[name])
        for name, value in stated
        if float(value.replace(" ", "")) != float(settings[name])
    ]
    assert wrong == []


# "`PULSE_OPERATOR_DRIFT_INTERVAL_SECONDS`, default 300; chart value `operator.driftIntervalSeconds`"
CHART_VALUE_OF = re.compile(r"`(PULSE_[A-Z0-9_]+)`[^`]{0,30}chart value `([A-Za-z.]+)`")


def test_chart_values_named_for_a_variable_default_to_its_default() -> None:
    settings = settings_variables()
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    pairs = CHART_VALUE_OF.findall(one_line(README.read_text()))
    assert len(pairs) >= 2
    wrong = [
        (variable, value, settings[variable], lookup(values, value.split("."))[1])
        for variable, value in pairs
        if settings[variable] != lookup(values, value.split("."))[1]
    ]
    assert wrong == []


# --- Helm values --------------------------------------------------------------

TOP_LEVEL = (
    "crds|operator|etl|postgres|qdrant|redis|networkPolicy|backend|frontend|serviceMonitor|tests"
)
# Dotted names under a top-level key that are not chart values.
NOT_VALUES = {"etl.progress"}  # the ETL's WebSocket event
VALUE = re.compile(rf"(?:`|--set )((?:{TOP_LEVEL})(?:\.[A-Za-z][A-Za-z0-9]*)+)(?=[`=])")


def _schema_has(schema: dict[str, Any], path: list[str]) -> bool:
    node = schema
    for key in path:
        props = node.get("properties", {})
        if key not in props:
            return False
        node = props[key]
    return True


def test_every_chart_value_the_readme_names_is_in_values_and_schema() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    schema = json.loads((CHART / "values.schema.json").read_text())
    named = set(VALUE.findall(README.read_text())) | set(
        VALUE.findall((CHART / "templates" / "NOTES.txt").read_text())
    )
    assert "backend.deviceTokenTtlSeconds" in named
    named -= NOT_VALUES
    missing = sorted(
        v
        for v in named
        if not lookup(values, v.split("."))[0] or not _schema_has(schema, v.split("."))
    )
    assert missing == []


def test_the_redis_memory_policy_the_readme_states_is_the_charts() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())["redis"]
    stated = re.findall(r"`maxmemory (\S+) (\S+)`", README.read_text())
    assert stated == [(values["maxmemory"], values["maxmemoryPolicy"])]
    policies = set(re.findall(r"`maxmemory-policy (\S+)`", README.read_text()))
    assert policies == {values["maxmemoryPolicy"]}


# --- database commands --------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "unreachable_exit"),
    [("One Alembic environment", 1), ("### The `pulse-db` CLI", 3)],
    ids=["alembic", "pulse-db"],
)
def test_the_database_commands_run_as_written_in_a_new_shell(
    heading: str, unreachable_exit: int
) -> None:
    """A new shell has no PYTHONPATH, and the cached venv's editable install
    points at whichever checkout made it (maybe gone): the commands must name
    this checkout's code themselves. The DSN points at a closed port: the
    command gets as far as connecting, and says the database is unreachable."""

    lines = bash_block(heading)
    exports = [line.split("#")[0] for line in lines if line.startswith("export ")]
    first = next(line for line in lines if line and not line.startswith("export "))
    script = "\n".join([*exports, first.split("#")[0]]).replace(
        "postgresql://postgres:...@host:5432/pulse", "postgresql://nobody:x@127.0.0.1:1/pulse"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        ["bash", "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert "No module named" not in out.stderr, out.stderr[-500:]
    assert "command not found" not in out.stderr, out.stderr[-500:]
    assert out.returncode == unreachable_exit, out.stderr[-500:]


def test_the_dev_command_the_readme_gives_is_make_devs() -> None:
    """`make dev` takes no options: the README gives its command to add them."""
    makefile = (REPO / "Makefile").read_text()
    recipe = re.search(r"^dev:.*\n\t\$\(PY\) (-m pulse_testworld up .*)$", makefile, re.MULTILINE)
    assert recipe is not None
    path = re.search(r"^export PYTHONPATH := (.*)$", makefile, re.MULTILINE)
    assert path is not None
    folders = path[1].replace("$(CURDIR)/", "")
    block = " ".join(bash_block("`make dev` is `make bootstrap`")).replace("\\", " ")
    words = block.split()
    assert words[0] == f"PYTHONPATH={folders}"
    assert words[1] == ".venv/bin/python"
    given = " ".join(words[2:])
    assert given.startswith(recipe[1] + " ")
    main = (REPO / "hack" / "pulse_testworld" / "__main__.py").read_text()
    options = re.findall(
        r"`(--[a-z-]+)", one_line(README.read_text()).split("`make dev` is")[1][:200]
    )
    assert options == ["--no-web", "--tenants"]
    assert all(f'"{o}"' in main for o in [*options, *given.split()[len(recipe[1].split()) :]])


def test_the_dora_rules_table_gives_the_rules_defaults() -> None:
    """docs/metrics.md, "Settings": each column's default is DoraRules'."""
    from pulse_common.dora.settings import DoraRules

    text = (REPO / "docs" / "metrics.md").read_text()
    table = text[text.index("| column | default | meaning |") :].split("\n\n", 1)[0]
    rows = re.findall(r"^\| `([a-z_]+)` \| (.+?) \| ", table, re.MULTILINE)
    assert len(rows) >= 7
    defaults = DoraRules()
    wrong = []
    for column, stated in rows:
        value = stated.split(" (")[0].strip("`").replace("\\|", "|")
        actual = getattr(defaults, column)
        shown = "null" if actual is None else str(getattr(actual, "value", actual))
        if value != shown:
            wrong.append((column, value, shown))
    assert wrong == []
