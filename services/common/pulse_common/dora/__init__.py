"""DORA rules shared by the ETL (which stores the links after each load) and
the backend (which reads them): the tenant's settings, the hotfix/revert
markers, and how deployments are tied to commits, PRs and incidents."""
