"""The repository stands alone: a user's clone has nothing beside it.

No file of the project may reach outside the repository (a sibling folder of reference material, a parent's
parent), and the tests that use published fixtures pass from a copy of the repository put where nothing is
beside it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Spelled in pieces so this file does not match its own patterns.
_OUTSIDE = re.compile(
    "|".join(
        (
            re.escape("../" + "shared"),
            re.escape("/work/" + "shared"),
            r"parents\[\d\]\.parent\b",
            r"parent\s*/\s*\"" + "shared" + '"',
        )
    )
)


def _tracked() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:  # not a git checkout (an unpacked archive): every file below the root
        return [p for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts and ".git" not in p.parts]
    return [ROOT / line for line in listed.stdout.splitlines() if line]


def test_no_file_refers_to_a_path_outside_the_repository() -> None:
    offenders = []
    for path in _tracked():
        if not path.is_file() or path.suffix in {".png", ".sqlite3"}:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if _OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not offenders, "these lines reach outside the repository:\n" + "\n".join(offenders)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to list the repository's files")
def test_the_fixture_tests_pass_from_a_copy_with_nothing_beside_it() -> None:
    with tempfile.TemporaryDirectory(prefix="aksbot-alone-") as tmp:
        copy = Path(tmp) / "aksbot"
        for path in _tracked():
            if path.is_file():
                target = copy / path.relative_to(ROOT)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
        assert not (Path(tmp) / "shared").exists()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        # The copy's own packages come first on the path (the current folder), ahead of the editable install.
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/azure"],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        where = subprocess.run(
            [sys.executable, "-c", "import bot; print(bot.__file__)"],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert where.stdout.strip().startswith(str(copy)), "the tests ran against another checkout's package"
