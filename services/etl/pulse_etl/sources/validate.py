"""Validation of the sources' bodies against the response models: an error
names the first wrong field and the item it is in."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from pulse_etl.errors import MalformedResponse

M = TypeVar("M")


# Validators built once per model: building one per page (or per PR's
# children) was a visible share of a sync's CPU.
_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(model: Any) -> TypeAdapter[Any]:
    found = _ADAPTERS.get(model)
    if found is None:
        found = _ADAPTERS[model] = TypeAdapter(model)
    return found


def list_adapter(model: type[M]) -> TypeAdapter[list[M]]:
    """A cached validator of a JSON array of ``model``."""
    return _adapter(list[model])  # type: ignore[valid-type]


def parse(source: str, what: str, model: type[M] | TypeAdapter[M], data: Any) -> M:
    """Validates a body; a mismatch names the first wrong field."""
    adapter: TypeAdapter[M] = model if isinstance(model, TypeAdapter) else _adapter(model)
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(body)"
        item = _item(data, err["loc"])
        raise MalformedResponse(
            source,
            f"{what}: field {where}: {err['msg']} ({exc.error_count()} errors"
            + (f", the first in {item})" if item else ")"),
        ) from None


def _item(data: Any, loc: tuple[int | str, ...]) -> str | None:
    """The source's name of the listed item the error is in (an issue key, a
    PR number, an id), for the admin to look it up: the index alone named
    nothing they can find."""
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
        if isinstance(part, int) and isinstance(node, dict):
            for name, shown in (("key", "{}"), ("number", "#{}"), ("id", "id {}")):
                value = node.get(name)
                if isinstance(value, str | int) and not isinstance(value, bool):
                    return shown.format(str(value)[:64])
    return None


class Strict(BaseModel):
    """Response models accept extra fields (APIs add them) but not wrong types."""

    model_config = {"extra": "ignore", "frozen": True}
