"""Links derived after a load, in the run's final transaction.

Incidents → the deployment that caused them: the latest successful deployment
to a production environment (``dora.production_environments``) that finished
before the incident started (DevLake's rule). The DORA branch adds
deployment↔commit and incident link tables; these queries move there then."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

LINK_INCIDENTS = """
UPDATE incidents i
   SET deployment_id = d.id, repository_id = d.repository_id, last_updated_at = now()
FROM (
  SELECT i2.id AS incident_id,
         (SELECT d2.id FROM deployments d2
           WHERE d2.status = 'success' AND d2.deployed_at <= i2.started_at
             AND d2.environment IN (SELECT jsonb_array_elements_text(COALESCE(
                   (SELECT value FROM system_settings WHERE key = 'dora.production_environments'),
                   '["production"]'::jsonb)))
           ORDER BY d2.deployed_at DESC, d2.id DESC LIMIT 1) AS deployment_id
  FROM incidents i2
) pick JOIN deployments d ON d.id = pick.deployment_id
WHERE i.id = pick.incident_id AND i.deployment_id IS DISTINCT FROM d.id
"""


async def derive_links(conn: AsyncConnection[Any]) -> int:
    cur = await conn.execute(LINK_INCIDENTS)
    return int(cur.rowcount)
