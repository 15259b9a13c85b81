"""The simulated Koji's data: records, in-memory state, clock, versioned history, dependencies."""
