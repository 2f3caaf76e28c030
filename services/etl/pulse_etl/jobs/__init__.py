"""Job orchestration: the etl_jobs state machine, runs with checkpoints,
one runner per integration, progress events and the job control API."""
