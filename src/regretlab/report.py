"""Self-contained HTML reports: per experiment its headline numbers, test verdicts and figures
(PNG embedded as base64, so the page is one file)."""

from __future__ import annotations

import base64
import html
import tempfile
import time
from pathlib import Path
from typing import Iterable

from regretlab import __version__
from regretlab.experiments import get_experiment
from regretlab.store import Store

_CSS = """body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.3em .6em;text-align:left;
font-size:.92em}img{max-width:100%;border:1px solid #eee;margin:.4em 0}.muted{color:#777;font-size:.9em}
.fail{color:#a00}"""


def experiment_section(store: Store, name: str) -> str:
    """HTML for one experiment: description, cells, summary table, figures."""
    exp = get_experiment(name)
    parts = [f"<h2>{html.escape(name)}</h2>"]
    if exp.description:
        parts.append(f"<p>{html.escape(exp.description)}</p>")
    if exp.reference:
        parts.append(f"<p class='muted'>Reference: {html.escape(exp.reference)}</p>")
    cells = store.cells(name).to_pydict()
    n_ok = sum(s == "ok" for s in cells["status"])
    n_fail = len(cells["status"]) - n_ok
    parts.append(f"<p class='muted'>{n_ok} stored cell(s)"
                 + (f", <span class='fail'>{n_fail} failed</span>" if n_fail else "") + "</p>")
    for err, status in zip(cells["error"], cells["status"]):
        if status != "ok" and err:
            parts.append(f"<pre class='fail'>{html.escape(err.splitlines()[0])}</pre>")
    if not n_ok:
        return "\n".join(parts)
    rows = store.rows(name)
    if exp.summarize is not None:
        try:
            lines = exp.summarize(rows)
            parts.append("<table><tr><th>quantity</th><th>value</th></tr>" + "".join(
                f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>" for k, v in lines)
                + "</table>")
        except Exception as exc:  # a report still shows the figures if a summary breaks
            parts.append(f"<p class='fail'>summary failed: {html.escape(repr(exc))}</p>")
    if exp.plot is not None:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                paths = exp.plot(rows, Path(tmp))
            except Exception as exc:
                parts.append(f"<p class='fail'>plot failed: {html.escape(repr(exc))}</p>")
                paths = []
            for p in paths:
                data = base64.b64encode(Path(p).read_bytes()).decode()
                parts.append(f"<img alt='{html.escape(Path(p).name)}' src='data:image/png;base64,{data}'>")
    return "\n".join(parts)


def write_report(store: Store, names: Iterable[str], out: str | Path, title: str = "regretlab report") -> Path:
    """Write one HTML page covering ``names``; returns its path."""
    body = [f"<h1>{html.escape(title)}</h1>",
            f"<p class='muted'>regretlab {__version__} · {time.strftime('%Y-%m-%d %H:%M:%S')} · "
            f"store {html.escape(str(store.path))}</p>"]
    for name in names:
        body.append(experiment_section(store, name))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
                   f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>")
    return out
