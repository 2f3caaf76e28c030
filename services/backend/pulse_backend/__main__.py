"""``python -m pulse_backend``: the same as
``uvicorn --factory pulse_backend.app:create_app --port 3001``."""

from __future__ import annotations

import os

import uvicorn


def main() -> None:
    # All interfaces: inside the pod, the Service and probes reach it there.
    host = os.environ.get("PULSE_BACKEND_HOST", "0.0.0.0")  # noqa: S104
    port = int(os.environ.get("PULSE_BACKEND_PORT", "3001"))
    uvicorn.run(
        "pulse_backend.app:create_app",
        factory=True,
        host=host,
        port=port,
        # Behind an ingress the client address (login limits per address)
        # comes from X-Forwarded-For, trusted only from these peers; uvicorn
        # also reads FORWARDED_ALLOW_IPS when this is unset.
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("PULSE_BACKEND_FORWARDED_ALLOW_IPS"),
        access_log=False,  # the app logs each request itself (category HTTP)
        log_level="info",
    )


if __name__ == "__main__":
    main()
