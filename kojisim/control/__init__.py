"""Changing the simulated Koji outside its Koji API: ``sim.*`` operations, faults, bus messages."""
