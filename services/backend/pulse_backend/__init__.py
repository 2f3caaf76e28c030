"""Pulse shared backend API (FastAPI, port 3001).

Run: ``uvicorn --factory pulse_backend.app:create_app --port 3001`` or
``python -m pulse_backend``; settings in ``settings.py`` (``PULSE_BACKEND_*``).

Adding a feature (one module per concern):

- a router in ``routes/<feature>.py`` (thin: parse, call a service, return),
  listed in ``routes.API_ROUTERS``; the typed logic in ``<feature>_service.py``;
- every route declares its permission: ``principal: Annotated[Principal,
  require("resource:action")]`` (add new permissions to ``rbac.PERMISSIONS``
  and the roles that get them); tests/backend/test_rbac.py fails otherwise;
- SQL runs as the caller's tenant: ``conn: ReadConn`` (replica, with lag and
  read-your-writes fallback) or ``conn: WriteConn`` (primary, committed before
  the response); a service that must act after the commit uses
  ``db.tenant_write(clients, principal)``;
- clients (engines, Redis, keys, encryption keys, metrics) come from the
  ``Clients`` dependency (``state.py``); Redis keys of a tenant start with
  ``principal.names.key_prefix`` (``t:<slug>:``);
- errors are ``PulseError`` subclasses (``errors.py``; ``FieldInvalid`` for a
  422 naming a field); logs take a ``category=`` (``logging.CATEGORIES``);
  cache lookups count in ``metrics.cache`` (labels: cache name, hit/miss).
"""
