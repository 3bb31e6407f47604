"""Bad input to the core commands: run, sweep, show, report, export."""

from pathlib import Path


def _json_file(tmp: Path) -> None:
    (tmp / "mydata.json").write_text('{"a": 1}\n')


def _empty_file(tmp: Path) -> None:
    (tmp / "empty.duckdb").write_bytes(b"")


def _folder(tmp: Path) -> None:
    (tmp / "folder.duckdb").mkdir()


def _truncated_store(tmp: Path) -> None:
    import numpy as np

    from regretlab.store import Store

    path = tmp / "r.duckdb"
    with Store(path) as db:
        for i in range(20):
            db.put("experts", {"T": i}, 0, {"round": np.arange(20000), "regret": np.random.rand(20000),
                                            "learner": ["hedge"] * 20000})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _file(name: str, text: str):
    def setup(tmp: Path) -> None:
        (tmp / name).write_text(text)

    return setup


CASES = [
    dict(id="run-unknown-experiment", argv=["run", "nosuch"], expect="experiment"),
    # values the options cannot take: named as typed (--T, not the internal 'horizon')
    dict(id="run-T-nan", argv=["run", "experts", "--T", "nan"], expect="--T must be a whole number >= 1, got nan"),
    dict(id="run-T-inf", argv=["run", "experts", "--T", "inf"], expect="--T must be a whole number >= 1, got inf"),
    dict(id="run-T-fraction", argv=["run", "experts", "--T", "2.5"], expect="--T must be a whole number"),
    dict(id="run-runs-zero", argv=["run", "experts", "--runs", "0"], expect="--runs must be >= 1"),
    dict(id="run-K-negative", argv=["run", "experts", "--K", "-2"], expect="--K must be >= 0"),
    dict(id="run-seed-negative", argv=["run", "experts", "--seed", "-1"], expect="--seed must be >= 0"),
    dict(id="run-every-negative", argv=["run", "experts", "--set", "every=-3"], expect="every must be >= 0"),
    # user text with rich markup characters is printed as typed
    dict(id="run-algo-markup-close", argv=["run", "experts", "--algo", "[/]"], expect="unknown learner '[/]'",
         note="rich markup in a name"),
    dict(id="run-env-markup-tag", argv=["run", "experts", "--env", "[bold]x"], expect="unknown environment '[bold]x'",
         note="rich markup in a name"),
    dict(id="cli-unknown-option-markup", argv=["run", "experts", "--bogus[/]"], expect="--bogus[/]"),
    # sizes that cannot fit: refused up front with the estimate
    dict(id="run-huge-time", argv=["run", "experts", "--T", "1e12", "--runs", "1000"],
         expect="--T=1e+12, --runs=1000 would take at least", note="years of work"),
    dict(id="run-huge-memory", argv=["run", "experts", "--T", "100", "--runs", "100000000000"],
         expect="of memory (estimate), but only", note="more memory than the machine has"),
    # stores that are not DuckDB files, damaged, or not files
    dict(id="run-store-not-duckdb", argv=["run", "experts", "--T", "50", "--runs", "2", "--store", "mydata.json"],
         expect="'mydata.json' is not a DuckDB results store", setup=_json_file, note="an existing JSON file"),
    dict(id="show-store-not-duckdb", argv=["show", "--store", "mydata.json"],
         expect="is not a DuckDB results store", setup=_json_file, note="an existing JSON file"),
    dict(id="run-store-empty-file", argv=["run", "experts", "--T", "50", "--runs", "2", "--store", "empty.duckdb"],
         expect="is an empty file", setup=_empty_file),
    dict(id="run-store-directory", argv=["run", "experts", "--T", "50", "--runs", "2", "--store", "folder.duckdb"],
         expect="is a directory", setup=_folder),
    dict(id="show-store-truncated", argv=["show", "--store", "r.duckdb"], expect="'r.duckdb' is damaged",
         setup=_truncated_store, note="a store cut in half"),
    dict(id="export-store-truncated", argv=["export", "--store", "r.duckdb"], expect="'r.duckdb' is damaged",
         setup=_truncated_store, note="a store cut in half"),
    dict(id="run-store-truncated", argv=["run", "experts", "--T", "50", "--runs", "2", "--store", "r.duckdb"],
         expect="'r.duckdb' is damaged", setup=_truncated_store, note="a store cut in half"),
    dict(id="show-no-store", argv=["show"], expect="no results store"),
    # grids: every cell's config is checked before any work, the error names the grid key
    dict(id="sweep-grid-T-nan", argv=["sweep", "experts", "--grid", "T=nan"], expect="grid key T=nan"),
    dict(id="sweep-grid-runs-fraction", argv=["sweep", "experts", "--grid", "runs=1.5"], expect="grid key runs=1.5"),
    dict(id="sweep-grid-huge", argv=["sweep", "experts", "--grid", "T=1e12 runs=1000"], expect="would take at least"),
    dict(id="sweep-backend-unknown", argv=["sweep", "experts", "--grid", "T=10", "--backend", "spark"],
         expect="--backend must be one of"),
    dict(id="sweep-workers-zero", argv=["sweep", "experts", "--grid", "T=10", "--workers", "0"],
         expect="--workers must be >= 1"),
    dict(id="sweep-yaml-malformed", argv=["sweep", "experts", "--grid-file", "g.yaml"],
         expect="'g.yaml' is not valid YAML", setup=_file("g.yaml", "grid: [1, 2\nT: {\n")),
    dict(id="sweep-yaml-python-tag", argv=["sweep", "experts", "--grid-file", "g.yaml"],
         expect="'g.yaml' is not valid YAML", setup=_file("g.yaml", "T: !!python/object/apply:os.system [ls]\n"),
         note="a !!python tag (loading is safe)"),
    dict(id="sweep-yaml-not-mapping", argv=["sweep", "experts", "--grid-file", "g.yml"],
         expect="must hold a mapping", setup=_file("g.yml", "- 1\n- 2\n")),
    dict(id="sweep-toml-malformed", argv=["sweep", "experts", "--grid-file", "g.toml"],
         expect="'g.toml' is not valid TOML", setup=_file("g.toml", "[grid\nT = [1,\n")),
    dict(id="sweep-toml-table-value", argv=["sweep", "experts", "--grid-file", "g.toml"],
         expect="takes numbers or strings", setup=_file("g.toml", "T = [{a = 1}]\n")),
    dict(id="sweep-grid-file-missing", argv=["sweep", "experts", "--grid-file", "nope.toml"], expect="does not exist"),
]
