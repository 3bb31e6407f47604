"""The examples of docs/architecture.md run, in order, as a user would paste them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).parents[2] / "docs" / "architecture.md"


def test_architecture_examples_run(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 4
    for block in blocks:
        assert len(block.strip().splitlines()) <= 40, "architecture examples stay short"
    script = tmp_path / "examples.py"
    script.write_text("\n\n".join(blocks))
    r = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                       env={**os.environ, "REGRETLAB_PROGRESS": "0"})
    assert r.returncode == 0, r.stdout + r.stderr
