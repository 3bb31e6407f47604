"""The report in a real browser (headless Chromium over the DevTools protocol): no console errors,
every figure loads (static and interactive), the sidebar links resolve, the search finds an
algorithm, and screenshots are produced.

``REGRETLAB_DOCS_SCREENSHOTS=docs`` also writes the screenshots of docs/report.md there."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from regretlab.report import files_dir, plotly_js


def _check_page(browser, url: str) -> tuple[object, dict]:
    page = browser.open(url)
    stats = page.evaluate("""window.regretlab.loadAll().then(() => {
        const imgs = [...document.querySelectorAll('.figure img')];
        const cards = [...document.querySelectorAll('.figure')];
        const withSpec = cards.filter(c => c.dataset.spec);
        return {
          cards: cards.length,
          imgs: imgs.length,
          loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
          specs: withSpec.length,
          plotted: withSpec.filter(c => c.querySelectorAll('.plot .main-svg').length > 0
                                        && +c.dataset.plotted === JSON.parse(
                                          document.getElementById(c.dataset.spec).textContent).panels.length).length,
          broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
        };
    })""")
    return page, stats


def test_report_in_headless_chromium(browser, report_page: Path, tmp_path: Path):
    if plotly_js() is None:
        pytest.skip("plotly is not installed: the interactive figures need its plotly.min.js")
    page, stats = _check_page(browser, report_page.as_uri())
    # every figure loads: each static PNG decodes, each interactive figure draws all its panels
    assert stats["cards"] >= 6 and stats["imgs"] == stats["cards"], stats
    assert stats["loaded"] == stats["imgs"], stats["broken"]
    assert stats["specs"] == stats["cards"] and stats["plotted"] == stats["specs"], stats
    # sidebar links resolve: in-page anchors exist, page links point at files that exist
    links = page.evaluate("[...document.querySelectorAll('#sidebar a, .overview a, section p a')]"
                          ".map(a => a.getAttribute('href'))")
    anchors = [h for h in links if h.startswith("#") and h != "#"]
    assert len(anchors) >= 6
    missing = page.evaluate(f"{json.dumps([h[1:] for h in anchors])}.filter(id => !document.getElementById(id))")
    assert missing == []
    pages = [h for h in links if h.endswith(".html")]
    assert pages and all((report_page.parent / h).exists() for h in pages), pages
    # the search finds an algorithm: typing "adahedge" leaves only the experiment that ran it
    visible = page.evaluate("""(() => {
        const box = document.getElementById('search');
        box.value = 'adahedge';
        box.dispatchEvent(new Event('input'));
        return [...document.querySelectorAll('section.experiment')].filter(s => !s.hidden).map(s => s.id);
    })()""")
    assert visible == ["experts"]
    assert "1 of" in page.evaluate("document.getElementById('search-count').textContent")
    assert page.evaluate("window.regretlab.search('inpo kl')") >= 1  # every term must match
    page.evaluate("window.regretlab.search('')")
    # toggling a series and hovering are Plotly's own: check the chart is live (has its mode bar)
    assert page.evaluate("document.querySelectorAll('.modebar').length") >= stats["specs"]
    shot = browser.screenshot(page, tmp_path / "report.png")
    assert shot.stat().st_size > 20_000
    docs = os.environ.get("REGRETLAB_DOCS_SCREENSHOTS")
    if docs:
        _docs_screenshots(browser, page, Path(docs))
    errors = page.errors()
    page.close()
    assert errors == [], errors


def test_experiment_page_in_headless_chromium(browser, report_page: Path):
    if plotly_js() is None:
        pytest.skip("plotly is not installed: the interactive figures need its plotly.min.js")
    url = (files_dir(report_page) / "inpo_loss.html").as_uri()
    page, stats = _check_page(browser, url)
    assert stats["cards"] >= 1 and stats["loaded"] == stats["imgs"] == stats["cards"], stats
    assert stats["plotted"] == stats["specs"] == stats["cards"], stats
    hrefs = page.evaluate("[...document.querySelectorAll('#sidebar a, main a')].map(a => a.getAttribute('href'))")
    base = files_dir(report_page)
    for h in hrefs:
        if h.endswith(".html") or "/figures/" in h or h.startswith("figures/"):
            assert (base / h).resolve().exists(), h
    # the static view works too: switch one figure and check its image is shown
    shown = page.evaluate("""(() => {
        const card = document.querySelector('.figure');
        card.querySelector("button[data-view=static]").click();
        const img = card.querySelector('.view.static img');
        return getComputedStyle(card.querySelector('.view.static')).display !== 'none' && img.naturalWidth > 0;
    })()""")
    assert shown
    errors = page.errors()
    page.close()
    assert errors == [], errors


def test_report_without_plotly_shows_static_figures(browser, report_store: Path, tmp_path: Path, monkeypatch):
    """Where plotly is not installed the page still works: static figures, no errors."""
    import regretlab.report as report
    from regretlab.store import Store

    monkeypatch.setattr(report, "plotly_js", lambda: None)
    out = tmp_path / "r.html"
    with Store(report_store) as db:
        report.write_report(db, ["alternating"], out)
    assert not (files_dir(out) / "plotly.min.js").exists()
    page, stats = _check_page(browser, out.as_uri())
    assert stats["loaded"] == stats["imgs"] == stats["cards"] >= 1
    assert page.evaluate("document.querySelector('.figure').dataset.view") == "static"
    errors = page.errors()
    page.close()
    assert errors == [], errors


def _docs_screenshots(browser, page, docs: Path) -> None:
    """docs/report.png (the page) and three figures in their interactive view."""
    page.call("Emulation.setDeviceMetricsOverride", {"width": 1400, "height": 1000, "deviceScaleFactor": 1,
                                                     "mobile": False})
    page.evaluate("(() => { const b = document.getElementById('search'); b.value = ''; "
                  "window.regretlab.search(''); window.scrollTo(0, 0); })()")
    browser.screenshot(page, docs / "report.png")
    for name, fig in (("experts", "experts_regret"), ("alternating", "alternating_regret_vs_T"),
                      ("inpo_loss", "inpo_loss")):
        box = page.evaluate(f"""(() => {{
            const card = [...document.querySelectorAll('#{name} .figure')]
                          .find(c => c.querySelector('.name').textContent === '{fig}');
            card.scrollIntoView();
            const r = card.getBoundingClientRect();
            return {{x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height}};
        }})()""")
        browser.screenshot(page, docs / f"report-{name}.png", clip=box)
