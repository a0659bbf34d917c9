//! Reading labelled matrices (catalogues and signature sets) from text tables.
//!
//! Accepted: the SigProfiler matrix layout (first column the channel label, one column
//! per sample or signature), COSMIC's download layout (`Type` = `C>A`, `Subtype` = `ACA`),
//! tab- or comma-separated, gzip-compressed, `-` for standard input, Windows line endings,
//! a UTF-8 byte-order mark, `#` comment lines, blank lines, rows in any order, fields in
//! double quotes (`""` inside quotes is one `"`), and a trailing empty column (every line
//! ending with a separator, as spreadsheets export), which is dropped with a warning.
//! Every problem is reported as one line naming the file and, where it applies, the line,
//! the channel, the column and the offending value; user text quoted in a message has its
//! control characters escaped (see [`escape`]).
//!
//! Input is read as a stream and refused past [`MAX_INPUT_BYTES`] of (decompressed) text;
//! counts are refused above [`MAX_COUNT`], the largest integer a 64-bit float holds exactly.

use crate::context::{Context, sbs96_from_parts};
use faer::Mat;
use polars::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, Cursor, Read};
use std::path::Path;

/// The most text mutasig reads from one input, after gzip decompression: 1 GiB.
/// A 100,000-sample SBS96 catalogue is about 30 MB, so only a corrupt file or a
/// decompression bomb comes near it.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// The largest count accepted: 2^53 = 9007199254740992, the largest integer from which
/// every smaller integer is exactly representable as a 64-bit float.
pub const MAX_COUNT: u64 = 1 << 53;

/// What the values of a table are, which decides how they are validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Mutation counts: whole numbers from 0 to [`MAX_COUNT`] (`12`, `12.0` or `1.2e1`).
    Counts,
    /// Signature probabilities: numbers in [0, 1], each column summing to 1 within 1e-3.
    Probabilities,
}

/// `text` with control characters (and the invisible Unicode format characters that
/// reorder or hide text) written as escapes (`\t`, `\n`, `\r`, `\u{1b}`), so that a label,
/// column name or value quoted in a message cannot move the cursor, recolour the terminal
/// or hide part of the line. Everything else, including non-ASCII letters, is unchanged.
///
/// ```
/// use mutasig::table::escape;
/// assert_eq!(escape("S1"), "S1");
/// assert_eq!(escape("a\u{1b}[31mb\tc"), "a\\u{1b}[31mb\\tc");
/// assert_eq!(escape("Échantillon"), "Échantillon");
/// ```
pub fn escape(text: &str) -> Cow<'_, str> {
    fn hidden(c: char) -> bool {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}')
    }
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if hidden(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Display wrapper applying [`escape`].
struct Esc<'a>(&'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape(self.0))
    }
}

/// `n` and the noun, singular for exactly one: `plural(1, "sample", "samples")` is
/// `1 sample`, `plural(2, ..)` is `2 samples`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A table problem, each rendered as one line naming the source.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file could not be opened or read.
    #[error("{}: cannot read: {source}", Esc(.path))]
    Io {
        /// File name as given.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// Binary or otherwise non-text content.
    #[error(
        "{}: not a readable text table ({reason}); give a tab- or comma-separated file",
        Esc(.path)
    )]
    Unreadable {
        /// File name as given.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// More text than [`MAX_INPUT_BYTES`].
    #[error(
        "{}: more than {} after decompression; mutasig reads catalogues up to {} of text: split the samples over several files (a larger file is usually corrupt or not a catalogue)",
        Esc(.path), human_bytes(*.limit), human_bytes(*.limit)
    )]
    TooLarge {
        /// File name as given.
        path: String,
        /// The limit that was passed, in bytes.
        limit: u64,
    },
    /// Nothing in the file.
    #[error(
        "{}: the file is empty; expected a header line (label column, then one column per sample) and one row per channel",
        Esc(.path)
    )]
    Empty {
        /// File name as given.
        path: String,
    },
    /// A header and no rows.
    #[error("{}: only a header line and no channel rows", Esc(.path))]
    HeaderOnly {
        /// File name as given.
        path: String,
    },
    /// No value columns.
    #[error(
        "{}: no sample columns: the header has only the label column(s) {}; add one column per sample",
        Esc(.path), Esc(.header)
    )]
    NoColumns {
        /// File name as given.
        path: String,
        /// The header as read.
        header: String,
    },
    /// A quoted field whose closing quote is missing.
    #[error(
        "{}: line {line}: a field opened with '\"' is not closed on that line; close the quote (write \"\" for a quote inside a quoted field) or remove it",
        Esc(.path)
    )]
    UnterminatedQuote {
        /// File name as given.
        path: String,
        /// 1-based line.
        line: usize,
    },
    /// A row with the wrong number of fields.
    #[error(
        "{}: line {line}: {} where the header has {expected}; every row needs its label(s) and one value per column",
        Esc(.path), plural(*.found, "field", "fields")
    )]
    Ragged {
        /// File name as given.
        path: String,
        /// 1-based line number.
        line: usize,
        /// Fields on that line.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// A column name used twice.
    #[error(
        "{}: column name '{}' appears twice in the header (columns {first} and {second}); names must be unique",
        Esc(.path), Esc(.name)
    )]
    DuplicateColumn {
        /// File name as given.
        path: String,
        /// The repeated name.
        name: String,
        /// 1-based column of its first use.
        first: usize,
        /// 1-based column of its second use.
        second: usize,
    },
    /// An empty column name.
    #[error(
        "{}: column {column} of the header has no name; name every sample column",
        Esc(.path)
    )]
    EmptyColumnName {
        /// File name as given.
        path: String,
        /// 1-based column.
        column: usize,
    },
    /// A trailing column without a name in the header that holds a value on some line.
    #[error(
        "{}: line {line}: column {column} has no name in the header but holds '{}' on this line; name the column or empty it (an empty last column on every line is ignored)",
        Esc(.path), Esc(.value)
    )]
    UnnamedColumnWithValues {
        /// File name as given.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The value found there.
        value: String,
    },
    /// No label matched any known context.
    #[error(
        "{}: line {line}: unknown channel label '{}'; expected SBS96 labels like A[C>A]A, DBS78 like AC>CA or ID83 like 1:Del:C:0",
        Esc(.path), Esc(.label)
    )]
    UnknownContext {
        /// File name as given.
        path: String,
        /// 1-based line.
        line: usize,
        /// The label.
        label: String,
    },
    /// A label that does not belong to the detected context.
    #[error(
        "{}: line {line}: unknown channel label '{}' in a {context} table (expected labels like {example})",
        Esc(.path), Esc(.label)
    )]
    UnknownLabel {
        /// File name as given.
        path: String,
        /// 1-based line.
        line: usize,
        /// The label.
        label: String,
        /// The context the other rows belong to.
        context: Context,
        /// An example of a valid label.
        example: &'static str,
    },
    /// The same channel twice.
    #[error(
        "{}: line {line}: channel '{}' appears twice (first on line {first}); merge the two rows",
        Esc(.path), Esc(.label)
    )]
    DuplicateChannel {
        /// File name as given.
        path: String,
        /// 1-based line of the second occurrence.
        line: usize,
        /// 1-based line of the first.
        first: usize,
        /// The channel.
        label: String,
    },
    /// Channels of the context absent from the table.
    #[error(
        "{}: missing {count} of the {total} {context} channels: {listed}; every channel needs a row (write 0 where there are no mutations)",
        Esc(.path)
    )]
    MissingChannels {
        /// File name as given.
        path: String,
        /// The context.
        context: Context,
        /// Number missing.
        count: usize,
        /// Channels in the context.
        total: usize,
        /// The first few missing labels.
        listed: String,
    },
    /// A bad cell.
    #[error(
        "{}: line {line}, channel '{}', column '{}': {problem}",
        Esc(.path), Esc(.label), Esc(.column)
    )]
    BadValue {
        /// File name as given.
        path: String,
        /// 1-based line.
        line: usize,
        /// The row's channel label.
        label: String,
        /// The column (sample or signature) name.
        column: String,
        /// What is wrong, quoting the value (already escaped).
        problem: String,
    },
    /// A probability column that does not sum to 1.
    #[error(
        "{}: column '{}' sums to {sum:.6}, not 1 (±0.001); signature columns must be probability distributions",
        Esc(.path), Esc(.column)
    )]
    NotDistribution {
        /// File name as given.
        path: String,
        /// The column.
        column: String,
        /// Its sum.
        sum: f64,
    },
    /// Polars failed on the cleaned text (should not happen after the structural checks).
    #[error("{}: cannot parse the table: {}", Esc(.path), Esc(.message))]
    Parse {
        /// File name as given.
        path: String,
        /// Parser message.
        message: String,
    },
}

/// `1 GiB`, `64 KiB`, or a byte count.
fn human_bytes(n: u64) -> String {
    if n >= 1 << 30 && n.is_multiple_of(1 << 30) {
        format!("{} GiB", n >> 30)
    } else if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        plural(n as usize, "byte", "bytes")
    }
}

/// A validated table: values in canonical channel order.
#[derive(Debug, Clone)]
pub struct LabelledMatrix {
    /// The context recognised from the labels.
    pub context: Context,
    /// Column names (samples or signatures), in file order.
    pub columns: Vec<String>,
    /// channels × columns values, rows in the context's canonical order.
    pub values: Mat<f64>,
    /// Things accepted but worth telling the user (e.g. an ignored empty last column);
    /// callers log them and record them in their summary.
    pub warnings: Vec<String>,
}

// ---------------------------------------------------------------------------------------
// Reading the source
// ---------------------------------------------------------------------------------------

/// An opened input: its bytes as a stream, gunzipped when the content is gzip.
struct Source<'a> {
    reader: Box<dyn BufRead + 'a>,
    gzip: bool,
}

fn open(path: &str) -> Result<Source<'static>, TableError> {
    let io = |source| TableError::Io {
        path: path.to_string(),
        source,
    };
    let mut raw: Box<dyn BufRead> = if path == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let f = std::fs::File::open(Path::new(path)).map_err(io)?;
        Box::new(std::io::BufReader::with_capacity(1 << 16, f))
    };
    // The two magic bytes, read without losing them (a pipe may deliver one at a time).
    let mut magic = Vec::with_capacity(2);
    while magic.len() < 2 {
        let buf = raw.fill_buf().map_err(io)?;
        if buf.is_empty() {
            break;
        }
        let take = (2 - magic.len()).min(buf.len());
        magic.extend_from_slice(&buf[..take]);
        raw.consume(take);
    }
    let gzip = magic == [0x1f, 0x8b];
    let chained = Cursor::new(magic).chain(raw);
    let reader: Box<dyn BufRead> = if gzip {
        Box::new(std::io::BufReader::with_capacity(
            1 << 16,
            flate2::bufread::MultiGzDecoder::new(chained),
        ))
    } else {
        Box::new(chained)
    };
    Ok(Source { reader, gzip })
}

/// Receives each chunk of input and its offset.
type Sink<'s> = dyn FnMut(&[u8], u64) -> Result<(), TableError> + 's;

/// Feed every (decompressed) byte of `path` to `sink`, chunk by chunk, refusing more than
/// `limit` bytes.
fn pump(path: &str, limit: u64, sink: &mut Sink<'_>) -> Result<(), TableError> {
    let Source { mut reader, gzip } = open(path)?;
    let mut total: u64 = 0;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                use std::io::ErrorKind::{InvalidData, InvalidInput, UnexpectedEof};
                return Err(
                    if gzip && matches!(e.kind(), InvalidData | InvalidInput | UnexpectedEof) {
                        TableError::Unreadable {
                            path: path.to_string(),
                            reason: format!("broken gzip data: {e}"),
                        }
                    } else {
                        TableError::Io {
                            path: path.to_string(),
                            source: e,
                        }
                    },
                );
            }
        };
        if chunk.is_empty() {
            return Ok(());
        }
        let n = chunk.len();
        if total + n as u64 > limit {
            return Err(TableError::TooLarge {
                path: path.to_string(),
                limit,
            });
        }
        sink(chunk, total)?;
        total += n as u64;
        reader.consume(n);
    }
}

/// Read all bytes of `path` (`-` = standard input), gunzipping when the content is gzip,
/// as a stream; more than [`MAX_INPUT_BYTES`] of text is refused.
pub fn read_source(path: &str) -> Result<Vec<u8>, TableError> {
    read_source_limited(path, MAX_INPUT_BYTES)
}

fn read_source_limited(path: &str, limit: u64) -> Result<Vec<u8>, TableError> {
    let mut out = Vec::new();
    pump(path, limit, &mut |chunk, _| {
        out.extend_from_slice(chunk);
        Ok(())
    })?;
    Ok(out)
}

/// A table's text as read by [`read_text`].
#[derive(Debug, Clone)]
pub struct SourceText {
    /// The (decompressed) text with the content of `#` comment lines removed (their line
    /// endings kept, so line numbers are unchanged); give it to [`parse`].
    pub bytes: Vec<u8>,
    /// SHA-256 (lowercase hex) of the whole decompressed input, comments included: the
    /// same as `sha256(read_source(path))`.
    pub sha256: String,
}

/// Read `path` (`-` = standard input) like [`read_source`], but drop the content of
/// comment lines while streaming, so that memory follows the table, not the comments.
/// The whole input is still checked to be UTF-8 text without NUL bytes (offsets in the
/// messages are those of the decompressed input) and hashed.
pub fn read_text(path: &str) -> Result<SourceText, TableError> {
    read_text_limited(path, MAX_INPUT_BYTES)
}

fn read_text_limited(path: &str, limit: u64) -> Result<SourceText, TableError> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    let mut strip = CommentStripper::default();
    pump(path, limit, &mut |chunk, offset| {
        hasher.update(chunk);
        strip
            .feed(chunk, offset)
            .map_err(|reason| TableError::Unreadable {
                path: path.to_string(),
                reason,
            })
    })?;
    let bytes = strip.finish().map_err(|reason| TableError::Unreadable {
        path: path.to_string(),
        reason,
    })?;
    let mut sha256 = String::with_capacity(64);
    for b in hasher.finalize().iter() {
        sha256.push_str(&format!("{b:02x}"));
    }
    Ok(SourceText { bytes, sha256 })
}

const BOM: [u8; 3] = [0xef, 0xbb, 0xbf];

/// Streaming filter: keeps every byte except the content of lines starting with `#`
/// (after an optional byte-order mark on the first line), and checks the text.
#[derive(Default)]
struct CommentStripper {
    out: Vec<u8>,
    in_line: bool,
    in_comment: bool,
    bom: usize,
    /// An incomplete UTF-8 sequence at the end of the previous chunk, and its offset.
    carry: Vec<u8>,
    carry_at: u64,
}

fn utf8_error(offset: u64) -> String {
    format!("not UTF-8 text (invalid byte at offset {offset})")
}

impl CommentStripper {
    fn feed(&mut self, chunk: &[u8], offset: u64) -> Result<(), String> {
        if let Some(pos) = chunk.iter().position(|&b| b == 0) {
            return Err(format!(
                "binary data (a NUL byte at offset {})",
                offset + pos as u64
            ));
        }
        self.check_utf8(chunk, offset)?;
        let mut i = 0;
        while i < chunk.len() {
            if self.in_comment {
                match chunk[i..].iter().position(|&b| b == b'\n') {
                    Some(k) => {
                        i += k;
                        self.in_comment = false;
                        self.in_line = true; // the '\n' is copied as the end of a line
                    }
                    None => i = chunk.len(),
                }
            } else if !self.in_line {
                let b = chunk[i];
                let at = offset + i as u64;
                if at == self.bom as u64 && self.bom < 3 && b == BOM[self.bom] {
                    self.bom += 1;
                    self.out.push(b);
                    i += 1;
                } else if b == b'#' {
                    self.in_comment = true;
                    i += 1;
                } else {
                    self.in_line = true;
                }
            } else {
                match chunk[i..].iter().position(|&b| b == b'\n') {
                    Some(k) => {
                        self.out.extend_from_slice(&chunk[i..=i + k]);
                        i += k + 1;
                        self.in_line = false;
                    }
                    None => {
                        self.out.extend_from_slice(&chunk[i..]);
                        i = chunk.len();
                    }
                }
            }
        }
        Ok(())
    }

    fn check_utf8(&mut self, chunk: &[u8], offset: u64) -> Result<(), String> {
        let mut data = chunk;
        let mut data_at = offset;
        if !self.carry.is_empty() {
            let need = match self.carry[0] {
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            let take = (need - self.carry.len()).min(data.len());
            self.carry.extend_from_slice(&data[..take]);
            data = &data[take..];
            data_at += take as u64;
            if self.carry.len() < need {
                return Ok(());
            }
            if std::str::from_utf8(&self.carry).is_err() {
                return Err(utf8_error(self.carry_at));
            }
            self.carry.clear();
        }
        if let Err(e) = std::str::from_utf8(data) {
            let at = data_at + e.valid_up_to() as u64;
            if e.error_len().is_some() {
                return Err(utf8_error(at));
            }
            self.carry = data[e.valid_up_to()..].to_vec();
            self.carry_at = at;
        }
        Ok(())
    }

    fn finish(self) -> Result<Vec<u8>, String> {
        if !self.carry.is_empty() {
            return Err(utf8_error(self.carry_at));
        }
        Ok(self.out)
    }
}

/// Read and validate a table from a file (`-` = standard input).
pub fn read(path: &str, kind: ValueKind) -> Result<LabelledMatrix, TableError> {
    let text = read_text(path)?;
    parse(path, &text.bytes, kind)
}

// ---------------------------------------------------------------------------------------
// Lines and fields
// ---------------------------------------------------------------------------------------

struct Lines<'a> {
    /// (1-based line number, text without line ending)
    rows: Vec<(usize, &'a str)>,
}

fn split_lines<'a>(path: &str, text: &'a str) -> Result<Lines<'a>, TableError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        rows.push((i + 1, line));
    }
    if rows.is_empty() {
        return Err(TableError::Empty {
            path: path.to_string(),
        });
    }
    Ok(Lines { rows })
}

fn sniff_separator(path: &str, header: &str) -> u8 {
    let lower = path.to_ascii_lowercase();
    let stem = lower.strip_suffix(".gz").unwrap_or(&lower);
    if stem.ends_with(".csv") {
        b','
    } else if stem.ends_with(".tsv") || stem.ends_with(".txt") || header.contains('\t') {
        b'\t'
    } else if header.contains(',') {
        b','
    } else {
        b'\t'
    }
}

/// A quoted field was not closed before the end of the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnclosedQuote;

/// The fields of one line, each as raw text (`raw`, quotes included) with its value
/// produced on demand. Quoting follows RFC 4180, leniently: a field whose first non-blank
/// character is `"` is quoted, `""` inside it is one `"`, a separator inside it is text,
/// and text after the closing quote is kept; a `"` inside an unquoted field is text.
/// Fields never span lines.
struct Fields<'a> {
    line: &'a str,
    pos: usize,
    sep: u8,
    done: bool,
}

/// One field of a line.
struct Field<'a> {
    raw: &'a str,
    quoted: bool,
}

impl<'a> Field<'a> {
    /// The field's value: quotes removed and `""` unescaped (borrowed when unquoted).
    fn value(&self) -> Cow<'a, str> {
        if !self.quoted {
            return Cow::Borrowed(self.raw);
        }
        let lead = self.raw.len() - self.raw.trim_start_matches([' ', '\t']).len();
        let body = &self.raw[lead + 1..];
        let mut out = String::with_capacity(body.len());
        let mut chars = body.chars().peekable();
        let mut inside = true;
        while let Some(c) = chars.next() {
            if inside && c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    out.push('"');
                } else {
                    inside = false;
                }
            } else {
                out.push(c);
            }
        }
        Cow::Owned(out)
    }

    /// Whether the field holds nothing but blanks (or an empty quoted string).
    fn is_blank(&self) -> bool {
        let t = self.raw.trim();
        t.is_empty() || t == "\"\""
    }
}

fn fields(line: &str, sep: u8) -> Fields<'_> {
    Fields {
        line,
        pos: 0,
        sep,
        done: false,
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<Field<'a>, UnclosedQuote>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let bytes = self.line.as_bytes();
        let start = self.pos;
        let mut i = start;
        while i < bytes.len() && bytes[i] != self.sep && (bytes[i] == b' ' || bytes[i] == b'\t') {
            i += 1;
        }
        let quoted = i < bytes.len() && bytes[i] == b'"';
        if quoted {
            i += 1;
            loop {
                match bytes[i..].iter().position(|&b| b == b'"') {
                    None => {
                        self.done = true;
                        return Some(Err(UnclosedQuote));
                    }
                    Some(k) => {
                        i += k + 1;
                        if bytes.get(i) == Some(&b'"') {
                            i += 1; // an escaped quote
                        } else {
                            break;
                        }
                    }
                }
            }
        }
        let end = match bytes[i..].iter().position(|&b| b == self.sep) {
            Some(k) => i + k,
            None => bytes.len(),
        };
        if end == bytes.len() {
            self.done = true;
        } else {
            self.pos = end + 1;
        }
        // Separators are ASCII, so `start..end` lies on character boundaries.
        Some(Ok(Field {
            raw: &self.line[start..end],
            quoted,
        }))
    }
}

/// Split one line into field values, honouring double quotes (see [`Fields`]).
pub fn split_fields(line: &str, sep: u8) -> Result<Vec<String>, UnclosedQuote> {
    fields(line, sep)
        .map(|f| f.map(|f| f.value().into_owned()))
        .collect()
}

/// What one pass over a data line learns, without allocating.
struct RowShape {
    count: usize,
    /// Number of blank fields at the end of the line.
    trailing_blank: usize,
}

fn row_shape(line: &str, sep: u8) -> Result<RowShape, UnclosedQuote> {
    let mut count = 0;
    let mut trailing_blank = 0;
    for f in fields(line, sep) {
        let f = f?;
        count += 1;
        if f.is_blank() {
            trailing_blank += 1;
        } else {
            trailing_blank = 0;
        }
    }
    Ok(RowShape {
        count,
        trailing_blank,
    })
}

/// Write a line's first `keep` fields in canonical quoting (RFC 4180), for polars.
fn canonical_line(out: &mut String, line: &str, sep: u8, keep: usize) {
    for (k, f) in fields(line, sep).take(keep).enumerate() {
        let v = f.map(|f| f.value()).unwrap_or_default();
        if k > 0 {
            out.push(sep as char);
        }
        if v.contains(['"', sep as char, '\r']) || v.starts_with([' ', '\t']) {
            out.push('"');
            out.push_str(&v.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&v);
        }
    }
    out.push('\n');
}

// ---------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------

/// Parse and validate table text. `path` is only used in messages.
pub fn parse(path: &str, bytes: &[u8], kind: ValueKind) -> Result<LabelledMatrix, TableError> {
    let p = || path.to_string();
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        return Err(TableError::Unreadable {
            path: p(),
            reason: format!("binary data (a NUL byte at offset {pos})"),
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| TableError::Unreadable {
        path: p(),
        reason: utf8_error(e.valid_up_to() as u64),
    })?;
    let lines = split_lines(path, text)?;
    let (header_line_no, header_line) = lines.rows[0];
    let sep = sniff_separator(path, header_line);
    let header: Vec<String> = split_fields(header_line, sep)
        .map_err(|_| TableError::UnterminatedQuote {
            path: p(),
            line: header_line_no,
        })?
        .into_iter()
        .map(|s| s.trim().to_string())
        .collect();
    if lines.rows.len() == 1 {
        return Err(TableError::HeaderOnly { path: p() });
    }
    let full_width = header.len();
    let mut min_trailing_blank = usize::MAX;
    let mut any_quote = false;
    for &(line, row) in &lines.rows[1..] {
        let shape =
            row_shape(row, sep).map_err(|_| TableError::UnterminatedQuote { path: p(), line })?;
        if shape.count != full_width {
            return Err(TableError::Ragged {
                path: p(),
                line,
                found: shape.count,
                expected: full_width,
            });
        }
        min_trailing_blank = min_trailing_blank.min(shape.trailing_blank);
        any_quote |= row.contains('"');
    }

    // Trailing columns empty on every line, header included (spreadsheet exports end
    // every line with a separator): ignored, with a warning. One with a value somewhere
    // is refused, naming the first line that holds one.
    let header_trailing_blank = header.iter().rev().take_while(|h| h.is_empty()).count();
    let dropped = header_trailing_blank
        .min(min_trailing_blank)
        .min(full_width.saturating_sub(1));
    let width = full_width - dropped;
    if header_trailing_blank > dropped && width > 1 {
        let column = width; // 1-based index of the last kept column, unnamed
        for &(line, row) in &lines.rows[1..] {
            if let Some(Ok(f)) = fields(row, sep).nth(column - 1)
                && !f.is_blank()
            {
                return Err(TableError::UnnamedColumnWithValues {
                    path: p(),
                    line,
                    column,
                    value: f.value().trim().to_string(),
                });
            }
        }
    }
    let mut warnings = Vec::new();
    if dropped > 0 {
        warnings.push(format!(
            "{}: ignored {} at the end of every line (each line ends with a separator, as spreadsheets export)",
            Esc(path),
            if dropped == 1 {
                "an empty last column".to_string()
            } else {
                format!("{dropped} empty last columns")
            }
        ));
    }

    // The grid itself is parsed by polars, every column as text, so that each cell can
    // be validated here with a message naming its line, channel and column. Polars gets
    // the data lines as they are when they are contiguous and plain (no comment or blank
    // line between them, no CR, no quote, no dropped column); otherwise a cleaned copy
    // with the quoting made canonical, so that polars and the checks above agree.
    let data = &lines.rows[1..];
    let first = data[0].1;
    let last = data[data.len() - 1].1;
    let start = first.as_ptr() as usize - text.as_ptr() as usize;
    let end = last.as_ptr() as usize - text.as_ptr() as usize + last.len();
    let contiguous = data.windows(2).all(|w| w[1].0 == w[0].0 + 1);
    let plain = contiguous && dropped == 0 && !any_quote && !text[start..end].contains('\r');
    let clean: Cow<'_, str> = if plain {
        Cow::Borrowed(&text[start..end])
    } else {
        let mut clean = String::with_capacity(end - start + data.len());
        for &(_, row) in data {
            if dropped == 0 && !row.contains('"') {
                clean.push_str(row);
                clean.push('\n');
            } else {
                canonical_line(&mut clean, row, sep, width);
            }
        }
        Cow::Owned(clean)
    };
    let df = CsvReadOptions::default()
        .with_has_header(false)
        .with_infer_schema_length(Some(0))
        .map_parse_options(|o| o.with_separator(sep).with_quote_char(Some(b'"')))
        .into_reader_with_file_handle(Cursor::new(clean.as_bytes()))
        .finish()
        .map_err(|e| TableError::Parse {
            path: p(),
            message: e.to_string().lines().next().unwrap_or("").to_string(),
        })?;
    drop(clean);
    let columns: Vec<&StringChunked> = df
        .columns()
        .iter()
        .take(width)
        .map(|c| c.str().expect("all columns are read as text"))
        .collect();
    if columns.len() != width || columns.first().map(|c| c.len()) != Some(data.len()) {
        return Err(TableError::Parse {
            path: p(),
            message: "unexpected shape after parsing (check quoting)".into(),
        });
    }
    let cell = |c: usize, r: usize| -> &str { columns[c].get(r).unwrap_or("") };

    // Layout: COSMIC download (Type + Subtype) or one label column.
    let cosmic_layout = width >= 2 && {
        let a = header[0].to_ascii_lowercase();
        let b = header[1].to_ascii_lowercase();
        (a == "type" && b == "subtype")
            || (a.starts_with("mutation") && b == "trinucleotide")
            || sbs96_from_parts(cell(0, 0), cell(1, 0)).is_some()
    };
    let label_cols = if cosmic_layout { 2 } else { 1 };
    if width <= label_cols {
        return Err(TableError::NoColumns {
            path: p(),
            header: header[..width].join(", "),
        });
    }
    let line_of = |r: usize| data[r].0;
    let raw_labels: Vec<String> = (0..data.len())
        .map(|r| {
            if cosmic_layout {
                sbs96_from_parts(cell(0, r), cell(1, r))
                    .unwrap_or_else(|| format!("{} {}", cell(0, r), cell(1, r)))
            } else {
                cell(0, r).to_string()
            }
        })
        .collect();

    // Column names.
    let names: Vec<String> = header[label_cols..width].to_vec();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (j, n) in names.iter().enumerate() {
        if n.is_empty() {
            return Err(TableError::EmptyColumnName {
                path: p(),
                column: j + label_cols + 1,
            });
        }
        if let Some(&first) = seen.get(n.as_str()) {
            return Err(TableError::DuplicateColumn {
                path: p(),
                name: n.clone(),
                first: first + label_cols + 1,
                second: j + label_cols + 1,
            });
        }
        seen.insert(n, j);
    }

    // Context from the labels, never from the row count.
    let context = raw_labels
        .iter()
        .find_map(|l| Context::detect(l))
        .ok_or_else(|| TableError::UnknownContext {
            path: p(),
            line: line_of(0),
            label: raw_labels[0].clone(),
        })?;
    let mut row_of_channel: Vec<Option<usize>> = vec![None; context.len()];
    let mut order = Vec::with_capacity(raw_labels.len());
    for (r, l) in raw_labels.iter().enumerate() {
        let canon = context
            .canonical_label(l)
            .ok_or_else(|| TableError::UnknownLabel {
                path: p(),
                line: line_of(r),
                label: l.trim().to_string(),
                context,
                example: context.example(),
            })?;
        let idx = context
            .index_of(canon)
            .expect("canonical label has an index");
        if let Some(first) = row_of_channel[idx] {
            return Err(TableError::DuplicateChannel {
                path: p(),
                line: line_of(r),
                first: line_of(first),
                label: canon.to_string(),
            });
        }
        row_of_channel[idx] = Some(r);
        order.push(idx);
    }
    let missing: Vec<&str> = row_of_channel
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_none())
        .map(|(i, _)| context.labels()[i].as_str())
        .collect();
    if !missing.is_empty() {
        let mut listed = missing
            .iter()
            .take(6)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if missing.len() > 6 {
            listed.push_str(", ...");
        }
        return Err(TableError::MissingChannels {
            path: p(),
            context,
            count: missing.len(),
            total: context.len(),
            listed,
        });
    }

    // Values, validated straight from polars' text columns (no copy).
    let mut values = Mat::<f64>::zeros(context.len(), names.len());
    for (j, name) in names.iter().enumerate() {
        let col = columns[j + label_cols];
        for (r, v) in col.iter().enumerate() {
            let v = parse_cell(v.unwrap_or(""), kind).map_err(|problem| TableError::BadValue {
                path: p(),
                line: line_of(r),
                label: context.labels()[order[r]].clone(),
                column: name.clone(),
                problem,
            })?;
            values[(order[r], j)] = v;
        }
    }
    drop(columns);
    drop(df);
    if kind == ValueKind::Probabilities {
        for (j, name) in names.iter().enumerate() {
            let sum: f64 = values.col(j).iter().sum();
            if (sum - 1.0).abs() > 1e-3 {
                return Err(TableError::NotDistribution {
                    path: p(),
                    column: name.clone(),
                    sum,
                });
            }
        }
    }
    Ok(LabelledMatrix {
        context,
        columns: names,
        values,
        warnings,
    })
}

/// How the decimal text of a non-negative number stands as a count, decided from its
/// digits (never from the rounded float).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CountText {
    /// A whole number ≤ [`MAX_COUNT`], with its exact value.
    Whole(u64),
    /// A fraction part with a non-zero digit (after the exponent is applied).
    Fraction,
    /// A whole number above [`MAX_COUNT`].
    TooLarge,
    /// Not in decimal notation (e.g. `inf`); the float checks decide.
    Other,
}

fn count_text(t: &str) -> CountText {
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) || int.len() + frac.len() == 0 {
        return CountText::Other;
    }
    // The exponent, saturated far beyond any meaningful value.
    let mut exp: i64 = 0;
    if let Some(e) = exponent {
        let (neg, digits) = match e.as_bytes().first() {
            Some(b'-') => (true, &e[1..]),
            Some(b'+') => (false, &e[1..]),
            _ => (false, e),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return CountText::Other;
        }
        for b in digits.bytes() {
            exp = (exp * 10 + i64::from(b - b'0')).min(1 << 40);
        }
        if neg {
            exp = -exp;
        }
    }
    // value = D × 10^(exp − frac.len()), D the digits of int and frac run together; exact.
    let (int, frac) = (int.as_bytes(), frac.as_bytes());
    let n = int.len() + frac.len();
    let digit = |i: usize| {
        if i < int.len() {
            int[i]
        } else {
            frac[i - int.len()]
        }
    };
    let leading = (0..n).take_while(|&i| digit(i) == b'0').count();
    if leading == n {
        return CountText::Whole(0);
    }
    let trailing = (0..n).rev().take_while(|&i| digit(i) == b'0').count();
    let significant = n - leading - trailing;
    let scale = exp - frac.len() as i64 + trailing as i64;
    if scale < 0 {
        return CountText::Fraction;
    }
    // 2^53 has 16 digits.
    if significant as i64 + scale > 16 {
        return CountText::TooLarge;
    }
    let mut v: u64 = 0;
    for i in leading..n - trailing {
        v = v * 10 + u64::from(digit(i) - b'0');
    }
    for _ in 0..scale {
        v *= 10;
    }
    if v > MAX_COUNT {
        CountText::TooLarge
    } else {
        CountText::Whole(v)
    }
}

fn parse_cell(cell: &str, kind: ValueKind) -> Result<f64, String> {
    let t = cell.trim().trim_matches('"').trim();
    if t.is_empty() {
        return Err("empty cell; write 0 for no mutations".into());
    }
    let shown = Esc(t);
    let v: f64 = t
        .parse()
        .map_err(|_| format!("value '{shown}' is not a number"))?;
    if v.is_nan() {
        return Err(format!("value '{shown}' is not a number (NaN)"));
    }
    if v.is_infinite() {
        return Err(format!("value '{shown}' is infinite"));
    }
    if v < 0.0 {
        return Err(format!("value '{shown}' is negative; values must be ≥ 0"));
    }
    match kind {
        ValueKind::Counts => {
            let text = count_text(t);
            if text == CountText::Fraction || v.fract() != 0.0 {
                return Err(format!(
                    "value '{shown}' is not a whole number; a catalogue holds mutation counts (signature matrices go to --signatures)"
                ));
            }
            if text == CountText::TooLarge || v > MAX_COUNT as f64 {
                return Err(format!(
                    "value '{shown}' is above {MAX_COUNT} (2^53), the largest count mutasig holds exactly; check this cell (no sample has that many mutations: it is likely an identifier or a corrupted number)"
                ));
            }
            if let CountText::Whole(n) = text {
                return Ok(n as f64);
            }
        }
        ValueKind::Probabilities => {
            if v > 1.0 {
                return Err(format!(
                    "value '{shown}' is above 1; signature probabilities lie between 0 and 1 (mutation counts belong in a catalogue)"
                ));
            }
        }
    }
    Ok(if v == 0.0 { 0.0 } else { v })
}

#[cfg(test)]
mod tests;
