"""Writes the backend's OpenAPI document to src/api/openapi.json.

The frontend's API client is generated from this file (``npm run gen:api``);
tests/frontend/test_api_client.py fails when it no longer matches the backend.
Building the document needs no database: ``openapi()`` never enters the app's
lifespan, and dev settings need no secrets.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

FRONTEND = Path(__file__).resolve().parents[1]
REPO = FRONTEND.parents[1]
TARGET = FRONTEND / "src" / "api" / "openapi.json"


def document() -> dict[str, Any]:
    from pulse_backend.app import create_app
    from pulse_backend.settings import Environment, Settings

    spec: dict[str, Any] = create_app(Settings(environment=Environment.dev)).openapi()
    return spec


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    for sub in ("services/backend", "services/common"):
        sys.path.insert(0, str(REPO / sub))
    TARGET.write_text(render())
    print(f"wrote {TARGET.relative_to(REPO)}")
