"""Refuse work that cannot fit in memory, before any of it is done: the core's check.

Kept as a module so mechanisms and fairness code import one name; the check itself is
:func:`regretlab.core.errors.check_fits` (memory available, and the time limit).
"""

from __future__ import annotations

from regretlab.core.errors import check_fits

__all__ = ["check_fits"]
