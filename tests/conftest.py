"""Suite-wide settings.

Property tests run derandomized by default, so CI and a fresh `make test` draw the same examples on
every run (a failure is reproducible from the commit alone). Set ``HYPOTHESIS_PROFILE=explore`` to
search new examples locally.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
