"""What can go wrong in a sync, as classes: whether retrying can help
(``retryable``) and how the job API reports it. Messages name the source,
the request path and the field, never a credential."""

from __future__ import annotations

from pulse_common.errors import Conflict, InvalidInput, PulseError


class SourceError(PulseError):
    """A Jira or GitHub request failed."""

    code = "source_error"
    http_status = 502

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source


class AuthFailed(SourceError):
    """401, or a 403 that is not a rate limit: the credentials are wrong or
    lack a permission. Permanent until an operator changes them."""

    code = "source_auth_failed"


class SourceNotFound(SourceError):
    """404: a configured project, organisation or repository does not exist
    (or the credentials cannot see it). Permanent."""

    code = "source_not_found"


class RequestRejected(SourceError):
    """Another 4xx: the request itself is wrong (bad JQL, expired token)."""

    code = "source_rejected"


class MalformedResponse(SourceError):
    """A body that is not JSON or does not have the documented shape; the
    message names the field. Permanent: retrying gets the same page."""

    code = "source_malformed"


class SourceUnavailable(SourceError):
    """5xx, timeouts, dropped connections or rate-limit waits beyond the
    budget, after every retry. A later run can succeed."""

    retryable = True
    code = "source_unavailable"
    http_status = 503


class MissingCredentials(InvalidInput):
    """The integration's Secret is not mounted, or lacks the key."""

    code = "missing_credentials"


class JobAlreadyRunning(Conflict):
    """Another runner (here or on another replica) holds the integration."""

    code = "job_running"


class JobCancelled(PulseError):
    """Raised inside a run when its job was cancelled or paused."""

    code = "job_stopped"

    def __init__(self, state: str) -> None:
        super().__init__(f"job {state}")
        self.state = state


class DatabaseUnavailable(PulseError):
    """The tenant's database refused the run's first writes (read-only after
    a failover) or could not be reached: nothing was recorded there, so the
    job API reports the failed run from this process's memory. A later run
    can succeed."""

    retryable = True
    code = "database_unavailable"
    http_status = 503


class FailureNotRecorded(DatabaseUnavailable):
    """A run failed (``str()`` is why) and the database then refused to
    record it. The runner has already told the page (the failed event and
    the ERROR line), so whoever catches this must not tell it again; the
    driver's error is the ``__cause__``."""
