"""The report's pages and files, the SQL shown under every figure, and `report --serve`."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import duckdb
import numpy as np
import pytest

from regretlab.report import files_dir, plotly_js, rows_sql, serve_report, write_report
from regretlab.store import Store

ENV = {**os.environ, "REGRETLAB_PROGRESS": "0", "COLUMNS": "200", "NO_COLOR": "1"}


def test_report_page_layout(report_page: Path):
    page = report_page.read_text()
    files = files_dir(report_page)
    # a sidebar of experiments with a search box, an overview, one section per experiment
    assert "<aside id='sidebar'>" in page and "id='search'" in page and "class='overview'" in page
    for name in ("experts", "alternating", "generators", "inpo_omd", "inpo_loss"):
        assert f"<section class='experiment' id='{name}'" in page
        assert f"href='#{name}'" in page
        assert (files / f"{name}.html").exists()
        assert f"href='report_files/{name}.html'" in page
    # cells of different configs get their own summary and figures
    assert "<h3>env=alternating</h3>" in page and "<h3>env=gaussian</h3>" in page
    # the page carries its static figures (it can be mailed alone), loaded lazily
    assert "data-src='data:image/png;base64," in page and " src='data:image" not in page
    # vector files beside every PNG, and the interactive spec of each figure
    pngs = sorted(files.glob("figures/*.png"))
    assert len(pngs) >= 6
    for png in pngs:
        assert png.with_suffix(".svg").exists() and png.with_suffix(".pdf").exists()
    assert page.count("type='application/json' id='spec-") == len(pngs)
    # the paper, the config and verdicts in words
    assert "Paper: spec §2.6 target 1" in page and "<summary>config</summary>" in page
    assert "slope 1.0000 ∈ [0.98, 1.02] <span class='badge holds'>holds</span>" in page
    # inpo_loss at demo sizes: the claim at N = 4e5 is marked demo size, with the reason
    assert "<span class='badge demo'>demo size</span>" in page and "this run stops at N = 16000" in page
    # offline: no page loads anything from a network
    for f in [report_page, *files.glob("*.html")]:
        text = f.read_text()
        assert not re.search(r"(src|href)=['\"]https?://", text), f
    if plotly_js() is not None:
        assert (files / "plotly.min.js").stat().st_size > 1_000_000
        assert "<script src='report_files/plotly.min.js'></script>" in page


def test_experiment_page_links_files(report_page: Path):
    files = files_dir(report_page)
    page = (files / "experts.html").read_text()
    assert "href='../report.html'" in page and "href='alternating.html'" in page
    assert "data-src='figures/experts-0-experts_regret.png'" in page
    assert (files / "figures" / "experts-0-experts_regret.png").exists()
    assert "class='current'" in page


def test_every_figure_shows_the_sql_of_its_rows(report_page: Path, report_store: Path):
    """The SQL under each figure, run in DuckDB on the store, returns exactly the figure's rows."""
    from regretlab.report import config_groups

    pages = [report_page.read_text()]
    queries = [html.unescape(q) for q in re.findall(r"<pre><code>(SELECT .*?)</code></pre>", pages[0], re.S)]
    assert len(queries) == pages[0].count("class='figure'") >= 6
    con = duckdb.connect(str(report_store), read_only=True)
    with_store = Store.__new__(Store)  # read the expected groups through the report's own code
    with_store.con, with_store.path = con, report_store
    try:
        for q in dict.fromkeys(queries):
            name = re.search(r"c\.experiment = '([^']+)'", q).group(1)
            got = con.execute(q).fetchall()
            _, groups = config_groups(with_store.rows(name))
            sizes = [g.num_rows for _, g in groups]
            assert len(got) in sizes, (q, len(got), sizes)
        assert rows_sql("experts", {"env": "gaussian"}) in queries
        # a tuple-valued config field matches its stored JSON text
        q = rows_sql("inpo_loss", {"sizes": [1000, 4000, 16000]})
        assert len(con.execute(q).fetchall()) == 2 * 3 * 4
    finally:
        con.close()


def test_a_report_never_deletes_a_folder_it_did_not_write(report_store: Path, tmp_path: Path):
    (tmp_path / "report_files").mkdir()
    (tmp_path / "report_files" / "mine.txt").write_text("keep")
    with Store(report_store) as db:
        with pytest.raises(ValueError, match="not written by regretlab report"):
            write_report(db, ["alternating"], tmp_path / "report.html")
        assert (tmp_path / "report_files" / "mine.txt").read_text() == "keep"
        out = write_report(db, ["alternating"], tmp_path / "other.html")  # a fresh name works
        write_report(db, ["alternating"], out)  # and rewriting its own folder does
    assert (tmp_path / "other_files" / "alternating.html").exists()


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


def test_serve_reloads_from_the_store_while_a_writer_holds_it(report_store: Path, tmp_path: Path):
    import shutil

    store = tmp_path / "live.duckdb"
    shutil.copyfile(report_store, store)
    lines: list[str] = []
    out = tmp_path / "site" / "report.html"
    thread = threading.Thread(target=serve_report, args=(store, ["alternating", "generators"], out),
                              kwargs={"port": 0, "poll": 0.5, "duration": 12, "echo": lines.append}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not any("serving http" in ln for ln in lines):
        assert time.monotonic() < deadline and thread.is_alive(), lines
        time.sleep(0.1)
    url = re.search(r"(http://127\.0\.0\.1:\d+)/", next(ln for ln in lines if "serving" in ln)).group(1)
    assert b"<section class='experiment' id='alternating'" in _get(url + "/report.html")
    assert b"window.REGRETLAB = {\"live\": true" in _get(url + "/report.html")
    assert _get(url + "/report_files/alternating.html").startswith(b"<!doctype html>")
    v1 = json.loads(_get(url + "/__regretlab/version"))
    # a sweep holds the store (one writer) and stores a cell: the server reads a snapshot
    from regretlab.experiments import get_experiment

    exp = get_experiment("generators")
    config = exp.make_config(T=300, runs=3)
    with Store(store) as db:
        db.put("generators", config, 5, exp.run(config, 5))
        deadline = time.monotonic() + 60  # a loaded 2-core machine rebuilds the page slowly
        while json.loads(_get(url + "/__regretlab/version"))["version"] == v1["version"]:
            assert time.monotonic() < deadline, lines
            time.sleep(0.2)
    v2 = json.loads(_get(url + "/__regretlab/version"))
    assert v2["cells"] == v1["cells"] + 1
    assert "T=300" in out.read_text() or "<h3>T=300 runs=3</h3>" in out.read_text()
    assert any("store changed" in ln for ln in lines)
    thread.join(timeout=20)
    assert not thread.is_alive()  # bounded: --for stops it


def test_cli_report_all_stored_and_serve_for(report_store: Path, tmp_path: Path):
    r = subprocess.run([sys.executable, "-m", "regretlab.cli", "report", "--store", str(report_store), "--out",
                        str(tmp_path / "r.html")], capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout and (tmp_path / "r_files" / "inpo_omd.html").exists()
    import shutil

    held = tmp_path / "held.duckdb"
    shutil.copyfile(report_store, held)
    holder = subprocess.Popen([sys.executable, "-c", f"from regretlab.store import Store; import time; "
                               f"s = Store({str(held)!r}); print('held', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True, env=ENV)
    try:
        assert holder.stdout.readline().strip() == "held"  # a sweep holds the store
        r = subprocess.run([sys.executable, "-m", "regretlab.cli", "report", "alternating", "nope", "--store",
                            str(held), "--out", str(tmp_path / "s.html"), "--serve", "--port", "0", "--for", "1.5"],
                           capture_output=True, text=True, env=ENV, timeout=120)
    finally:
        holder.kill()
        holder.wait()
    assert r.returncode == 0, r.stderr
    assert "serving http://127.0.0.1:" in r.stdout and "no results stored yet for nope" in r.stdout
    assert "<section class='experiment' id='alternating'" in (tmp_path / "s.html").read_text()
    for bad, needle in ((["--poll", "0.1"], "--poll must be >= 0.5"), (["--for", "0"], "--for must be > 0")):
        r = subprocess.run([sys.executable, "-m", "regretlab.cli", "report", "--store", str(report_store), "--serve",
                            *bad], capture_output=True, text=True, env=ENV, timeout=120)
        assert r.returncode == 2 and needle in r.stderr, r.stderr


def test_summary_table_in_the_terminal_has_verdicts(report_store: Path):
    r = subprocess.run([sys.executable, "-m", "regretlab.cli", "show", "inpo_loss", "--store", str(report_store)],
                       capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "verdict" in r.stdout and "demo size" in r.stdout and "holds" in r.stdout
    assert "± is one standard error over runs" in r.stdout
    assert not re.search(r"\d\.\d{9,}", r.stdout)  # no 0.0033296031363212
