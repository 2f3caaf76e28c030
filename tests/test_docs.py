"""What README.md and docs/ name exists under that name, with that value.

A reader copies a variable, a route or a chart value from the docs; a renamed
setting or route leaves the docs wrong with nothing failing. These tests read
the docs and check each name against the code itself: the settings models,
the backend's OpenAPI document (and its permissions), the chart's values and
schema. No test world is needed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DOCS = [README, *sorted((REPO / "docs").glob("*.md"))]
CHART = REPO / "charts" / "pulse"


def _text() -> str:
    return "\n".join(p.read_text() for p in DOCS)


def _one_line(text: str) -> str:
    """Backtick spans and phrases broken over two lines joined again."""
    return re.sub(r"\s*\n\s*", " ", text)


# --- environment variables -------------------------------------------------


def _settings_variables() -> dict[str, Any]:
    """Every ``PULSE_*`` variable a settings model reads -> its default."""
    from pulse_backend.settings import RateLimits, Settings
    from pulse_backend.ws import WsSettings
    from pulse_etl.settings import EtlSettings
    from pulse_operator.config import OperatorConfig

    found: dict[str, Any] = {}
    for model in (Settings, RateLimits, WsSettings, EtlSettings, OperatorConfig):
        prefix = model.model_config.get("env_prefix", "")
        for name, field in model.model_fields.items():
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseSettings):
                continue  # a nested settings class, read under its own prefix
            found[f"{prefix}{name}".upper()] = field.get_default(call_default_factory=True)
    return found


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
    named = set(re.findall(r"\bPULSE_[A-Z0-9_]*[A-Z0-9]\b", _text()))
    assert len(named) > 10
    settings = _settings_variables()
    sources = _sources_text()
    unknown = sorted(v for v in named if v not in settings and v not in sources)
    assert unknown == []


def _backend_settings_paragraph() -> str:
    text = _one_line(README.read_text())
    start = text.index("Settings (environment, prefix `PULSE_BACKEND_`")
    return text[start : text.index("In the chart: `backend.*`", start)]


def test_the_backend_settings_list_names_real_settings() -> None:
    settings = _settings_variables()
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
    settings = _settings_variables()
    stated = [(m[1], m[2]) for m in STATED_DEFAULT.finditer(_one_line(_text()))]
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
    settings = _settings_variables()
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    pairs = CHART_VALUE_OF.findall(_one_line(README.read_text()))
    assert len(pairs) >= 2
    wrong = [
        (variable, value, settings[variable], _lookup(values, value.split("."))[1])
        for variable, value in pairs
        if settings[variable] != _lookup(values, value.split("."))[1]
    ]
    assert wrong == []


# --- routes ------------------------------------------------------------------

METHODS = "GET|POST|PUT|PATCH|DELETE"
# `GET /users`, `GET/POST /users`, `PUT/GET/DELETE /settings/branding/logo`
ROUTE = re.compile(rf"`((?:{METHODS})(?:/(?:{METHODS}))*) (/[^`\s]*)")
# The docs name routes from /api/v1 (the README's table) or from the
# analytics API (docs/metrics.md, "The API").
BASES = ("", "/api/v1", "/api/v1/analytics")


@pytest.fixture(scope="module")
def api() -> tuple[dict[tuple[str, str], str | None], dict[str, Any], set[str]]:
    """(method, path) -> permission, the OpenAPI paths, the WebSocket paths."""
    from starlette.routing import WebSocketRoute

    from pulse_backend.app import create_app
    from pulse_backend.settings import Settings
    from tests.backend.test_rbac import api_routes

    app = create_app(Settings(environment="dev"))
    sockets: set[str] = set()
    stack: list[Any] = list(app.router.routes)
    while stack:
        route = stack.pop()
        inner = getattr(route, "original_router", None)
        if inner is not None:
            stack.extend(inner.routes)
        elif isinstance(route, WebSocketRoute):
            sockets.add(route.path)
    paths = app.openapi()["paths"]
    # api_routes covers /api/v1; the operations routes (/healthz...) are public.
    ops = {(m.upper(), p): None for p, item in paths.items() for m in item} | api_routes(app)
    return ops, paths, sockets


def _matches(template: str, path: str) -> bool:
    """A documented path (``{id}``, a literal value) against a route template."""
    want, have = path.strip("/").split("/"), template.strip("/").split("/")
    return len(want) == len(have) and all(
        h == w or (h.startswith("{") and h.endswith("}")) for w, h in zip(want, have, strict=True)
    )


def _documented_routes() -> Iterator[tuple[str, str, str]]:
    """(method, path, query) of every route the docs name with its method.
    ``GET/POST/PATCH/DELETE /ai-providers[/{id}]`` is each method on one of
    the two paths, given as ``/ai-providers|/ai-providers/{id}``."""
    for methods, raw in ROUTE.findall(_text()):
        path, _, query = raw.partition("?")
        path = path.rstrip(".,;:")
        if "*" in path or "…" in path:
            continue
        if "[" in path:
            path = re.sub(r"\[.*?\]", "", path) + "|" + path.replace("[", "").replace("]", "")
        for method in methods.split("/"):
            yield method, path, query


def _find(ops: dict[tuple[str, str], str | None], method: str, path: str) -> str | None:
    """The route template the documented route is, or None."""
    for base in BASES:
        for one in path.split("|"):
            for m, template in ops:
                if m == method and _matches(template, base + one):
                    return template
    return None


def test_every_route_the_docs_name_is_served(api: Any) -> None:
    ops, paths, _ = api
    documented = list(_documented_routes())
    assert len(documented) > 50
    missing = sorted({(m, p) for m, p, _ in documented if _find(ops, m, p) is None})
    assert missing == []
    # Query parameters named (`GET /api/v1/search?q=&types=`) are the route's.
    unknown = []
    for method, path, query in documented:
        template = _find(ops, method, path)
        if not query or template is None:
            continue
        params = {p["name"] for p in paths[template][method.lower()].get("parameters", [])}
        names = {part.split("=")[0] for part in query.replace("\\|", "|").split("&")}
        unknown += [(method, path, n) for n in sorted(names - params)]
    assert unknown == []


def _route_table() -> list[str]:
    text = README.read_text()
    start = text.index("| area | routes |")
    return text[start : text.index("\n\n", start)].splitlines()[2:]


def test_every_path_in_the_readme_route_table_is_served(api: Any) -> None:
    """The table also names routes without their method (`/auth/refresh`,
    WebSocket `/ws`) and siblings by their last part (`/accept` and `/reject`)."""
    ops, _, sockets = api
    served = {p for _, p in ops} | sockets
    missing = []
    for row in _route_table():
        previous = ""
        for span in re.findall(r"`([^`]*)`", row):
            path = span.split(" ")[-1]
            if not path.startswith("/") or "[" in path or "," in span:
                continue
            found = [
                t
                for t in served
                for base in ("", "/api/v1")
                for candidate in (base + path, base + previous.rsplit("/", 1)[0] + path)
                if _matches(t, candidate)
            ]
            if not found:
                missing.append(span)
            previous = path
    assert missing == []


# "`GET /api/v1/search?...` (permission `search:read`)", "`GET /ml/alerts` lists them (`ml:read`)"
STATED_PERMISSION = re.compile(
    rf"`((?:{METHODS})) (/[^`?\s]*)[^`]*`[^`]{{0,40}}?`([a-z_]+:[a-z]+)`"
)


def test_stated_permissions_are_the_routes_own(api: Any) -> None:
    ops, _, _ = api
    stated = STATED_PERMISSION.findall(_one_line(_text()))
    assert len(stated) >= 5
    wrong = []
    for method, path, permission in stated:
        template = _find(ops, method, path)
        if template is None or ops[(method, template)] != permission:
            wrong.append((method, path, permission, template and ops[(method, template)]))
    assert wrong == []


# --- Helm values --------------------------------------------------------------

TOP_LEVEL = (
    "crds|operator|etl|postgres|qdrant|redis|networkPolicy|backend|frontend|serviceMonitor|tests"
)
# Dotted names under a top-level key that are not chart values.
NOT_VALUES = {"etl.progress"}  # the ETL's WebSocket event
VALUE = re.compile(rf"(?:`|--set )((?:{TOP_LEVEL})(?:\.[A-Za-z][A-Za-z0-9]*)+)(?=[`=])")


def _lookup(tree: Any, path: list[str]) -> tuple[bool, Any]:
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return False, None
        tree = tree[key]
    return True, tree


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
        if not _lookup(values, v.split("."))[0] or not _schema_has(schema, v.split("."))
    )
    assert missing == []


def test_the_redis_memory_policy_the_readme_states_is_the_charts() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())["redis"]
    stated = re.findall(r"`maxmemory (\S+) (\S+)`", README.read_text())
    assert stated == [(values["maxmemory"], values["maxmemoryPolicy"])]
    policies = set(re.findall(r"`maxmemory-policy (\S+)`", README.read_text()))
    assert policies == {values["maxmemoryPolicy"]}


# --- what the README lists --------------------------------------------------


def _layout_line(folder: str) -> str:
    text = README.read_text()
    block = text[text.index("## Layout") :]
    block = block[: block.index("\n```\n", block.index("```") + 3)]
    return next((line for line in block.splitlines() if line.startswith(folder)), "")


def test_the_layout_names_every_suite_benchmark_and_doc() -> None:
    suites = sorted(
        p.name for p in (REPO / "tests").iterdir() if (p / "__init__.py").is_file()
    ) + sorted(p.name for p in (REPO / "tests").glob("test_*.py"))
    tests_line = _layout_line("tests/")
    assert [s for s in suites if not re.search(rf"\b{re.escape(s)}\b", tests_line)] == []
    # Benchmark scripts (a module others import, no main, is not one).
    benchmarks = sorted(
        p.stem for p in (REPO / "benchmarks").glob("*.py") if "__main__" in p.read_text()
    )
    line = _layout_line("benchmarks/")
    assert [b for b in benchmarks if not re.search(rf"\b{b}\b", line)] == []
    docs = sorted(f"docs/{p.name}" for p in (REPO / "docs").glob("*.md"))
    assert [d for d in docs if not _layout_line(d)] == []


def test_the_testing_table_describes_every_suite() -> None:
    suites = sorted(p.name for p in (REPO / "tests").iterdir() if (p / "__init__.py").is_file())
    rows = set(re.findall(r"^\| `tests/([a-z_]+)` \|", README.read_text(), re.MULTILINE))
    assert [s for s in suites if s not in rows] == []


def test_the_readme_route_table_names_every_route(api: Any) -> None:
    ops, _, _ = api
    named = set()
    for row in _route_table():
        for methods, raw in ROUTE.findall(row):
            raw = raw.rstrip(".,;:")
            paths = {re.sub(r"\[.*?\]", "", raw), raw.replace("[", "").replace("]", "")}
            named |= {
                (method, template)
                for method in methods.split("/")
                for path in paths
                for m, template in ops
                if m == method and _matches(template, "/api/v1" + path)
            }
    missing = sorted(k for k in ops if k[1].startswith("/api/v1") and k not in named)
    assert missing == []


# --- metrics -------------------------------------------------------------------

# `pulse_operator_tenants{phase}`, `pulse_replica_fallbacks_total`
METRIC = re.compile(r"`(pulse_[a-z_]+)(?:\{([a-z_, ]+)\})?`")
METRIC_DOCS = [*DOCS, *sorted(REPO.glob("services/*/README.md"))]


def _registered_metrics() -> dict[str, set[str]]:
    """Every metric the backend, the ETL and the operator export -> its labels
    (a counter under its exported ``_total`` name)."""
    import prometheus_client

    import pulse_operator.metrics  # noqa: F401 - registers the operator's metrics
    from pulse_backend.metrics import Metrics as BackendMetrics
    from pulse_etl.metrics import Metrics as EtlMetrics

    found: dict[str, set[str]] = {}
    for registry in (
        BackendMetrics().registry,
        EtlMetrics().registry,
        prometheus_client.REGISTRY,
    ):
        # A labelled metric with no sample yet exports nothing: its names and
        # label names are the collector's own.
        for collector, names in registry._collector_to_names.items():
            for name in names:
                found[name] = set(getattr(collector, "_labelnames", ()))
    return found


def test_every_metric_the_docs_name_is_exported_with_its_labels() -> None:
    registered = _registered_metrics()
    named = [
        (m[1], m[2])
        for path in METRIC_DOCS
        for m in METRIC.finditer(path.read_text())
        if m[2] or m[1].endswith(("_total", "_seconds", "_bytes"))
    ]
    assert len(named) >= 10
    wrong = [
        (name, labels)
        for name, labels in named
        if name not in registered
        or not {label.strip() for label in (labels or "").split(",") if label} <= registered[name]
    ]
    assert wrong == []


# --- database commands --------------------------------------------------------


def _bash_block(heading: str) -> list[str]:
    text = README.read_text()
    section = text[text.index(heading) :]
    start = section.index("```bash\n") + len("```bash\n")
    return section[start : section.index("\n```", start)].splitlines()


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
    import os
    import subprocess

    lines = _bash_block(heading)
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
