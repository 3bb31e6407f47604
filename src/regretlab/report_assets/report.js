/* regretlab report: lazy figures, interactive charts (Plotly, bundled beside the page),
   search over experiments and algorithms, copyable SQL, live reload when served. */
(function () {
  "use strict";
  var R = (window.regretlab = window.regretlab || {});
  var config = window.REGRETLAB || {};
  var DASHES = ["dash", "dot", "dashdot", "longdash"];

  function hasPlotly() { return typeof window.Plotly !== "undefined"; }

  function rgba(hex, a) {
    var r = parseInt(hex.slice(1, 3), 16), g = parseInt(hex.slice(3, 5), 16), b = parseInt(hex.slice(5, 7), 16);
    return "rgba(" + r + "," + g + "," + b + "," + a + ")";
  }

  function xRange(panel) {
    var lo = Infinity, hi = -Infinity;
    panel.traces.forEach(function (t) {
      (t.x || []).forEach(function (v) { if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    });
    return isFinite(lo) ? [lo, hi] : [0, 1];
  }

  function traces(panel) {
    var out = [], xr = xRange(panel);
    var boxes = panel.traces.filter(function (t) { return t.kind === "box"; });
    if (boxes.length) xr = [boxes[0].label, boxes[boxes.length - 1].label];  /* categories, not numbers */
    panel.traces.forEach(function (t) {
      if (t.kind === "line") {
        if (t.lo && t.hi) {
          out.push({type: "scatter", mode: "lines", x: t.x.concat(t.x.slice().reverse()),
            y: t.hi.concat(t.lo.slice().reverse()), fill: "toself", fillcolor: rgba(t.color, 0.18),
            line: {width: 0}, hoverinfo: "skip", showlegend: false, legendgroup: t.name, name: t.label});
        }
        var tr = {type: "scatter", mode: t.marker ? "lines+markers" : "lines", x: t.x, y: t.y, name: t.label,
          legendgroup: t.name, line: {color: t.color, width: 2, dash: t.dash ? "dash" : "solid"}, marker: {size: 6}};
        if (t.lo && t.hi) {
          tr.customdata = t.lo.map(function (v, i) { return [v, t.hi[i]]; });
          tr.hovertemplate = "%{y:.4g} (95%: %{customdata[0]:.3g} to %{customdata[1]:.3g})<br>x = %{x}<extra>" +
            t.label + "</extra>";
        }
        out.push(tr);
      } else if (t.kind === "reference") {
        out.push({type: "scatter", mode: "lines", x: t.x, y: t.y, name: t.label,
          line: {color: t.color, width: 1.2, dash: DASHES[(t.dash || 0) % DASHES.length]}});
      } else if (t.kind === "hreference") {
        out.push({type: "scatter", mode: "lines", x: xr, y: [t.y[0], t.y[0]], name: t.label,
          line: {color: t.color, width: 1.2, dash: DASHES[(t.dash || 0) % DASHES.length]}});
      } else if (t.kind === "scatter") {
        out.push({type: "scatter", mode: "markers", x: t.x, y: t.y, name: t.label,
          marker: {color: t.color, size: 5, opacity: 0.45}});
      } else if (t.kind === "box") {
        out.push({type: "box", y: t.y, name: t.label, marker: {color: t.color, size: 4}, line: {color: t.color},
          boxpoints: "all", jitter: 0.35, pointpos: 0, showlegend: false});
      }
    });
    return out;
  }

  function span(values) {
    var lo = Infinity, hi = -Infinity;
    values.forEach(function (v) { if (v !== null && v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    return isFinite(lo) ? Math.log10(hi / lo) : 0;
  }

  function axis(title, scale, box, values) {
    var a = {title: {text: title}, automargin: true, zeroline: false, gridcolor: "#eceff2",
      linecolor: "#9aa1a9", ticks: "outside", exponentformat: "power"};
    if (box) return a;
    a.type = scale === "log" ? "log" : "linear";  /* symlog: linear here, see the static figure */
    if (a.type === "log") {  /* labels at decades (at most ~7 of them), or 1-2-5 on short axes */
      var s = span(values);
      a.dtick = s >= 2 ? Math.max(1, Math.ceil(s / 7)) : "D2";
    }
    return a;
  }

  function values(panel, key) {
    var out = [];
    panel.traces.forEach(function (t) { (t[key] || []).forEach(function (v) { out.push(v); }); });
    return out;
  }

  function layout(panel) {
    var box = panel.traces.some(function (t) { return t.kind === "box"; });
    return {title: {text: (panel.title || "").replace(/\n/g, "<br>"), font: {size: 13}},
      xaxis: axis(panel.xlabel, panel.xscale, box, values(panel, "x")),
      yaxis: axis(panel.ylabel, panel.yscale, false, values(panel, "y")),
      margin: {l: 64, r: 16, t: panel.title ? 58 : 20, b: 54}, hovermode: "closest",
      legend: {font: {size: 11}}, font: {family: "system-ui, sans-serif", size: 12},
      paper_bgcolor: "#fff", plot_bgcolor: "#fff"};
  }

  function specOf(card) {
    var el = document.getElementById(card.getAttribute("data-spec"));
    return el ? JSON.parse(el.textContent) : null;
  }

  function renderCard(card) {
    if (card.getAttribute("data-rendered")) return card._done || Promise.resolve();
    card.setAttribute("data-rendered", "1");
    var holder = card.querySelector(".panels");
    if (!holder || !hasPlotly()) { card._done = Promise.resolve(); return card._done; }
    var spec = specOf(card);
    if (!spec) { card._done = Promise.resolve(); return card._done; }
    /* every panel's box first, so each is drawn at its final width */
    var divs = spec.panels.map(function () {
      var div = document.createElement("div");
      div.className = "plot";
      holder.appendChild(div);
      return div;
    });
    var jobs = spec.panels.map(function (panel, i) {
      return window.Plotly.newPlot(divs[i], traces(panel), layout(panel),
        {responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"]});
    });
    card._done = Promise.all(jobs).then(function () {
      divs.forEach(function (d) { window.Plotly.Plots.resize(d); });
      card.setAttribute("data-plotted", String(jobs.length));
    });
    return card._done;
  }

  function loadImages(card) {
    var imgs = Array.prototype.slice.call(card.querySelectorAll("img[data-src]"));
    return Promise.all(imgs.map(function (img) {
      if (!img.getAttribute("src")) img.setAttribute("src", img.getAttribute("data-src"));
      if (img.complete && img.naturalWidth) return Promise.resolve();
      return new Promise(function (resolve) { img.addEventListener("load", resolve); img.addEventListener("error", resolve); });
    }));
  }

  function show(card) {
    var jobs = [loadImages(card)];
    if (card.getAttribute("data-view") === "interactive") jobs.push(renderCard(card));
    return Promise.all(jobs);
  }

  function setView(card, view) {
    card.setAttribute("data-view", view);
    card.querySelectorAll("button[data-view]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-view") === view));
    });
    show(card);
  }

  function cards() { return Array.prototype.slice.call(document.querySelectorAll(".figure")); }

  /* Render every figure now (both views); resolves when all images and charts are drawn. */
  R.loadAll = function () {
    return Promise.all(cards().map(function (card) {
      return Promise.all([loadImages(card), renderCard(card)]);
    }));
  };

  function setupFigures() {
    cards().forEach(function (card) {
      if (!hasPlotly() || !card.getAttribute("data-spec")) {
        card.setAttribute("data-view", "static");
        var b = card.querySelector("button[data-view=interactive]");
        if (b) { b.disabled = true; b.title = hasPlotly() ? "no interactive data for this figure" :
          "interactive charts need plotly.min.js beside this page (pip install plotly, then rerun regretlab report)"; }
      }
      card.querySelectorAll("button[data-view]").forEach(function (b) {
        b.addEventListener("click", function () { setView(card, b.getAttribute("data-view")); });
      });
      setView(card, card.getAttribute("data-view"));
    });
  }

  function setupLazy() {
    if (!("IntersectionObserver" in window)) { cards().forEach(show); return; }
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) { show(e.target); io.unobserve(e.target); } });
    }, {rootMargin: "600px 0px"});
    cards().forEach(function (card) { io.observe(card); });
  }

  /* Search: every whitespace-separated term must occur in an experiment's name, description,
     paper, config or the algorithms and settings in its rows. */
  R.search = function (query) {
    var terms = String(query || "").toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0, total = 0;
    document.querySelectorAll("[data-search]").forEach(function (el) {
      var hay = el.getAttribute("data-search").toLowerCase();
      var ok = terms.every(function (t) { return hay.indexOf(t) >= 0; });
      if (el.tagName === "LI") { total += 1; if (ok) shown += 1; }
      if (el.classList.contains("experiment") && document.querySelectorAll("section.experiment").length < 2) return;
      el.hidden = !ok;
    });
    var count = document.getElementById("search-count");
    if (count) count.textContent = terms.length ? shown + " of " + total + " experiments match" : "";
    return shown;
  };

  function setupSearch() {
    var box = document.getElementById("search");
    if (!box) return;
    box.addEventListener("input", function () { R.search(box.value); });
    if (box.value) R.search(box.value);
  }

  function setupCopy() {
    document.querySelectorAll("button.copy").forEach(function (b) {
      b.addEventListener("click", function () {
        var code = b.parentNode.querySelector("code");
        var text = code ? code.textContent : "";
        var done = function () { b.textContent = "copied"; setTimeout(function () { b.textContent = "copy"; }, 1500); };
        var fallback = function () {
          var range = document.createRange(); range.selectNodeContents(code);
          var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
          try { document.execCommand("copy"); } catch (e) { /* the text stays selected */ }
          done();
        };
        if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
        else fallback();
      });
    });
  }

  function setupLive() {
    if (!config.live || location.protocol.indexOf("http") !== 0) return;
    var key = "regretlab-scroll:" + location.pathname;
    var saved = sessionStorage.getItem(key);
    if (saved !== null) { sessionStorage.removeItem(key); window.scrollTo(0, parseFloat(saved)); }
    var badge = document.getElementById("live");
    setInterval(function () {
      fetch("/__regretlab/version", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (v) {
        if (badge) badge.textContent = "live · " + v.cells + " cells · checked " + new Date().toLocaleTimeString();
        if (v.version !== config.version) { sessionStorage.setItem(key, String(window.scrollY)); location.reload(); }
      }).catch(function () { if (badge) badge.textContent = "live · server stopped"; });
    }, Math.max(1000, (config.poll || 2) * 1000));
  }

  function start() { setupFigures(); setupLazy(); setupSearch(); setupCopy(); setupLive(); R.ready = true; }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
