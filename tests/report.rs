//! The report of real extract and assign runs: every section, escaped hostile names,
//! and a render in headless Chromium with no console error and no network request.

use crate::util::*;
use std::path::{Path, PathBuf};

const HOSTILE: &str = "<script>alert(1)</script>";

/// The example catalogue with its first sample renamed to a script tag.
fn hostile_example(dir: &Path) -> PathBuf {
    let (mut header, rows) = example_rows();
    header[1] = HOSTILE.into();
    let p = dir.join("hostile.tsv");
    std::fs::write(&p, table(&header, &rows, "\t", "\n")).unwrap();
    p
}

fn outputs(dir: &Path) -> (PathBuf, PathBuf) {
    let cat = hostile_example(dir);
    let ex = dir.join("extract");
    run_ok(&[
        "extract",
        cat.to_str().unwrap(),
        "-o",
        ex.to_str().unwrap(),
        "--max-rank",
        "5",
        "--replicates",
        "8",
        "-q",
    ]);
    let asg = dir.join("assign");
    run_ok(&[
        "assign",
        cat.to_str().unwrap(),
        "-o",
        asg.to_str().unwrap(),
        "--bootstrap",
        "10",
        "-q",
    ]);
    (ex, asg)
}

#[test]
fn reports_have_every_section_and_escape_names() {
    let dir = tempfile::tempdir().unwrap();
    let (ex, asg) = outputs(dir.path());
    let html = std::fs::read_to_string(ex.join("report.html")).unwrap();
    for id in [
        "id=\"summary\"",
        "id=\"rank-selection\"",
        "id=\"signatures\"",
        "id=\"exposures\"",
        "id=\"fit-quality\"",
        "id=\"methods\"",
        "id=\"citations\"",
    ] {
        assert!(html.contains(id), "extract report lacks {id}");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;"));
    assert!(!html.contains(HOSTILE));
    assert!(html.contains("Alexandrov"));
    let plots = files_in(&ex.join("plots"));
    assert!(plots.len() >= 6, "{} figures", plots.len());
    let html = std::fs::read_to_string(asg.join("report.html")).unwrap();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;"));
    assert!(!html.contains(HOSTILE));
    // rebuilding gives the same report, in place or into a new folder
    let before = std::fs::read(asg.join("report.html")).unwrap();
    run_ok(&["report", asg.to_str().unwrap(), "--in-place"]);
    assert_eq!(before, std::fs::read(asg.join("report.html")).unwrap());
    let elsewhere = dir.path().join("report-only");
    run_ok(&[
        "report",
        asg.to_str().unwrap(),
        "-o",
        elsewhere.to_str().unwrap(),
    ]);
    assert_eq!(
        before,
        std::fs::read(elsewhere.join("report.html")).unwrap()
    );
}

fn find_chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CHROMIUM") {
        return Some(p.into());
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n)))
    .find(|p| p.is_file())
}

/// Load `report` in headless Chromium; return the screenshot, or what went wrong: a
/// console message (the page logs nothing, so any console line is an error), an uncaught
/// exception, or a request to a non-file, non-data URL made by the page (Chromium's own
/// background requests carry no file:// isolation key and are ignored).
fn chromium_check(chromium: &Path, report: &Path) -> Result<Vec<u8>, String> {
    let work = tempfile::tempdir().unwrap();
    let shot = work.path().join("shot.png");
    let netlog = work.path().join("netlog.json");
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,4000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.path().join("profile").display()
        ))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", report.display()))
        .output()
        .map_err(|e| format!("chromium did not start: {e}"))?;
    let log = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("chromium failed ({}): {log}", out.status));
    }
    if let Some(l) = log
        .lines()
        .find(|l| l.contains("Uncaught") || l.contains(":CONSOLE"))
    {
        return Err(format!("console message: {l}"));
    }
    let net: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&netlog).unwrap_or_default())
            .map_err(|e| format!("net log unreadable: {e}"))?;
    let start_job = net["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].as_u64();
    let mut requested = Vec::new();
    for e in net["events"].as_array().into_iter().flatten() {
        let p = &e["params"];
        let (Some(url), Some(nik)) = (p["url"].as_str(), p["network_isolation_key"].as_str())
        else {
            continue;
        };
        if e["type"].as_u64() == start_job
            && nik.starts_with("file://")
            && !url.starts_with("file:")
            && !url.starts_with("data:")
        {
            requested.push(url.to_string());
        }
    }
    if !requested.is_empty() {
        return Err(format!("network requests: {requested:?}"));
    }
    std::fs::read(&shot).map_err(|e| format!("no screenshot: {e}"))
}

#[test]
fn reports_render_in_chromium_without_errors_or_network() {
    let Some(chromium) = find_chromium() else {
        eprintln!(
            "SKIPPED reports_render_in_chromium: no chromium binary found \
             (apt-get install -y chromium, or set CHROMIUM=path)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // the check itself must catch a broken page
    let bad = dir.path().join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><body><img src=\"https://example.invalid/x.png\"/>\
         <script>undefinedFunction();</script></body></html>",
    )
    .unwrap();
    assert!(chromium_check(&chromium, &bad).is_err());
    let (ex, asg) = outputs(dir.path());
    let artefacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    std::fs::create_dir_all(&artefacts).unwrap();
    for (name, folder) in [("extract", ex), ("assign", asg)] {
        let png = chromium_check(&chromium, &folder.join("report.html"))
            .unwrap_or_else(|e| panic!("{name} report: {e}"));
        assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
        let keep = artefacts.join(format!("{name}.png"));
        std::fs::write(&keep, &png).unwrap();
        eprintln!("screenshot of the {name} report: {}", keep.display());
    }
}

/// Appended to a copy of a report: once loaded, reads back what the per-sample view drew
/// (the sample shown, the ink on each canvas, the residual and exposure tables), then
/// filters the index by that sample's name and selects another sample.
const PROBE: &str = r##"<script>window.addEventListener("load", function () {
  var v = document.getElementById("sample-view"), out = {};
  out.sample = v.getAttribute("data-sample");
  out.title = v.querySelector("h3").textContent;
  out.ink = {};
  ["sample-spectrum", "sample-residual", "sample-exposures"].forEach(function (id) {
    var c = document.getElementById(id);
    if (!c) { return; }
    var d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data, n = 0;
    for (var i = 3; i < d.length; i += 4) { if (d[i] > 0) { n += 1; } }
    out.ink[id] = n;
  });
  var cells = function (id) {
    var t = document.getElementById(id);
    return t ? Array.prototype.map.call(t.rows, function (r) {
      return Array.prototype.map.call(r.cells, function (c) { return c.textContent; });
    }) : null;
  };
  out.residuals = cells("sample-residual-table");
  out.exposures = cells("sample-exposure-table");
  var f = document.getElementById("sample-filter");
  f.value = out.title; f.dispatchEvent(new Event("input"));
  out.shown = document.getElementById("sample-shown").textContent;
  history.replaceState(null, "", "#sample-2");
  window.dispatchEvent(new HashChangeEvent("hashchange"));
  out.after = v.getAttribute("data-sample");
  var p = document.createElement("pre"); p.id = "probe"; p.textContent = JSON.stringify(out);
  document.body.appendChild(p);
});</script>"##;

/// Opens a probed copy of `report` at `#sample-{sample}` in headless Chromium and returns
/// what the probe read back, or the console error / failure.
fn chromium_sample_view(
    chromium: &Path,
    report: &Path,
    sample: usize,
) -> Result<serde_json::Value, String> {
    let work = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(report).unwrap();
    let probed = work.path().join("probed.html");
    std::fs::write(
        &probed,
        html.replacen("</body>", &format!("{PROBE}</body>"), 1),
    )
    .unwrap();
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.path().join("profile").display()
        ))
        .arg(format!("file://{}#sample-{sample}", probed.display()))
        .output()
        .map_err(|e| format!("chromium did not start: {e}"))?;
    let log = String::from_utf8_lossy(&out.stderr);
    if let Some(l) = log
        .lines()
        .find(|l| l.contains("Uncaught") || l.contains(":CONSOLE"))
    {
        return Err(format!("console message: {l}"));
    }
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom
        .find("<pre id=\"probe\">")
        .ok_or_else(|| format!("no probe output ({}): {log}", out.status))?;
    let text = &dom[start + 16..];
    let text = &text[..text.find("</pre>").unwrap()];
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    serde_json::from_str(&text).map_err(|e| format!("probe output {text}: {e}"))
}

/// Number in a cell of the view ("+12.34" included).
fn cell_num(v: &serde_json::Value) -> f64 {
    v.as_str().unwrap().trim_start_matches('+').parse().unwrap()
}

#[test]
fn per_sample_view_draws_in_chromium() {
    let Some(chromium) = find_chromium() else {
        eprintln!(
            "SKIPPED per_sample_view_draws_in_chromium: no chromium binary found \
             (apt-get install -y chromium, or set CHROMIUM=path)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (ex, asg) = outputs(dir.path());
    let (_, rows) = example_rows();
    for (name, folder) in [("extract", ex), ("assign", asg)] {
        for sample in [0usize, 5] {
            let v = chromium_sample_view(&chromium, &folder.join("report.html"), sample)
                .unwrap_or_else(|e| panic!("{name} report, sample {sample}: {e}"));
            assert_eq!(v["sample"], sample.to_string(), "{name}: {v}");
            if sample == 0 {
                // the hostile name is drawn as text, not markup
                assert_eq!(v["title"], HOSTILE);
            }
            for id in ["sample-spectrum", "sample-residual", "sample-exposures"] {
                let ink = v["ink"][id].as_u64().unwrap_or(0);
                assert!(ink > 2_000, "{name} sample {sample}: {id} is blank ({ink})");
            }
            // residual = observed − reconstructed, and observed is the catalogue's count
            let res = v["residuals"].as_array().unwrap();
            assert_eq!(res.len(), 6, "{name}: header and 5 largest residuals");
            for r in &res[1..] {
                let (obs, rec, resid) = (cell_num(&r[1]), cell_num(&r[2]), cell_num(&r[3]));
                assert!((obs - rec - resid).abs() < 0.011, "{name}: {r}");
                let channel = r[0].as_str().unwrap();
                let row = rows.iter().find(|(l, _)| l == channel).unwrap();
                assert_eq!(
                    obs,
                    row.1[sample].parse::<f64>().unwrap(),
                    "{name}: {channel}"
                );
            }
            let heads = &v["exposures"][0];
            let with_ci = heads.as_array().unwrap().iter().any(|h| h == "95% lower");
            assert_eq!(with_ci, name == "assign", "{name}: {heads}");
            assert!(
                v["shown"].as_str().unwrap().starts_with("1 of "),
                "{name}: filter by name: {}",
                v["shown"]
            );
            assert_eq!(v["after"], "2", "{name}: select another sample");
        }
    }
}
