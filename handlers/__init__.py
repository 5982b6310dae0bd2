"""Command handlers, one module per capability. Importing `handlers.load_all()` registers every command."""

from __future__ import annotations

import importlib
import pkgutil


def load_all() -> None:
    """Import every handler module so its `@command` decorators run (idempotent)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
