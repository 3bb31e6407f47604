"""Results store: an embedded DuckDB file of tidy rows, each cell with its config, seed and version.

Layout:

* ``cells``: one row per unit of work (an experiment at one config and seed) with its stable
  ``key``, the config as JSON, the seed, the regretlab version, the status (``ok``/``failed``),
  the error text of a failed cell, and timings.
* ``rows_<experiment>``: the tidy rows a cell produced, tagged with ``cell_key``.

A cell's rows and its ``cells`` entry are written in one transaction, so a crash at any point
leaves either the whole cell or none of it: nothing finished is lost and nothing is half-written.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pyarrow as pa

from regretlab import __version__

DEFAULT_PATH = Path("results") / "regretlab.duckdb"


def _jsonable(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        return _jsonable(asdict(obj))
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in sorted(obj.items())}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return obj


def canonical_json(config: Any) -> str:
    """Deterministic JSON of a config (dataclass or mapping): sorted keys, no spaces."""
    return json.dumps(_jsonable(config), sort_keys=True, separators=(",", ":"))


def cell_key(experiment: str, config: Any, seed: int, version: str = __version__) -> str:
    """Stable identity of a unit of work: (experiment, config hash, seed, package version)."""
    blob = f"{experiment}|{canonical_json(config)}|{int(seed)}|{version}".encode()
    return hashlib.sha256(blob).hexdigest()[:24]


def _table_name(experiment: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", experiment):
        raise ValueError(f"experiment name must be letters, digits, '_' or '-', got {experiment!r}")
    return "rows_" + experiment.replace("-", "_")


def to_arrow(rows: Mapping[str, Any] | pa.Table) -> pa.Table:
    """Columnar rows (a mapping of equal-length columns) as an Arrow table."""
    if isinstance(rows, pa.Table):
        return rows
    cols = {k: np.asarray(v) if not isinstance(v, list) else v for k, v in rows.items()}
    lengths = {k: len(v) for k, v in cols.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"rows must be columns of equal length, got lengths {lengths}")
    return pa.table(cols)


def _arrow(cursor: Any) -> pa.Table:
    """A query result as an Arrow table (DuckDB 1.x calls it ``arrow``, 2.x ``to_arrow_table``)."""
    import warnings

    fetch = getattr(cursor, "to_arrow_table", None) or getattr(cursor, "fetch_arrow_table")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "extra copy" notice: the tables are small
        return fetch()


class _Exec:
    """Runs statements to completion (DuckDB refuses new work while a result is pending)."""

    def __init__(self, con: Any) -> None:
        self._con = con

    def execute(self, sql: str, params: list[Any] | None = None) -> "_Result":
        cur = self._con.execute(sql, params or [])
        try:
            rows = cur.fetchall()
        except Exception:  # statements without a result set
            rows = []
        return _Result(rows)

    def register(self, name: str, obj: Any) -> None:
        self._con.register(name, obj)

    def unregister(self, name: str) -> None:
        self._con.unregister(name)


class _Result:
    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return self._rows


class StoreInUse(ValueError):
    """The store file is held by another process (DuckDB allows one writer at a time)."""


def _reading(method: Any) -> Any:
    """A store method whose DuckDB errors (a damaged file) become one line naming the file."""
    import functools

    @functools.wraps(method)
    def wrapper(self: "Store", *args: Any, **kwargs: Any) -> Any:
        import duckdb

        try:
            return method(self, *args, **kwargs)
        except duckdb.Error as exc:
            raise self._damaged(exc) from None

    return wrapper


DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB database file


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def check_store_file(path: str | Path) -> None:
    """Raise a one-line ValueError when ``path`` exists but cannot be a DuckDB results store
    (a directory, an empty file, any other kind of file). A missing path is fine: it is created."""
    p = Path(path)
    if not p.exists():
        return
    if p.is_dir():
        raise ValueError(f"the results store {str(p)!r} is a directory; pass --store with a .duckdb file")
    try:
        with open(p, "rb") as f:
            head = f.read(12)
    except OSError as exc:
        raise ValueError(f"cannot read the results store {str(p)!r}: {exc.strerror or exc}") from None
    if not head:
        raise ValueError(f"the results store {str(p)!r} is an empty file, not a DuckDB database; "
                         "remove it or pass --store with another file")
    if len(head) < 12 or head[8:12] != DUCKDB_MAGIC:
        raise ValueError(f"{str(p)!r} is not a DuckDB results store (it holds other data); "
                         "pass --store with a .duckdb file")


def pending_dir(path: str | Path) -> Path:
    """Where cells wait that could not be written to the store at ``path`` (see :meth:`Store.put`)."""
    p = Path(path)
    return p.with_name(p.name + ".pending")


def save_pending(path: str | Path, experiment: str, config: Any, seed: int, rows: Any, *,
                 started: float | None = None, key: str | None = None) -> Path:
    """Keep a computed cell that could not be stored: a Parquet file beside the store, added to
    the store the next time it is opened. Returns the file."""
    import pyarrow.parquet as pq

    key = key or cell_key(experiment, config, seed)
    table = to_arrow(rows)
    meta = {"experiment": experiment, "config": canonical_json(config), "seed": int(seed),
            "started": started, "key": key, "version": __version__}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           b"regretlab_cell": json.dumps(meta).encode()})
    out = pending_dir(path)
    out.mkdir(parents=True, exist_ok=True)
    dest = out / f"{key}.parquet"
    tmp = out / f".{key}.parquet.tmp"
    pq.write_table(table, tmp)
    tmp.replace(dest)
    return dest


class Store:
    """An embedded DuckDB results database (one file; safe to reopen; one writer at a time).

    Opening checks the file (a DuckDB database, not in use, its ``cells`` table readable) and
    fails with one line naming it; cells left beside it by :func:`save_pending` are added.
    """

    def __init__(self, path: str | Path = DEFAULT_PATH, wait: float = 10.0) -> None:
        import duckdb

        self.path = Path(path)
        check_store_file(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + wait
        while True:
            try:
                self.con = duckdb.connect(str(self.path))
                break
            except duckdb.Error as exc:
                if "lock" not in str(exc).lower():
                    raise self._damaged(exc) from None
                if time.monotonic() >= deadline:  # one writer at a time: another process holds it
                    raise StoreInUse(
                        f"the results store {str(self.path)!r} is in use by another process "
                        f"(waited {wait:.0f} s); wait for it to finish or pass --store with another file"
                    ) from None
                time.sleep(0.2)
        try:
            _Exec(self.con).execute(
                """CREATE TABLE IF NOT EXISTS cells (
                    key VARCHAR PRIMARY KEY, experiment VARCHAR, config VARCHAR, seed BIGINT,
                    version VARCHAR, status VARCHAR, error VARCHAR,
                    started DOUBLE, finished DOUBLE, seconds DOUBLE, nrows BIGINT)"""
            )
            self._scan("cells")
        except duckdb.Error as exc:
            self.con.close()
            raise self._damaged(exc) from None
        except BaseException:
            self.con.close()
            raise
        self._import_pending()

    def _damaged(self, exc: BaseException) -> ValueError:
        return ValueError(f"the results store {str(self.path)!r} is damaged or not a DuckDB file "
                          f"({_first_line(exc)}); restore it or pass --store with another file")

    def _scan(self, table: str) -> None:
        """Read every column of ``table`` (DuckDB checks each block), so damage shows now."""
        self.con.execute(f'SELECT count(*), bit_xor(hash(COLUMNS(*))) FROM "{table}"').fetchall()

    def check(self, experiment: str | None = None) -> None:
        """Read the ``cells`` table and the rows of ``experiment`` (all experiments when None) in
        full; a damaged store raises a one-line ValueError naming the file."""
        import duckdb

        names = self.experiments() if experiment is None else [experiment]
        try:
            self._scan("cells")
            for name in names:
                table = _table_name(name)
                if self._has_table(table):
                    self._scan(table)
        except duckdb.Error as exc:
            raise self._damaged(exc) from None

    def _has_table(self, table: str) -> bool:
        return bool(self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchone()[0])

    def _import_pending(self) -> None:
        """Add the cells :func:`save_pending` left beside this store, then remove their files."""
        folder = pending_dir(self.path)
        if not folder.is_dir():
            return
        import pyarrow.parquet as pq

        for file in sorted(folder.glob("*.parquet")):
            try:
                table = pq.read_table(file)
                meta = json.loads((table.schema.metadata or {})[b"regretlab_cell"])
                table = table.replace_schema_metadata(None)
                self.put(meta["experiment"], json.loads(meta["config"]), int(meta["seed"]), table,
                         started=meta.get("started"), key=meta["key"], version=meta.get("version"))
            except Exception:  # an unreadable file stays for the user to look at
                continue
            file.unlink()
        try:
            folder.rmdir()
        except OSError:
            pass

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------
    def put(
        self,
        experiment: str,
        config: Any,
        seed: int,
        rows: Mapping[str, Any] | pa.Table | None,
        *,
        status: str = "ok",
        error: str | None = None,
        started: float | None = None,
        key: str | None = None,
        version: str | None = None,
    ) -> str:
        """Store one cell (its rows and metadata) atomically; returns its key.

        A cell stored again under the same key replaces the earlier one (a retried failure).
        A damaged store raises a one-line ValueError naming the file (the cell is not stored).
        """
        import duckdb

        key = key or cell_key(experiment, config, seed)
        table = _table_name(experiment)
        finished = time.time()
        started = finished if started is None else started
        con = _Exec(self.con)
        try:
            con.execute("BEGIN TRANSACTION")
        except duckdb.Error as exc:
            raise self._damaged(exc) from None
        try:
            nrows = 0
            exists = bool(
                con.execute(
                    "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
                ).fetchone()[0]
            )
            if exists:
                con.execute(f'DELETE FROM "{table}" WHERE cell_key = ?', [key])
            if rows is not None:
                arrow = to_arrow(rows)
                nrows = arrow.num_rows
                arrow = arrow.append_column("cell_key", pa.array([key] * nrows, pa.string()))
                con.register("_incoming", arrow)
                if not exists:
                    con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM _incoming')
                else:
                    have = {r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()}
                    for name, typ, *_ in con.execute("DESCRIBE _incoming").fetchall():
                        if name not in have:
                            con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {typ}')
                    con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM _incoming')
                con.unregister("_incoming")
            con.execute("DELETE FROM cells WHERE key = ?", [key])
            con.execute(
                "INSERT INTO cells VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [key, experiment, canonical_json(config), int(seed), version or __version__, status, error,
                 started, finished, finished - started, nrows],
            )
            con.execute("COMMIT")
        except BaseException as exc:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass
            if isinstance(exc, duckdb.Error):
                raise self._damaged(exc) from None
            raise
        return key

    # -- reading ---------------------------------------------------------------------------
    @_reading
    def status(self, key: str) -> str | None:
        row = self.con.execute("SELECT status FROM cells WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    @_reading
    def cells(self, experiment: str | None = None) -> pa.Table:
        if experiment is None:
            return _arrow(self.con.execute("SELECT * FROM cells ORDER BY finished"))
        return _arrow(self.con.execute(
            "SELECT * FROM cells WHERE experiment = ? ORDER BY finished", [experiment]
        ))

    @_reading
    def rows(self, experiment: str, *, with_config: bool = True) -> pa.Table:
        """All stored rows of ``experiment`` (joined with each cell's seed and config)."""
        table = _table_name(experiment)
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
        ).fetchone()[0]
        if not exists:
            raise ValueError(f"no results stored for experiment {experiment!r} in {self.path}")
        if not with_config:
            return _arrow(self.con.execute(f'SELECT * FROM "{table}"'))
        return _arrow(self.con.execute(
            f'SELECT r.*, c.seed AS cell_seed, c.config AS cell_config FROM "{table}" r '
            "JOIN cells c ON c.key = r.cell_key WHERE c.status = 'ok'"
        ))

    @_reading
    def experiments(self) -> list[str]:
        return [r[0] for r in self.con.execute(
            "SELECT DISTINCT experiment FROM cells ORDER BY experiment").fetchall()]

    @_reading
    def export_parquet(self, directory: str | Path) -> list[Path]:
        """Write ``cells.parquet`` and one ``<experiment>.parquet`` per experiment."""
        import pyarrow.parquet as pq

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        from regretlab.progress import bar

        paths = [out / "cells.parquet"]
        pq.write_table(self.cells(), paths[0])
        names = self.experiments()
        with bar(len(names), "export: experiments", fields=("experiment",), transient=True) as pb:
            for i, exp in enumerate(names):
                pb.update(i, experiment=exp)
                if not self._has_table(_table_name(exp)):
                    continue
                table = self.rows(exp, with_config=False)
                path = out / f"{exp}.parquet"
                pq.write_table(table, path)
                paths.append(path)
            pb.update(len(names))
        return paths
