"""The moderation engine: experts + ensemble + durable state, without HTTP.

Every scored item and every feedback is written to SQLite (write-ahead log, ``synchronous=FULL``)
and committed before the call returns, so an acknowledged feedback survives a crash or ``kill -9``.
Each feedback row also stores the ensemble state after it, so a restart resumes from the last one.
"""

from __future__ import annotations

import json
import math
import sqlite3
import threading
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from regretlab.core.rng import spawn_keys
from regretlab.moderation.aggregation import Aggregator, default_lr, ewa, fixed_share, loss_values, upgrade_state
from regretlab.moderation.config import ServiceConfig, prefixed
from regretlab.moderation.experts import build_expert, score_texts

GLOBAL = "*"  # the group name of the category-independent weights

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    created REAL NOT NULL,
    text TEXT NOT NULL,
    category TEXT,
    scores TEXT NOT NULL,       -- JSON [N] expert probabilities
    prediction REAL NOT NULL,   -- ensemble probability served
    decision INTEGER NOT NULL,
    weights TEXT NOT NULL       -- JSON [N] weights used
);
CREATE TABLE IF NOT EXISTS feedback (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id TEXT UNIQUE NOT NULL REFERENCES items(id),
    label INTEGER NOT NULL,
    category TEXT,
    received REAL NOT NULL,
    ensemble_loss REAL NOT NULL,
    expert_losses TEXT NOT NULL, -- JSON [N]
    weights TEXT NOT NULL,       -- JSON [N] global weights after this feedback
    state TEXT NOT NULL          -- JSON of every group's learner state after this feedback
);
"""


class NotFound(LookupError):
    """An unknown item id."""


class Conflict(RuntimeError):
    """A request that contradicts the stored history (a second label, a reused id)."""


class TooLarge(ValueError):
    """A text over the declared size limit."""


class ExpertError(RuntimeError):
    """An expert raised or returned something that is not a probability (a server-side fault)."""


def _encode(value: Any) -> Any:
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return {f: _encode(v) for f, v in zip(value._fields, value)}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


def _decode(template: Any, value: Any) -> Any:
    if isinstance(template, tuple) and hasattr(template, "_fields"):
        return type(template)(*(_decode(t, value[f]) for f, t in zip(template._fields, template)))
    if isinstance(template, np.ndarray):
        return np.asarray(value, dtype=template.dtype).reshape(template.shape)
    if template is None or value is None:
        return value
    return type(template)(value)


def build_experts(config: ServiceConfig) -> list[Any]:
    """The experts of ``config``, each error naming the config file it came from."""
    experts = []
    for spec in config.experts:
        try:
            experts.append(build_expert(spec, config.base_dir))
        except (ValueError, TypeError, FileNotFoundError, ImportError) as exc:
            raise prefixed(exc, config.where()) from None
    return experts


def make_aggregator(config: ServiceConfig, num_experts: int) -> Aggregator:
    """The aggregator a config describes (one per group)."""
    e = config.ensemble
    if e.algorithm == "fixed_share":
        lr = e.lr if e.lr is not None else (default_lr(e.loss, num_experts, None) or 0.5)
        return fixed_share(lr, e.alpha, loss=e.loss, threshold=e.threshold)
    return ewa(e.loss, lr=e.lr, threshold=e.threshold)


class Engine:
    """Scores texts with every expert, serves the ensemble's probability, learns from feedback.

    Thread-safe: one lock orders the state changes and the database writes; experts run outside it.

    Args:
        config: the :class:`ServiceConfig`.
        experts: already-built experts (default: built from ``config.experts``).
    """

    def __init__(self, config: ServiceConfig, experts: Sequence[Any] | None = None) -> None:
        self.config = config
        self.experts = list(experts) if experts is not None else build_experts(config)
        self.names = [s["name"] for s in config.experts] if experts is None else [getattr(x, "name", f"expert{i}") for i, x in enumerate(self.experts)]
        self.groups = [GLOBAL, *config.ensemble.categories]
        self.aggregator = make_aggregator(config, len(self.experts))
        self._lock = threading.Lock()
        db = config.database
        if db.is_dir():
            raise ValueError(f"database {db} is a directory; service.database (or --database) must name a SQLite file")
        try:
            db.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"database {db}: cannot create its folder {db.parent} ({exc.strerror or exc}); check service.database (or --database)") from None
        self._hold_database(db)
        try:
            try:
                self._db = sqlite3.connect(str(db), check_same_thread=False, isolation_level=None)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
                self._db.execute("PRAGMA foreign_keys=ON")
                self._db.executescript(SCHEMA)
            except sqlite3.DatabaseError as exc:
                raise ValueError(f"database {db} cannot be used: {exc} (is it a SQLite file written by this service? "
                                 "check service.database or --database)") from None
            self._check_meta()
            self._restore()
        except BaseException:
            if getattr(self, "_db", None) is not None:
                self._db.close()
            self._lockfile.close()
            raise

    # -- persistence ------------------------------------------------------------------------
    def _hold_database(self, path: Path) -> None:
        """One engine per database: a second one would fork the weights. The OS frees the lock on kill -9."""
        import fcntl

        try:
            self._lockfile = open(str(path) + ".lock", "a+")
        except OSError as exc:
            raise ValueError(f"database {path}: cannot create its lock file {path}.lock ({exc.strerror or exc}); "
                             "check service.database (or --database)") from None
        try:
            fcntl.flock(self._lockfile, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lockfile.close()
            raise ValueError(f"database {path} is in use by another moderation engine (service.database)") from None

    def _identity(self) -> dict[str, Any]:
        return {"experts": self.names, "ensemble": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self.config.ensemble).items()}}

    def _check_meta(self) -> None:
        mine = json.dumps(self._identity(), sort_keys=True)
        row = self._db.execute("SELECT value FROM meta WHERE key='identity'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('identity', ?)", (mine,))
        elif row[0] != mine:
            raise ValueError(
                f"database {self.config.database.name} holds the history of another ensemble "
                f"{row[0]}; this config describes {mine}. Use another service.database or the same config."
            )

    def _restore(self) -> None:
        n = len(self.experts)
        self.states = {g: self.aggregator.init(spawn_keys(0, 1), n) for g in self.groups}
        row = self._db.execute("SELECT state FROM feedback ORDER BY seq DESC LIMIT 1").fetchone()
        if row is not None:
            saved = json.loads(row[0])
            # states written before the per-run round counter are read in today's layout
            self.states = {g: _decode(self.states[g], upgrade_state(saved[g])) for g in self.groups}
        # running totals for /stats, rebuilt from the durable history
        self.totals: dict[str, dict[str, Any]] = {g: {"count": 0, "ensemble": 0.0, "experts": np.zeros(n)} for g in self.groups}
        for cat, ens, exp in self._db.execute("SELECT category, ensemble_loss, expert_losses FROM feedback ORDER BY seq"):
            self._add_totals(cat, ens, np.asarray(json.loads(exp)))
        self.items = self._db.execute("SELECT COUNT(*) FROM items").fetchone()[0]

    def _add_totals(self, category: str | None, ens: float, exp: np.ndarray) -> None:
        for g in (GLOBAL, category):
            if g in self.totals:
                t = self.totals[g]
                t["count"] += 1
                t["ensemble"] += ens
                t["experts"] = t["experts"] + exp

    def close(self) -> None:
        """Close the database (every write is already committed)."""
        with self._lock:
            self._db.close()
            self._lockfile.close()

    # -- the three operations -----------------------------------------------------------------
    def check_text(self, text: str) -> None:
        if not isinstance(text, str) or not text.strip():
            raise ValueError("text must be a non-empty string (not only whitespace)")
        if len(text) > self.config.max_text_chars:
            raise TooLarge(f"text has {len(text)} characters; the limit is {self.config.max_text_chars}")

    def _group(self, category: str | None) -> str:
        if category is None or not self.config.ensemble.categories:
            return GLOBAL
        if category not in self.config.ensemble.categories:
            raise ValueError(f"category must be one of {', '.join(self.config.ensemble.categories)}, got {category!r}")
        return category

    def score(self, text: str, category: str | None = None, item_id: str | None = None) -> dict[str, Any]:
        """Score ``text``; the item is stored (and its id returned) before this returns."""
        self.check_text(text)
        group = self._group(category)
        scores = np.empty(len(self.experts))
        for i, (name, expert) in enumerate(zip(self.names, self.experts)):
            try:
                scores[i] = score_texts(expert, [text])[0]
            except Exception as exc:  # noqa: BLE001 - any expert fault becomes one clear 500
                raise ExpertError(f"expert {name!r} failed: {type(exc).__name__}: {exc}") from exc
        item_id = item_id or uuid.uuid4().hex
        with self._lock:
            w = self.aggregator.weights(self.states[group])[0]
            pred = float(self.aggregator.predict(self.states[group], scores[None])[0])
            decision = bool(self.aggregator.decide(np.array([pred]))[0])
            try:
                self._db.execute(
                    "INSERT INTO items (id, created, text, category, scores, prediction, decision, weights) VALUES (?,?,?,?,?,?,?,?)",
                    (item_id, time.time(), text, category, json.dumps(scores.tolist()), pred, int(decision), json.dumps(w.tolist())),
                )
            except sqlite3.IntegrityError:
                raise Conflict(f"id {item_id!r} is already used by another scored item") from None
            self.items += 1
        return {
            "id": item_id,
            "probability": pred,
            "decision": "unsafe" if decision else "safe",
            "category": category,
            "experts": dict(zip(self.names, scores.tolist())),
            "weights": dict(zip(self.names, w.tolist())),
        }

    def feedback(self, item_id: str, label: int, category: str | None = None) -> dict[str, Any]:
        """Learn from the true label of a scored item; durable before this returns."""
        if isinstance(label, bool) or label not in (0, 1):
            raise ValueError(f"label must be 0 (safe) or 1 (unsafe), got {label!r}")
        with self._lock:
            row = self._db.execute("SELECT scores, prediction, category FROM items WHERE id=?", (item_id,)).fetchone()
            if row is None:
                raise NotFound(f"no scored item has id {item_id!r}; POST /score first")
            if self._db.execute("SELECT 1 FROM feedback WHERE item_id=?", (item_id,)).fetchone():
                raise Conflict(f"item {item_id!r} already has feedback; each item is labelled once")
            scores = np.asarray(json.loads(row[0]))[None]
            category = category if category is not None else row[2]
            group = self._group(category)
            y = np.array([float(label)])
            new = dict(self.states)
            new[GLOBAL] = self.aggregator.learn(self.states[GLOBAL], scores, y)
            if group != GLOBAL:
                new[group] = self.aggregator.learn(self.states[group], scores, y)
            agg = self.aggregator
            if agg.loss == "zero_one":
                ens_loss = abs(row[1] - label)
            else:
                ens_loss = float(loss_values(row[1], label, agg.loss))
            exp_loss = loss_values(scores[0], label, agg.loss, agg.threshold)
            w = agg.weights(new[GLOBAL])[0]
            state = json.dumps({g: _encode(s) for g, s in new.items()})
            self._db.execute(
                "INSERT INTO feedback (item_id, label, category, received, ensemble_loss, expert_losses, weights, state) VALUES (?,?,?,?,?,?,?,?)",
                (item_id, label, category if group != GLOBAL else None, time.time(), ens_loss, json.dumps(exp_loss.tolist()), json.dumps(w.tolist()), state),
            )
            self.states = new  # only after the commit: memory never runs ahead of the disk
            self._add_totals(group if group != GLOBAL else None, ens_loss, exp_loss)
            count = self.totals[GLOBAL]["count"]
        return {
            "id": item_id,
            "label": label,
            "category": category,
            "loss": ens_loss,
            "expert_losses": dict(zip(self.names, exp_loss.tolist())),
            "weights": dict(zip(self.names, w.tolist())),
            "feedback_count": count,
        }

    def stats(self, history: int = 100) -> dict[str, Any]:
        """Losses and regret so far against each expert, current weights, weights over time."""
        with self._lock:
            groups = {}
            for g in self.groups:
                t = self.totals[g]
                exp = t["experts"]
                groups[g] = {
                    "labelled": t["count"],
                    "ensemble_loss": t["ensemble"],
                    "expert_loss": dict(zip(self.names, exp.tolist())),
                    "regret": dict(zip(self.names, (t["ensemble"] - exp).tolist())),
                    "regret_vs_best": float(t["ensemble"] - exp.min()) if t["count"] else 0.0,
                    "weights": dict(zip(self.names, self.aggregator.weights(self.states[g])[0].tolist())),
                }
            n = self.totals[GLOBAL]["count"]
            step = max(1, math.ceil(n / max(history, 1)))
            rows = self._db.execute(
                "SELECT seq, weights FROM feedback WHERE seq % ? = 0 OR seq = ? ORDER BY seq", (step, n)
            ).fetchall()
            items = self.items
        overall = groups.pop(GLOBAL)
        return {
            "items": items,
            "loss": self.aggregator.loss,
            **overall,
            "categories": groups,
            "history": [{"feedback": s, "weights": dict(zip(self.names, json.loads(w)))} for s, w in rows],
        }

    def health(self) -> dict[str, Any]:
        """Liveness: the experts and how much history is stored."""
        with self._lock:
            self._db.execute("SELECT 1").fetchone()
            return {"status": "ok", "experts": self.names, "items": self.items, "labelled": self.totals[GLOBAL]["count"]}
