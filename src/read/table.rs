//! Reading labelled matrices (catalogues and signature sets) from text tables, and from
//! Parquet files.
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
//!
//! A file whose name ends in `.parquet` ([`is_parquet`]) is read as Parquet (through
//! polars, whole): the label column is the pandas index named in the file's `pandas`
//! metadata, else a column named `__index_level_0__`, else the first text column; it comes
//! first, the other columns follow in file order, and the rows then go through the same
//! checks as the lines of a text table, with the same messages. A message's "line" counts
//! the header as line 1, as in the same table written as TSV. Numbers are checked as
//! their shortest decimal text (integers exactly), text cells as in a text table, empty
//! (null) cells are refused. Parquet is not read from standard input.

use crate::read::context::{Context, sbs96_from_parts};
use faer::Mat;
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
/// use mutasig::read::table::escape;
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
    /// A Parquet input that cannot be read as a table (not Parquet, no label column,
    /// a sample column that is neither numbers nor text, Parquet on standard input).
    #[error("{}: {reason}", Esc(.path))]
    Parquet {
        /// File name as given.
        path: String,
        /// What is wrong and what to do.
        reason: String,
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
    /// More data rows than any context has channels. Every row is one channel, so such a
    /// table repeats a channel or holds rows that are none: the first such row, found among
    /// the first `max + 1` rows (the only ones kept), is named in `first`.
    #[error(
        "{}: {rows} data rows where a table has at most {max} (one per channel); {first}",
        Esc(.path)
    )]
    TooManyRows {
        /// File name as given.
        path: String,
        /// Data rows in the table (blank and comment lines not counted).
        rows: usize,
        /// The most channels of any context ([`max_channels`]).
        max: usize,
        /// The first row that is not a new channel, as the message of the label check
        /// (without the file name): `line 98: channel 'A[C>G]C' appears twice ...`.
        first: String,
    },
}

/// The most channels of any context: the most data rows a table can have.
pub fn max_channels() -> usize {
    Context::ALL.iter().map(|c| c.len()).max().unwrap_or(0)
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
    if is_parquet(path) {
        // binary: kept whole for [`parse`], hashed as it is
        let bytes = read_source_limited(path, limit)?;
        let sha256 = hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        return Ok(SourceText { bytes, sha256 });
    }
    stream_text(path, limit, &mut |_, _| {})
}

/// Lowercase hexadecimal of some bytes (a SHA-256 digest in the summaries).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(2 * bytes.len());
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Stream `path` through the SHA-256 hasher and the [`CommentStripper`], refusing more
/// than `limit` bytes. After each chunk `lines` gets the stripped text so far and where
/// this chunk's text starts in it; it may take complete lines off its front. Returns the
/// text left and the hash of the whole input.
fn stream_text(
    path: &str,
    limit: u64,
    lines: &mut dyn FnMut(&mut Vec<u8>, usize),
) -> Result<SourceText, TableError> {
    use sha2::Digest;
    let unreadable = |reason| TableError::Unreadable {
        path: path.to_string(),
        reason,
    };
    let mut hasher = sha2::Sha256::new();
    let mut strip = CommentStripper::default();
    let mut head = Vec::with_capacity(PARQUET_MAGIC.len());
    pump(path, limit, &mut |chunk, offset| {
        hasher.update(chunk);
        let more = (PARQUET_MAGIC.len() - head.len()).min(chunk.len());
        head.extend_from_slice(&chunk[..more]);
        let before = strip.out.len();
        strip
            .feed(chunk, offset)
            .map_err(|reason| match head == PARQUET_MAGIC {
                // binary data starting like Parquet: say how to read it
                true => parquet::misnamed(path),
                false => unreadable(reason),
            })?;
        lines(&mut strip.out, before);
        Ok(())
    })?;
    let bytes = strip.finish().map_err(unreadable)?;
    Ok(SourceText {
        bytes,
        sha256: hex(&hasher.finalize()),
    })
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

/// The first (and last) four bytes of every Parquet file.
const PARQUET_MAGIC: &[u8] = b"PAR1";

/// Whether `path` names a Parquet file: its name ends in `.parquet` (any case); never
/// standard input.
pub fn is_parquet(path: &str) -> bool {
    path != "-" && path.to_ascii_lowercase().ends_with(".parquet")
}

/// Read and validate a table from a file (`-` = standard input).
pub fn read(path: &str, kind: ValueKind) -> Result<LabelledMatrix, TableError> {
    let text = read_text(path)?;
    parse(path, &text.bytes, kind)
}

// ---------------------------------------------------------------------------------------
// Lines and fields
// ---------------------------------------------------------------------------------------

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

/// One cell of a row as [`Scan`] reads it: a field of a text line, or a Parquet value.
trait Cell<'a> {
    /// The cell's text, as [`parse_cell`] reads it (and as messages quote it).
    fn value(&self) -> Cow<'a, str>;
    /// Whether the cell is empty.
    fn is_blank(&self) -> bool;
    /// The value, when it is certain to pass every check of `kind` unchanged (the common
    /// cell, read without the general checks); `None` sends the text to [`parse_cell`].
    fn quick(&self, kind: ValueKind) -> Option<f64>;
}

impl<'a> Cell<'a> for Field<'a> {
    fn value(&self) -> Cow<'a, str> {
        Field::value(self)
    }

    fn is_blank(&self) -> bool {
        Field::is_blank(self)
    }

    fn quick(&self, kind: ValueKind) -> Option<f64> {
        match kind {
            ValueKind::Counts if !self.quoted => plain_count(self.raw).map(|n| n as f64),
            _ => None,
        }
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

// ---------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------
//
// Tables are read row by row, straight from the text: each line is split into fields once,
// its label kept and its values parsed where they stand. Polars' CSV reader was used here
// before; on a 100,000-sample catalogue (96 lines of 100,000 fields, 21 MB) it built one
// text column per sample and peaked at 658 MB (31x the file), and a matrix of counts
// alone is 3.6x such a file, so `inspect` ([`summarize_counts`]) keeps only per-sample
// sums. Problems are still reported in the same order whatever the path: the text and
// structure of every line first, then the header, labels and channels, then the values
// (the first bad cell of the first column that holds one), then column sums.

/// Whether a line is part of the table (not blank, not a comment).
fn is_content(line: &str) -> bool {
    !(line.trim().is_empty() || line.starts_with('#'))
}

/// Where the values of the data rows go.
enum Values {
    /// A rows × columns matrix in file order, allocated when the first data row has passed
    /// its width check, and only if it has at most `max_cells` cells: each value of a valid
    /// table takes two bytes of text at least (a digit and the separator before it), so a
    /// larger matrix belongs to a table that will be refused, whose values are not kept.
    Matrix {
        rows: usize,
        max_cells: usize,
        values: Option<Mat<f64>>,
    },
    /// Per-column sums (as floats in file order, and exactly) and, per row, whether it
    /// holds a non-zero value: all that `inspect` needs.
    Totals {
        sums: Vec<f64>,
        exact: Vec<u128>,
        nonzero: Vec<bool>,
    },
}

/// A whole number written with 1 to 15 plain digits (below 2^53, so exact): the common
/// cell, read without the general checks, which it always passes.
fn plain_count(t: &str) -> Option<u64> {
    if t.is_empty() || t.len() > 15 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(t.bytes().fold(0u64, |v, b| v * 10 + u64::from(b - b'0')))
}

/// What the rows of a table establish, checked in order by [`Scan::finish`].
struct Layout {
    context: Context,
    names: Vec<String>,
    /// Canonical channel index of each data row, in file order.
    order: Vec<usize>,
    warnings: Vec<String>,
}

/// Row-wise reader: fed one line at a time (with its 1-based number), keeps the header,
/// each row's label and line, and the first problem of each kind, so that
/// [`Scan::finish`] reports the same problem whichever way the lines came.
struct Scan<'p> {
    path: &'p str,
    kind: ValueKind,
    sink: Values,
    sep: u8,
    header: Option<Vec<String>>,
    header_cosmic: bool,
    /// Blank names at the end of the header.
    header_trailing_blank: usize,
    label_cols: usize,
    data_lines: usize,
    /// The most data rows a table can have ([`max_channels`]); one more is kept, to name
    /// the first row that is not a new channel.
    max_rows: usize,
    /// The values of the current row, kept until the row has passed its width check.
    row_values: Vec<f64>,
    /// (line, label as written or joined from the COSMIC columns) of each data row.
    rows: Vec<(usize, String)>,
    min_trailing_blank: usize,
    /// For each column with a blank name at the end of the header: the first line that
    /// holds a value there, and the value.
    unnamed: Vec<Option<(usize, String)>>,
    /// The first structural problem; later lines are not read.
    failed: Option<TableError>,
    /// The first bad cell in column order: (value column, data row, problem).
    bad: Option<(usize, usize, String)>,
}

impl<'p> Scan<'p> {
    fn new(path: &'p str, kind: ValueKind, sink: Values) -> Self {
        Scan {
            path,
            kind,
            sink,
            sep: b'\t',
            header: None,
            header_cosmic: false,
            header_trailing_blank: 0,
            label_cols: 1,
            data_lines: 0,
            max_rows: max_channels(),
            row_values: Vec::new(),
            rows: Vec::new(),
            min_trailing_blank: usize::MAX,
            unnamed: Vec::new(),
            failed: None,
            bad: None,
        }
    }

    /// One line of text, without its `\n` (a `\r` before it is dropped here).
    fn line(&mut self, no: usize, line: &str) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if self.failed.is_some() || !is_content(line) {
            return;
        }
        if self.header.is_none() {
            self.start(no, line);
        } else {
            self.row(no, line);
        }
    }

    fn start(&mut self, no: usize, line: &str) {
        self.sep = sniff_separator(self.path, line);
        let Ok(header) = split_fields(line, self.sep) else {
            self.failed = Some(TableError::UnterminatedQuote {
                path: self.path.to_string(),
                line: no,
            });
            self.header = Some(Vec::new());
            return;
        };
        self.set_header(header);
    }

    /// The header's column names, as split from the first line (or from a Parquet schema).
    fn set_header(&mut self, header: Vec<String>) {
        let header: Vec<String> = header.into_iter().map(|s| s.trim().to_string()).collect();
        self.header_trailing_blank = header.iter().rev().take_while(|h| h.is_empty()).count();
        self.unnamed = vec![None; self.header_trailing_blank];
        self.header_cosmic = header.len() >= 2 && {
            let a = header[0].to_ascii_lowercase();
            let b = header[1].to_ascii_lowercase();
            (a == "type" && b == "subtype") || (a.starts_with("mutation") && b == "trinucleotide")
        };
        self.header = Some(header);
    }

    fn row(&mut self, no: usize, line: &str) {
        self.cells(no, fields(line, self.sep));
    }

    /// One data row given as its cells (the fields of a text line, or the values of one
    /// row of a Parquet table): every cell goes through the same checks.
    fn cells<'a, C: Cell<'a>>(
        &mut self,
        no: usize,
        cells: impl Iterator<Item = Result<C, UnclosedQuote>>,
    ) {
        let full_width = self.header.as_ref().map_or(0, Vec::len);
        let value_end = full_width - self.header_trailing_blank;
        let r = self.rows.len();
        self.data_lines += 1;
        // Past max + 1 rows the table is refused whatever they hold (one of the first
        // max + 1 is not a new channel): they are only counted.
        if self.data_lines > self.max_rows + 1 {
            return;
        }
        self.row_values.clear();
        let mut label0: Cow<'a, str> = Cow::Borrowed("");
        let mut label1: Cow<'a, str> = Cow::Borrowed("");
        let mut count = 0;
        let mut trailing_blank = 0;
        let mut nonzero = false;
        for f in cells {
            let Ok(f) = f else {
                self.failed = Some(TableError::UnterminatedQuote {
                    path: self.path.to_string(),
                    line: no,
                });
                return;
            };
            let k = count;
            count += 1;
            let blank = f.is_blank();
            trailing_blank = if blank { trailing_blank + 1 } else { 0 };
            if k >= full_width {
                continue;
            }
            if k == 0 {
                label0 = f.value();
            } else if k == 1 {
                if r == 0 {
                    let cosmic =
                        self.header_cosmic || sbs96_from_parts(&label0, &f.value()).is_some();
                    self.label_cols = if cosmic { 2 } else { 1 };
                }
                if self.label_cols == 2 {
                    label1 = f.value();
                }
            }
            if k >= value_end {
                let slot = &mut self.unnamed[k - value_end];
                if !blank && slot.is_none() {
                    *slot = Some((no, f.value().trim().to_string()));
                }
                continue;
            }
            if k < self.label_cols {
                continue;
            }
            let j = k - self.label_cols;
            let parsed = match f.quick(self.kind) {
                Some(v) => Ok(v),
                None => parse_cell(&f.value(), self.kind),
            };
            let v = match parsed {
                Ok(v) => v,
                Err(problem) => {
                    if self.bad.as_ref().is_none_or(|b| j < b.0) {
                        self.bad = Some((j, r, problem));
                    }
                    0.0
                }
            };
            nonzero |= v != 0.0;
            self.row_values.push(v);
        }
        if count != full_width {
            self.failed = Some(TableError::Ragged {
                path: self.path.to_string(),
                line: no,
                found: count,
                expected: full_width,
            });
            return;
        }
        // Only now, with the row as wide as the header, are its values stored (and the
        // storage sized): a header of many columns and short rows allocates nothing.
        let ncols = value_end.saturating_sub(self.label_cols);
        debug_assert_eq!(self.row_values.len(), ncols);
        match &mut self.sink {
            Values::Matrix {
                rows,
                max_cells,
                values,
            } => {
                if values.is_none() && rows.saturating_mul(ncols) <= *max_cells {
                    *values = Some(Mat::zeros(*rows, ncols));
                }
                if let Some(m) = values {
                    for (j, &v) in self.row_values.iter().enumerate() {
                        if v != 0.0 {
                            m[(r, j)] = v;
                        }
                    }
                }
            }
            Values::Totals {
                sums,
                exact,
                nonzero: rows,
            } => {
                if sums.len() < ncols {
                    sums.resize(ncols, 0.0);
                    exact.resize(ncols, 0);
                }
                for (j, &v) in self.row_values.iter().enumerate() {
                    sums[j] += v;
                    exact[j] += v as u128;
                }
                rows.push(nonzero);
            }
        }
        self.min_trailing_blank = self.min_trailing_blank.min(trailing_blank);
        let label = if self.label_cols == 2 {
            sbs96_from_parts(&label0, &label1).unwrap_or_else(|| format!("{label0} {label1}"))
        } else {
            label0.into_owned()
        };
        self.rows.push((no, label));
    }

    /// The checks that need every line, in the order problems are reported.
    fn finish(&mut self) -> Result<Layout, TableError> {
        let path = self.path;
        let p = || path.to_string();
        let Some(header) = self.header.take() else {
            return Err(TableError::Empty { path: p() });
        };
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        if self.data_lines == 0 {
            return Err(TableError::HeaderOnly { path: p() });
        }

        // Trailing columns empty on every line, header included (spreadsheet exports end
        // every line with a separator): ignored, with a warning. One with a value somewhere
        // is refused, naming the first line that holds one.
        let full_width = header.len();
        let htb = self.header_trailing_blank;
        let dropped = htb
            .min(self.min_trailing_blank)
            .min(full_width.saturating_sub(1));
        let width = full_width - dropped;
        if htb > dropped && width > 1 {
            let column = width; // 1-based index of the last kept column, unnamed
            if let Some(Some((line, value))) = (column - 1)
                .checked_sub(full_width - htb)
                .and_then(|i| self.unnamed.get(i))
            {
                return Err(TableError::UnnamedColumnWithValues {
                    path: p(),
                    line: *line,
                    column,
                    value: value.clone(),
                });
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

        // Layout: COSMIC download (Type + Subtype) or one label column.
        let label_cols = self.label_cols;
        if width <= label_cols {
            return Err(TableError::NoColumns {
                path: p(),
                header: header[..width].join(", "),
            });
        }

        // Column names.
        let names: Vec<String> = header[label_cols..width].to_vec();
        drop(header);
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(names.len());
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
        drop(seen);

        // Context from the labels, never from the row count.
        let rows = &self.rows;
        let (context, row_of_channel, order) = channels(path, rows).map_err(|e| {
            if self.data_lines <= self.max_rows {
                return e;
            }
            let text = e.to_string();
            let prefix = format!("{}: ", Esc(path));
            TableError::TooManyRows {
                path: p(),
                rows: self.data_lines,
                max: self.max_rows,
                first: text.strip_prefix(&prefix).unwrap_or(&text).to_string(),
            }
        })?;
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

        // Values: the first bad cell of the first column holding one.
        if let Some((j, r, problem)) = self.bad.take() {
            return Err(TableError::BadValue {
                path: p(),
                line: rows[r].0,
                label: context.labels()[order[r]].clone(),
                column: names[j].clone(),
                problem,
            });
        }
        Ok(Layout {
            context,
            names,
            order,
            warnings,
        })
    }
}

/// The context of the rows' labels, the row of each channel and the channel of each row.
/// A table of more rows than the context has channels always fails here.
#[allow(clippy::type_complexity)]
fn channels(
    path: &str,
    rows: &[(usize, String)],
) -> Result<(Context, Vec<Option<usize>>, Vec<usize>), TableError> {
    let p = || path.to_string();
    let context = rows
        .iter()
        .find_map(|(_, l)| Context::detect(l))
        .ok_or_else(|| TableError::UnknownContext {
            path: p(),
            line: rows[0].0,
            label: rows[0].1.clone(),
        })?;
    let mut row_of_channel: Vec<Option<usize>> = vec![None; context.len()];
    let mut order = Vec::with_capacity(rows.len());
    for (r, (line, l)) in rows.iter().enumerate() {
        let canon = context
            .canonical_label(l)
            .ok_or_else(|| TableError::UnknownLabel {
                path: p(),
                line: *line,
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
                line: *line,
                first: rows[first].0,
                label: canon.to_string(),
            });
        }
        row_of_channel[idx] = Some(r);
        order.push(idx);
    }
    Ok((context, row_of_channel, order))
}

/// Parse and validate table text. `path` is only used in messages, and to tell a Parquet
/// file: the bytes of a file whose name ends in `.parquet` ([`is_parquet`]) are read as
/// Parquet, with the same checks and messages (see the module documentation).
pub fn parse(path: &str, bytes: &[u8], kind: ValueKind) -> Result<LabelledMatrix, TableError> {
    if is_parquet(path) {
        return parquet::parse(path, bytes, kind);
    }
    if bytes.starts_with(PARQUET_MAGIC) && std::str::from_utf8(bytes).is_err() {
        return Err(parquet::misnamed(path));
    }
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        return Err(TableError::Unreadable {
            path: path.to_string(),
            reason: format!("binary data (a NUL byte at offset {pos})"),
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| TableError::Unreadable {
        path: path.to_string(),
        reason: utf8_error(e.valid_up_to() as u64),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let content = text
        .split('\n')
        .filter(|l| is_content(l.strip_suffix('\r').unwrap_or(l)))
        .count();
    // rows past max_channels() + 1 are only counted (the table is refused)
    let sink = Values::Matrix {
        rows: content.saturating_sub(1).min(max_channels() + 1),
        max_cells: bytes.len() / 2,
        values: None,
    };
    let mut scan = Scan::new(path, kind, sink);
    for (i, line) in text.split('\n').enumerate() {
        scan.line(i + 1, line);
    }
    assemble(scan)
}

/// The checks that need the whole table, then the values in canonical channel order.
fn assemble(mut scan: Scan<'_>) -> Result<LabelledMatrix, TableError> {
    let (path, kind) = (scan.path, scan.kind);
    let layout = scan.finish()?;
    let Values::Matrix { values, .. } = scan.sink else {
        unreachable!("parse fills a matrix")
    };
    let ncols = layout.names.len();
    // every row of a table that passed the checks was stored: such a table has two bytes
    // of text per value at least, so its matrix was within `max_cells` (see Values::Matrix;
    // a Parquet table has no bound there)
    let mut values = values.expect("a table that passes every check fits in half its text");
    // Rows into the context's canonical order, one column at a time.
    let n = layout.order.len();
    let mut column = vec![0.0; n];
    for j in 0..ncols {
        for (r, &i) in layout.order.iter().enumerate() {
            column[i] = values[(r, j)];
        }
        for (i, &v) in column.iter().enumerate() {
            values[(i, j)] = v;
        }
    }
    if kind == ValueKind::Probabilities {
        for (j, name) in layout.names.iter().enumerate() {
            let sum: f64 = values.col(j).iter().sum();
            if (sum - 1.0).abs() > 1e-3 {
                return Err(TableError::NotDistribution {
                    path: path.to_string(),
                    column: name.clone(),
                    sum,
                });
            }
        }
    }
    Ok(LabelledMatrix {
        context: layout.context,
        columns: layout.names,
        values,
        warnings: layout.warnings,
    })
}

/// What [`summarize_counts`] learns from a catalogue: everything `inspect` reports.
#[derive(Debug, Clone)]
pub struct CountSummary {
    /// The context recognised from the labels.
    pub context: Context,
    /// Sample names, in file order.
    pub samples: Vec<String>,
    /// Total count of each sample: the same numbers as [`crate::Catalogue::totals`].
    pub totals: Vec<f64>,
    /// Channels without a mutation in any sample.
    pub empty_channels: usize,
    /// What reading noticed (e.g. an ignored empty last column).
    pub warnings: Vec<String>,
    /// SHA-256 (lowercase hex) of the whole decompressed input, as in [`SourceText`].
    pub sha256: String,
}

/// Read a catalogue file like [`read`] with [`ValueKind::Counts`] (same checks, same
/// messages), one line at a time, keeping only sample names and totals: memory follows
/// one line and the number of samples, not the table. `Ok(None)` in the one case the
/// totals could differ from [`crate::Catalogue::totals`] in the last bit (rows out of
/// channel order and a sample above 2^53 mutations, where the order of the float sums
/// matters), and for a Parquet file (read whole): read the catalogue instead.
pub fn summarize_counts(path: &str) -> Result<Option<CountSummary>, TableError> {
    if is_parquet(path) {
        return Ok(None);
    }
    let sink = Values::Totals {
        sums: Vec::new(),
        exact: Vec::new(),
        nonzero: Vec::new(),
    };
    let mut scan = Scan::new(path, ValueKind::Counts, sink);
    let mut line_no = 0;
    let mut feed = |scan: &mut Scan<'_>, line: &[u8]| {
        line_no += 1;
        // Complete lines of checked text (the stripper refuses bad UTF-8 first).
        let line = std::str::from_utf8(line).unwrap_or("");
        let line = if line_no == 1 {
            line.strip_prefix('\u{feff}').unwrap_or(line)
        } else {
            line
        };
        scan.line(line_no, line);
    };
    let text = stream_text(path, MAX_INPUT_BYTES, &mut |out, before| {
        if out[before..].contains(&b'\n') {
            let end = out.iter().rposition(|&b| b == b'\n').unwrap_or(0);
            for line in out[..end].split(|&b| b == b'\n') {
                feed(&mut scan, line);
            }
            out.drain(..=end);
        }
    })?;
    feed(&mut scan, &text.bytes);
    let layout = scan.finish()?;
    let Values::Totals {
        sums,
        exact,
        nonzero,
    } = scan.sink
    else {
        unreachable!("summarize_counts keeps totals")
    };
    // Catalogue::totals sums each column in canonical channel order. Rows already in
    // that order give the same float sums; otherwise every partial sum is exact while the
    // total is at most 2^53, so the exact total is the same number.
    let in_order = layout.order.windows(2).all(|w| w[0] < w[1]);
    let mut totals = Vec::with_capacity(layout.names.len());
    for j in 0..layout.names.len() {
        let (float, whole) = (sums.get(j).copied(), exact.get(j).copied());
        let (float, whole) = (float.unwrap_or(0.0), whole.unwrap_or(0));
        if in_order {
            totals.push(float);
        } else if whole <= u128::from(MAX_COUNT) {
            totals.push(whole as f64);
        } else {
            return Ok(None);
        }
    }
    Ok(Some(CountSummary {
        context: layout.context,
        samples: layout.names,
        totals,
        empty_channels: nonzero.iter().filter(|&&nz| !nz).count(),
        warnings: layout.warnings,
        sha256: text.sha256,
    }))
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

mod parquet;
#[cfg(test)]
mod tests;
