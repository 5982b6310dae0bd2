"""Scenario files of the sandbox (read with importlib.resources)."""
