//! Plots for mutational-signature results, rendered in memory to SVG or PNG bytes.
//!
//! Every public function returns the bytes of one image (`Result<Vec<u8>, PlotError>`) and does no
//! file I/O. Text is laid out with the embedded DejaVu Sans font (plotters' `ab_glyph` feature), so
//! no system font library is needed at build or run time.
//!
//! Channel sets SBS96, DBS78 and ID83 are recognised from their labels (in any input order) and
//! drawn in the field's standard layout (COSMIC colours, coloured block strips, context labels);
//! any other channel set is drawn as a plain bar chart.

use crate::numeric::cosine;
use crate::read::context::Context;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, FontTransform, register_font};
use std::collections::HashMap;
use std::sync::OnceLock;

pub mod groups;

/// Font family name under which the embedded font is registered.
const FONT: &str = "sans-serif";
/// Embedded font: ab_glyph needs the bytes of a real font to lay out text, even for SVG.
static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
/// Largest accepted image side in pixels (guards against absurd allocations).
const MAX_SIDE: u32 = 20_000;
/// Largest accepted number of pixels (PNG buffers are 3 bytes per pixel).
const MAX_PIXELS: u64 = 80_000_000;
/// Smallest accepted image side in pixels.
const MIN_SIDE: u32 = 100;
/// Above this many samples the exposure plot drops sample labels and bar outlines.
const MAX_LABELLED_SAMPLES: usize = 60;

/// Output image format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Scalable vector graphics (UTF-8 XML text).
    Svg,
    /// PNG, 8-bit RGB.
    Png,
}

/// Output format plus an optional pixel size; `None` picks a size suited to the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Canvas {
    /// Image format.
    pub format: Format,
    /// `(width, height)` in pixels; `None` = automatic (e.g. exposures widen with the sample count).
    pub size: Option<(u32, u32)>,
}

impl Canvas {
    /// A canvas of the given format and automatic size.
    pub fn new(format: Format) -> Self {
        Self { format, size: None }
    }
    /// The same canvas with an explicit pixel size.
    pub fn with_size(self, width: u32, height: u32) -> Self {
        Self {
            size: Some((width, height)),
            ..self
        }
    }
}

impl From<Format> for Canvas {
    fn from(format: Format) -> Self {
        Canvas::new(format)
    }
}

/// Errors from plotting.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The data handed in is inconsistent (length mismatch, non-finite value, empty input, bad size).
    #[error("invalid plot input: {0}")]
    Input(String),
    /// The embedded font could not be registered.
    #[error("the embedded font could not be loaded")]
    Font,
    /// plotters reported a drawing error.
    #[error("drawing failed: {0}")]
    Draw(String),
    /// PNG encoding failed.
    #[error("PNG encoding failed: {0}")]
    Encode(String),
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError::Draw(e.to_string())
    }
}

/// Channel set of a spectrum, detected from its labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// 96 single-base-substitution channels `A[C>A]A`.
    Sbs96,
    /// 78 doublet-base-substitution channels `AC>CA`.
    Dbs78,
    /// 83 small-indel channels `1:Del:C:0`.
    Id83,
    /// Anything else (plotted as a plain bar chart in the given order).
    Other,
}

const SBS_SUBS: [&str; 6] = ["C>A", "C>G", "C>T", "T>A", "T>C", "T>G"];
const SBS_COLORS: [u32; 6] = [0x03BCEE, 0x010101, 0xE32926, 0xCAC9C9, 0xA1CE63, 0xEBC6C4];
const BASES: [char; 4] = ['A', 'C', 'G', 'T'];
const DBS_REFS: [&str; 10] = ["AC", "AT", "CC", "CG", "CT", "GC", "TA", "TC", "TG", "TT"];
const DBS_COLORS: [u32; 10] = [
    0x03BCEE, 0x0266CC, 0xA1CE63, 0x006501, 0xFF9898, 0xE32926, 0xFEB065, 0xFE8002, 0xCB98FE,
    0x4C0199,
];
const ID_COLORS: [u32; 16] = [
    0xFDBE6F, 0xFF8001, 0xB0DD8B, 0x36A12E, 0xFDCAB5, 0xFC8A6A, 0xF14432, 0xBC141A, 0xD0E1F2,
    0x94C4DF, 0x4A98C9, 0x1764AB, 0xE2E2EF, 0xB6B6D8, 0x8683BD, 0x62409B,
];
/// Qualitative palette for exposures (tab20 + 4 dark tones); later signatures get golden-angle hues.
const QUALITATIVE: [u32; 24] = [
    0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD, 0x8C564B, 0xE377C2, 0x7F7F7F, 0xBCBD22,
    0x17BECF, 0xAEC7E8, 0xFFBB78, 0x98DF8A, 0xFF9896, 0xC5B0D5, 0xC49C94, 0xF7B6D2, 0xC7C7C7,
    0xDBDB8D, 0x9EDAE5, 0x393B79, 0x637939, 0x8C6D31, 0x843C39,
];
/// Grey used for bars of unrecognised channel sets.
const PLAIN_BAR: u32 = 0x4D4D4D;

fn hex(c: u32) -> RGBColor {
    RGBColor((c >> 16) as u8, (c >> 8) as u8, c as u8)
}

/// SBS96 labels in plotting order (substitution-major; within a block 5′ base, then 3′ base).
pub fn sbs96_order() -> Vec<String> {
    let mut v = Vec::with_capacity(96);
    for s in SBS_SUBS {
        for a in BASES {
            for b in BASES {
                v.push(format!("{a}[{s}]{b}"));
            }
        }
    }
    v
}

/// DBS78 labels in plotting order: the context table (blocks by reference dinucleotide; it is
/// the lexicographic order).
pub fn dbs78_order() -> Vec<String> {
    Context::Dbs78.labels().to_vec()
}

/// ID83 labels in the standard (COSMIC / SigProfiler) order: the context table.
pub fn id83_order() -> Vec<String> {
    Context::Id83.labels().to_vec()
}

/// Maps `labels` onto a canonical order: `Some(p)` with `labels[p[i]] == canonical[i]` when the
/// labels are exactly a permutation of the canonical set.
fn permutation(labels: &[String], canonical: &[String]) -> Option<Vec<usize>> {
    if labels.len() != canonical.len() {
        return None;
    }
    let index: HashMap<&str, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.trim(), i))
        .collect();
    if index.len() != labels.len() {
        return None;
    }
    canonical
        .iter()
        .map(|c| index.get(c.as_str()).copied())
        .collect()
}

/// Detects the channel set (SBS96, DBS78, ID83 or other) from the labels, in any order.
pub fn context_of(labels: &[String]) -> Kind {
    layout_of(labels).kind
}

/// A contiguous coloured block of channels (e.g. the 16 C>A channels).
#[derive(Clone, Debug)]
struct Block {
    label: String,
    color: RGBColor,
    start: usize,
    len: usize,
}

/// How to draw a channel set: plotting order, blocks, per-bar tick labels, header/caption rows.
#[derive(Clone, Debug)]
struct Layout {
    kind: Kind,
    /// `order[i]` = index in the input of the channel drawn at position `i`.
    order: Vec<usize>,
    blocks: Vec<Block>,
    ticks: Vec<String>,
    /// Group headers above the strips (ID83): (text, first channel, channel count).
    headers: Vec<(String, usize, usize)>,
    /// Captions under the tick labels (ID83).
    captions: Vec<(String, usize, usize)>,
    /// Noun for the y axis ("Single Base Substitutions", ...).
    noun: &'static str,
    /// Short noun used when the long one does not fit ("SBS", ...).
    short: &'static str,
}

fn layout_of(labels: &[String]) -> Layout {
    if let Some(order) = permutation(labels, &sbs96_order()) {
        let blocks = SBS_SUBS
            .iter()
            .zip(SBS_COLORS)
            .enumerate()
            .map(|(b, (s, c))| Block {
                label: s.to_string(),
                color: hex(c),
                start: 16 * b,
                len: 16,
            })
            .collect();
        let ticks = sbs96_order()
            .iter()
            .map(|l| {
                let c: Vec<char> = l.chars().collect();
                format!("{}{}{}", c[0], c[2], c[6])
            })
            .collect();
        return Layout {
            kind: Kind::Sbs96,
            order,
            blocks,
            ticks,
            headers: vec![],
            captions: vec![],
            noun: "Single Base Substitutions",
            short: "SBS",
        };
    }
    if let Some(order) = permutation(labels, &dbs78_order()) {
        let mut blocks = Vec::new();
        let dbs78 = Context::Dbs78.labels();
        for (r, c) in DBS_REFS.iter().zip(DBS_COLORS) {
            let start = dbs78.iter().position(|l| l.starts_with(r)).unwrap_or(0);
            let len = dbs78.iter().filter(|l| l.starts_with(r)).count();
            blocks.push(Block {
                label: format!("{r}>NN"),
                color: hex(c),
                start,
                len,
            });
        }
        let ticks = dbs78.iter().map(|l| l[3..].to_string()).collect();
        return Layout {
            kind: Kind::Dbs78,
            order,
            blocks,
            ticks,
            headers: vec![],
            captions: vec![],
            noun: "Double Base Substitutions",
            short: "DBS",
        };
    }
    let id = id83_order();
    if let Some(order) = permutation(labels, &id) {
        let names = [
            "C", "T", "C", "T", "2", "3", "4", "5+", "2", "3", "4", "5+", "2", "3", "4", "5+",
        ];
        let lens = [6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 1, 2, 3, 5];
        let mut blocks = Vec::new();
        let mut start = 0;
        for b in 0..16 {
            blocks.push(Block {
                label: names[b].to_string(),
                color: hex(ID_COLORS[b]),
                start,
                len: lens[b],
            });
            start += lens[b];
        }
        let ticks = id
            .iter()
            .map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                let len: usize = f[3].parse().unwrap_or(0);
                let shown = if f[1] == "Del" && f[2] != "M" {
                    len + 1
                } else {
                    len
                };
                let top = if f[1] == "Del" && f[2] != "M" { 6 } else { 5 };
                if shown >= top {
                    format!("{top}+")
                } else {
                    shown.to_string()
                }
            })
            .collect();
        let headers = vec![
            ("1bp Deletion".to_string(), 0, 12),
            ("1bp Insertion".to_string(), 12, 12),
            (
                ">1bp Deletion at Repeats (Deletion Length)".to_string(),
                24,
                24,
            ),
            (
                ">1bp Insertion at Repeats (Insertion Length)".to_string(),
                48,
                24,
            ),
            ("Microhomology (Deletion Length)".to_string(), 72, 11),
        ];
        let captions = vec![
            ("Homopolymer Length".to_string(), 0, 24),
            ("Number of Repeat Units".to_string(), 24, 48),
            ("Microhomology Length".to_string(), 72, 11),
        ];
        return Layout {
            kind: Kind::Id83,
            order,
            blocks,
            ticks,
            headers,
            captions,
            noun: "Indels",
            short: "indels",
        };
    }
    Layout {
        kind: Kind::Other,
        order: (0..labels.len()).collect(),
        blocks: vec![Block {
            label: String::new(),
            color: hex(PLAIN_BAR),
            start: 0,
            len: labels.len(),
        }],
        ticks: labels.to_vec(),
        headers: vec![],
        captions: vec![],
        noun: "Mutations",
        short: "mutations",
    }
}

/// Registers the embedded font once; every public entry point calls this first.
fn ensure_font() -> Result<(), PlotError> {
    static OK: OnceLock<bool> = OnceLock::new();
    if *OK.get_or_init(|| register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok()) {
        Ok(())
    } else {
        Err(PlotError::Font)
    }
}

fn font(px: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), px, FontStyle::Normal)
}

fn text_style(px: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle {
        font: font(px),
        color: color.to_backend_color(),
        pos: Pos::new(h, v),
    }
}

/// Black text rotated to read bottom-to-top, anchored at its end (for labels under bars: the
/// anchor is the point just below the axis and the text hangs down from it).
fn rotated_style(px: f64) -> TextStyle<'static> {
    TextStyle {
        font: font(px).transform(FontTransform::Rotate270),
        color: BLACK.to_backend_color(),
        pos: Pos::new(HPos::Right, VPos::Center),
    }
}

/// A figure that can draw itself on any plotters backend (a closure cannot be generic over DB).
trait Figure {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static;
}

fn check_size((w, h): (u32, u32)) -> Result<(), PlotError> {
    if !(MIN_SIDE..=MAX_SIDE).contains(&w)
        || !(MIN_SIDE..=MAX_SIDE).contains(&h)
        || (w as u64) * (h as u64) > MAX_PIXELS
    {
        return Err(PlotError::Input(format!(
            "image size {w}x{h} outside {MIN_SIDE}..={MAX_SIDE} per side or above {MAX_PIXELS} pixels"
        )));
    }
    Ok(())
}

/// Renders a figure to SVG text or PNG bytes.
fn render<F: Figure>(fig: &F, canvas: Canvas, auto: (u32, u32)) -> Result<Vec<u8>, PlotError> {
    ensure_font()?;
    // Automatic sizes are shrunk (keeping the aspect ratio) to stay within the pixel budget.
    let px = auto.0 as f64 * auto.1 as f64;
    let f = if px > MAX_PIXELS as f64 {
        (MAX_PIXELS as f64 / px).sqrt() * 0.999
    } else {
        1.0
    };
    let auto = (
        ((auto.0 as f64 * f) as u32).clamp(MIN_SIDE, MAX_SIDE),
        ((auto.1 as f64 * f) as u32).clamp(MIN_SIDE, MAX_SIDE),
    );
    let size = canvas.size.unwrap_or(auto);
    check_size(size)?;
    match canvas.format {
        Format::Svg => {
            let mut s = String::new();
            {
                let root = SVGBackend::with_string(&mut s, size).into_drawing_area();
                root.fill(&WHITE)?;
                fig.draw(&root)?;
                root.present()?;
            }
            Ok(s.into_bytes())
        }
        Format::Png => {
            let (w, h) = size;
            let mut buf = vec![255u8; w as usize * h as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut buf, size).into_drawing_area();
                root.fill(&WHITE)?;
                fig.draw(&root)?;
                root.present()?;
            }
            encode_png(&buf, w, h)
        }
    }
}

fn encode_png(buf: &[u8], w: u32, h: u32) -> Result<Vec<u8>, PlotError> {
    use image::ImageEncoder;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let mut out = Vec::new();
    // Up filter: bars and stacked exposure columns repeat row to row, so a 2,000-sample exposure
    // plot compresses ~10x better than with Sub at the same speed.
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Up)
        .write_image(buf, w, h, image::ColorType::Rgb8)
        .map_err(|e| PlotError::Encode(e.to_string()))?;
    Ok(out)
}

fn check_finite(name: &str, v: &[f64]) -> Result<(), PlotError> {
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(PlotError::Input(format!("{name}[{i}] is not finite")));
    }
    Ok(())
}

fn check_len(name: &str, got: usize, want: usize) -> Result<(), PlotError> {
    if got != want {
        return Err(PlotError::Input(format!(
            "{name} has {got} entries, expected {want}"
        )));
    }
    Ok(())
}

/// `x` made finite for drawing: NaN → 0, ±inf → ±`f64::MAX`.
pub(crate) fn saturate(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(-f64::MAX, f64::MAX)
    }
}

/// Sum that never overflows to ±inf or NaN: every partial sum is saturated.
pub(crate) fn saturating_sum(v: impl IntoIterator<Item = f64>) -> f64 {
    v.into_iter().fold(0.0, |s, x| saturate(s + saturate(x)))
}

/// Largest |x| of the finite values (0 for none).
fn max_abs(v: &[f64]) -> f64 {
    v.iter()
        .filter(|x| x.is_finite())
        .fold(0.0f64, |m, x| m.max(x.abs()))
}

/// Data magnitudes beyond which an axis is drawn in units of a power of ten.
const UNIT_ABOVE: f64 = 1e100;
const UNIT_BELOW: f64 = 1e-100;
/// Ranges whose ends are all below this are drawn as an empty 0..1 axis.
const NEGLIGIBLE: f64 = 1e-200;

/// A finite, non-degenerate axis range on which plotters' tick computation terminates.
///
/// plotters computes ticks with a loop that never ends on an infinite or NaN range (`1.1 × 1e308`
/// or `1e308 − (−1e308)` overflow to inf), and values near `f64::MAX` overflow when summed or
/// widened. Charts are therefore built on display units: data divided by `unit`, a power of ten
/// chosen (for magnitudes beyond 1e±100 only) so that both ends lie within ±10; tick labels
/// multiply back. Invariants: `lo < hi`, both finite, `hi − lo` finite and not negligible.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Axis {
    /// Lower end in display units.
    lo: f64,
    /// Upper end in display units.
    hi: f64,
    /// Data units per display unit (1 for ordinary data).
    unit: f64,
}

impl Axis {
    /// The axis over data values `lo..hi`, in either order; NaN counts as 0, ±inf as ±`f64::MAX`.
    fn new(lo: f64, hi: f64) -> Self {
        let (a, b) = (saturate(lo), saturate(hi));
        let (lo, hi) = (a.min(b), a.max(b));
        let m = lo.abs().max(hi.abs());
        if m < NEGLIGIBLE {
            return Axis {
                lo: 0.0,
                hi: 1.0,
                unit: 1.0,
            };
        }
        let unit = if (UNIT_BELOW..=UNIT_ABOVE).contains(&m) {
            1.0
        } else {
            // m / unit in [1, 10); powi stays finite and normal for 1e-200 <= m <= f64::MAX
            10f64.powi(m.log10().floor() as i32)
        };
        let (mut lo, mut hi) = (lo / unit, hi / unit);
        let m = lo.abs().max(hi.abs());
        if hi - lo <= 1e-9 * m {
            // a single value: centre it with 10% room either side
            lo -= 0.1 * m;
            hi += 0.1 * m;
        }
        Axis { lo, hi, unit }
    }

    /// Display position of data value `v`, clamped to the axis.
    fn pos(&self, v: f64) -> f64 {
        (saturate(v) / self.unit).clamp(self.lo, self.hi)
    }

    /// Data value at display position `d` (for tick labels), saturated.
    fn value(&self, d: f64) -> f64 {
        saturate(d * self.unit)
    }

    /// Width of the axis in data units, saturated.
    fn span(&self) -> f64 {
        self.value(self.hi - self.lo)
    }

    /// The display range for `build_cartesian_2d`.
    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// Text width in pixels (falls back to a 0.6 em per character estimate if layout fails).
fn text_width<DB: DrawingBackend>(a: &DrawingArea<DB, Shift>, s: &str, px: f64) -> u32 {
    a.estimate_text_size(s, &TextStyle::from(font(px)))
        .map(|(w, _)| w)
        .unwrap_or((s.chars().count() as f64 * px * 0.6) as u32)
}

/// Shortens a label to at most `max` characters (with an ellipsis) so layouts stay bounded.
fn clip_label(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Black or white text, whichever contrasts with the background colour.
fn contrast(c: RGBColor) -> RGBColor {
    let l = 0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64;
    if l < 140.0 { WHITE } else { BLACK }
}

/// Draws `text` centred at the top of `a`.
fn draw_title<DB: DrawingBackend>(
    a: &DrawingArea<DB, Shift>,
    text: &str,
    px: f64,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    let (w, _) = a.dim_in_pixel();
    a.draw(&Text::new(
        text.to_string(),
        (w as i32 / 2, 6),
        text_style(px, BLACK, HPos::Center, VPos::Top),
    ))?;
    Ok(())
}

/// How the y axis of a spectrum panel is labelled.
#[derive(Clone, Copy, Debug, PartialEq)]
enum YMode {
    /// Values are fractions, printed as percentages.
    Percent,
    /// Values are counts.
    Count,
}

/// One spectrum panel: bars in plotting order, block strips, tick labels, title.
struct SpectrumPanel<'a> {
    layout: &'a Layout,
    /// Values already in plotting order.
    values: Vec<f64>,
    title: &'a str,
    mode: YMode,
    /// y axis.
    range: Axis,
    /// Whether to write the per-bar context labels under the bars.
    ticks: bool,
}

/// y axis of a bar chart: from min(0, values) to max(0, values) with 10% room.
fn y_range(values: &[f64]) -> Axis {
    let max = values.iter().cloned().fold(0.0f64, f64::max);
    let min = values.iter().cloned().fold(0.0f64, f64::min);
    let (lo, hi) = (saturate(min * 1.1), saturate(max * 1.1));
    if hi - lo <= 1e-12 {
        Axis::new(0.0, 1.0)
    } else {
        Axis::new(lo, hi)
    }
}

fn percent_label(v: f64, span: f64) -> String {
    let p = saturate(v * 100.0);
    if p.abs() >= 1e6 {
        format!("{p:.1e}%")
    } else if span < 0.05 {
        format!("{:.1}%", v * 100.0)
    } else {
        format!("{:.0}%", v * 100.0)
    }
}

/// A tick label with up to three decimals ("0.25", "1"), scientific beyond 1e7.
fn plain_label(v: f64) -> String {
    let v = saturate(v);
    if v.abs() >= 1e7 || (v != 0.0 && v.abs() < 1e-3) {
        return format!("{v:.1e}");
    }
    let s = format!("{:.3}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn count_label(v: f64) -> String {
    let v = saturate(v);
    if v.abs() >= 1e7 {
        format!("{v:.1e}")
    } else if v.abs() >= 1e4 {
        format!("{:.0}k", v / 1000.0)
    } else if (v - v.round()).abs() < 1e-9 {
        format!("{:.0}", v)
    } else {
        format!("{:.1}", v)
    }
}

fn draw_spectrum_panel<DB: DrawingBackend>(
    a: &DrawingArea<DB, Shift>,
    p: &SpectrumPanel,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    let (w, h) = a.dim_in_pixel();
    let n = p.values.len().max(1);
    let base = a.get_base_pixel();
    let kind = p.layout.kind;
    let title_px = 18.0;
    let title_h = 30u32;
    let strip_h = if kind == Kind::Other { 0 } else { 20u32 };
    let header_h = if p.layout.headers.is_empty() {
        0
    } else {
        18u32
    };
    let y_label_w = 78u32;
    let plot_w = w.saturating_sub(y_label_w + 23).max(1);
    let bar_px = plot_w as f64 / n as f64;
    // Rotated tick labels need a bar at least as wide as the font is tall.
    let tick_px = (bar_px * 0.9).min(12.0);
    let show_ticks = p.ticks && tick_px >= 7.0 && !p.layout.ticks.is_empty();
    let tick_w = if show_ticks {
        p.layout
            .ticks
            .iter()
            .map(|t| text_width(a, &clip_label(t, 24), tick_px))
            .max()
            .unwrap_or(0)
            + 12
    } else {
        6
    };
    let caption_h = if p.layout.captions.is_empty() { 0 } else { 18 };
    let bottom = (tick_w + caption_h).min(h / 3);
    draw_title(a, p.title, title_px)?;
    // Long axis title ("Percentage of Single Base Substitutions") only where it fits.
    let plot_h = h.saturating_sub(title_h + header_h + strip_h + 4 + bottom);
    let long = y_desc(p.layout.noun, p.mode);
    let desc = if text_width(a, &long, 14.0) + 10 <= plot_h {
        long
    } else {
        y_desc(p.layout.short, p.mode)
    };
    let mut chart = ChartBuilder::on(a)
        .margin_top(title_h + header_h + strip_h + 4)
        .margin_right(15)
        .margin_left(8)
        .x_label_area_size(bottom)
        .y_label_area_size(y_label_w)
        .build_cartesian_2d(0f64..n as f64, p.range.range())?;
    let axis = p.range;
    let span = axis.span();
    let mode = p.mode;
    let fmt = move |v: &f64| match mode {
        YMode::Percent => percent_label(axis.value(*v), span),
        YMode::Count => count_label(axis.value(*v)),
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(6)
        .y_label_formatter(&fmt)
        .y_desc(desc)
        .axis_desc_style(font(14.0))
        .label_style(font(12.0))
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(TRANSPARENT)
        .draw()?;
    // Bars, coloured by block.
    let mut colors = vec![hex(PLAIN_BAR); n];
    for b in &p.layout.blocks {
        for c in colors.iter_mut().skip(b.start).take(b.len) {
            *c = b.color;
        }
    }
    let gap = if bar_px >= 4.0 { 0.15 } else { 0.0 };
    chart.draw_series(
        p.values
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0.0)
            .map(|(i, &v)| {
                Rectangle::new(
                    [
                        (i as f64 + gap, axis.pos(v.max(0.0))),
                        (i as f64 + 1.0 - gap, axis.pos(v.min(0.0))),
                    ],
                    colors[i].filled(),
                )
            }),
    )?;
    if axis.lo < 0.0 {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (n as f64, 0.0)],
            BLACK.stroke_width(1),
        )))?;
    }
    let pa = chart.plotting_area();
    let px = |x: f64| pa.map_coordinate(&(x, axis.hi)).0 - base.0;
    let top = pa.map_coordinate(&(0.0, axis.hi)).1 - base.1;
    let bottom_y = pa.map_coordinate(&(0.0, axis.lo)).1 - base.1;
    // Block strips with their labels inside.
    if kind != Kind::Other {
        let y0 = top - strip_h as i32 - 2;
        for b in &p.layout.blocks {
            let (x0, x1) = (px(b.start as f64), px((b.start + b.len) as f64));
            a.draw(&Rectangle::new(
                [(x0 + 1, y0), (x1 - 1, top - 2)],
                b.color.filled(),
            ))?;
            let lw = text_width(a, &b.label, 13.0) as i32;
            if lw <= x1 - x0 {
                a.draw(&Text::new(
                    b.label.clone(),
                    ((x0 + x1) / 2, y0 + strip_h as i32 / 2),
                    text_style(13.0, contrast(b.color), HPos::Center, VPos::Center),
                ))?;
            }
        }
        for (t, s, l) in &p.layout.headers {
            let (x0, x1) = (px(*s as f64), px((s + l) as f64));
            let px_font = 12.0;
            if text_width(a, t, px_font) as i32 <= x1 - x0 {
                a.draw(&Text::new(
                    t.clone(),
                    ((x0 + x1) / 2, y0 - 3),
                    text_style(px_font, BLACK, HPos::Center, VPos::Bottom),
                ))?;
            }
        }
    }
    // Tick labels, rotated 90°, one per bar.
    if show_ticks {
        let style = rotated_style(tick_px);
        for (i, t) in p.layout.ticks.iter().enumerate().take(n) {
            let x = (px(i as f64) + px(i as f64 + 1.0)) / 2;
            a.draw(&Text::new(
                clip_label(t, 24),
                (x, bottom_y + 4),
                style.clone(),
            ))?;
        }
    }
    for (t, s, l) in &p.layout.captions {
        let (x0, x1) = (px(*s as f64), px((s + l) as f64));
        if text_width(a, t, 12.0) as i32 <= x1 - x0 {
            a.draw(&Text::new(
                t.clone(),
                ((x0 + x1) / 2, bottom_y + tick_w as i32 + 2),
                text_style(12.0, BLACK, HPos::Center, VPos::Top),
            ))?;
        }
    }
    Ok(())
}

/// Puts `values` (input order) into plotting order; `as_percent` divides by the total.
fn arrange(layout: &Layout, values: &[f64], as_percent: bool) -> Vec<f64> {
    let v: Vec<f64> = layout.order.iter().map(|&i| values[i]).collect();
    let m = max_abs(&v);
    if as_percent && m > 0.0 {
        // divide by the largest value first: the sum of values near f64::MAX overflows
        let total: f64 = v.iter().map(|x| x / m).sum();
        let d = if total.abs() > 1e-300 { total } else { 1.0 };
        v.into_iter().map(|x| x / m / d).collect()
    } else {
        v
    }
}

fn y_desc(noun: &str, mode: YMode) -> String {
    match mode {
        YMode::Percent => format!("Percentage of {noun}"),
        YMode::Count => format!("Number of {noun}"),
    }
}

/// Several spectra stacked vertically, each in its own panel.
struct PanelFigure<'a> {
    panels: Vec<SpectrumPanel<'a>>,
}

impl Figure for PanelFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let areas = root.split_evenly((self.panels.len().max(1), 1));
        for (a, p) in areas.iter().zip(&self.panels) {
            draw_spectrum_panel(a, p)?;
        }
        Ok(())
    }
}

fn panel_width(layout: &Layout) -> u32 {
    match layout.kind {
        Kind::Sbs96 => 1400,
        Kind::Dbs78 => 1200,
        Kind::Id83 => 1300,
        Kind::Other => (200 + 14 * layout.order.len() as u32).clamp(600, 4000),
    }
}

fn panel_height(layout: &Layout) -> u32 {
    if layout.kind == Kind::Id83 { 400 } else { 360 }
}

/// Spectrum of one signature or sample (bar chart in the field's standard layout).
///
/// `labels`/`values` are in any order (e.g. the file's alphabetical `A[C>A]A, A[C>A]C, ...`);
/// SBS96/DBS78/ID83 are re-ordered and coloured, any other channel set is a plain bar chart.
/// `as_percent` plots `values / sum(values)` as percentages (signatures), otherwise raw counts.
pub fn spectrum(
    labels: &[String],
    values: &[f64],
    title: &str,
    as_percent: bool,
    canvas: impl Into<Canvas>,
) -> Result<Vec<u8>, PlotError> {
    signature_panel_inner(labels, &[(title, values)], as_percent, canvas.into())
}

/// Several signatures stacked vertically in one image, each titled with the caller's string
/// (e.g. "SBS96A — best COSMIC match SBS1 (cosine 0.97), stability 0.93"); y axis in percent.
pub fn signature_panel(
    labels: &[String],
    sigs: &[(String, Vec<f64>)],
    canvas: impl Into<Canvas>,
) -> Result<Vec<u8>, PlotError> {
    let s: Vec<(&str, &[f64])> = sigs
        .iter()
        .map(|(t, v)| (t.as_str(), v.as_slice()))
        .collect();
    signature_panel_inner(labels, &s, true, canvas.into())
}

fn signature_panel_inner(
    labels: &[String],
    sigs: &[(&str, &[f64])],
    as_percent: bool,
    canvas: Canvas,
) -> Result<Vec<u8>, PlotError> {
    if labels.is_empty() || sigs.is_empty() {
        return Err(PlotError::Input("no channels or no spectra to plot".into()));
    }
    for (t, v) in sigs {
        check_len(&format!("values of '{t}'"), v.len(), labels.len())?;
        check_finite(&format!("values of '{t}'"), v)?;
    }
    let layout = layout_of(labels);
    let mode = if as_percent {
        YMode::Percent
    } else {
        YMode::Count
    };
    let panels = sigs
        .iter()
        .map(|(t, v)| {
            let values = arrange(&layout, v, as_percent);
            let range = y_range(&values);
            SpectrumPanel {
                layout: &layout,
                values,
                title: t,
                mode,
                range,
                ticks: true,
            }
        })
        .collect();
    let auto = (
        panel_width(&layout),
        panel_height(&layout) * sigs.len() as u32,
    );
    render(&PanelFigure { panels }, canvas, auto)
}

/// A sample's observed spectrum, its reconstruction and the residual (observed − reconstructed),
/// as three stacked panels in the layout of [`spectrum`]; the title gets the cosine similarity.
pub fn reconstruction(
    labels: &[String],
    observed: &[f64],
    reconstructed: &[f64],
    title: &str,
    canvas: impl Into<Canvas>,
) -> Result<Vec<u8>, PlotError> {
    if labels.is_empty() {
        return Err(PlotError::Input("no channels to plot".into()));
    }
    check_len("observed", observed.len(), labels.len())?;
    check_len("reconstructed", reconstructed.len(), labels.len())?;
    check_finite("observed", observed)?;
    check_finite("reconstructed", reconstructed)?;
    let layout = layout_of(labels);
    let obs = arrange(&layout, observed, false);
    let rec = arrange(&layout, reconstructed, false);
    let res: Vec<f64> = obs.iter().zip(&rec).map(|(o, r)| saturate(o - r)).collect();
    let cos = cosine(&obs, &rec);
    let shared = y_range(&obs.iter().chain(&rec).cloned().collect::<Vec<_>>());
    let m = saturate(max_abs(&res) * 1.1);
    let res_range = if m > 1e-12 {
        Axis::new(-m, m)
    } else {
        Axis::new(-1.0, 1.0)
    };
    let t_obs = format!("{title} — observed (cosine {cos:.3})");
    let mk = |t: &'static str, v: Vec<f64>, r| (t, v, r);
    let rows = [
        mk("", obs, shared),
        mk("Reconstructed", rec, shared),
        mk("Residual (observed − reconstructed)", res, res_range),
    ];
    let panels = rows
        .iter()
        .enumerate()
        .map(|(i, (t, v, r))| SpectrumPanel {
            layout: &layout,
            values: v.clone(),
            title: if i == 0 { t_obs.as_str() } else { t },
            mode: YMode::Count,
            range: *r,
            ticks: i == 2,
        })
        .collect();
    let auto = (panel_width(&layout), panel_height(&layout) * 3);
    render(&PanelFigure { panels }, canvas.into(), auto)
}

/// Colour of signature `i` in exposure plots: 24 fixed qualitative colours, then golden-angle hues.
fn signature_color(i: usize) -> RGBColor {
    if i < QUALITATIVE.len() {
        return hex(QUALITATIVE[i]);
    }
    let hue = ((i - QUALITATIVE.len()) as f64 * 0.618_033_988_75 + 0.13).fract();
    let light = if i.is_multiple_of(2) { 0.45 } else { 0.65 };
    let c = HSLColor(hue, 0.65, light).to_rgba();
    RGBColor(c.0, c.1, c.2)
}

/// Which exposure panels to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExposureScale {
    /// Mutation counts attributed to each signature.
    Absolute,
    /// Per-sample fractions (each bar sums to 100 %).
    Relative,
    /// Absolute panel on top, relative panel below.
    Both,
}

struct ExposureFigure<'a> {
    samples: &'a [String],
    signatures: &'a [String],
    exposures: &'a [Vec<f64>],
    scale: ExposureScale,
    title: &'a str,
}

impl Figure for ExposureFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let (w, _) = root.dim_in_pixel();
        draw_title(root, self.title, 18.0)?;
        let body = root.margin(34, 0, 0, 0);
        // Legend column on the right.
        let item_px = 13.0;
        let legend_w = self
            .signatures
            .iter()
            .map(|s| text_width(root, &clip_label(s, 30), item_px))
            .max()
            .unwrap_or(0)
            + 44;
        let legend_w = legend_w.min(w / 3);
        let (plots, legend) = body.split_horizontally(w - legend_w);
        let panels: Vec<bool> = match self.scale {
            ExposureScale::Absolute => vec![false],
            ExposureScale::Relative => vec![true],
            ExposureScale::Both => vec![false, true],
        };
        let areas = plots.split_evenly((panels.len(), 1));
        for (a, rel) in areas.iter().zip(panels) {
            self.draw_panel(a, rel)?;
        }
        let (_, lh) = legend.dim_in_pixel();
        let row =
            ((lh.saturating_sub(20)) as f64 / self.signatures.len().max(1) as f64).clamp(1.0, 22.0);
        let fpx = (row - 4.0).clamp(6.0, item_px);
        for (k, s) in self.signatures.iter().enumerate() {
            let y = 20 + (k as f64 * row) as i32;
            let sw = (row as i32 - 6).clamp(2, 14);
            legend.draw(&Rectangle::new(
                [(10, y), (10 + 14, y + sw)],
                signature_color(k).filled(),
            ))?;
            if row >= 7.0 {
                legend.draw(&Text::new(
                    clip_label(s, 30),
                    (30, y + sw / 2),
                    text_style(fpx, BLACK, HPos::Left, VPos::Center),
                ))?;
            }
        }
        Ok(())
    }
}

impl ExposureFigure<'_> {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        a: &DrawingArea<DB, Shift>,
        relative: bool,
    ) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let n = self.samples.len();
        let k = self.signatures.len();
        let (_, h) = a.dim_in_pixel();
        let base = a.get_base_pixel();
        let axis = if relative {
            Axis::new(0.0, 1.0)
        } else {
            let m = self
                .exposures
                .iter()
                .map(|e| saturating_sum(e.iter().copied()))
                .fold(0.0, f64::max);
            if m > 0.0 {
                Axis::new(0.0, saturate(m * 1.05))
            } else {
                Axis::new(0.0, 1.0)
            }
        };
        let labelled = n <= MAX_LABELLED_SAMPLES;
        let label_px = 11.0;
        let bottom = if labelled {
            (self
                .samples
                .iter()
                .map(|s| text_width(a, &clip_label(s, 24), label_px))
                .max()
                .unwrap_or(0)
                + 10)
                .min(h / 3)
        } else {
            30
        };
        let mut chart = ChartBuilder::on(a)
            .margin(8)
            .margin_right(12)
            .x_label_area_size(bottom)
            .y_label_area_size(78)
            .build_cartesian_2d(0f64..n as f64, axis.range())?;
        let fmt = move |v: &f64| {
            if relative {
                percent_label(*v, 1.0)
            } else {
                count_label(axis.value(*v))
            }
        };
        let mut mesh = chart.configure_mesh();
        mesh.disable_x_mesh()
            .x_labels(0)
            .y_labels(6)
            .y_label_formatter(&fmt)
            .y_desc(if relative {
                "Relative contribution"
            } else {
                "Mutations"
            })
            .axis_desc_style(font(14.0))
            .label_style(font(12.0))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(TRANSPARENT);
        if !labelled {
            mesh.x_desc(format!("Samples (n = {n})"));
        }
        mesh.draw()?;
        let pa = chart.plotting_area();
        let (xr, _) = (pa.get_x_axis_pixel_range(), pa.get_y_axis_pixel_range());
        let (left, width) = (xr.start - base.0, (xr.end - xr.start).max(1));
        // y pixel of a display-unit value
        let ypix = |d: f64| pa.map_coordinate(&(0.0, d.clamp(axis.lo, axis.hi))).1 - base.1;
        let bar_w = width as f64 / n.max(1) as f64;
        let gap = if bar_w >= 5.0 {
            (bar_w * 0.15).round() as i32
        } else {
            0
        };
        let outline = labelled && bar_w >= 6.0;
        let mut rects = Vec::with_capacity(n * k);
        let mut outlines = Vec::new();
        for (i, e) in self.exposures.iter().enumerate() {
            let x0 = left + (i as f64 * bar_w).floor() as i32 + gap / 2;
            let x1 = (left + ((i + 1) as f64 * bar_w).floor() as i32 - (gap - gap / 2)).max(x0 + 1);
            // Stacks are summed in display units (absolute) or in units of the sample's largest
            // exposure divided by its total (relative), so that huge exposures cannot overflow.
            let (unit, d) = if relative {
                let m = max_abs(e);
                let total: f64 = e.iter().map(|v| v / m).sum();
                (m, if total > 0.0 { total } else { 1.0 })
            } else {
                (axis.unit, 1.0)
            };
            let mut cum = 0.0;
            for (s, &v) in e.iter().enumerate() {
                if v <= 0.0 {
                    continue;
                }
                let v = v / unit;
                let (y0, y1) = (ypix(cum / d), ypix((cum + v) / d));
                cum += v;
                rects.push(Rectangle::new(
                    [(x0, y1), (x1, y0)],
                    signature_color(s).filled(),
                ));
                if outline {
                    outlines.push(Rectangle::new([(x0, y1), (x1, y0)], BLACK.mix(0.5)));
                }
            }
        }
        for r in rects.iter().chain(&outlines) {
            a.draw(r)?;
        }
        if labelled {
            let style = rotated_style(label_px);
            let y = ypix(0.0) + 4;
            for (i, s) in self.samples.iter().enumerate() {
                let x = left + ((i as f64 + 0.5) * bar_w) as i32;
                a.draw(&Text::new(clip_label(s, 24), (x, y), style.clone()))?;
            }
        }
        Ok(())
    }
}

/// Stacked signature exposures per sample, samples in the given order, legend with the colours.
///
/// `exposures[i][s]` = mutations of sample `i` attributed to signature `s`. Readable from a few to
/// thousands of samples: above 60 samples the labels and bar outlines are dropped, and the automatic
/// width gives each sample at least one pixel.
pub fn exposures(
    samples: &[String],
    signatures: &[String],
    exposures: &[Vec<f64>],
    scale: ExposureScale,
    title: &str,
    canvas: impl Into<Canvas>,
) -> Result<Vec<u8>, PlotError> {
    if samples.is_empty() || signatures.is_empty() {
        return Err(PlotError::Input("no samples or no signatures".into()));
    }
    check_grid("exposures", exposures, samples.len(), signatures.len())?;
    let n = samples.len() as u32;
    let per = if n <= 60 {
        (1100 / n).clamp(8, 40)
    } else {
        (1600 / n).max(1)
    };
    let auto_w = 80 + 20 + n * per + 200;
    let auto_h = match scale {
        ExposureScale::Both => 900,
        _ => 520,
    };
    let fig = ExposureFigure {
        samples,
        signatures,
        exposures,
        scale,
        title,
    };
    render(&fig, canvas.into(), (auto_w.max(700), auto_h))
}

/// Metrics of one candidate rank for the rank-selection plot (non-finite = not computed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RankPoint {
    /// Number of signatures.
    pub rank: usize,
    /// Mean silhouette / stability of the consensus signatures (0..1).
    pub stability_mean: f64,
    /// Minimum stability over the signatures (0..1).
    pub stability_min: f64,
    /// Reconstruction error (e.g. relative Frobenius norm), drawn on the left axis.
    pub reconstruction_error: f64,
    /// Cophenetic correlation (right axis).
    pub cophenetic: f64,
}

struct RankFigure {
    rows: Vec<RankPoint>,
    selected: usize,
}

impl Figure for RankFigure {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let r = &self.rows;
        let xa = Axis::new(r[0].rank as f64 - 0.5, r[r.len() - 1].rank as f64 + 0.5);
        let fin = |v: f64| if v.is_finite() { Some(v) } else { None };
        let left_vals = r
            .iter()
            .flat_map(|p| [p.stability_mean, p.stability_min, p.reconstruction_error])
            .filter_map(fin);
        let (lmin, lmax) = left_vals.fold((0.0f64, 1.0f64), |(a, b), v| (a.min(v), b.max(v)));
        let cmin = r
            .iter()
            .filter_map(|p| fin(p.cophenetic))
            .fold(0.0f64, f64::min);
        let (left, right) = (Axis::new(lmin, saturate(lmax * 1.05)), Axis::new(cmin, 1.0));
        let (left_fmt, right_fmt) = (
            move |v: &f64| plain_label(left.value(*v)),
            move |v: &f64| plain_label(right.value(*v)),
        );
        draw_title(root, "Selection of the number of signatures", 18.0)?;
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .margin_top(40)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .right_y_label_area_size(70)
            .build_cartesian_2d(xa.range(), left.range())?
            .set_secondary_coord(xa.range(), right.range());
        // ordinary ranges keep plotters' own labels ("0.0" … "1.0"); rescaled ones need ours
        let mut mesh = chart.configure_mesh();
        mesh.x_desc("Number of signatures")
            .y_desc("Stability / reconstruction error")
            .disable_x_mesh()
            .x_labels(0)
            .axis_desc_style(font(14.0))
            .label_style(font(12.0))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(TRANSPARENT);
        if left.unit != 1.0 {
            mesh.y_label_formatter(&left_fmt);
        }
        mesh.draw()?;
        let mut secondary = chart.configure_secondary_axes();
        secondary
            .y_desc("Cophenetic correlation")
            .axis_desc_style(font(14.0))
            .label_style(font(12.0));
        if right.unit != 1.0 {
            secondary.y_label_formatter(&right_fmt);
        }
        secondary.draw()?;
        // Integer rank ticks, drawn by hand so every rank (and only ranks) is labelled.
        let base = root.get_base_pixel();
        for p in r {
            let (x, y) = chart
                .plotting_area()
                .map_coordinate(&(xa.pos(p.rank as f64), left.lo));
            let (x, y) = (x - base.0, y - base.1);
            root.draw(&PathElement::new(vec![(x, y), (x, y + 5)], BLACK))?;
            root.draw(&Text::new(
                p.rank.to_string(),
                (x, y + 8),
                text_style(12.0, BLACK, HPos::Center, VPos::Top),
            ))?;
        }
        let sel = self.selected as f64;
        let band = RGBColor(255, 224, 130);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(xa.pos(sel - 0.35), left.lo), (xa.pos(sel + 0.35), left.hi)],
                band.mix(0.6).filled(),
            )))?
            .label(format!("selected rank = {}", self.selected))
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], band.filled()));
        type Get = fn(&RankPoint) -> f64;
        let series: [(&str, Get, RGBColor); 3] = [
            (
                "stability (mean)",
                |p| p.stability_mean,
                RGBColor(31, 119, 180),
            ),
            (
                "stability (min)",
                |p| p.stability_min,
                RGBColor(120, 170, 220),
            ),
            (
                "reconstruction error",
                |p| p.reconstruction_error,
                RGBColor(214, 39, 40),
            ),
        ];
        for (name, get, color) in series {
            let pts: Vec<(f64, f64)> = r
                .iter()
                .filter_map(|p| fin(get(p)).map(|v| (xa.pos(p.rank as f64), left.pos(v))))
                .collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
        }
        let green = RGBColor(44, 160, 44);
        let pts: Vec<(f64, f64)> = r
            .iter()
            .filter_map(|p| fin(p.cophenetic).map(|v| (xa.pos(p.rank as f64), right.pos(v))))
            .collect();
        chart
            .draw_secondary_series(LineSeries::new(pts.clone(), green.stroke_width(2)))?
            .label("cophenetic correlation (right axis)")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], green.stroke_width(2))
            });
        chart.draw_secondary_series(
            pts.iter()
                .map(|&p| TriangleMarker::new(p, 6, green.filled())),
        )?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font(font(12.0))
            .draw()?;
        Ok(())
    }
}

/// Rank-selection plot: stability (mean, min) and reconstruction error against the rank, cophenetic
/// correlation on a second y axis, the chosen rank marked by a shaded band.
pub fn rank_selection(
    rows: &[RankPoint],
    selected: usize,
    canvas: impl Into<Canvas>,
) -> Result<Vec<u8>, PlotError> {
    if rows.is_empty() {
        return Err(PlotError::Input("no ranks to plot".into()));
    }
    let mut rows = rows.to_vec();
    rows.sort_by_key(|p| p.rank);
    if rows.windows(2).any(|w| w[0].rank == w[1].rank) {
        return Err(PlotError::Input(
            "duplicate rank in rank-selection rows".into(),
        ));
    }
    if !rows.iter().any(|p| p.rank == selected) {
        return Err(PlotError::Input(format!(
            "selected rank {selected} is not among the plotted ranks"
        )));
    }
    render(&RankFigure { rows, selected }, canvas.into(), (900, 520))
}

/// White → dark blue colour for a value in [0, 1] (clamped).
fn heat_color(v: f64) -> RGBColor {
    let t = if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let dark = (8.0, 48.0, 107.0);
    let mix = |d: f64| (255.0 + (d - 255.0) * t).round() as u8;
    RGBColor(mix(dark.0), mix(dark.1), mix(dark.2))
}

/// Number of steps of the heatmap's colour bar.
const COLORBAR_STEPS: usize = 50;

/// The cells of a heatmap, `values[i][j]` between the grid lines `xs(j)..xs(j + 1)` and
/// `ys(i)..ys(i + 1)`, coloured by [`heat_color`], each value printed at `print` pixels
/// when given; then a grey frame around the grid.
fn draw_cells<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    values: &[Vec<f64>],
    xs: &dyn Fn(usize) -> i32,
    ys: &dyn Fn(usize) -> i32,
    print: Option<f64>,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    for (i, row) in values.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            let c = heat_color(v);
            root.draw(&Rectangle::new(
                [(xs(j), ys(i)), (xs(j + 1), ys(i + 1))],
                c.filled(),
            ))?;
            if let Some(px) = print {
                let text = if v.abs() < 1e6 {
                    format!("{v:.2}")
                } else {
                    format!("{v:.1e}")
                };
                root.draw(&Text::new(
                    text,
                    ((xs(j) + xs(j + 1)) / 2, (ys(i) + ys(i + 1)) / 2),
                    text_style(px, contrast(c), HPos::Center, VPos::Center),
                ))?;
            }
        }
    }
    let (nr, nc) = (values.len(), values.first().map_or(0, Vec::len));
    root.draw(&Rectangle::new(
        [(xs(0), ys(0)), (xs(nc), ys(nr))],
        RGBColor(150, 150, 150).stroke_width(1),
    ))?;
    Ok(())
}

/// Row labels right-aligned left of `left`, when rows of height `ch` leave room for them.
fn draw_row_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: &[String],
    left: i32,
    ys: &dyn Fn(usize) -> i32,
    ch: f64,
    max_px: f64,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    let px = (ch * 0.8).min(max_px);
    if px >= 6.0 {
        for (i, s) in labels.iter().enumerate() {
            root.draw(&Text::new(
                clip_label(s, 30),
                (left - 6, (ys(i) + ys(i + 1)) / 2),
                text_style(px, BLACK, HPos::Right, VPos::Center),
            ))?;
        }
    }
    Ok(())
}

/// Column labels rotated under the grid (its bottom at `y`), clipped to `clip`
/// characters; `false` when columns of width `cw` leave no room and nothing was drawn.
fn draw_col_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: &[String],
    xs: &dyn Fn(usize) -> i32,
    y: i32,
    (cw, max_px, clip): (f64, f64, usize),
) -> Result<bool, PlotError>
where
    DB::ErrorType: 'static,
{
    let px = (cw * 0.8).min(max_px);
    if px < 6.0 {
        return Ok(false);
    }
    let style = rotated_style(px);
    for (j, s) in labels.iter().enumerate() {
        root.draw(&Text::new(
            clip_label(s, clip),
            ((xs(j) + xs(j + 1)) / 2, y + 5),
            style.clone(),
        ))?;
    }
    Ok(true)
}

/// A vertical colour bar of [`heat_color`] from 1 (top, `y0`) to 0 (`y1`), `width` wide
/// at `x`, with the labels of 1, 0.5 and 0 to its right.
fn draw_colorbar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x, width): (i32, i32),
    (y0, y1): (i32, i32),
    labels: [&str; 3],
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    let step = (y1 - y0) as f64 / COLORBAR_STEPS as f64;
    for s in 0..COLORBAR_STEPS {
        let v = 1.0 - (s as f64 + 0.5) / COLORBAR_STEPS as f64;
        let ya = y0 + (s as f64 * step).round() as i32;
        let yb = y0 + ((s + 1) as f64 * step).round() as i32;
        root.draw(&Rectangle::new(
            [(x, ya), (x + width, yb)],
            heat_color(v).filled(),
        ))?;
    }
    for (label, y) in labels.into_iter().zip([y0, (y0 + y1) / 2, y1]) {
        root.draw(&Text::new(
            label,
            (x + 20, y),
            text_style(11.0, BLACK, HPos::Left, VPos::Center),
        ))?;
    }
    Ok(())
}

struct HeatmapFigure<'a> {
    rows: &'a [String],
    cols: &'a [String],
    values: &'a [Vec<f64>],
    title: &'a str,
}

impl Figure for HeatmapFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let (w, h) = root.dim_in_pixel();
        let (nr, nc) = (self.rows.len(), self.cols.len());
        draw_title(root, self.title, 18.0)?;
        let label_px = 12.0;
        let row_w = self
            .rows
            .iter()
            .map(|s| text_width(root, &clip_label(s, 30), label_px))
            .max()
            .unwrap_or(0)
            + 10;
        let col_h = self
            .cols
            .iter()
            .map(|s| text_width(root, &clip_label(s, 30), label_px))
            .max()
            .unwrap_or(0)
            + 10;
        let top = 40i32;
        let bar_w = 90i32;
        let left = (row_w as i32).min(w as i32 / 3) + 10;
        let grid_w = (w as i32 - left - bar_w - 10).max(1) as f64;
        let grid_h = (h as i32 - top - (col_h as i32).min(h as i32 / 3)).max(1) as f64;
        let (cw, ch) = (grid_w / nc as f64, grid_h / nr as f64);
        let xs = |j: usize| left + (j as f64 * cw).round() as i32;
        let ys = |i: usize| top + (i as f64 * ch).round() as i32;
        let show_values = cw >= 34.0 && ch >= 15.0;
        let vpx = (ch * 0.6).clamp(8.0, 13.0);
        draw_cells(root, self.values, &xs, &ys, show_values.then_some(vpx))?;
        draw_row_labels(root, self.rows, left, &ys, ch, label_px)?;
        draw_col_labels(root, self.cols, &xs, ys(nr), (cw, label_px, 30))?;
        // Colour bar, value 1 at the top.
        let bx = w as i32 - bar_w + 10;
        let bar = (top, top + (grid_h as i32).min(300));
        draw_colorbar(root, (bx, 16), bar, ["1.0", "0.5", "0.0"])?;
        Ok(())
    }
}

/// `values` must be `rows` rows of `cols` finite numbers.
fn check_grid(what: &str, values: &[Vec<f64>], rows: usize, cols: usize) -> Result<(), PlotError> {
    check_len(&format!("{what} rows"), values.len(), rows)?;
    for (i, r) in values.iter().enumerate() {
        check_len(&format!("{what} row {i}"), r.len(), cols)?;
        check_finite(&format!("{what} row {i}"), r)?;
    }
    Ok(())
}

/// Heatmap of a rows × columns matrix of cosine similarities (values clamped to [0, 1] for the
/// colour, white → dark blue), labelled rows and columns, values printed when cells are big enough.
pub fn cosine_heatmap(
    rows: &[String],
    cols: &[String],
    values: &[Vec<f64>],
    title: &str,
    canvas: impl Into<Canvas>,
) -> Result<Vec<u8>, PlotError> {
    if rows.is_empty() || cols.is_empty() {
        return Err(PlotError::Input("empty heatmap".into()));
    }
    check_grid("heatmap", values, rows.len(), cols.len())?;
    let cw = (1600 / cols.len() as u32).clamp(8, 52);
    let ch = (900 / rows.len() as u32).clamp(8, 30);
    let auto = (
        260 + cols.len() as u32 * cw + 100,
        40 + rows.len() as u32 * ch + 120,
    );
    let fig = HeatmapFigure {
        rows,
        cols,
        values,
        title,
    };
    render(&fig, canvas.into(), (auto.0.max(500), auto.1.max(300)))
}

struct IntervalFigure<'a> {
    signatures: &'a [String],
    estimate: &'a [f64],
    lower: &'a [f64],
    upper: &'a [f64],
    title: &'a str,
}

impl Figure for IntervalFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let k = self.signatures.len();
        let base = root.get_base_pixel();
        draw_title(root, self.title, 18.0)?;
        let lab_px = 13.0;
        let lab_w = self
            .signatures
            .iter()
            .map(|s| text_width(root, &clip_label(s, 30), lab_px))
            .max()
            .unwrap_or(0)
            + 14;
        let hi = self.upper.iter().cloned().fold(0.0f64, f64::max);
        let lo = self.lower.iter().cloned().fold(0.0f64, f64::min);
        let hi = if hi - lo > 1e-12 {
            saturate(hi * 1.05)
        } else {
            lo + 1.0
        };
        let xa = Axis::new(lo, hi);
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .margin_top(40)
            .margin_right(25)
            .x_label_area_size(45)
            .y_label_area_size(lab_w)
            .build_cartesian_2d(xa.range(), 0f64..k as f64)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc("Mutations attributed (point estimate, 95% interval)")
            .x_label_formatter(&|v| count_label(xa.value(*v)))
            .axis_desc_style(font(14.0))
            .label_style(font(12.0))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(TRANSPARENT)
            .draw()?;
        let yc = |i: usize| k as f64 - i as f64 - 0.5;
        let blue = RGBColor(31, 119, 180);
        for i in 0..k {
            let y = yc(i);
            let (l, u) = (xa.pos(self.lower[i]), xa.pos(self.upper[i]));
            chart.draw_series([
                PathElement::new(vec![(l, y), (u, y)], BLACK.stroke_width(2)),
                PathElement::new(vec![(l, y - 0.2), (l, y + 0.2)], BLACK.stroke_width(2)),
                PathElement::new(vec![(u, y - 0.2), (u, y + 0.2)], BLACK.stroke_width(2)),
            ])?;
            chart.draw_series(std::iter::once(Circle::new(
                (xa.pos(self.estimate[i]), y),
                5,
                blue.filled(),
            )))?;
        }
        let pa = chart.plotting_area();
        let x_left = pa.get_x_axis_pixel_range().start - base.0;
        let px = (pa.dim_in_pixel().1 as f64 / k as f64 * 0.7).min(lab_px);
        if px >= 6.0 {
            for (i, s) in self.signatures.iter().enumerate() {
                let y = pa.map_coordinate(&(xa.lo, yc(i))).1 - base.1;
                root.draw(&Text::new(
                    clip_label(s, 30),
                    (x_left - 8, y),
                    text_style(px, BLACK, HPos::Right, VPos::Center),
                ))?;
            }
        }
        Ok(())
    }
}

/// Bootstrap intervals for one sample: per signature a point estimate with its 95% interval as a
/// horizontal whisker, signatures as row labels. Requires `lower <= estimate <= upper`.
pub fn intervals(
    signatures: &[String],
    estimate: &[f64],
    lower: &[f64],
    upper: &[f64],
    title: &str,
    canvas: impl Into<Canvas>,
) -> Result<Vec<u8>, PlotError> {
    let k = signatures.len();
    if k == 0 {
        return Err(PlotError::Input("no signatures".into()));
    }
    for (name, v) in [("estimate", estimate), ("lower", lower), ("upper", upper)] {
        check_len(name, v.len(), k)?;
        check_finite(name, v)?;
    }
    if let Some(i) = (0..k).find(|&i| !(lower[i] <= estimate[i] && estimate[i] <= upper[i])) {
        return Err(PlotError::Input(format!(
            "interval of '{}' does not contain its estimate ({} <= {} <= {} fails)",
            signatures[i], lower[i], estimate[i], upper[i]
        )));
    }
    let fig = IntervalFigure {
        signatures,
        estimate,
        lower,
        upper,
        title,
    };
    render(&fig, canvas.into(), (800, 130 + 30 * k as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A filled rectangle found in an SVG.
    #[derive(Debug, Clone)]
    struct R {
        fill: String,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
    }

    fn doc_text(svg: &[u8]) -> String {
        String::from_utf8(svg.to_vec()).expect("SVG is UTF-8")
    }

    fn attr(n: &roxmltree::Node, a: &str) -> f64 {
        n.attribute(a)
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    }

    /// All `<rect>` elements with a fill colour (the SVG must parse as XML).
    fn rects(svg: &[u8]) -> Vec<R> {
        let s = doc_text(svg);
        let doc = roxmltree::Document::parse(&s).expect("SVG parses as XML");
        doc.descendants()
            .filter(|n| n.has_tag_name("rect"))
            .filter_map(|n| {
                let fill = n.attribute("fill")?.to_ascii_uppercase();
                Some(R {
                    fill,
                    x: attr(&n, "x"),
                    y: attr(&n, "y"),
                    w: attr(&n, "width"),
                    h: attr(&n, "height"),
                })
            })
            .collect()
    }

    fn texts(svg: &[u8]) -> Vec<String> {
        let s = doc_text(svg);
        let doc = roxmltree::Document::parse(&s).expect("SVG parses as XML");
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or("").trim().to_string())
            .collect()
    }

    fn tag_count(svg: &[u8], tag: &str) -> usize {
        let s = doc_text(svg);
        let doc = roxmltree::Document::parse(&s).expect("SVG parses as XML");
        doc.descendants().filter(|n| n.has_tag_name(tag)).count()
    }

    fn fill_of(c: u32) -> String {
        let c = hex(c);
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    fn count_fill(r: &[R], c: &str) -> usize {
        r.iter().filter(|r| r.fill == c).count()
    }

    fn png_dims(png: &[u8]) -> (u32, u32) {
        let img =
            image::load_from_memory_with_format(png, image::ImageFormat::Png).expect("PNG decodes");
        (img.width(), img.height())
    }

    /// Deterministic positive pseudo-random values (no rand dependency in this module).
    fn values(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                0.05 + ((s >> 11) as f64 / (1u64 << 53) as f64)
            })
            .collect()
    }

    fn alphabetical_sbs() -> Vec<String> {
        let mut v = sbs96_order();
        v.sort();
        v
    }

    fn names(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    #[test]
    fn canonical_orders() {
        let s = sbs96_order();
        assert_eq!(s.len(), 96);
        assert_eq!(
            &s[..5],
            ["A[C>A]A", "A[C>A]C", "A[C>A]G", "A[C>A]T", "C[C>A]A"]
        );
        assert_eq!(s[16], "A[C>G]A");
        assert_eq!(s[95], "T[T>G]T");
        let mut sorted = s.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 96, "SBS96 labels unique");
        assert_eq!(sorted[1], "A[C>A]C");
        assert_eq!(sorted[4], "A[C>G]A", "file order is 5'-base-major");

        let d = dbs78_order();
        let mut ds = d.clone();
        ds.sort();
        ds.dedup();
        assert_eq!(
            ds, d,
            "DBS78 plotting order is the lexicographic order, unique"
        );
        let l = layout_of(&d);
        let lens: Vec<usize> = l.blocks.iter().map(|b| b.len).collect();
        assert_eq!(lens, [9, 6, 9, 6, 9, 6, 6, 9, 9, 9]);
        for b in &l.blocks {
            for l in d.iter().skip(b.start).take(b.len) {
                assert!(l.starts_with(&b.label[..2]), "{l} in block {}", b.label);
            }
        }

        let id = id83_order();
        assert_eq!(id.len(), 83);
        let mut is = id.clone();
        is.sort();
        is.dedup();
        assert_eq!(is.len(), 83, "ID83 labels unique");
        assert_eq!(id[0], "1:Del:C:0");
        assert_eq!(id[6], "1:Del:T:0");
        assert_eq!(id[24], "2:Del:R:0");
        assert_eq!(id[48], "2:Ins:R:0");
        assert_eq!(id[72], "2:Del:M:1");
        assert_eq!(id[73], "3:Del:M:1");
        assert_eq!(id[82], "5:Del:M:5");
        let l = layout_of(&id);
        assert_eq!(l.ticks[0], "1");
        assert_eq!(l.ticks[5], "6+");
        assert_eq!(l.ticks[12], "0");
        assert_eq!(l.ticks[17], "5+");
        assert_eq!(l.ticks[82], "5+");
        assert_eq!(l.blocks.iter().map(|b| b.len).sum::<usize>(), 83);
    }

    #[test]
    fn context_detection_and_reordering() {
        let a = alphabetical_sbs();
        assert_eq!(context_of(&a), Kind::Sbs96);
        let l = layout_of(&a);
        let canon = sbs96_order();
        for (i, &j) in l.order.iter().enumerate() {
            assert_eq!(a[j], canon[i]);
        }
        let mut d = dbs78_order();
        d.reverse();
        assert_eq!(context_of(&d), Kind::Dbs78);
        assert_eq!(context_of(&id83_order()), Kind::Id83);
        assert_eq!(context_of(&a[..95]), Kind::Other);
        let mut dup = a.clone();
        dup[1] = dup[0].clone();
        assert_eq!(
            context_of(&dup),
            Kind::Other,
            "duplicate labels are not SBS96"
        );
        assert_eq!(context_of(&names("x", 96)), Kind::Other);
        assert_eq!(context_of(&[]), Kind::Other);
        // Values follow their labels: arrange() puts channel T[C>T]G at plotting position 46.
        let mut v = vec![0.0; 96];
        let j = a.iter().position(|s| s == "T[C>T]G").unwrap();
        v[j] = 5.0;
        let arr = arrange(&l, &v, true);
        assert_eq!(arr[32 + 3 * 4 + 2], 1.0);
        assert_eq!(arr.iter().sum::<f64>(), 1.0);
        // All-zero spectra stay finite when normalised.
        assert!(arrange(&l, &[0.0; 96], true).iter().all(|x| *x == 0.0));
    }

    #[test]
    fn sbs96_svg_has_96_bars_in_standard_order() {
        let labels = alphabetical_sbs();
        let svg = spectrum(&labels, &values(96, 1), "SBS96A", true, Format::Svg).unwrap();
        let r = rects(&svg);
        // Each substitution colour: 16 bars + 1 block strip.
        for c in SBS_COLORS {
            assert_eq!(count_fill(&r, &fill_of(c)), 17, "colour {c:06X}");
        }
        // Trinucleotide tick labels appear in substitution-major, 5'-then-3' order.
        let ticks: Vec<String> = texts(&svg)
            .into_iter()
            .filter(|t| t.len() == 3 && t.chars().all(|c| "ACGT".contains(c)))
            .collect();
        let expected: Vec<String> = sbs96_order()
            .iter()
            .map(|l| format!("{}{}{}", &l[0..1], &l[2..3], &l[6..7]))
            .collect();
        assert_eq!(ticks, expected);
        for b in ["C>A", "C>G", "C>T", "T>A", "T>C", "T>G"] {
            assert!(texts(&svg).iter().any(|t| t == b), "block label {b}");
        }
    }

    #[test]
    fn sbs96_single_channel_is_drawn_in_its_block_position() {
        let labels = alphabetical_sbs();
        let mut v = vec![0.0; 96];
        v[labels.iter().position(|s| s == "T[C>T]G").unwrap()] = 3.0;
        let svg = spectrum(&labels, &v, "one channel", false, Format::Svg).unwrap();
        let r = rects(&svg);
        let red = fill_of(0xE32926);
        let mut reds: Vec<R> = r.iter().filter(|x| x.fill == red).cloned().collect();
        assert_eq!(reds.len(), 2, "one bar + the C>T strip");
        for c in SBS_COLORS.iter().filter(|c| **c != 0xE32926) {
            assert_eq!(count_fill(&r, &fill_of(*c)), 1, "only the strip");
        }
        reds.sort_by(|a, b| a.h.partial_cmp(&b.h).unwrap());
        let (strip, bar) = (&reds[0], &reds[1]);
        let slot = strip.w / 16.0;
        let centre = bar.x + bar.w / 2.0;
        let pos = ((centre - strip.x) / slot).floor() as i32;
        assert_eq!(pos, 14, "T[C>T]G is the 15th bar of the C>T block");
        assert!(bar.y > strip.y + strip.h, "bar below the strip");
    }

    #[test]
    fn dbs78_and_id83_bar_counts() {
        let mut d = dbs78_order();
        d.reverse();
        let svg = spectrum(&d, &values(78, 2), "DBS", true, Format::Svg).unwrap();
        let r = rects(&svg);
        let l = layout_of(&d);
        let mut total = 0;
        for (b, c) in l.blocks.iter().zip(DBS_COLORS) {
            let n = count_fill(&r, &fill_of(c));
            assert_eq!(n, b.len + 1, "block {}", b.label);
            total += n - 1;
        }
        assert_eq!(total, 78);

        let id = id83_order();
        let svg = spectrum(&id, &values(83, 3), "ID", false, Format::Svg).unwrap();
        let r = rects(&svg);
        let l = layout_of(&id);
        let mut total = 0;
        for (b, c) in l.blocks.iter().zip(ID_COLORS) {
            let n = count_fill(&r, &fill_of(c));
            assert_eq!(n, b.len + 1, "block {}", b.label);
            total += n - 1;
        }
        assert_eq!(total, 83);
        assert!(texts(&svg).iter().any(|t| t == "Microhomology Length"));
    }

    #[test]
    fn unknown_channels_are_a_plain_bar_chart() {
        let labels = names("clustered_del_", 32);
        let svg = spectrum(&labels, &values(32, 4), "SV32", true, Format::Svg).unwrap();
        assert_eq!(count_fill(&rects(&svg), &fill_of(PLAIN_BAR)), 32);
        let png = spectrum(&labels, &values(32, 4), "SV32", true, Format::Png).unwrap();
        assert!(png_dims(&png).0 >= 600);
    }

    #[test]
    fn png_has_requested_size_for_every_kind() {
        let sbs = alphabetical_sbs();
        let c = Canvas::new(Format::Png).with_size(640, 480);
        let k = names("S", 4);
        let samples = names("s", 12);
        let e: Vec<Vec<f64>> = (0..12).map(|i| values(4, i)).collect();
        let rows: Vec<RankPoint> = (1..=5)
            .map(|r| RankPoint {
                rank: r,
                stability_mean: 0.9,
                stability_min: 0.7,
                reconstruction_error: 0.2,
                cophenetic: 0.95,
            })
            .collect();
        let sigs: Vec<(String, Vec<f64>)> =
            (0..2).map(|i| (format!("t{i}"), values(96, i))).collect();
        let cos: Vec<Vec<f64>> = (0..4)
            .map(|i| values(6, i).iter().map(|x| x / 2.0).collect())
            .collect();
        let est = [10.0, 20.0, 30.0, 40.0];
        let lo = [5.0, 15.0, 25.0, 35.0];
        let hi = [12.0, 22.0, 33.0, 50.0];
        let outs = [
            spectrum(&sbs, &values(96, 9), "t", true, c).unwrap(),
            signature_panel(&sbs, &sigs, c).unwrap(),
            exposures(&samples, &k, &e, ExposureScale::Both, "t", c).unwrap(),
            rank_selection(&rows, 3, c).unwrap(),
            cosine_heatmap(&k, &names("C", 6), &cos, "t", c).unwrap(),
            reconstruction(&sbs, &values(96, 1), &values(96, 2), "t", c).unwrap(),
            intervals(&k, &est, &lo, &hi, "t", c).unwrap(),
        ];
        for (i, o) in outs.iter().enumerate() {
            assert_eq!(png_dims(o), (640, 480), "plot kind {i}");
        }
        // Automatic sizes decode too, and a panel grows with its number of signatures.
        let p1 = signature_panel(&sbs, &sigs[..1], Format::Png).unwrap();
        let p2 = signature_panel(&sbs, &sigs, Format::Png).unwrap();
        assert_eq!(png_dims(&p2).1, 2 * png_dims(&p1).1);
    }

    #[test]
    fn panel_and_reconstruction_bar_counts_and_cosine() {
        let sbs = alphabetical_sbs();
        let sigs: Vec<(String, Vec<f64>)> = (0..3)
            .map(|i| (format!("SBS96{i} best SBS1 (0.9)"), values(96, 10 + i)))
            .collect();
        let svg = signature_panel(&sbs, &sigs, Format::Svg).unwrap();
        let r = rects(&svg);
        for c in SBS_COLORS {
            assert_eq!(count_fill(&r, &fill_of(c)), 3 * 17);
        }
        let t = texts(&svg);
        for (title, _) in &sigs {
            assert!(t.contains(title), "panel title {title}");
        }

        let obs: Vec<f64> = (0..96).map(|i| 10.0 + i as f64).collect();
        let rec: Vec<f64> = obs.iter().map(|o| 0.5 * o + 1.0).collect();
        let svg = reconstruction(&sbs, &obs, &rec, "sample1", Format::Svg).unwrap();
        let r = rects(&svg);
        for c in SBS_COLORS {
            assert_eq!(
                count_fill(&r, &fill_of(c)),
                3 * 17,
                "3 panels x (16 bars + strip)"
            );
        }
        let cos = cosine(&obs, &rec);
        assert!(cos > 0.9 && cos < 1.0);
        let want = format!("cosine {cos:.3}");
        assert!(
            texts(&svg).iter().any(|t| t.contains(&want)),
            "title has {want}"
        );
        // Tick labels only under the last panel.
        let ticks = texts(&svg).iter().filter(|t| t.as_str() == "ACA").count();
        assert_eq!(ticks, 3, "ACA once per C>N block in one panel only");
    }

    #[test]
    fn cosine_is_guarded() {
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 1.0]), 0.0);
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-12);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 1.0]), 0.0);
    }

    #[test]
    fn exposures_bars_stack_and_count() {
        let n = 25;
        let k = 5;
        let samples = names("sample_", n);
        let sigs = names("SBS96", k);
        let mut e: Vec<Vec<f64>> = (0..n).map(|i| values(k, 100 + i as u64)).collect();
        e[3][2] = 0.0;
        e[7] = vec![0.0; k]; // an all-zero sample must not produce NaN or bars
        let nonzero = e.iter().flatten().filter(|v| **v > 0.0).count();
        let svg = exposures(&samples, &sigs, &e, ExposureScale::Both, "x", Format::Svg).unwrap();
        let r = rects(&svg);
        let palette: Vec<String> = (0..k)
            .map(|i| {
                let c = signature_color(i);
                format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
            })
            .collect();
        let coloured: Vec<&R> = r.iter().filter(|x| palette.contains(&x.fill)).collect();
        assert_eq!(
            coloured.len(),
            2 * nonzero + k,
            "two panels + legend swatches"
        );
        assert!(!doc_text(&svg).contains("NaN"));
        // Relative panel: every non-empty sample's stack has the same total height.
        let svg = exposures(
            &samples,
            &sigs,
            &e,
            ExposureScale::Relative,
            "x",
            Format::Svg,
        )
        .unwrap();
        let r = rects(&svg);
        let mut by_x: HashMap<i64, f64> = HashMap::new();
        // Bars are ~40 px wide; legend swatches are 14 px.
        for x in r.iter().filter(|x| palette.contains(&x.fill) && x.w > 20.0) {
            *by_x.entry(x.x as i64).or_default() += x.h;
        }
        assert_eq!(by_x.len(), n - 1, "all but the empty sample");
        let hs: Vec<f64> = by_x.values().cloned().collect();
        let (mn, mx) = hs
            .iter()
            .fold((f64::MAX, 0.0f64), |(a, b), h| (a.min(*h), b.max(*h)));
        assert!(
            mx - mn <= k as f64,
            "stacks span the full height up to rounding: {mn}..{mx}"
        );
        // Sample labels shown for a small cohort, in the given order.
        let t = texts(&svg);
        let shown: Vec<&String> = t.iter().filter(|s| s.starts_with("sample_")).collect();
        assert_eq!(shown, samples.iter().collect::<Vec<_>>());
    }

    #[test]
    fn exposures_2000_samples_render() {
        let n = 2000;
        let k = 10;
        let samples = names("s", n);
        let sigs = names("Sig", k);
        let e: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                values(k, i as u64)
                    .iter()
                    .map(|v| (v * 100.0).round())
                    .collect()
            })
            .collect();
        let nonzero = e.iter().flatten().filter(|v| **v > 0.0).count();
        let svg = exposures(
            &samples,
            &sigs,
            &e,
            ExposureScale::Absolute,
            "n",
            Format::Svg,
        )
        .unwrap();
        let r = rects(&svg);
        let palette: Vec<String> = (0..k)
            .map(|i| {
                let c = signature_color(i);
                format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
            })
            .collect();
        let bars: Vec<&R> = r.iter().filter(|x| palette.contains(&x.fill)).collect();
        assert_eq!(bars.len(), nonzero + k);
        assert!(
            bars.iter().all(|b| b.w >= 1.0),
            "every sample at least one pixel wide"
        );
        assert!(
            !texts(&svg).iter().any(|t| t == "s1999"),
            "no sample labels"
        );
        assert!(texts(&svg).iter().any(|t| t.contains("n = 2000")));
        assert_eq!(tag_count(&svg, "rect") - r.len(), 0);
        let png = exposures(&samples, &sigs, &e, ExposureScale::Both, "n", Format::Png).unwrap();
        let (w, h) = png_dims(&png);
        assert!(w >= 2000 && h == 900, "{w}x{h}");
    }

    #[test]
    fn palette_is_distinct() {
        let c: Vec<(u8, u8, u8)> = (0..40)
            .map(|i| {
                let c = signature_color(i);
                (c.0, c.1, c.2)
            })
            .collect();
        for i in 0..c.len() {
            for j in 0..i {
                assert_ne!(c[i], c[j], "colours {i} and {j}");
            }
        }
    }

    #[test]
    fn rank_selection_series() {
        let mut rows: Vec<RankPoint> = (2..=9)
            .map(|r| RankPoint {
                rank: r,
                stability_mean: 1.0 - 0.05 * r as f64,
                stability_min: 0.9 - 0.08 * r as f64,
                reconstruction_error: 0.6 / r as f64,
                cophenetic: 0.99 - 0.02 * r as f64,
            })
            .collect();
        rows.reverse(); // order of input does not matter
        let svg = rank_selection(&rows, 4, Format::Svg).unwrap();
        assert_eq!(tag_count(&svg, "circle"), 3 * 8);
        assert_eq!(tag_count(&svg, "polygon"), 8);
        let t = texts(&svg);
        for r in 2..=9 {
            assert!(t.contains(&r.to_string()), "rank tick {r}");
        }
        assert!(t.iter().any(|s| s == "selected rank = 4"));
        // Missing cophenetic values are skipped, not drawn at 0.
        rows[0].cophenetic = f64::NAN;
        let svg = rank_selection(&rows, 4, Format::Svg).unwrap();
        assert_eq!(tag_count(&svg, "polygon"), 7);
        assert!(matches!(
            rank_selection(&rows, 12, Format::Svg),
            Err(PlotError::Input(_))
        ));
        rows[1].rank = rows[2].rank;
        assert!(matches!(
            rank_selection(&rows, 4, Format::Svg),
            Err(PlotError::Input(_))
        ));
    }

    #[test]
    fn heatmap_cells_colours_and_values() {
        assert_eq!(heat_color(0.0), WHITE);
        assert_eq!(heat_color(1.0), RGBColor(8, 48, 107));
        assert_eq!(heat_color(-1.0), WHITE);
        let mut prev = 256.0 * 3.0;
        for i in 0..=20 {
            let c = heat_color(i as f64 / 20.0);
            let s = c.0 as f64 + c.1 as f64 + c.2 as f64;
            assert!(s < prev, "monotone darkening");
            prev = s;
        }
        let levels = [0.1, 0.3, 0.5, 0.7, 0.9];
        let rows = names("SBS96", 4);
        let cols = names("SBS", 6);
        let vals: Vec<Vec<f64>> = (0..4)
            .map(|i| (0..6).map(|j| levels[(i + j) % 5]).collect())
            .collect();
        let svg = cosine_heatmap(&rows, &cols, &vals, "cos", Format::Svg).unwrap();
        let r = rects(&svg);
        for l in levels {
            let c = heat_color(l);
            let want = vals.iter().flatten().filter(|v| **v == l).count();
            let fill = format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2);
            assert_eq!(count_fill(&r, &fill), want, "cells of value {l}");
        }
        let t = texts(&svg);
        assert_eq!(
            t.iter().filter(|s| s.as_str() == "0.50").count(),
            5,
            "values printed"
        );
        for n in rows.iter().chain(&cols) {
            assert!(t.contains(n), "label {n}");
        }
        // Small cells: no values written.
        let many = names("C", 150);
        let v: Vec<Vec<f64>> = (0..4).map(|_| vec![0.5; 150]).collect();
        let svg = cosine_heatmap(&rows, &many, &v, "cos", Format::Svg).unwrap();
        assert!(!texts(&svg).iter().any(|s| s == "0.50"));
    }

    #[test]
    fn intervals_points_and_validation() {
        let k = names("SBS", 5);
        let est = [10.0, 50.0, 30.0, 0.0, 20.0];
        let lo = [5.0, 40.0, 10.0, 0.0, 20.0];
        let hi = [15.0, 70.0, 35.0, 3.0, 25.0];
        let svg = intervals(&k, &est, &lo, &hi, "boot", Format::Svg).unwrap();
        let s = doc_text(&svg);
        let doc = roxmltree::Document::parse(&s).unwrap();
        let cx: Vec<f64> = doc
            .descendants()
            .filter(|n| n.has_tag_name("circle"))
            .map(|n| attr(&n, "cx"))
            .collect();
        assert_eq!(cx.len(), 5);
        // x positions follow the estimates (same order of magnitude comparisons).
        for i in 0..5 {
            for j in 0..5 {
                if est[i] < est[j] {
                    assert!(cx[i] < cx[j], "{i} vs {j}");
                }
            }
        }
        let bad_lo = [11.0, 40.0, 10.0, 0.0, 20.0];
        assert!(matches!(
            intervals(&k, &est, &bad_lo, &hi, "boot", Format::Svg),
            Err(PlotError::Input(_))
        ));
    }

    #[test]
    fn hostile_text_is_escaped() {
        let bad = "<script>alert(1)</script>";
        let amp = "A & B \"q\" 'x'";
        let sbs = alphabetical_sbs();
        let check = |svg: Vec<u8>| {
            let s = doc_text(&svg);
            assert!(!s.contains("<script"), "raw tag leaked");
            let t = texts(&svg);
            assert!(
                t.iter().any(|x| x.contains(bad)),
                "hostile text kept as text"
            );
        };
        check(spectrum(&sbs, &values(96, 1), bad, true, Format::Svg).unwrap());
        let samples = vec![bad.to_string(), amp.to_string()];
        let sigs = vec![bad.to_string(), amp.to_string()];
        let e = vec![vec![1.0, 2.0], vec![3.0, 4.0]];
        let svg = exposures(&samples, &sigs, &e, ExposureScale::Both, amp, Format::Svg).unwrap();
        assert!(texts(&svg).iter().any(|x| x == amp));
        check(svg);
        check(cosine_heatmap(&sigs, &samples, &e, bad, Format::Svg).unwrap());
        check(
            intervals(
                &sigs,
                &[1.0, 2.0],
                &[0.5, 1.0],
                &[2.0, 3.0],
                bad,
                Format::Svg,
            )
            .unwrap(),
        );
        check(reconstruction(&sbs, &values(96, 1), &values(96, 2), bad, Format::Svg).unwrap());
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let sbs = alphabetical_sbs();
        let is_input = |r: Result<Vec<u8>, PlotError>| matches!(r, Err(PlotError::Input(_)));
        assert!(is_input(spectrum(
            &sbs,
            &values(95, 1),
            "t",
            true,
            Format::Svg
        )));
        let mut v = values(96, 1);
        v[3] = f64::NAN;
        assert!(is_input(spectrum(&sbs, &v, "t", true, Format::Png)));
        assert!(is_input(spectrum(&[], &[], "t", true, Format::Svg)));
        assert!(is_input(spectrum(
            &sbs,
            &values(96, 1),
            "t",
            true,
            Canvas::new(Format::Png).with_size(50, 50)
        )));
        assert!(is_input(spectrum(
            &sbs,
            &values(96, 1),
            "t",
            true,
            Canvas::new(Format::Png).with_size(20_000, 20_000)
        )));
        assert!(is_input(signature_panel(&sbs, &[], Format::Svg)));
        let s = names("s", 2);
        assert!(is_input(exposures(
            &s,
            &s,
            &[vec![1.0, 2.0]],
            ExposureScale::Absolute,
            "t",
            Format::Svg
        )));
        assert!(is_input(exposures(
            &s,
            &[],
            &[vec![], vec![]],
            ExposureScale::Absolute,
            "t",
            Format::Svg
        )));
        assert!(is_input(cosine_heatmap(
            &s,
            &s,
            &[vec![1.0], vec![1.0]],
            "t",
            Format::Svg
        )));
        assert!(is_input(rank_selection(&[], 1, Format::Svg)));
        assert!(is_input(intervals(
            &s,
            &[1.0],
            &[0.0],
            &[2.0],
            "t",
            Format::Svg
        )));
        // Large automatic sizes are shrunk to the pixel budget instead of failing.
        let big = names("r", 1500);
        let v: Vec<Vec<f64>> = (0..1500).map(|_| vec![0.5; 3]).collect();
        let png = cosine_heatmap(&big, &names("c", 3), &v, "t", Format::Png).unwrap();
        let (w, h) = png_dims(&png);
        assert!((w as u64) * (h as u64) <= MAX_PIXELS);
        // 1536 unknown channels: plain bars, no tick labels, still renders.
        let l1536 = names("ch", 1536);
        let svg = spectrum(&l1536, &values(1536, 3), "t", true, Format::Svg).unwrap();
        assert_eq!(count_fill(&rects(&svg), &fill_of(PLAIN_BAR)), 1536);
        // Zero and negative spectra are fine (residuals can be negative).
        assert!(spectrum(&sbs, &[0.0; 96], "zero", true, Format::Svg).is_ok());
        let neg: Vec<f64> = values(96, 5).iter().map(|x| x - 0.5).collect();
        assert!(spectrum(&sbs, &neg, "signed", false, Format::Png).is_ok());
    }
    /// Runs `f` on its own thread and fails the test if it takes more than 10 s: plotters' tick
    /// loop never ends on an infinite range, and a hang must fail, not stall the suite.
    fn within_10s<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        match rx.recv_timeout(std::time::Duration::from_secs(10)) {
            Ok(v) => v,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("{what}: hangs (> 10 s)"),
            Err(e) => panic!("{what}: panicked ({e})"),
        }
    }

    /// The SVG parses and has no NaN or inf anywhere (coordinates, labels, titles).
    fn assert_clean(what: &str, svg: &[u8]) {
        let s = doc_text(svg);
        roxmltree::Document::parse(&s).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(
            !s.contains("NaN") && !s.contains("inf"),
            "{what}: NaN or inf in SVG"
        );
    }

    const TWO_53: f64 = 9_007_199_254_740_992.0;

    #[test]
    fn axis_is_finite_and_ticks_terminate() {
        use plotters::coord::ranged1d::Ranged;
        use plotters::coord::types::RangedCoordf64;
        let cases = [
            (0.0, 1e308),
            (0.0, 1.7e308),
            (0.0, f64::MAX),
            (-f64::MAX, f64::MAX),
            (f64::NEG_INFINITY, f64::INFINITY),
            (0.0, f64::INFINITY),
            (f64::NAN, 1.0),
            (f64::NAN, f64::NAN),
            (0.0, 0.0),
            (5.0, 5.0),
            (-1e300, -1e300),
            (1e-310, 1e-310),
            (0.0, 1e-150),
            (0.0, TWO_53),
            (TWO_53, TWO_53 + 2.0),
            (1.8446744073709552e19, 1.8446744073709552e19),
            (3.0, -2.0),
        ];
        for (lo, hi) in cases {
            let a = Axis::new(lo, hi);
            assert!(
                a.lo.is_finite() && a.hi.is_finite() && a.lo < a.hi && (a.hi - a.lo).is_finite(),
                "{lo}..{hi} -> {a:?}"
            );
            assert!(a.lo.abs().max(a.hi.abs()) <= 1e101, "{lo}..{hi} -> {a:?}");
            let ticks = within_10s(&format!("ticks of {lo}..{hi}"), move || {
                RangedCoordf64::from(a.range()).key_points(6)
            });
            assert!(
                !ticks.is_empty() && ticks.len() <= 6,
                "{lo}..{hi}: {ticks:?}"
            );
            for t in ticks {
                for label in [count_label(a.value(t)), percent_label(a.value(t), a.span())] {
                    assert!(!label.contains("inf") && !label.contains("NaN"), "{label}");
                }
            }
            assert_eq!(a.pos(f64::INFINITY), a.hi);
            assert_eq!(a.pos(f64::NEG_INFINITY), a.lo);
        }
        // Ordinary data keep their own units (unchanged tick labels).
        assert_eq!(Axis::new(0.0, 1500.0).unit, 1.0);
        assert_eq!(Axis::new(0.0, TWO_53).unit, 1.0);
        assert_eq!(count_label(1.5e308), "1.5e308");
        assert_eq!(count_label(f64::INFINITY), count_label(f64::MAX));
    }

    /// Every figure kind on values 1e308, 1.7e308, f64::MAX, 2^53 and 0 (also mixed signs, all-zero
    /// columns and a single sample): each finishes, and its SVG is valid without NaN or inf.
    #[test]
    fn huge_and_degenerate_values_draw_quickly() {
        for big in [1e308, 1.7e308, f64::MAX, TWO_53, 0.0] {
            within_10s(&format!("figures of {big:e}"), move || {
                let start = std::time::Instant::now();
                let sbs = alphabetical_sbs();
                let mut one = vec![0.0; 96];
                one[5] = big;
                let all = vec![big; 96];
                let signed: Vec<f64> = (0..96)
                    .map(|i| if i % 2 == 0 { big } else { -big })
                    .collect();
                let c = Format::Svg;
                let mut svgs = vec![
                    ("spectrum one", spectrum(&sbs, &one, "t", false, c).unwrap()),
                    ("spectrum all", spectrum(&sbs, &all, "t", false, c).unwrap()),
                    ("spectrum %", spectrum(&sbs, &all, "t", true, c).unwrap()),
                    (
                        "spectrum signed",
                        spectrum(&sbs, &signed, "t", false, c).unwrap(),
                    ),
                    (
                        "panel",
                        signature_panel(
                            &sbs,
                            &[("a".into(), all.clone()), ("b".into(), one.clone())],
                            c,
                        )
                        .unwrap(),
                    ),
                    (
                        "reconstruction",
                        reconstruction(&sbs, &all, &signed, "t", c).unwrap(),
                    ),
                    (
                        "reconstruction zero",
                        reconstruction(&sbs, &one, &[0.0; 96], "t", c).unwrap(),
                    ),
                ];
                let k = names("SBS", 3);
                let samples = names("s", 3);
                for (what, e) in [
                    ("exposures single", vec![vec![big; 3]]),
                    (
                        "exposures zero column",
                        vec![vec![big, 0.0, big], vec![0.0; 3], vec![1.0, 0.0, 2.0]],
                    ),
                ] {
                    let n = e.len();
                    svgs.push((
                        what,
                        exposures(&samples[..n], &k, &e, ExposureScale::Both, "t", c).unwrap(),
                    ));
                }
                let rows: Vec<RankPoint> = (1..=3)
                    .map(|r| RankPoint {
                        rank: r,
                        stability_mean: big,
                        stability_min: -big,
                        reconstruction_error: big,
                        cophenetic: -big,
                    })
                    .collect();
                svgs.push(("rank", rank_selection(&rows, 2, c).unwrap()));
                let one_rank = [RankPoint {
                    rank: usize::MAX,
                    ..rows[0]
                }];
                svgs.push((
                    "rank huge",
                    rank_selection(&one_rank, usize::MAX, c).unwrap(),
                ));
                svgs.push((
                    "intervals",
                    intervals(&k, &[big, 0.0, big], &[-big, 0.0, 0.0], &[big; 3], "t", c).unwrap(),
                ));
                svgs.push((
                    "heatmap",
                    cosine_heatmap(&k, &k, &vec![vec![big; 3]; 3], "t", c).unwrap(),
                ));
                for (what, svg) in &svgs {
                    assert_clean(&format!("{what} of {big:e}"), svg);
                }
                // PNG shares the geometry; one of each main kind.
                spectrum(&sbs, &all, "t", false, Format::Png).unwrap();
                exposures(
                    &samples[..1],
                    &k,
                    &[vec![big; 3]],
                    ExposureScale::Both,
                    "t",
                    Format::Png,
                )
                .unwrap();
                start.elapsed()
            });
        }
        assert!(cosine(&[1.7e308, 1.7e308], &[1.7e308, 1.7e308]) > 0.999);
        assert_eq!(cosine(&[f64::MAX, 0.0], &[0.0, f64::MAX]), 0.0);
    }
}
