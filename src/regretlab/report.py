"""HTML reports of stored experiments: a page a researcher can explore.

``write_report(store, names, "results/report.html")`` writes

* ``report.html``: every experiment on one page, with a sidebar of experiments and a search box
  over experiments and algorithms; per experiment what it shows, the paper, the config, and per
  config (cells of different configs are never pooled) the summary with its verdicts and the
  figures. The tables and static figures are inside the page (it can be mailed alone); figures
  load lazily, as they scroll into view.
* ``report_files/``: a page per experiment (``<name>.html``), every figure as PNG, SVG and PDF
  (``figures/``), and ``plotly.min.js`` copied from the installed ``plotly`` package, which draws
  the interactive figures (hover values, toggle series, zoom) from the rows each figure was drawn
  from. Nothing is fetched from a network. Without ``plotly`` the static figures are shown.

Every figure shows the DuckDB SQL that selects its rows (``duckdb results/regretlab.duckdb``).
:func:`serve_report` serves the page on 127.0.0.1 and reloads it while a sweep fills the store.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from regretlab import __version__
from regretlab.experiments import get_experiment
from regretlab.store import Store

ASSETS = Path(__file__).parent / "report_assets"
MARKER = ".regretlab-report"  # a files folder with this file was written by us: safe to replace
SEARCH_COLUMNS = ("learner", "method", "algo", "algorithm", "agent", "policy", "env", "setting", "game",
                  "part", "dataset", "mechanism")


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


def _sql_text(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def rows_sql(name: str, values: dict[str, Any] | None = None) -> str:
    """The DuckDB query that selects the stored rows of ``name`` drawn in one figure: its ok cells,
    restricted to the config values of the figure's group (``values``, see :func:`config_groups`).

    Example:
        >>> print(rows_sql("experts", {"env": "adaptive", "T": 1000}))
        SELECT r.*, c.seed AS cell_seed, c.config AS cell_config
        FROM rows_experts AS r
        JOIN cells AS c ON c.key = r.cell_key
        WHERE c.experiment = 'experts' AND c.status = 'ok'
          AND json_extract_string(c.config, '$.env') = 'adaptive'
          AND json_extract_string(c.config, '$.T') = '1000';
    """
    from regretlab.store import _table_name

    where = [f"c.experiment = {_sql_text(name)} AND c.status = 'ok'"]
    for key, value in (values or {}).items():
        path = _sql_text(f"$.{key}")
        if value is None:
            where.append(f"json_extract_string(c.config, {path}) IS NULL")
            continue
        text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        where.append(f"json_extract_string(c.config, {path}) = {_sql_text(text)}")
    return ("SELECT r.*, c.seed AS cell_seed, c.config AS cell_config\n"
            f"FROM {_table_name(name)} AS r\nJOIN cells AS c ON c.key = r.cell_key\n"
            "WHERE " + "\n  AND ".join(where) + ";")


# ---------------------------------------------------------------------------------------------
# What a section holds (built once, rendered for the all-in-one page and the experiment's page)
@dataclass
class Figure:
    slug: str  # unique in the report: the file stem under figures/
    title: str
    png: bytes | None
    files: dict[str, str] = field(default_factory=dict)  # "png"/"svg"/"pdf" -> file name under figures/
    spec: dict[str, Any] | None = None
    sql: str = ""


@dataclass
class Group:
    label: str
    anchor: str
    values: dict[str, Any]
    config: dict[str, Any]
    demo: bool
    cells: int
    seeds: list[int]
    summary: list[tuple[str, str, Any]] = field(default_factory=list)
    summary_error: str | None = None
    figures: list[Figure] = field(default_factory=list)
    plot_error: str | None = None


@dataclass
class Section:
    name: str
    description: str
    reference: str
    n_ok: int
    n_failed: int
    errors: list[str]
    fields: list[str]
    shared: dict[str, Any]
    groups: list[Group]
    search: str

    def statuses(self) -> dict[str, int]:
        out = {"holds": 0, "fails": 0, "demo size": 0, "not tested": 0}
        for g in self.groups:
            for _, _, v in g.summary:
                if v is not None:
                    out[v.status] = out.get(v.status, 0) + 1
        return out


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:60] or "x"


def _is_demo(exp: Any, config: dict[str, Any]) -> bool:
    if not exp.demo:
        return False
    norm = lambda v: json.dumps(v, sort_keys=True, default=str).replace("(", "[").replace(")", "]")  # noqa: E731
    return all(norm(config.get(k)) == norm(list(v) if isinstance(v, tuple) else v) for k, v in exp.demo.items())


def _search_terms(rows: Any) -> list[str]:
    import pyarrow.compute as pc

    names = rows.column_names if hasattr(rows, "column_names") else []
    terms: list[str] = []
    for col in SEARCH_COLUMNS:
        if col in names:
            try:
                values = pc.unique(rows.column(col)).to_pylist()
            except Exception:  # a column type unique() cannot handle: no terms from it
                continue
            terms.extend(str(v) for v in values[:60] if isinstance(v, str))
    return terms


def _plotly_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """A figure's recorded series with mathtext labels as the HTML subset Plotly draws."""
    from regretlab.plot_style import mathtext_to_html as m

    def label(t: dict[str, Any]) -> dict[str, Any]:
        return {**t, "label": m(str(t.get("label", ""))), "name": str(t.get("name", ""))}

    return {"title": m(spec.get("title", "")),
            "panels": [{**p, "title": m(p.get("title", "")), "xlabel": m(p.get("xlabel", "")),
                        "ylabel": m(p.get("ylabel", "")), "traces": [label(t) for t in p["traces"]]}
                       for p in spec.get("panels", [])]}


def _figures(exp: Any, name: str, rows: Any, gi: int, values: dict[str, Any], figdir: Path | None) -> list[Figure]:
    from regretlab.plot_style import sidecar

    out: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(p) for p in exp.plot(rows, Path(tmp))]
        stems = list(dict.fromkeys(p.with_suffix("") for p in paths))
        for stem in stems:
            slug = _slug(f"{name}-{gi}-{stem.name}")
            png = stem.with_suffix(".png")
            fig = Figure(slug=slug, title=stem.name, png=png.read_bytes() if png.exists() else None,
                         sql=rows_sql(name, values))
            for fmt in ("png", "svg", "pdf"):
                src = stem.with_suffix(f".{fmt}")
                if src.exists() and figdir is not None:
                    shutil.copyfile(src, figdir / f"{slug}.{fmt}")
                    fig.files[fmt] = f"{slug}.{fmt}"
            spec = sidecar(png) if png.exists() else None
            fig.spec = _plotly_spec(spec) if spec else None
            out.append(fig)
    return out


def build_section(store: Store, name: str, figdir: Path | None = None) -> Section:
    """Everything the report shows of experiment ``name``: cells, configs, per-config summaries
    (with verdicts) and figures (copied as files to ``figdir`` when given)."""
    from regretlab.summary import entries

    exp = get_experiment(name)
    cells = store.cells(name).to_pydict()
    n_ok = sum(s == "ok" for s in cells["status"])
    errors = [err.splitlines()[0] for err, st in zip(cells["error"], cells["status"]) if st != "ok" and err]
    search = [name, exp.description, exp.reference]
    groups: list[Group] = []
    fields: list[str] = []
    shared: dict[str, Any] = {}
    if n_ok:
        rows = store.rows(name)
        search += _search_terms(rows)
        fields, parts = config_groups(rows)
        ok_configs = [json.loads(c) for c, st in zip(cells["config"], cells["status"]) if st == "ok"]
        if ok_configs:
            shared = {k: v for k, v in ok_configs[0].items()
                      if k not in fields and all(c.get(k) == v for c in ok_configs[1:])}
        search += [f"{k}={v}" for k, v in shared.items()]
        for gi, (values, part) in enumerate(parts):
            cfgs = [json.loads(c) for c in dict.fromkeys(part.column("cell_config").to_pylist())] \
                if "cell_config" in part.column_names else []
            config = {**shared, **values}
            seeds = sorted(set(part.column("cell_seed").to_pylist())) if "cell_seed" in part.column_names else []
            label = group_label(values)
            g = Group(label=label, anchor=f"{name}--{_slug(label) or 'all'}", values=values, config=config,
                      demo=bool(cfgs) and all(_is_demo(exp, c) for c in cfgs), cells=len(cfgs), seeds=seeds)
            if exp.summarize is not None:
                try:
                    g.summary = entries(exp.summarize(part))
                except Exception as exc:  # a report still shows the figures if a summary breaks
                    g.summary_error = repr(exc)
            if exp.plot is not None:
                try:
                    g.figures = _figures(exp, name, part, gi, values, figdir)
                except Exception as exc:
                    g.plot_error = repr(exc)
            groups.append(g)
    return Section(name=name, description=exp.description, reference=exp.reference, n_ok=n_ok,
                   n_failed=len(cells["status"]) - n_ok, errors=errors, fields=fields, shared=shared,
                   groups=groups, search=" ".join(s for s in search if s))


# ---------------------------------------------------------------------------------------------
# Rendering
def _e(text: Any) -> str:
    return html.escape(str(text))


_BADGE = {"holds": "holds", "fails": "fails", "demo size": "demo", "not tested": "untested"}


def _verdict_html(v: Any) -> str:
    status = v.status
    note = ""
    if status == "demo size":
        note = f"<div class='muted'>demo size: {_e(v.demo_size)}</div>"
    if v.full_size:
        note += f"<div class='muted'>full size: {_e(v.full_size)}</div>"
    return f"{_e(v.relation())} <span class='badge {_BADGE[status]}'>{_e(status)}</span>{note}"


def _summary_html(g: Group, full_size: list[Group]) -> str:
    if g.summary_error:
        return f"<p class='fail'>summary failed: {_e(g.summary_error)}</p>"
    if not g.summary:
        return ""
    verdicts = any(v is not None for *_, v in g.summary)
    head = "<tr><th>quantity</th><th>value</th>" + ("<th>verdict</th>" if verdicts else "") + "</tr>"
    body = []
    for label, text, v in g.summary:
        cells = f"<td>{_e(label)}</td><td class='num'>{_e(text)}</td>"
        if verdicts:
            cells += f"<td>{_verdict_html(v) if v is not None else ''}</td>"
        body.append(f"<tr>{cells}</tr>")
    out = f"<table class='summary'>{head}{''.join(body)}</table>"
    out += "<p class='muted'>± is one standard error over runs.</p>" if any("±" in t for _, t, _ in g.summary) else ""
    if any(v is not None and v.status == "demo size" for *_, v in g.summary):
        if full_size:
            links = ", ".join(f"<a href='#{_e(f.anchor)}'>{_e(f.label or 'the stored full-size config')}</a>"
                              for f in full_size)
            out += f"<p class='muted'>Full-size result stored beside it: {links}.</p>"
        else:
            out += ("<p class='muted'>Claims marked demo size need the larger run they name; none is stored "
                    "here (run the experiment at its default config: <code>regretlab run "
                    f"{_e(g.anchor.split('--')[0])}</code>).</p>")
    return out


def _figure_html(f: Figure, mode: str, prefix: str, store_hint: str) -> str:
    if mode == "single":
        src = f"data:image/png;base64,{base64.b64encode(f.png).decode()}" if f.png else ""
    else:
        src = f"figures/{f.files['png']}" if "png" in f.files else ""
    links = " · ".join(f"<a href='{_e(prefix + 'figures/' + n)}'>{fmt.upper()}</a>" for fmt, n in f.files.items())
    spec_id = f"spec-{f.slug}"
    spec = ""
    if f.spec:
        payload = json.dumps(f.spec, separators=(",", ":")).replace("</", "<\\/")
        spec = f"<script type='application/json' id='{spec_id}'>{payload}</script>"
    notes = "".join(f"<p class='note'>{_e(n)}</p>" for p in (f.spec or {}).get("panels", []) for n in p.get("notes", []))
    symlog = any(p.get(a) == "symlog" for p in (f.spec or {}).get("panels", []) for a in ("xscale", "yscale"))
    if symlog:
        notes += "<p class='note'>The static figure uses a symmetric-log axis; the interactive one is linear.</p>"
    view = "interactive" if f.spec else "static"
    img = f"<img data-src='{_e(src)}' alt='{_e(f.title)}'>" if src else "<p class='note'>no PNG</p>"
    return (f"<div class='figure' id='fig-{_e(f.slug)}' data-view='{view}'"
            + (f" data-spec='{spec_id}'" if f.spec else "") + ">"
            f"<div class='bar'><span class='name'>{_e(f.title)}</span>"
            "<button data-view='interactive' aria-pressed='false'>interactive</button>"
            "<button data-view='static' aria-pressed='false'>static</button>"
            f"<span class='muted'>{links}</span></div>"
            f"<div class='view interactive'><div class='panels'></div></div>"
            f"<div class='view static'>{img}</div>{notes}"
            "<details class='sql'><summary>SQL: the rows of this figure</summary>"
            f"<pre><code>{_e(f.sql)}</code></pre><button class='copy' type='button'>copy</button> "
            f"<span class='muted'>run it in <code>{_e(store_hint)}</code></span></details>{spec}</div>")


def _config_html(sec: Section) -> str:
    if not sec.shared and not sec.fields:
        return ""
    rows = "".join(f"<tr><td>{_e(k)}</td><td>{_e(json.dumps(v) if not isinstance(v, str) else v)}</td></tr>"
                   for k, v in sec.shared.items())
    differ = (f"<tr><td>{_e(', '.join(sec.fields))}</td><td>differ between the stored cells: one summary and "
              "one set of figures per value</td></tr>") if sec.fields else ""
    return f"<details class='config' open><summary>config</summary><table>{rows}{differ}</table></details>"


def render_section(sec: Section, mode: str = "single", prefix: str = "", store_hint: str = "duckdb",
                   page_link: str | None = None) -> str:
    """HTML for one experiment section. ``mode="single"`` embeds the PNGs (the all-in-one page);
    ``"files"`` links them under ``figures/`` (an experiment's page). ``prefix`` leads every link to
    the files folder."""
    counts = sec.statuses()
    parts = [f"<section class='experiment' id='{_e(sec.name)}' data-search='{_e(sec.search)}'>",
             f"<h2>{_e(sec.name)}</h2>"]
    if page_link:
        parts.append(f"<p class='muted'><a href='{_e(page_link)}'>page of this experiment</a></p>")
    if sec.description:
        parts.append(f"<p>{_e(sec.description)}</p>")
    if sec.reference:
        parts.append(f"<p class='muted'>Paper: {_e(sec.reference)}</p>")
    tally = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    parts.append(f"<p class='muted'>{sec.n_ok} stored cell(s)"
                 + (f", <span class='fail'>{sec.n_failed} failed</span>" if sec.n_failed else "")
                 + (f" · verdicts: {_e(tally)}" if tally else "") + "</p>")
    for err in sec.errors:
        parts.append(f"<pre class='fail'>{_e(err)}</pre>")
    parts.append(_config_html(sec))
    if sec.fields:
        parts.append(f"<p class='muted'>{len(sec.groups)} configs; summaries and figures per "
                     f"{_e(', '.join(sec.fields))} (the config fields that differ between cells)</p>")
    full = [g for g in sec.groups if not g.demo]
    for g in sec.groups:
        parts.append(f"<div class='group' id='{_e(g.anchor)}'>")
        if g.label:
            parts.append(f"<h3>{_e(g.label)}</h3>")
        size = "demo size" if g.demo else "full size"
        parts.append(f"<p class='muted'>{g.cells} cell(s), seed(s) {_e(', '.join(map(str, g.seeds)) or '-')}"
                     f" · {size}</p>")
        parts.append(_summary_html(g, [f for f in full if f is not g] if g.demo else []))
        if g.plot_error:
            parts.append(f"<p class='fail'>plot failed: {_e(g.plot_error)}</p>")
        if g.figures:
            parts.append("<div class='figures'>" + "".join(_figure_html(f, mode, prefix, store_hint)
                                                           for f in g.figures) + "</div>")
        parts.append("</div>")
    parts.append("</section>")
    return "\n".join(p for p in parts if p)


def _counts_html(sec: Section) -> str:
    c = sec.statuses()
    bits = []
    if c["holds"]:
        bits.append(f"<span title='verdicts that hold'>✓{c['holds']}</span>")
    if c["fails"]:
        bits.append(f"<span class='f' title='verdicts that fail'>✗{c['fails']}</span>")
    if c["demo size"]:
        bits.append(f"<span class='d' title='claims that need a larger run'>◐{c['demo size']}</span>")
    return f"<span class='counts'>{' '.join(bits)}</span>"


def _nav(sections: list[Section], href: Callable[[Section], str], current: str | None, home: str) -> str:
    items = "".join(
        f"<li data-search='{_e(s.search)}'" + (" class='current'" if s.name == current else "")
        + f"><a href='{_e(href(s))}'><span title='{_e(s.name)}'>{_e(s.name)}</span>{_counts_html(s)}</a></li>"
        for s in sections)
    return (f"<div class='brand'><a href='{_e(home)}'>regretlab report</a></div>"
            "<input id='search' type='search' placeholder='Search, e.g. adahedge' "
            "aria-label='Search experiments and algorithms' autocomplete='off'>"
            f"<div id='search-count'></div><nav><ul>{items}</ul></nav>")


def _overview(sections: list[Section], href: Callable[[Section], str]) -> str:
    rows = []
    for s in sections:
        c = s.statuses()
        tally = ", ".join(f"{n} {k}" for k, n in c.items() if n) or "-"
        rows.append(f"<tr data-search='{_e(s.search)}'><td><a href='{_e(href(s))}'>{_e(s.name)}</a></td>"
                    f"<td>{_e(s.description)}</td><td class='num'>{s.n_ok}</td><td>{_e(tally)}</td></tr>")
    return ("<table class='overview'><tr><th>experiment</th><th>what it shows</th><th>cells</th>"
            f"<th>verdicts</th></tr>{''.join(rows)}</table>")


def _page(title: str, meta: str, nav: str, body: str, plotly_src: str | None, settings: dict[str, Any]) -> str:
    try:
        css = (ASSETS / "report.css").read_text()
        js = (ASSETS / "report.js").read_text()
    except FileNotFoundError as exc:  # a wheel built without the package data
        raise FileNotFoundError(f"the report's style and script are missing from this install ({exc.filename}); "
                                "reinstall regretlab (pip install -e .)") from None
    plotly = f"<script src='{_e(plotly_src)}'></script>" if plotly_src else ""
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{_e(title)}</title><style>{css}</style></head><body>"
            f"<aside id='sidebar'>{nav}<footer>{meta}</footer></aside>"
            f"<main><h1>{_e(title)}</h1><p class='muted'>{meta} <span id='live'></span></p>{body}</main>"
            f"<script>window.REGRETLAB = {json.dumps(settings)};</script>{plotly}<script>{js}</script>"
            "</body></html>")


def plotly_js() -> Path | None:
    """``plotly.min.js`` inside the installed ``plotly`` package, or ``None`` without it."""
    import importlib.util

    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / "package_data" / "plotly.min.js"
    return path if path.exists() else None


def files_dir(out: str | Path) -> Path:
    """The folder beside the page that holds its per-experiment pages, figures and scripts."""
    out = Path(out)
    return out.with_name(out.stem + "_files")


def experiment_section(store: Store, name: str) -> str:
    """HTML for one experiment (figures embedded): description, cells, summary table, figures."""
    return render_section(build_section(store, name), "single")


def write_report(store: Store, names: Iterable[str], out: str | Path, title: str = "regretlab report", *,
                 live: dict[str, Any] | None = None, sections: dict[str, Section] | None = None) -> Path:
    """Write the all-in-one page ``out`` and, beside it in ``<stem>_files/``, a page per experiment,
    the figures as PNG/SVG/PDF and the bundled Plotly; returns the page's path.

    ``live`` (``{"version": ..., "poll": seconds}``) makes the pages reload when the server of
    :func:`serve_report` says the store changed; ``sections`` reuses sections already built
    (keyed by name)."""
    from regretlab.progress import bar

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    files = files_dir(out)
    figdir = files / "figures"
    if files.exists() and sections is None:
        if (files / MARKER).exists():
            shutil.rmtree(files)
        elif any(files.iterdir()):
            raise ValueError(f"{files} exists and was not written by regretlab report; remove it or choose "
                             "another --out")
    figdir.mkdir(parents=True, exist_ok=True)
    (files / MARKER).write_text("written by regretlab report; replaced on every report\n")
    names = list(names)
    built: list[Section] = []
    with bar(len(names), "report: experiments", fields=("experiment",), transient=True) as pb:
        for i, name in enumerate(names):
            pb.update(i, experiment=name)
            sec = (sections or {}).get(name)
            built.append(sec if sec is not None else build_section(store, name, figdir))
            pb.update(i + 1)
    src = plotly_js()
    if src is not None and not (files / "plotly.min.js").exists():
        shutil.copyfile(src, files / "plotly.min.js")
    settings = {"live": bool(live), "version": (live or {}).get("version"), "poll": (live or {}).get("poll", 2)}
    store_hint = f"duckdb {store.path}"
    meta = (f"regretlab {_e(__version__)} · {_e(time.strftime('%Y-%m-%d %H:%M:%S'))} · store "
            f"{_e(str(store.path))}")
    prefix = files.name + "/"
    body = _overview(built, lambda s: f"#{s.name}") + "".join(
        render_section(s, "single", prefix, store_hint, page_link=f"{prefix}{s.name}.html") for s in built)
    nav = _nav(built, lambda s: f"#{s.name}", None, f"#")
    out.write_text(_page(title, meta, nav, body, f"{prefix}plotly.min.js" if src else None, settings))
    for s in built:
        nav = _nav(built, lambda t: f"{t.name}.html", s.name, f"../{out.name}")
        body = (f"<p class='muted'><a href='../{_e(out.name)}'>all experiments on one page</a></p>"
                + render_section(s, "files", "", store_hint))
        (files / f"{s.name}.html").write_text(
            _page(f"{s.name} · {title}", meta, nav, body, "plotly.min.js" if src else None, settings))
    if sections is not None:
        sections.clear()
        sections.update({s.name: s for s in built})
    return out


# ---------------------------------------------------------------------------------------------
# Serving, with live reload from the store
class _SnapshotStore(Store):
    """The store read without taking it from its writer: opened read-only, or (while a sweep holds
    it) a copy of the file and its write-ahead log opened read-only."""

    def __init__(self, path: str | Path, scratch: Path) -> None:  # noqa: D107 - no Store.__init__
        import duckdb

        self.path = Path(path)
        self._copy: Path | None = None
        try:
            self.con = duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error as exc:
            # another process writes (a lock), or this one does (a read-write connection is open)
            if "lock" not in str(exc).lower() and "different configuration" not in str(exc).lower():
                raise self._damaged(exc) from None
            copy = scratch / f"snapshot-{time.monotonic_ns()}.duckdb"
            shutil.copyfile(self.path, copy)
            wal = Path(str(self.path) + ".wal")
            if wal.exists():
                shutil.copyfile(wal, Path(str(copy) + ".wal"))
            self._copy = copy
            try:
                self.con = duckdb.connect(str(copy), read_only=True)
            except duckdb.Error as exc2:  # caught mid-write: the next poll tries again
                raise self._damaged(exc2) from None

    def signature(self) -> dict[str, tuple[int, float]]:
        """Per experiment: (cells, latest finish time): what changes when a cell is stored."""
        return {r[0]: (int(r[1]), float(r[2] or 0.0)) for r in self.con.execute(
            "SELECT experiment, count(*), max(finished) FROM cells GROUP BY experiment").fetchall()}

    def close(self) -> None:
        self.con.close()
        if self._copy is not None:
            for p in (self._copy, Path(str(self._copy) + ".wal")):
                p.unlink(missing_ok=True)


def serve_report(store_path: str | Path, names: list[str] | None, out: str | Path, *, port: int = 8765,
                 poll: float = 2.0, duration: float | None = None, title: str = "regretlab report",
                 echo: Callable[[str], None] = print) -> None:
    """Serve the report of ``names`` (all stored experiments when ``None``) on 127.0.0.1:``port``
    and keep it current: every ``poll`` seconds the store's ``cells`` table is read (a snapshot
    when a sweep holds the store); when it changed, the experiments whose cells changed are
    rebuilt and the open pages reload. Stops on Ctrl-C, or after ``duration`` seconds."""
    import http.server
    import threading

    if poll < 0.5:
        raise ValueError(f"poll must be >= 0.5 seconds, got {poll}")
    out = Path(out)
    root = out.parent.resolve()
    state: dict[str, Any] = {"version": "0", "cells": 0}
    scratch = Path(tempfile.mkdtemp(prefix="regretlab-serve-"))
    cache: dict[str, Section] = {}
    seen: dict[str, tuple[int, float]] = {}

    def refresh() -> bool:
        db = _SnapshotStore(store_path, scratch)
        try:
            sig = db.signature()
            wanted = [n for n in (names or sorted(sig)) if n in sig]
            changed = [n for n in wanted if seen.get(n) != sig[n]]
            if not changed and set(cache) == set(wanted) and out.exists():
                return False
            for n in changed:
                cache.pop(n, None)
            for n in list(cache):
                if n not in wanted:
                    cache.pop(n)
            version = str(hash(tuple(sorted(sig.items()))) & 0xFFFFFFFF)
            write_report(db, wanted, out, title, live={"version": version, "poll": poll}, sections=cache)
            seen.clear()
            seen.update({n: sig[n] for n in wanted})
            state.update(version=version, cells=sum(v[0] for v in sig.values()))
            return True
        finally:
            db.close()

    if not Path(store_path).exists():
        raise FileNotFoundError(f"no results store at {store_path}; run an experiment first (or pass --store)")
    refresh()
    missing = [n for n in names or [] if n not in seen]
    if missing:
        echo(f"warning: no results stored yet for {', '.join(missing)} in {store_path}; they appear when stored")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            if self.path.split("?")[0] == "/__regretlab/version":
                body = json.dumps(state).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if self.path in ("/", ""):
                self.send_response(302)
                self.send_header("Location", "/" + out.name)
                self.end_headers()
                return
            super().do_GET()

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "no-cache")
            super().end_headers()

        def log_message(self, *args: Any) -> None:  # quiet: the console shows the reloads
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    echo(f"serving http://127.0.0.1:{server.server_address[1]}/{out.name} (reloads when {store_path} changes; "
         "Ctrl-C stops)")
    start = time.monotonic()
    try:
        while duration is None or time.monotonic() - start < duration:
            time.sleep(poll if duration is None else max(0.0, min(poll, duration - (time.monotonic() - start))))
            try:
                if refresh():
                    echo(f"store changed: report rewritten ({state['cells']} cells)")
            except ValueError as exc:  # a snapshot caught mid-write: try again at the next poll
                echo(f"store not readable this time ({str(exc).split(';')[0]}); retrying")
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(scratch, ignore_errors=True)
