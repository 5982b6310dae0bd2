"""The rules every shipped entry must follow, checked by `aksbot kb lint` and by the test suite.

Beyond the schema (`knowledge.model`): both languages filled in everywhere, at least one note source whose file
and heading exist in the team's notes, at least one official documentation link, ids equal to file names and
unique, `related` ids that resolve, live signals from the diagnosis vocabulary, and `/k8s …` commands that
aksbot actually has. The notes folder is optional (an installed wheel has none): without it the note file and
heading checks are skipped, never guessed.

This module reads files but changes nothing; it does not read the environment (the CLI passes the notes
folder in).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import urlsplit

from rapidfuzz import fuzz, process

from knowledge.evaluation import REAL_PARTS, load_queries, load_real
from knowledge.loader import LoadReport, Problem, read_entries
from knowledge.model import Bilingual, Entry
from knowledge.text import clean

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

SYMPTOMS_PER_LANG = (5, 15)
EVAL_COPY_RATIO = 90.0

# The commands aksbot has (the handlers' registry names); an entry must not promise one that does not exist.
AKSBOT_COMMANDS = frozenset(
    {
        "nodes", "node", "pods", "pod", "events", "logs", "top", "deployments", "pdbs", "health",
        "diagnose node", "diagnose pod", "diagnose cluster", "kb", "aks show", "aks pools", "aks upgrades",
        "aks snat", "cordon", "uncordon", "drain", "delete pod", "restart deployment", "scale deployment",
        "aks scale-pool", "aks reconcile", "aks upgrade-node-image", "audit", "help",
    }
)

# The signals the diagnosis rules emit; `<…>` parts are open but must look like what the API returns.
_REASON = r"[A-Z][A-Za-z0-9]*"
SIGNAL_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        rf"^node\.condition:{_REASON}=(?:True|False|Unknown)$",
        r"^node\.lease:stale$",
        r"^node\.taint:[a-z0-9]([a-z0-9.-]*[a-z0-9])?(?:/[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?$",
        rf"^node\.event:{_REASON}$",
        rf"^pod\.reason:{_REASON}$",
        r"^pod\.exit:\d{1,3}$",
        rf"^pod\.event:{_REASON}$",
        r"^pdb\.disruptions:0$",
        rf"^deployment\.condition:{_REASON}=(?:True|False|Unknown)$",
        r"^runtime:(?:jvm|node|dotnet)-pre-cgroupv2$",
        r"^azure\.provisioning:Failed$",
        r"^azure\.identity:service-principal$",
        r"^azure\.nodeprovisioning:Auto$",
        r"^azure\.snat:pressure$",
        r"^azure\.upgrade:[a-z0-9]+(?:[-_][a-z0-9]+)*$",
        r"^error:[A-Za-z][A-Za-z0-9_.]*$",
    )
)

# Official documentation: the platforms' and runtimes' own sites (host, optional path prefix).
OFFICIAL_DOCS: tuple[tuple[str, str], ...] = (
    ("learn.microsoft.com", ""),
    ("docs.azure.cn", ""),  # the Azure China (21Vianet) edition of the same documentation
    ("docs.microsoft.com", ""),
    ("azure.microsoft.com", ""),
    ("kubernetes.io", ""),
    ("github.com", "/Azure/AKS"),
    ("github.com", "/Azure/azure-container-networking"),
    ("github.com", "/Azure/azure-workload-identity"),
    ("github.com", "/kubernetes/"),
    ("github.com", "/kubernetes-sigs/"),
    ("github.com", "/containerd/"),
    ("docs.oracle.com", ""),
    ("bugs.openjdk.org", ""),
    ("bugs.java.com", ""),
    ("openjdk.org", ""),
    ("nodejs.org", ""),
    ("etcd.io", ""),
    ("cert-manager.io", ""),  # the certificate controller most AKS ingress setups run, documented by its project
    ("helm.sh", ""),  # the package manager most AKS teams deploy with, documented by its project
    ("github.com", "/helm/"),
    # The AKS features and the tools beside them that entries are about, documented by their own projects.
    ("karpenter.sh", ""),
    ("github.com", "/Azure/karpenter-provider-azure"),
    ("github.com", "/microsoft/Docker-Provider"),  # the Container Insights agent's source
    ("registry.terraform.io", "/providers/hashicorp/azurerm"),
    ("github.com", "/hashicorp/terraform-provider-azurerm"),
    ("kubernetes.github.io", "/ingress-nginx"),
    ("cloud-provider-azure.sigs.k8s.io", ""),
    ("istio.io", ""),
    ("github.com", "/istio/"),
    # Azure China (21Vianet): the AKS China team's own guide and issues, and kubelogin's documentation site.
    ("github.com", "/Azure/container-service-for-azure-china"),
    ("azure.github.io", "/kubelogin"),
)

_K8S_COMMAND = re.compile(r"/k8s\s+([^`\"'\n]*)")
_HEADING = re.compile(r"^#{1,6}\s*(.+?)\s*#*\s*$")


def is_official_doc(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme != "https":
        return False
    host = (parts.hostname or "").lower()
    return any(
        (host == official or host.endswith("." + official)) and parts.path.startswith(prefix)
        for official, prefix in OFFICIAL_DOCS
    )


def is_known_signal(signal: str) -> bool:
    return any(p.match(signal) for p in SIGNAL_PATTERNS)


def command_named(text: str) -> str | None:
    """The aksbot command a `/k8s …` line names (longest known prefix of its words), or None."""
    words = [w.lower() for w in text.split()]
    for n in (2, 1):
        name = " ".join(words[:n])
        if len(words) >= n and name in AKSBOT_COMMANDS:
            return name
    return None


@cache
def note_headings(path: Path) -> frozenset[str]:
    """Every heading line's text in a note (code comments in the notes look like headings; harmless here)."""
    headings: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _HEADING.match(line)
        if match:
            headings.add(" ".join(match.group(1).split()))
    return frozenset(headings)


def _bilingual_fields(entry: Entry) -> Iterator[tuple[str, Bilingual]]:
    yield "title", entry.title
    yield "summary", entry.summary
    yield "body", entry.body
    for name, items in (
        ("checks", entry.checks),
        ("fixes", entry.fixes),
        ("versions", entry.versions),
        ("corrections", entry.corrections),
    ):
        for i, item in enumerate(items):
            yield f"{name}.{i}", item


def _lint_languages(file: str, entry: Entry) -> Iterator[Problem]:
    for key, text in _bilingual_fields(entry):
        for lang in ("en", "zh"):
            if not getattr(text, lang).strip():
                yield Problem(file, f"{key}.{lang}", "is empty: every text needs both English and Chinese")
    low, high = SYMPTOMS_PER_LANG
    for lang in ("en", "zh"):
        symptoms: tuple[str, ...] = getattr(entry.symptoms, lang)
        if not low <= len(symptoms) <= high:
            yield Problem(file, f"symptoms.{lang}", f"has {len(symptoms)} phrases; write {low} to {high}")
        for i, symptom in enumerate(symptoms):
            if not symptom.strip():
                yield Problem(file, f"symptoms.{lang}.{i}", "is empty")
        repeated = [s for s, n in Counter(s.strip().lower() for s in symptoms).items() if n > 1]
        if repeated:
            yield Problem(file, f"symptoms.{lang}", f"repeats {repeated[0]!r}")
    if not entry.checks:
        yield Problem(file, "checks", "needs at least one check")
    if not entry.fixes:
        yield Problem(file, "fixes", "needs at least one fix")
    for i, error in enumerate(entry.errors):
        if not error.strip():
            yield Problem(file, f"errors.{i}", "is empty")


def _lint_sources(file: str, entry: Entry, notes_dir: Path | None) -> Iterator[Problem]:
    if not entry.sources.notes:
        yield Problem(file, "sources.notes", "needs at least one note source (file and heading)")
    if notes_dir is not None:
        for i, note in enumerate(entry.sources.notes):
            path = notes_dir / note.file
            if note.file != Path(note.file).name or not path.is_file():
                yield Problem(file, f"sources.notes.{i}.file", f"no note {note.file!r} in {notes_dir}")
                continue
            if " ".join(note.heading.split()) not in note_headings(path):
                yield Problem(file, f"sources.notes.{i}.heading", f"{note.heading!r} is not a heading in {note.file}")
    if not entry.sources.docs:
        yield Problem(file, "sources.docs", "needs at least one official documentation link")
    for i, doc in enumerate(entry.sources.docs):
        if not is_official_doc(doc.url):
            yield Problem(file, f"sources.docs.{i}.url", f"{doc.url!r} is not an https link to official documentation")


def _command_texts(entry: Entry) -> Iterator[tuple[str, str, bool]]:
    """(key, text, is the command field) for every text of the checks and fixes that may name a command."""
    for i, check in enumerate(entry.checks):
        yield f"checks.{i}.en", check.en, False
        yield f"checks.{i}.zh", check.zh, False
        if check.command is not None:
            yield f"checks.{i}.command", check.command, True
    for i, fix in enumerate(entry.fixes):
        yield f"fixes.{i}.en", fix.en, False
        yield f"fixes.{i}.zh", fix.zh, False
        if fix.action is not None:
            yield f"fixes.{i}.action", fix.action, True


def _lint_commands(file: str, entry: Entry) -> Iterator[Problem]:
    for key, text, is_command_field in _command_texts(entry):
        if is_command_field and not text.strip().startswith("/k8s "):
            yield Problem(file, key, f"{text!r} must be an aksbot command ('/k8s …')")
            continue
        for match in _K8S_COMMAND.finditer(text):
            if command_named(match.group(1)) is None:
                yield Problem(file, key, f"'/k8s {match.group(1).strip()}' is not an aksbot command")


def _lint_eval_copies(file: str, entry: Entry, questions: frozenset[str]) -> Iterator[Problem]:
    """Symptoms copied from the evaluation questions would make `aksbot kb eval` measure the copy, not the search."""
    if not questions:
        return
    for lang in ("en", "zh"):
        symptoms: tuple[str, ...] = getattr(entry.symptoms, lang)
        for i, symptom in enumerate(symptoms):
            form = clean(symptom)
            close = process.extractOne(form, questions, scorer=fuzz.ratio, score_cutoff=EVAL_COPY_RATIO)
            if close is not None:
                yield Problem(
                    file,
                    f"symptoms.{lang}.{i}",
                    f"{symptom!r} copies the evaluation question {close[0]!r}; describe the symptom in the entry's "
                    "own words (the questions in knowledge/eval/ must stay unseen by the entries)",
                )


def lint_entries(
    report: LoadReport, notes_dir: Path | None, eval_questions: Iterable[str] = ()
) -> list[Problem]:
    """Every problem in a loaded folder of entries (the loader's own problems first)."""
    problems = list(report.problems)
    questions = frozenset(clean(q) for q in eval_questions)
    ids = Counter(entry.id for entry in report.entries)
    known = set(ids)
    for entry, file in zip(report.entries, report.entry_files, strict=True):
        if not ID_PATTERN.match(entry.id):
            problems.append(Problem(file, "id", f"{entry.id!r} is not kebab-case"))
        if file != f"{entry.id}.md":
            problems.append(Problem(file, "id", f"{entry.id!r} differs from the file name"))
        if ids[entry.id] > 1:
            problems.append(Problem(file, "id", f"{entry.id!r} is used by {ids[entry.id]} entries"))
        problems.extend(_lint_languages(file, entry))
        problems.extend(_lint_sources(file, entry, notes_dir))
        for i, related in enumerate(entry.related):
            if related == entry.id:
                problems.append(Problem(file, f"related.{i}", "an entry must not list itself as related"))
            elif related not in known:
                problems.append(Problem(file, f"related.{i}", f"no entry with id {related!r}"))
        for i, signal in enumerate(entry.signals):
            if not is_known_signal(signal):
                problems.append(Problem(file, f"signals.{i}", f"{signal!r} is not in the signal vocabulary"))
        problems.extend(_lint_commands(file, entry))
        problems.extend(_lint_eval_copies(file, entry, questions))
    return problems


def lint(
    directory: Traversable | Path | None = None,
    notes_dir: Path | None = None,
    eval_questions: Iterable[str] | None = None,
) -> list[Problem]:
    """Load and lint a folder of entries (default: the shipped ones, checked against the shipped questions)."""
    if eval_questions is None:
        eval_questions = (
            [q.q for q in load_queries()] + [q.q for part in REAL_PARTS for q in load_real(part)]
            if directory is None
            else []
        )
    return lint_entries(read_entries(directory), notes_dir, eval_questions)


def default_notes_dir(override: str | None = None) -> Path | None:
    """`override` (the CLI passes $AKSBOT_NOTES_DIR), else the team's notes kept in the checkout
    (`knowledge/notes`), when they are there (an installed package does not carry them)."""
    if override:
        return Path(override)
    candidate = Path(__file__).resolve().parent / "notes"
    return candidate if candidate.is_dir() else None


def problems_text(problems: Iterable[Problem]) -> str:
    return "\n".join(str(p) for p in problems)
