"""The committed lock is what this environment runs on (hardening: the same install everywhere).

``make demo`` and ``make test`` install with ``-c requirements.lock``; this test fails when the
environment has drifted from the lock (a dependency changed without ``make lock``) or when a
declared dependency has no pin, so CI catches an unlocked install.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
LOCK = ROOT / "requirements.lock"


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        assert "==" in line and " @ " not in line, f"requirements.lock: not an exact pin: {line!r}"
        name, version = line.split("==", 1)
        pins[_canon(name)] = version
    return pins


def _requirement_name(req: str) -> str:
    return _canon(re.split(r"[\s<>=!~;\[(]", req.strip(), maxsplit=1)[0])


def test_every_declared_dependency_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _pins()
    test_extras = re.search(r"^TEST_EXTRAS \?= (.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert test_extras, "Makefile must define TEST_EXTRAS"
    declared = list(project["dependencies"])
    for extra in test_extras.group(1).split(","):
        declared += project["optional-dependencies"][extra.strip()]
    missing = sorted({_requirement_name(r) for r in declared} - set(pins))
    assert not missing, f"declared but not in requirements.lock: {missing}; run make lock"


def test_installed_versions_match_the_lock():
    pins = _pins()
    installed = {_canon(d.metadata["Name"]): d.version for d in metadata.distributions() if d.metadata["Name"]}
    if "regretlab" not in installed:
        pytest.skip("regretlab is not installed as a distribution here")
    drift = {name: (installed[name], want) for name, want in pins.items()
             if name in installed and installed[name].split("+")[0] != want.split("+")[0]}
    assert not drift, f"installed versions differ from requirements.lock (installed, locked): {drift}"
