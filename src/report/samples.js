(function () {
  "use strict";
  // Per-sample view of the mutasig report: draws the selected sample from the inlined JSON
  // (#sample-data) on canvas. Plain JS, nothing loaded from the network.
  var dataEl = document.getElementById("sample-data");
  var view = document.getElementById("sample-view");
  var index = document.getElementById("sample-index");
  if (!dataEl || !view || !index) { return; }
  var D = JSON.parse(dataEl.textContent);
  var filter = document.getElementById("sample-filter");
  var shown = document.getElementById("sample-shown");
  var rows = index.tBodies[0].rows;
  var lower = D.samples.map(function (s) { return s.name.toLowerCase(); });
  var COSMIC = { "C>A": "#1ebff0", "C>G": "#050708", "C>T": "#e62725", "T>A": "#cbcacb", "T>C": "#a1cf64", "T>G": "#edc8c5" };
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

  // Channel groups (SBS96: the substitution; DBS78: the reference dinucleotide; ID83: size,
  // type and base) and their colours.
  function groupOf(label) {
    var m = /\[(.+)\]/.exec(label);
    if (m) { return m[1]; }
    if (label.indexOf(">") > 0) { return label.split(">")[0]; }
    if (label.indexOf(":") > 0) { return label.split(":").slice(0, 3).join(":"); }
    return "";
  }
  var channelGroup = D.channels.map(groupOf);
  var groupColour = {}, groupRank = {}, ng = 0;
  channelGroup.forEach(function (g) {
    if (!(g in groupColour)) { groupColour[g] = COSMIC[g] || PALETTE[ng % PALETTE.length]; groupRank[g] = ng; ng += 1; }
  });
  // Drawing order: channels grouped (SBS96 files are alphabetical: A[C>A]A, A[C>G]A, ...;
  // grouped by substitution they read as in COSMIC's plots), file order within a group.
  var ORD = channelGroup.map(function (g, i) { return i; });
  ORD.sort(function (a, b) { return groupRank[channelGroup[a]] - groupRank[channelGroup[b]] || a - b; });
  var groups = ORD.map(function (i) { return channelGroup[i]; });
  function ordered(v) { return ORD.map(function (i) { return v[i]; }); }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  function fmt(x, d) { return (x === null || x === undefined) ? "—" : x.toFixed(d); }
  function canvas(w, h, label) {
    var c = document.createElement("canvas"), r = window.devicePixelRatio || 1;
    c.width = Math.round(w * r); c.height = Math.round(h * r);
    c.style.width = "100%"; c.style.maxWidth = w + "px";
    c.setAttribute("role", "img"); c.setAttribute("aria-label", label);
    var g = c.getContext("2d");
    g.scale(r, r);
    g.font = "11px system-ui, sans-serif";
    return { c: c, g: g };
  }
  function nice(x) { return x > 0 ? x : 1; }

  // Observed bars coloured by group, the reconstruction as a dark tick on each channel.
  function spectrum(s) {
    var obs = ordered(s.obs), res = s.res ? ordered(s.res) : null;
    var n = D.channels.length, W = 960, H = 220, L = 52, R = 8, T = 20, B = 22;
    var k = canvas(W, H, "observed and reconstructed spectrum of " + s.name), g = k.g;
    var pw = (W - L - R) / n, ph = H - T - B, max = 0, i;
    var rec = res ? obs.map(function (o, j) { return o - res[j]; }) : null;
    for (i = 0; i < n; i++) { max = Math.max(max, obs[i], rec ? rec[i] : 0); }
    max = nice(max);
    axis(g, L, T, W - R, ph, 0, max, "mutations");
    for (i = 0; i < n; i++) {
      var h = obs[i] / max * ph;
      g.fillStyle = groupColour[groups[i]];
      g.fillRect(L + i * pw + 0.5, T + ph - h, Math.max(pw - 1, 1), h);
    }
    if (rec) {
      g.strokeStyle = "#000"; g.lineWidth = 1.5;
      g.beginPath();
      for (i = 0; i < n; i++) {
        var y = T + ph - rec[i] / max * ph;
        g.moveTo(L + i * pw, y); g.lineTo(L + (i + 1) * pw, y);
      }
      g.stroke();
    }
    bands(g, L, pw, T - 4);
    return k.c;
  }
  // Residual = observed − reconstructed, bars around zero.
  function residual(s) {
    var res = ordered(s.res), n = D.channels.length, W = 960, H = 140, L = 52, R = 8, T = 8, B = 14;
    var k = canvas(W, H, "residual of " + s.name), g = k.g;
    var pw = (W - L - R) / n, ph = H - T - B, max = 0, i;
    for (i = 0; i < n; i++) { max = Math.max(max, Math.abs(res[i])); }
    max = nice(max);
    axis(g, L, T, W - R, ph, -max, max, "residual");
    var y0 = T + ph / 2;
    for (i = 0; i < n; i++) {
      var h = res[i] / max * ph / 2;
      g.fillStyle = groupColour[groups[i]];
      g.fillRect(L + i * pw + 0.5, h >= 0 ? y0 - h : y0, Math.max(pw - 1, 1), Math.abs(h));
    }
    g.strokeStyle = "#444"; g.lineWidth = 1;
    g.beginPath(); g.moveTo(L, y0); g.lineTo(W - R, y0); g.stroke();
    return k.c;
  }
  function axis(g, x0, y0, x1, ph, lo, hi, title) {
    g.strokeStyle = "#d9d9de"; g.fillStyle = "#5f6368"; g.lineWidth = 1;
    g.textAlign = "right"; g.textBaseline = "middle";
    [lo, (lo + hi) / 2, hi].forEach(function (v) {
      var y = y0 + ph - (v - lo) / (hi - lo) * ph;
      g.beginPath(); g.moveTo(x0, y); g.lineTo(x1, y); g.stroke();
      g.fillText(Math.abs(v) >= 100 ? v.toFixed(0) : +v.toFixed(1), x0 - 4, y);
    });
    g.save(); g.translate(10, y0 + ph / 2); g.rotate(-Math.PI / 2);
    g.textAlign = "center"; g.fillText(title, 0, 0); g.restore();
  }
  function bands(g, L, pw, y) {
    var start = 0, i;
    g.textAlign = "center"; g.textBaseline = "bottom";
    for (i = 1; i <= groups.length; i++) {
      if (i === groups.length || groups[i] !== groups[start]) {
        if (groups[start]) {
          g.fillStyle = groupColour[groups[start]];
          g.fillRect(L + start * pw, y, (i - start) * pw - 1, 4);
          if ((i - start) * pw > 30) { g.fillStyle = "#1d1d1f"; g.fillText(groups[start], L + (start + i) / 2 * pw, y - 1); }
        }
        start = i;
      }
    }
  }
  // Horizontal bars of the exposures, with the bootstrap interval as a whisker.
  function exposures(s, list) {
    var W = 720, row = 20, L = 110, R = 70, H = 12 + row * list.length;
    var k = canvas(W, H, "exposures of " + s.name), g = k.g, max = 0;
    list.forEach(function (e) { max = Math.max(max, e.value, e.hi === null ? 0 : e.hi); });
    max = nice(max);
    var pw = W - L - R;
    g.textBaseline = "middle";
    list.forEach(function (e, r) {
      var y = 6 + r * row;
      g.fillStyle = "#1d1d1f"; g.textAlign = "right";
      g.fillText(e.name, L - 6, y + row / 2);
      g.fillStyle = PALETTE[e.i % PALETTE.length];
      g.fillRect(L, y + 3, e.value / max * pw, row - 6);
      if (e.lo !== null && e.hi !== null) {
        var a = L + e.lo / max * pw, b = L + e.hi / max * pw, m = y + row / 2;
        g.strokeStyle = "#000"; g.lineWidth = 1.5;
        g.beginPath(); g.moveTo(a, m); g.lineTo(b, m);
        g.moveTo(a, m - 5); g.lineTo(a, m + 5); g.moveTo(b, m - 5); g.lineTo(b, m + 5); g.stroke();
      }
      g.fillStyle = "#5f6368"; g.textAlign = "left";
      g.fillText(e.value.toFixed(0), L + pw + 6, y + row / 2);
    });
    return k.c;
  }
  function table(headers, body, numeric) {
    var t = el("table", null, "data"), tr = el("tr");
    headers.forEach(function (h, i) { tr.appendChild(el("th", h, numeric[i] ? "n" : "")); });
    t.appendChild(el("thead")).appendChild(tr);
    var tb = t.appendChild(el("tbody"));
    body.forEach(function (r) {
      var x = tb.appendChild(el("tr"));
      r.forEach(function (c, i) { x.appendChild(el("td", c, numeric[i] ? "n" : "")); });
    });
    return t;
  }
  function missing(parent, text) { parent.appendChild(el("p", text, "muted")); }

  var current = null;
  function select(i, scroll) {
    var s = D.samples[i];
    if (!s) { return; }
    if (current) { current.classList.remove("selected"); }
    for (var r = 0; r < rows.length; r++) {
      if (+rows[r].getAttribute("data-i") === i) { current = rows[r]; current.classList.add("selected"); break; }
    }
    view.textContent = "";
    view.setAttribute("data-sample", String(i));
    view.appendChild(el("h3", s.name));
    var total = s.obs ? s.obs.reduce(function (a, b) { return a + b; }, 0) : null;
    var cosIdx = D.fit_columns.indexOf("cosine");
    var line = [];
    if (total !== null) { line.push(total.toFixed(0) + " mutations"); }
    if (s.fit && cosIdx >= 0) { line.push("cosine " + s.fit[cosIdx]); }
    if (line.length) { view.appendChild(el("p", line.join(" · "), "muted")); }

    view.appendChild(el("h4", "Flags"));
    if (s.flags.length) {
      var ul = view.appendChild(el("ul", null, "warnings sample-flags"));
      s.flags.forEach(function (f) { ul.appendChild(el("li", f)); });
    } else { missing(view, "No flags."); }

    view.appendChild(el("h4", "Spectrum and reconstruction"));
    if (s.obs) {
      view.appendChild(el("div", null, "chart")).appendChild(spectrum(s));
      view.lastChild.firstChild.id = "sample-spectrum";
      if (s.res) {
        view.appendChild(el("p", "Bars: observed mutations per channel; black ticks: reconstruction (signatures × exposures). Below: residual = observed − reconstructed.", "muted"));
        view.appendChild(el("div", null, "chart")).appendChild(residual(s));
        view.lastChild.firstChild.id = "sample-residual";
        var order = s.res.map(function (x, j) { return j; });
        order.sort(function (a, b) { return Math.abs(s.res[b]) - Math.abs(s.res[a]) || a - b; });
        var sumAbs = s.res.reduce(function (a, x) { return a + Math.abs(x); }, 0);
        var top = order.slice(0, 5).map(function (j) {
          return [D.channels[j], s.obs[j].toFixed(0), (s.obs[j] - s.res[j]).toFixed(2), (s.res[j] > 0 ? "+" : "") + s.res[j].toFixed(2)];
        });
        view.appendChild(el("p", "Largest residuals (sum of |residual| over all channels: " + sumAbs.toFixed(1) + "):"));
        var rt = view.appendChild(table(["Channel", "Observed", "Reconstructed", "Residual"], top, [false, true, true, true]));
        rt.id = "sample-residual-table";
      } else { missing(view, "No reconstruction: signatures.tsv or exposures.tsv lacks this sample or its signatures."); }
    } else { missing(view, "Not in catalogue.tsv: no spectrum."); }

    view.appendChild(el("h4", "Exposures"));
    var list = [], ci = {};
    (s.ci || []).forEach(function (c) { ci[c[0]] = c; });
    D.signatures.forEach(function (name, j) {
      var v = s.exp && j < s.exp.length ? s.exp[j] : 0, c = ci[j];
      if (v > 0 || c) { list.push({ i: j, name: name, value: v, lo: c ? c[2] : null, hi: c ? c[3] : null, frac: c ? c[4] : null }); }
    });
    if (!s.exp) { missing(view, "Not in exposures.tsv: no exposures."); }
    else if (!list.length) { missing(view, "No mutation attributed to any signature."); }
    else {
      var sum = s.exp.reduce(function (a, b) { return a + b; }, 0);
      view.appendChild(el("div", null, "chart")).appendChild(exposures(s, list));
      view.lastChild.firstChild.id = "sample-exposures";
      var heads = ["Signature", "Mutations", "Share"], num = [false, true, true];
      if (s.ci) { heads.push("95% lower", "95% upper", "Selected fraction"); num.push(true, true, true); }
      var body = list.map(function (e) {
        var r = [e.name, e.value.toFixed(0), sum > 0 ? (100 * e.value / sum).toFixed(1) + "%" : "—"];
        if (s.ci) { r.push(fmt(e.lo, 2), fmt(e.hi, 2), fmt(e.frac, 3)); }
        return r;
      });
      view.appendChild(table(heads, body, num)).id = "sample-exposure-table";
      view.appendChild(el("p", s.ci ? "Whiskers: bootstrap 95% percentile intervals (exposures_ci.tsv)."
        : (D.bootstrap ? "No bootstrap interval for this sample." : "No bootstrap intervals in this folder (assign --bootstrap N writes them)."), "muted"));
    }

    view.appendChild(el("h4", "Fit quality"));
    if (s.fit) {
      var kv = el("table", null, "kv"), tb = kv.appendChild(el("tbody"));
      D.fit_columns.forEach(function (c, j) {
        var tr = tb.appendChild(el("tr"));
        tr.appendChild(el("th", c)); tr.appendChild(el("td", s.fit[j]));
      });
      view.appendChild(kv).id = "sample-fit";
    } else { missing(view, "Not in fit_quality.tsv."); }
    if (scroll) { window.addEventListener("load", function () { view.scrollIntoView(); }); }
  }

  if (filter) {
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase(), n = 0;
      for (var r = 0; r < rows.length; r++) {
        var ok = q === "" || lower[+rows[r].getAttribute("data-i")].indexOf(q) >= 0;
        rows[r].style.display = ok ? "" : "none";
        if (ok) { n += 1; }
      }
      shown.textContent = n + " of " + rows.length + " samples shown";
    });
  }
  function fromHash(scroll) {
    var m = /^#sample-(\d+)$/.exec(window.location.hash);
    if (m) { select(+m[1], scroll); return true; }
    return false;
  }
  window.addEventListener("hashchange", function () { fromHash(false); });
  if (!fromHash(true) && D.samples.length) { select(0, false); }
})();
