"""Self-contained HTML reports: per experiment its headline numbers, test verdicts and figures
(PNG embedded as base64, so the page is one file)."""

from __future__ import annotations

import base64
import html
import json
import tempfile
import time
from pathlib import Path
from typing import Any, Iterable

from regretlab import __version__
from regretlab.experiments import get_experiment
from regretlab.store import Store

_CSS = """body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.3em .6em;text-align:left;
font-size:.92em}img{max-width:100%;border:1px solid #eee;margin:.4em 0}.muted{color:#777;font-size:.9em}
.fail{color:#a00}"""


def _order(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return (1, json.dumps(value, sort_keys=True))
    return (0, value)


def config_groups(rows: Any) -> tuple[list[str], list[tuple[dict[str, Any], Any]]]:
    """Split stored rows (with their ``cell_config`` column) by the config fields that differ
    between their cells: ``(fields, [(values, rows)])``, so that cells of different configs are
    never pooled (seeds of one config are). One group with ``{}`` when all cells share a config."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = rows.column_names if hasattr(rows, "column_names") else list(rows)
    if "cell_config" not in names:
        return [], [({}, rows)]
    configs = pc.unique(rows.column("cell_config")).to_pylist()
    parsed = {c: json.loads(c) for c in configs if c is not None}
    fields = sorted(set().union(*parsed.values())) if parsed else []
    differ = [f for f in fields
              if len({json.dumps(p.get(f), sort_keys=True) for p in parsed.values()}) > 1]
    if not differ:
        return [], [({}, rows)]
    groups: dict[str, list[str]] = {}
    values: dict[str, dict[str, Any]] = {}
    for c, p in parsed.items():
        vals = {f: p.get(f) for f in differ}
        gid = json.dumps(vals, sort_keys=True)
        groups.setdefault(gid, []).append(c)
        values[gid] = vals
    order = sorted(groups, key=lambda g: tuple(_order(values[g][f]) for f in differ))
    return differ, [(values[g], rows.filter(pc.is_in(rows.column("cell_config"),
                                                      value_set=pa.array(groups[g], pa.string()))))
                    for g in order]


def group_label(values: dict[str, Any]) -> str:
    """``env=adaptive T=1000`` for a group of :func:`config_groups`."""
    return " ".join(f"{k}={v}" for k, v in values.items())


def experiment_section(store: Store, name: str) -> str:
    """HTML for one experiment: description, cells, summary table, figures."""
    exp = get_experiment(name)
    parts = [f"<h2 id='{html.escape(name)}'>{html.escape(name)}</h2>"]
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
    fields, groups = config_groups(store.rows(name))
    if fields:
        parts.append(f"<p class='muted'>{len(groups)} configs; summaries and figures per "
                     f"{html.escape(', '.join(fields))} (the config fields that differ between cells)</p>")
    for values, rows in groups:
        if values:
            parts.append(f"<h3>{html.escape(group_label(values))}</h3>")
        parts.extend(_summary_and_figures(exp, rows))
    return "\n".join(parts)


def _summary_and_figures(exp: Any, rows: Any) -> list[str]:
    parts = []
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
    return parts


def write_report(store: Store, names: Iterable[str], out: str | Path, title: str = "regretlab report") -> Path:
    """Write one HTML page covering ``names``; returns its path."""
    body = [f"<h1>{html.escape(title)}</h1>",
            f"<p class='muted'>regretlab {__version__} · {time.strftime('%Y-%m-%d %H:%M:%S')} · "
            f"store {html.escape(str(store.path))}</p>"]
    names = list(names)
    body.append("<p>" + " · ".join(f"<a href='#{html.escape(n)}'>{html.escape(n)}</a>" for n in names) + "</p>")
    from regretlab.progress import bar

    with bar(len(names), "report: experiments", fields=("experiment",), transient=True) as pb:
        for i, name in enumerate(names):
            pb.update(i, experiment=name)
            body.append(experiment_section(store, name))
            pb.update(i + 1)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
                   f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>")
    return out
