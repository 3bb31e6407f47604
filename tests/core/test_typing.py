"""The core contract type-checks (DESIGN.md: mypy clean on core/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def test_core_is_mypy_clean():
    pytest.importorskip("mypy", reason="mypy is a [dev] dependency")
    core = Path(__file__).resolve().parents[2] / "src" / "regretlab" / "core"
    r = subprocess.run([sys.executable, "-m", "mypy", "--ignore-missing-imports", str(core)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
