#!/usr/bin/env python3
"""Developer entry point; needs only Python 3.11+.

    python3 dev.py demo    # set up .venv if needed, then plan examples/ against the sandbox
    python3 dev.py test    # set up .venv if needed, then ruff, mypy --strict and the test suite

Extra arguments after ``test`` go to pytest (``python3 dev.py test -k loader``).
The virtual environment is rebuilt when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("PRIVCALL_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".privcall-deps"


def _run(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, check=False)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (dev.py may be run by an older python3)
        sys.exit(f"privcall needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]")
    STAMP.write_text(wanted)


def demo(args: list[str]) -> None:
    ensure_venv()
    _run(BIN / "privcall", "plan", "-C", "examples", *args)


def test(args: list[str]) -> None:
    ensure_venv()
    _run(BIN / "ruff", "check", "reconciler", "tests", "bench", "dev.py")
    _run(BIN / "ruff", "format", "--check", "reconciler", "tests", "bench", "dev.py")
    _run(BIN / "mypy", "--strict", "reconciler")
    _run(BIN / "python", "-m", "pytest", *args)


TASKS = {"demo": demo, "test": test}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        sys.exit(f"usage: python3 dev.py {{{'|'.join(TASKS)}}} [args...]")
    TASKS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
