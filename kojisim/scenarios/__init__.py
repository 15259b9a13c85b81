"""What the simulated Koji starts from and moves to: scenarios, repo directories, snapshots.

The YAML scenarios shipped with kojisim (``small.yaml``, ``demo.yaml``) live here too.
"""
