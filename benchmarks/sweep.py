"""Sweep throughput: the local process pool vs a serial loop on the same cells, and the Ray
backend's per-cell overhead.

    python benchmarks/sweep.py            # 200 cells of Hedge (T=10^4, B=100)
    python benchmarks/sweep.py --cells 40 # quicker
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from regretlab.store import Store  # noqa: E402
from regretlab.sweep import expand, parse_grid, run_cells  # noqa: E402


def timed(backend: str, cells: list, folder: Path, **kw: object) -> float:
    with Store(folder / f"{backend}.duckdb") as db:
        start = time.perf_counter()
        res = run_cells(cells, db, backend=backend, progress=False, **kw)
        assert res.failed == 0 and res.done == len(cells), res
        return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=200)
    ap.add_argument("--T", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=100)
    args = ap.parse_args()
    cells = expand("experts", parse_grid(f"algo=hedge T={args.T} runs={args.runs} every={args.T} seed=0:{args.cells}"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        serial = timed("serial", cells, folder)
        local = timed("local", cells, folder, workers=os.cpu_count())
        print(f"{len(cells)} cells of Hedge (T={args.T}, B={args.runs}) on {os.cpu_count()} cores")
        print(f"  serial loop : {serial:8.2f} s  ({serial / len(cells) * 1e3:.1f} ms/cell)")
        print(f"  local pool  : {local:8.2f} s  ({local / len(cells) * 1e3:.1f} ms/cell)")
        print(f"  speed-up local pool vs serial: {serial / local:.2f}x")
        try:
            import ray  # noqa: F401
        except ImportError:
            print("  ray: not installed (pip install 'regretlab[ray]')")
            return
        tiny = expand("experts", parse_grid("algo=uniform T=1 runs=1 every=1 seed=0:100"))
        with Store(folder / "tiny_serial.duckdb") as db:
            start = time.perf_counter()
            run_cells(tiny, db, backend="serial", progress=False)
            base = time.perf_counter() - start
        import ray as _ray

        _ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
        with Store(folder / "tiny_ray_warm.duckdb") as db:  # warm the workers
            run_cells(tiny[:4], db, backend="ray", progress=False)
        with Store(folder / "tiny_ray.duckdb") as db:
            start = time.perf_counter()
            run_cells(tiny, db, backend="ray", progress=False)
            ray_time = time.perf_counter() - start
        _ray.shutdown()
        print(f"  ray per-cell overhead (100 trivial cells, warm workers): "
              f"{(ray_time - base) / len(tiny) * 1e3:.1f} ms/cell over the serial cost")


if __name__ == "__main__":
    main()
