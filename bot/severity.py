"""How bad a problem is: one scale for the diagnosis rules' findings and for alerts of every source.

A watcher finding becomes an alert with its severity unchanged, so both speak this one enum. Pure: no I/O.
"""

from __future__ import annotations

from enum import IntEnum


class Severity(IntEnum):
    """Ordered: the highest of a group's alerts is its severity, and sorting highest first puts what is down
    before what is at risk. Routes match on the lowercase name."""

    INFO = 1
    WARNING = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def from_text(cls, text: str | None) -> Severity:
        """The severity a label or an Azure `Sev0`–`Sev4` means. Unknown or missing is WARNING: loud enough to be
        seen, not loud enough to page."""
        word = (text or "").strip().lower().replace(" ", "")
        return _SEVERITY_WORDS.get(word, cls.WARNING)


# Alertmanager has no fixed vocabulary (the `severity` label is a convention of kube-prometheus and the AKS
# recommended rules: critical / warning / info / none); Azure Monitor has Sev0 (critical) … Sev4 (verbose).
_SEVERITY_WORDS: dict[str, Severity] = {
    **dict.fromkeys(("critical", "crit", "error", "page", "high", "p1", "sev0", "sev1", "fatal", "emergency"),
                    Severity.CRITICAL),
    **dict.fromkeys(("warning", "warn", "medium", "moderate", "p2", "p3", "sev2"), Severity.WARNING),
    **dict.fromkeys(("info", "informational", "information", "low", "none", "p4", "p5", "sev3", "sev4", "verbose"),
                    Severity.INFO),
}
