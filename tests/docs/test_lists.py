"""What the README lists is complete (suites, benchmarks, docs), and every
metric the docs name is exported with its labels."""

from __future__ import annotations

import re

from tests.docs.text import DOCS, README, REPO

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


# Paths the docs name that are not in the tree on purpose: made by a run, or
# named as what they used to be.
NOT_IN_THE_TREE = {
    "tests/frontend/artifacts/",  # the browser suite's screenshots
    "services/frontend/.lint-cache",  # eslint's cache
    "tests/smoke/test_dev.py",  # test-budget.md: what tests/journey/test_dev.py was
}
# Where a path the docs give from inside a package (`analytics/median.py`,
# `pulse_common/ai/config.py`) is looked for.
PACKAGE_ROOTS = [
    "",
    "services/common/",
    "services/backend/",
    "services/etl/",
    "operator/",
    "services/common/pulse_common/",
    "services/backend/pulse_backend/",
    "services/etl/pulse_etl/",
    "operator/pulse_operator/",
]


def test_every_file_the_docs_name_exists() -> None:
    tops = {p.name for p in REPO.iterdir() if not p.name.startswith(".")}
    inner = ("pulse_common/", "pulse_backend/", "pulse_operator/", "pulse_etl/", "agent/")
    inner += ("analytics/", "reconcile/")
    named = {
        token.rstrip(".,:;").split("::")[0]
        for path in DOCS
        for token in re.findall(r"`([^`\s]+/[^`\s]*)`", path.read_text())
        if token.split("/")[0] in tops or token.startswith(inner)
    }
    named = {n for n in named if not re.search(r"[<*{]", n)}
    assert len(named) > 50
    missing = sorted(
        n
        for n in named - NOT_IN_THE_TREE
        # `analytics/engineering.STATEMENT`: a name in a module
        if not any((REPO / (root + n)).exists() for root in PACKAGE_ROOTS)
        and not any(
            (REPO / (root + n.rsplit(".", 1)[0] + ".py")).exists() for root in PACKAGE_ROOTS
        )
    )
    assert missing == []
