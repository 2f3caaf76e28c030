"""The tenant's chat model: aicore's Router over the tenant's active ``ai``
providers (decrypted keys, interactive preference, fallback chain), each
call recorded in the tenant's ``ai_performance_metrics``. None when the
tenant has no active AI provider: the assistant then answers locally."""

from __future__ import annotations

from pulse_backend.context import Principal
from pulse_backend.db import tenant_write
from pulse_backend.providers.service import credentials, list_providers
from pulse_backend.state import AppClients
from pulse_backend.tx import read_transaction
from pulse_common.ai import ChatModel
from pulse_common.ai.config import ProviderType
from pulse_common.ai.metrics import SqlMetricsRecorder
from pulse_common.ai.routing import ProviderEntry, Router


def tenant_chat_model(clients: AppClients, principal: Principal) -> ChatModel | None:
    p = principal
    with read_transaction(clients.replica, p.names, p.session_id, p.pending_lsn) as conn:
        entries = []
        for out in list_providers(conn):
            if out.type is not ProviderType.ai or not out.active:
                continue
            _, key = credentials(conn, clients.encryption, p.slug, out.id)
            entries.append(ProviderEntry(out.name, out.type, out.config, key, out.active))
    if not entries:
        return None
    recorder = SqlMetricsRecorder(p.tenant_id, lambda: tenant_write(clients, p), "backend")
    return Router(entries, recorder)
