"""Per-arm inverses that successive linear-learner states share without copying.

A disjoint linear learner keeps ``[B, M, D, D]`` inverses (``M = K`` arms), and each run's update
changes one arm's block only. Copying the whole array on every update (to keep ``update`` pure)
moves ``B M D²`` doubles a round, ``M`` times the Sherman–Morrison step's own work. Instead the
blocks live in a shared *pool* ``[C, D, D]`` and a state holds :class:`Blocks`: the pool and its
own ``index [B, M]`` of rows. An update writes each run's new block into a free row and copies
only the index (``B M`` integers): the blocks of untouched arms are shared, and no row a live state
shows is ever written:

* a row the update replaces is *freed* into a ring of ``G`` generations and reused ``G`` updates
  later, so every state up to ``G`` updates older than the newest still shows its own blocks;
* a state older than that which is still alive (held by the caller) is detached before its rows
  are reused: it gets a private copy of its blocks (found through weak references, so states the
  caller dropped cost nothing);
* updating a state that is not the pool's newest (a branch) copies its blocks into a new pool.

What a state shows therefore never changes, whatever is done with other states (the persistent
array of Baker's "shallow binding", 1978, as :mod:`regretlab.bandits._windows` for sliding windows).

Each pool row also has a *shadow*: the block's ``P_ij + P_ji`` (``i <= j``) as int16 multiples of
a scale, a function of the block alone (written with it). LinUCB's arm choice screens the arms
on the shadows (an eighth of the bytes of the blocks)
with a rigorous error bound and reads the exact blocks only of arms the bound cannot separate
(:func:`~regretlab.bandits.contextual._base.argmax_ucb_blocks`).
"""

from __future__ import annotations

import collections
import sys
import weakref

import numpy as np

__all__ = ["Blocks", "Rows", "blocks_empty", "blocks_from", "fill_shadow"]


class _Store:
    """The shared pool: ``pool [C, D, D]``, the ring ``free [G, B]`` of rows freed by the last ``G``
    updates (slot ``n mod G`` refilled by update ``n``), the newest generation and its view, and
    weak references to the views of older generations (oldest first)."""

    __slots__ = ("pool", "free", "gen", "owner", "alive", "shadow", "scale", "vec")

    def __init__(self, pool: np.ndarray, free: np.ndarray, shadow: np.ndarray, scale: np.ndarray,
                 vec: np.ndarray) -> None:
        self.pool, self.free, self.vec = pool, free, vec  # vec [C, 2, D]: each row's θ and b (Rows)
        self.shadow, self.scale = shadow, scale  # [C, D (D + 1) / 2] int16, [C] float64 (_base._shadow_one)
        self.gen = 0
        self.owner: weakref.ref | None = None  # weak: no store <-> view cycle, a dropped state frees its pool at once
        self.alive: collections.deque[tuple[int, weakref.ref]] = collections.deque()


class _ReadOnlyArray:
    """What both persistent arrays share: read like a read-only NumPy array through ``array()``
    (``np.asarray``, indexing, ``copy()``, value equality with the same class)."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]

    def array(self) -> np.ndarray:  # pragma: no cover - defined by each class
        raise NotImplementedError

    def __array__(self, dtype=None, copy=None) -> np.ndarray:  # noqa: ANN001
        out = self.array()
        return out if dtype is None else out.astype(dtype, copy=False)

    def __getitem__(self, key) -> np.ndarray:  # noqa: ANN001
        return self.array()[key]

    def copy(self) -> np.ndarray:
        return self.array()

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return bool(self.shape == other.shape and np.array_equal(self.array(), other.array()))  # type: ignore[attr-defined]


class Blocks(_ReadOnlyArray):
    """A persistent ``[B, M, D, D]`` array of blocks: row ``index[b, m]`` of a shared pool.

    Reads like a read-only array (``np.asarray``, indexing, ``shape``, ``copy()`` give the
    ``[B, M, D, D]`` values); learners update it with :meth:`writable` and :meth:`advanced`.
    """

    __slots__ = ("store", "index", "gen", "__weakref__")

    def __init__(self, store: _Store, index: np.ndarray, gen: int) -> None:
        self.store, self.index, self.gen = store, index, gen
        index.flags.writeable = False

    # -- reading --
    @property
    def shape(self) -> tuple[int, int, int, int]:
        b, m = self.index.shape
        d = self.store.pool.shape[1]
        return (b, m, d, d)

    ndim = 4
    dtype = np.dtype(np.float64)

    def __len__(self) -> int:
        return self.index.shape[0]

    def array(self) -> np.ndarray:
        """The ``[B, M, D, D]`` values (a fresh array)."""
        from regretlab.bandits.contextual._base import gather_blocks

        out = np.empty(self.shape)
        gather_blocks(self.store.pool, self.index, out)
        return out


    def __repr__(self) -> str:
        b, m, d, _ = self.shape
        return f"Blocks(batch={b}, slots={m}, dim={d}, pool={self.store.pool.shape[0]} rows)"

    def vectors(self) -> np.ndarray:
        """The ``[B, M, 2, D]`` vectors of the rows (θ, b; a fresh array)."""
        from regretlab.bandits.contextual._base import gather_vectors

        b, m = self.index.shape
        out = np.empty((b, m) + self.store.vec.shape[1:])
        gather_vectors(self.store.vec, self.index, out)
        return out

    def __reduce__(self):  # noqa: ANN204 - pickle / deepcopy: the values, on a fresh pool
        return blocks_from, (self.array(), self.store.free.shape[0], self.vectors())

    # -- updating --
    def writable(self) -> tuple[_Store, np.ndarray, np.ndarray]:
        """``(store, index [B, M], rows [B])`` to write this state's successor into: the shared store
        when this state is its newest (``rows``: those freed ``G`` updates ago, any still-alive state
        that shows them detached first), else a new store holding a copy of this state's blocks (a
        branch); ``index`` a writable copy of this state's rows in that store."""
        store, index = self.store, self.index
        if store.owner is None or store.owner() is not self:
            fresh = blocks_from(self.array(), store.free.shape[0], self.vectors())
            store, index = fresh.store, fresh.index
        nxt = store.gen + 1
        slack = store.free.shape[0]
        while store.alive and store.alive[0][0] <= nxt - slack - 1:  # may show the rows reused now
            _, ref = store.alive.popleft()
            view = ref()
            if view is not None and view.store is store:
                view._detach()
        return store, index.copy(), store.free[nxt % slack].copy()

    def advanced(self, store: _Store, index: np.ndarray, freed: np.ndarray) -> "Blocks":
        """The successor after writing ``rows`` of :meth:`writable` (the new ``index``; ``freed [B]``
        the rows it no longer shows), recorded as the store's newest."""
        nxt = store.gen + 1
        store.free[nxt % store.free.shape[0]] = freed
        old = store.owner() if store.owner is not None else None
        if old is not None and old.store is store:
            store.alive.append((old.gen, weakref.ref(old)))
        view = Blocks(store, index, nxt)
        store.gen, store.owner = nxt, weakref.ref(view)
        return view

    def _detach(self) -> None:
        """Give this (old, still alive) state a private copy of its blocks: what it shows is unchanged."""
        mine = blocks_from(self.array(), self.store.free.shape[0], self.vectors())
        self.store, self.index, self.gen = mine.store, mine.index, mine.gen
        self.store.owner = weakref.ref(self)


_SPARE: list[np.ndarray] = []  # pools made here, reused once no store refers to them


def _pool_array(shape: tuple[int, ...], dtype: type = np.float64) -> np.ndarray:
    """An uninitialised array of ``shape``: a pool made earlier that nothing refers to any
    more (only this cache holds it: nobody can see it change), else a new one. A pool of more than
    32 MiB is mapped afresh by the C allocator each time, and touching its pages measured costlier
    than LinUCB's arithmetic on them."""
    for arr in _SPARE:
        if arr.shape == shape and arr.dtype == dtype and sys.getrefcount(arr) == 3:  # _SPARE, `arr`, getrefcount's
            return arr
    arr = np.empty(shape, dtype=dtype)
    _SPARE.append(arr)
    if len(_SPARE) > 16:  # keep the newest few; a dropped one is freed once no state uses it
        del _SPARE[0]
    return arr


def blocks_from(values: np.ndarray, slack: int, vectors: np.ndarray | None = None) -> Blocks:
    """A :class:`Blocks` of ``values [B, M, D, D]`` (and the rows' vectors ``[B, M, 2, D]``, zeros
    by default) on a fresh pool of ``B (M + slack)`` rows (the extra ``B slack`` rows fill the free
    ring, so ``slack`` older states share the pool).

    Run ``b`` owns the ``M + slack`` rows from ``b (M + slack)`` on, and an update frees and takes
    rows of the same run only, so a run's blocks stay in one stretch of memory: the compiled scores
    read them in memory order (blocks scattered over the pool measured 3.5x slower to stream)."""
    view, runs, vecs = blocks_empty(*values.shape[:3], slack)
    runs[:, : values.shape[1]] = values
    vecs[:, : values.shape[1]] = 0.0 if vectors is None else vectors
    fill_shadow(view)
    return view


def fill_shadow(view: Blocks) -> None:
    """Write the shadows of the rows ``view`` shows (after their blocks were written in place)."""
    from regretlab.bandits.contextual._base import shadow_rows, triangle

    shadow_rows(view.store.pool, view.index, view.store.shadow, view.store.scale, triangle(view.store.pool.shape[1]))


def blocks_empty(batch: int, slots: int, dim: int, slack: int) -> tuple[Blocks, np.ndarray, np.ndarray]:
    """``(blocks, runs, vecs)``: a :class:`Blocks` on a fresh pool (the layout of :func:`blocks_from`)
    whose values are still to be written, and the pool as a C-contiguous ``[B, M + slack, D, D]``
    array (``vecs``: the rows' vectors ``[B, M + slack, 2, D]``): slot ``m < M`` of run ``b`` is
    the block ``blocks`` shows for ``(b, m)``. The caller fills ``runs[:, :M]`` and ``vecs[:, :M]``
    in place, then :func:`fill_shadow`, before anyone reads the blocks (one allocation)."""
    b, m, d = batch, slots, dim
    slack = max(int(slack), 1)
    region = m + slack  # run b owns rows [b region, (b + 1) region): its blocks stay close together
    runs = _pool_array((b, region, d, d))
    base = np.arange(b, dtype=np.int64)[:, None] * region
    free = np.ascontiguousarray((base + m + np.arange(slack, dtype=np.int64)).T)  # [G, B], run b's own rows
    shadow = _pool_array((b * region, d * (d + 1) // 2), np.int16)
    scale = _pool_array((b * region,), np.float64)
    vecs = _pool_array((b, region, 2, d))
    store = _Store(runs.reshape(b * region, d, d), free, shadow, scale, vecs.reshape(b * region, 2, d))
    view = Blocks(store, base + np.arange(m, dtype=np.int64), 0)
    store.owner = weakref.ref(view)
    return view, runs, vecs


class Rows(_ReadOnlyArray):
    """A persistent ``[B, M, D]`` array: vector ``which`` (0: θ, 1: b) of the rows a
    :class:`Blocks` shows (read through it, so a detached state's rows are followed). Reads like a
    read-only array (``np.asarray``, indexing, ``shape``, ``copy()``)."""

    __slots__ = ("blocks", "which")
    ndim = 3
    dtype = np.dtype(np.float64)

    def __init__(self, blocks: Blocks, which: int) -> None:
        self.blocks, self.which = blocks, which

    @property
    def shape(self) -> tuple[int, int, int]:
        b, m = self.blocks.index.shape
        return (b, m, self.blocks.store.vec.shape[2])

    def __len__(self) -> int:
        return self.blocks.index.shape[0]

    def array(self) -> np.ndarray:
        """The ``[B, M, D]`` values (a fresh array)."""
        return np.ascontiguousarray(self.blocks.vectors()[:, :, self.which])


    def __repr__(self) -> str:
        b, m, d = self.shape
        return f"Rows({'theta' if self.which == 0 else 'moment'}, batch={b}, slots={m}, dim={d})"
