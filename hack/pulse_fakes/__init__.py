"""Local stand-ins for Jira Cloud (REST v3), GitHub (REST) and an
OpenAI-compatible AI gateway (see gateway.py), used by tests,
benchmarks and ``make dev``. They serve a generated organisation, deterministic
from a seed, and follow the public APIs in everything the ETL relies on
(see README.md next to this file)."""

from pulse_fakes.data import GithubOrg, JiraOrg, OrgSpec, generate
from pulse_fakes.faults import Fault, FaultPlan
from pulse_fakes.gateway import GatewayState
from pulse_fakes.server import FakeServer, serve_gateway, serve_github, serve_jira

__all__ = [
    "FakeServer",
    "Fault",
    "FaultPlan",
    "GatewayState",
    "GithubOrg",
    "JiraOrg",
    "OrgSpec",
    "generate",
    "serve_gateway",
    "serve_github",
    "serve_jira",
]
