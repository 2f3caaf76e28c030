"""The tenant's data integrations, as the operator passes them
(``PULSE_ETL_INTEGRATIONS``: ``spec.integrations`` as JSON), and their
credentials, read from the Secret files mounted for each of them."""

from __future__ import annotations

import enum
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from pulse_common.errors import InvalidInput
from pulse_etl.errors import MissingCredentials

GITHUB_API = "https://api.github.com"


class Kind(enum.StrEnum):
    jira = "jira"
    github = "github"


class SecretRef(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    key: str = "token"


class Integration(BaseModel):
    """One entry of ``spec.integrations`` (same field names), plus ETL options
    with defaults."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    name: str = Field(min_length=1, max_length=63)
    type: Kind
    base_url: str | None = Field(default=None, alias="baseUrl")
    projects: list[str] = []
    organization: str | None = None
    repositories: list[str] = []
    credentials: SecretRef = Field(alias="credentialsSecretRef")
    # Jira issue types loaded as incidents as well as work items.
    incident_types: list[str] = Field(default=["Incident"], alias="incidentTypes")
    page_size: int = Field(default=100, ge=1, le=100, alias="pageSize")

    @model_validator(mode="after")
    def _complete(self) -> Integration:
        if self.type is Kind.jira and not (self.base_url and self.projects):
            raise ValueError("a jira integration needs baseUrl and at least one project")
        if self.type is Kind.github and not (self.organization or self.repositories):
            raise ValueError("a github integration needs organization or repositories")
        return self

    @property
    def api_url(self) -> str:
        return (self.base_url or GITHUB_API).rstrip("/")


def parse_integrations(raw: str) -> list[Integration]:
    """Every integration, or InvalidInput naming the first bad field."""
    found, errors = read_integrations(raw)
    if errors:
        raise InvalidInput(errors[0])
    return found


def read_integrations(raw: str) -> tuple[list[Integration], list[str]]:
    """The valid integrations and one message per invalid one: the service
    keeps serving the others (a bad entry must not crash-loop the pod)."""
    try:
        data = json.loads(raw or "[]")
    except json.JSONDecodeError as exc:
        return [], [f"PULSE_ETL_INTEGRATIONS: not JSON ({exc.msg})"]
    if not isinstance(data, list):
        return [], ["PULSE_ETL_INTEGRATIONS: expected a JSON list"]
    found: list[Integration] = []
    errors: list[str] = []
    for i, item in enumerate(data):
        try:
            found.append(Integration.model_validate(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "(entry)"
            errors.append(f"PULSE_ETL_INTEGRATIONS[{i}]: {where}: {err['msg']}")
    return found, errors


class Credentials(BaseModel):
    """Jira Cloud: ``email`` + API token (HTTP Basic); otherwise a bearer token."""

    model_config = ConfigDict(frozen=True)
    token: SecretStr
    email: str | None = None


def load_credentials(root: Path, integration: Integration) -> Credentials:
    """``<root>/<integration>/<key>`` holds the token; a sibling ``email``
    file switches Jira to Basic authentication."""
    folder = root / integration.name
    token_file = folder / integration.credentials.key
    where = f"integration {integration.name}: Secret {integration.credentials.name}"
    # The operator's volume is optional: a Secret missing from the namespace
    # leaves an empty folder (the kubelet's own entries start with "..").
    if not folder.is_dir() or not any(not p.name.startswith("..") for p in folder.iterdir()):
        raise MissingCredentials(f"{where} is not mounted (missing in the tenant's namespace?)")
    try:
        token = token_file.read_text().strip()
    except OSError:
        raise MissingCredentials(f"{where} has no key {integration.credentials.key!r}") from None
    if not token:
        raise MissingCredentials(f"{where}: key {integration.credentials.key!r} is empty")
    email_file = folder / "email"
    email = email_file.read_text().strip() if email_file.is_file() else None
    return Credentials(token=SecretStr(token), email=email or None)
