"""Route modules. Each holds one ``router``; ``API_ROUTERS`` lists those
mounted under /api/v1 (add a new feature's router here)."""

from fastapi import APIRouter

from pulse_backend import ws
from pulse_backend.routes import (
    analytics,
    assistant,
    auth,
    catalog,
    etl,
    logs,
    ml,
    profile,
    providers,
    search,
    settings,
    users,
)

API_ROUTERS: list[APIRouter] = [
    auth.router,
    users.router,
    profile.router,
    settings.router,
    providers.router,
    ml.router,
    analytics.router,
    assistant.router,
    catalog.router,
    logs.router,
    search.router,
    etl.router,
    ws.router,
]
