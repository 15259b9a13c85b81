"""Fixtures for the simulator's tests: kojisim runs as a subprocess on loopback.

The fixtures live in ``kojisim.pytest_plugin`` so that other test trees can use them too
(``pytest_plugins = ["kojisim.pytest_plugin"]``).
"""

from kojisim.pytest_plugin import kojisim_fresh, kojisim_server, kojisim_small

__all__ = ["kojisim_fresh", "kojisim_server", "kojisim_small"]
