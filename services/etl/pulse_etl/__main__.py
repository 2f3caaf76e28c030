"""``python -m pulse_etl``: serve the ETL app with uvicorn."""

from __future__ import annotations

import uvicorn

from pulse_common.logging import configure_logging
from pulse_etl.app import create_app
from pulse_etl.settings import load_settings


def main() -> None:
    settings = load_settings()  # from the environment; exits naming a bad one
    configure_logging(json=settings.log_json)
    # All interfaces: inside the pod, the Service and probes reach it there.
    host = "0.0.0.0"  # noqa: S104
    uvicorn.run(
        create_app(settings), host=host, port=settings.port, log_level="info", access_log=False
    )


if __name__ == "__main__":
    main()
