"""Bad input to the CFR-at-scale options of regretlab solve: --threads, --dtype, float32 with a
general-path local rule, a float32 solve into the store."""

CASES = [
    dict(id="solve-threads-zero", argv=["solve", "kuhn", "--threads", "0", "--no-progress"],
         expect="--threads must be an integer >= 1, got 0"),
    dict(id="solve-threads-too-many", argv=["solve", "kuhn", "--threads", "100000", "--no-progress"],
         expect="--threads must be between 1 and", note="more threads than Numba may use here"),
    dict(id="solve-dtype-unknown", argv=["solve", "kuhn", "--dtype", "float16", "--no-progress"],
         expect="--dtype must be one of float64, float32, got 'float16'"),
    dict(id="solve-float32-general-rule", argv=["solve", "kuhn", "--dtype", "float32", "--local", "hedge",
                                                "--no-progress"],
         expect="dtype 'float32' needs a fused compiled rule"),
    dict(id="solve-float32-store", argv=["solve", "kuhn", "--dtype", "float32", "--store", "r.duckdb",
                                         "--no-progress"],
         expect="--store keeps float64 solves only"),
]
