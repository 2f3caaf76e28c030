"""What README.md and docs/ say, read for the tests of this package: the
docs' text, their sections, and the names the code gives settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
DOCS = [README, *sorted((REPO / "docs").glob("*.md"))]
CHART = REPO / "charts" / "pulse"


def docs_text() -> str:
    return "\n".join(p.read_text() for p in DOCS)


def one_line(text: str) -> str:
    """Backtick spans and phrases broken over two lines joined again."""
    return re.sub(r"\s*\n\s*", " ", text)


def settings_variables() -> dict[str, Any]:
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


def lookup(tree: Any, path: list[str]) -> tuple[bool, Any]:
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return False, None
        tree = tree[key]
    return True, tree


def bash_block(heading: str) -> list[str]:
    text = README.read_text()
    section = text[text.index(heading) :]
    start = section.index("```bash\n") + len("```bash\n")
    return section[start : section.index("\n```", start)].splitlines()
