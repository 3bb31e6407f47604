"""Sliding windows of past observations that successive learner states share without copying.

A sliding-window learner (SW-UCB, M-UCB's per-arm windows, GLR's per-arm checkpoints) needs the
last ``keep`` values written to each (run, slot) pair. Copying a ``[B, S, keep]`` buffer on every
update (to keep ``update`` pure) costs ``O(B S keep)`` per round, far more than the learner's
``O(B K)`` arithmetic. Instead the buffer is a *ring* of capacity ``cap >= 2 keep`` (a power of
two) that states
share, and a state holds a :class:`RingView`: the ring and its own write counters ``head [B, S]``.
What a view shows is the ``min(head, keep)`` newest values of each pair, and appending never
changes what an existing view shows:

* the view is the ring's newest (the latest append made it): the value goes into the ring at
  ``head mod cap``, which holds a value older than any view's window, and a new view with
  ``head + 1`` becomes the newest (the old view still shows its own window);
* otherwise (a state updated twice, a branch): the ring is copied first, so the other branch keeps
  its values. An old view whose window has already been overwritten (it lags the newest view of a
  pair by more than ``cap - keep`` writes) raises a clear error instead of reading wrong values.

This is the persistent-array idea of Baker's "shallow binding" (1978): updates stay pure at the
level of what a state shows, in ``O(B)`` per round instead of ``O(B S keep)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Ring", "RingView", "new_view"]


class Ring:
    """The shared storage: ``data`` float64, the ``F`` fields of one write side by side, and the
    newest write counters ``head [B, S]``.

    Run-major ``data [B, S, cap, F]`` keeps a (run, slot)'s history contiguous (M-UCB and GLR read
    many past values of one arm); time-major ``data [cap, B, S, F]`` keeps one round's writes of
    every run contiguous (SW-UCB writes and drops one value per run per round: with run-major rows
    16 KB apart every run would touch its own memory page each round).
    """

    __slots__ = ("data", "head", "owner", "time_major")

    def __init__(self, fields: int, batch: int, slots: int, cap: int, time_major: bool = False) -> None:
        self.time_major = bool(time_major)
        shape = (cap, batch, slots, fields) if time_major else (batch, slots, cap, fields)
        self.data = np.zeros(shape)
        self.head = np.zeros((batch, slots), dtype=np.int64)
        self.owner: RingView | None = None  # the view made by the latest append (newest on every pair)


class RingView:
    """What one learner state sees of a :class:`Ring`: the newest ``keep`` values of each (run, slot).

    Attributes:
        ring: the shared :class:`Ring`.
        head: ``[B, S]`` int64, values written to each pair in this state's history (read-only).
        keep: how many of the newest values of each pair the view shows.
    """

    __slots__ = ("ring", "head", "keep")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, ring: Ring, head: np.ndarray, keep: int) -> None:
        self.ring, self.head, self.keep = ring, head, int(keep)
        head.flags.writeable = False

    @property
    def cap(self) -> int:
        return int(self.ring.data.shape[0 if self.ring.time_major else 2])

    def shown(self) -> tuple[np.ndarray, np.ndarray]:
        """``(values [F, B, S, keep], mask [B, S, keep])``: entry ``j`` is the value written
        ``j + 1`` writes ago (newest first), where ``mask`` is True."""
        j = np.arange(self.keep)
        pos = (self.head[..., None] - 1 - j) % self.cap  # [B, S, keep]
        mask = j < np.minimum(self.head, self.keep)[..., None]
        data = self.ring.data
        b, s = np.indices(self.head.shape)
        if self.ring.time_major:
            vals = np.moveaxis(data[pos, b[..., None], s[..., None]], -1, 0)  # [F, B, S, keep]
        else:
            vals = np.moveaxis(data[b[..., None], s[..., None], pos], -1, 0)
        return np.where(mask, vals, 0.0), mask

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RingView):
            return NotImplemented
        if self.keep != other.keep or not np.array_equal(self.head, other.head):
            return False
        (a, ma), (b, mb) = self.shown(), other.shown()
        return bool(np.array_equal(ma, mb) and np.array_equal(a, b))

    def __repr__(self) -> str:
        return f"RingView(batch={self.head.shape[0]}, slots={self.head.shape[1]}, keep={self.keep}, cap={self.cap})"

    @classmethod
    def concatenate(cls, views: "list[RingView]") -> "RingView":
        """One view whose rows are the rows of ``views`` in order (runs stacked on the batch axis,
        possibly at different rounds), each row showing the window it showed before, on a fresh
        ring. This is how states of separate runs are put into one batch (``np.concatenate`` of
        every other state field).

        Example:
            >>> a, b = new_view(1, 1, 2, keep=3), new_view(1, 2, 2, keep=3)
            >>> RingView.concatenate([a, b]).head.shape
            (3, 2)
        """
        first = views[0]
        fields, slots = first.ring.data.shape[-1], first.head.shape[1]
        for v in views:
            if v.keep != first.keep or v.head.shape[1] != slots or v.ring.data.shape[-1] != fields \
                    or v.ring.time_major != first.ring.time_major:
                raise ValueError("views: every window must have the same keep, slots, fields and layout")
        out = new_view(fields, sum(v.head.shape[0] for v in views), slots, first.keep, first.ring.time_major)
        ring, cap = out.ring, out.cap
        head = np.concatenate([v.head for v in views], axis=0)
        start = 0
        for v in views:
            vals, mask = v.shown()  # [F, b, S, keep], newest first
            b, s, j = np.nonzero(mask)
            pos = (v.head[b, s] - 1 - j) % cap
            if ring.time_major:
                ring.data[pos, start + b, s] = vals[:, b, s, j].T
            else:
                ring.data[start + b, s, pos] = vals[:, b, s, j].T
            start += v.head.shape[0]
        return out.appended(ring, head)

    def appended(self, ring: Ring, head: np.ndarray) -> "RingView":
        """The view after an append to ``ring`` that left its newest counters at ``head`` (this
        state's own copy), recorded as the ring's newest view."""
        ring.head = head  # the newest view's counters (read-only from here on: no copy needed)
        view = RingView(ring, head, self.keep)
        ring.owner = view
        return view

    def writable(self) -> Ring:
        """The ring to append to: the shared one when this view is the newest (the latest append
        made it), else a copy (a branch), and an error when this view's window is gone."""
        ring = self.ring
        if ring.owner is self:
            return ring
        lag = ring.head - self.head
        if lag.max() > self.cap - self.keep:
            raise ValueError(
                "this state's sliding window was overwritten: it lags a later state of the same run "
                f"by more than {self.cap - self.keep} rounds (keep states at most that far apart, or "
                "start again from init)")
        batch, slots = ring.head.shape
        copy = Ring(ring.data.shape[3], batch, slots, self.cap, ring.time_major)
        copy.data[...] = ring.data
        copy.head[...] = self.head
        return copy


def new_view(fields: int, batch: int, slots: int, keep: int, time_major: bool = False) -> RingView:
    """An empty view on a fresh ring whose capacity is the power of two ``>= 2 keep`` (positions
    are ``head & (cap - 1)``: no integer division in the kernels); layout as in :class:`Ring`."""
    cap = 1 << max(1, (2 * int(keep) - 1).bit_length())
    ring = Ring(fields, batch, slots, cap, time_major)
    view = RingView(ring, ring.head.copy(), keep)
    ring.owner = view
    return view
