"""The web app's own checks, so that `make test` runs them: type check and
lint, the Vitest unit/component tests, the production build and its initial
JavaScript budget, and the generated API client against the backend."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pulse_testworld.web_lint import typecheck_and_lint
from tests.frontend.conftest import FRONTEND, npm

sys.path.insert(0, str(FRONTEND / "scripts"))
import dump_openapi


def test_typecheck_and_lint() -> None:
    # tsc and eslint as `npm run lint` runs them, with their caches by content.
    for r in typecheck_and_lint():
        assert r.returncode == 0, " ".join(r.args) + "\n" + r.stdout + r.stderr


def test_unit_and_component_tests() -> None:
    r = npm("test")
    assert r.returncode == 0, r.stdout + r.stderr
    assert " passed" in r.stdout


def test_initial_javascript_within_budget(frontend_dist: Path) -> None:
    r = subprocess.run(
        ["node", str(FRONTEND / "scripts" / "bundle-size.mjs"), "--budget-kb", "250"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    print(r.stdout)
    assert r.returncode == 0, r.stdout + r.stderr
    size = json.loads(r.stdout)
    assert size["total_gzip"] > 10_000  # the measurement saw the real bundle
    # Pages past the first screen are separate chunks, loaded on demand.
    assert len(list((frontend_dist / "assets").glob("*.js"))) > len(size["files"])


def test_committed_openapi_document_matches_the_backend() -> None:
    committed = dump_openapi.TARGET.read_text()
    assert committed == dump_openapi.render(), (
        "services/frontend/src/api/openapi.json is stale: run `npm run gen:api` in services/frontend"
    )


def test_generated_client_types_match_the_document(tmp_path: Path) -> None:
    out = tmp_path / "schema.d.ts"
    r = npm("exec", "--", "openapi-typescript", "src/api/openapi.json", "-o", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert out.read_text() == (FRONTEND / "src" / "api" / "schema.d.ts").read_text(), (
        "src/api/schema.d.ts is stale: run `npm run gen:api` in services/frontend"
    )


def test_nginx_sends_the_same_security_headers_in_every_location() -> None:
    headers = json.loads((FRONTEND / "security-headers.json").read_text())
    conf = (FRONTEND / "nginx.conf").read_text()
    # nginx drops the server's add_header lines in a location that has its
    # own, so every block with an add_header must repeat them all.
    blocks = [b for b in conf.split("location ") if "add_header" in b]
    assert len(blocks) == 3
    for block in blocks:
        for name, value in headers.items():
            assert f'add_header {name} "{value}" always;' in block, name
