"""The build engine: what kojid does with tasks, from queueing to CLOSED or FAILED."""
