"""The one progress bar of the library: rich, on stderr, safe to close early.

Every long piece of work (rounds of a run, cells of a sweep, CFR iterations, training steps)
reports through :func:`bar`, so the look, the stream and the way it is switched off are the same
everywhere. ``REGRETLAB_PROGRESS=0`` turns every bar off (tests, logs).
"""

from __future__ import annotations

import os
from typing import Any


def enabled(requested: bool = True) -> bool:
    """Whether a bar should be drawn: asked for, and not switched off by ``REGRETLAB_PROGRESS=0``."""
    return bool(requested) and os.environ.get("REGRETLAB_PROGRESS", "1") not in ("0", "false", "no")


class Bar:
    """A rich progress bar with optional named fields shown after the count.

    Args:
        total: the number of units of work (rounds, iterations, cells, steps).
        label: what is counted, shown first.
        fields: names of extra fields (e.g. ``"exploitability"``), set with :meth:`update`.
        transient: erase the bar when it closes (a one-shot loop) or leave it (a long job).
        disable: draw nothing (the calls still work).
    """

    def __init__(self, total: int, label: str, *, fields: tuple[str, ...] = (), transient: bool = False,
                 disable: bool = False) -> None:
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self._fields = tuple(fields)
        info = TextColumn("{task.fields[info]}", markup=False)
        self._p = Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                           info, TimeElapsedColumn(), TimeRemainingColumn(), transient=transient,
                           console=Console(stderr=True), disable=disable or not enabled())
        self._values: dict[str, Any] = {name: "-" for name in self._fields}
        if transient and not self._p.console.is_terminal:
            self._p.disable = True  # a transient bar off a terminal would leave only a blank line
        self._p.start()
        self._task = self._p.add_task(label, total=max(int(total), 0), info=self._info())

    def _info(self) -> str:
        return " · ".join(f"{k} {v}" for k, v in self._values.items())

    def update(self, completed: int | None = None, **fields: Any) -> None:
        """Set the count of finished units and any named fields (numbers shown to 6 digits)."""
        for k, v in fields.items():
            self._values[k] = f"{v:.6g}" if isinstance(v, float) else v
        kwargs: dict[str, Any] = {"info": self._info()}
        if completed is not None:
            kwargs["completed"] = int(completed)
        self._p.update(self._task, **kwargs)

    def advance(self, completed: int) -> None:
        """Set the count of finished units (kept for loop code that only counts)."""
        self.update(completed)

    def close(self) -> None:
        self._p.stop()

    def __enter__(self) -> "Bar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def bar(total: int, label: str, **kwargs: Any) -> Bar:
    """Start a :class:`Bar` (use it as a context manager)."""
    return Bar(total, label, **kwargs)


class Rounds:
    """Progress over the rounds of a driver loop: a transient bar, a callback, or nothing.

    ``progress``: ``True``/``False`` draws or not; ``None`` draws when ``T * batch >= 5e6``; a
    callable is given the number of rounds done about 200 times instead of a bar.
    """

    def __init__(self, T: int, batch: int, label: str, progress: Any = None) -> None:
        self._report = progress if callable(progress) else None
        show = self._report is None and (bool(progress) if progress is not None else T * batch >= 5_000_000)
        self._bar = Bar(T, label, transient=True) if show else None
        self._tick, self._total = max(1, T // 200), T

    def done(self, rounds: int) -> None:
        """Report ``rounds`` finished (only every ~T/200 rounds, and at the end, reaches the bar)."""
        if rounds % self._tick == 0 or rounds == self._total:
            if self._bar is not None:
                self._bar.update(rounds)
            elif self._report is not None:
                self._report(rounds)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
