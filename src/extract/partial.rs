//! Partial extractions (scatter/gather): the raw results of some (rank, replicate) jobs
//! of one extraction, as bytes, and their merge back into the input of
//! [`super::finish`].
//!
//! Every job's random streams derive from (seed, purpose, rank, replicate), so any subset
//! of jobs computed on its own gives the very numbers a whole run computes; merging parts
//! that cover every job once gives the whole run's results bit for bit.
//!
//! The format (docs/pipelines.md): a first line `mutasig-partial 1`, a second line with
//! the [`PartialHeader`] as one-line JSON, then the payload: gzip of, for each job in
//! (rank, replicate) order, little-endian `u32` rank, `u32` replicate, `u64` iterations,
//! `u8` converged, the `f64` signature matrix (channels × rank, column after column) and
//! one `u32` dominant-signature label per sample. The header holds the payload's length
//! and SHA-256.

use super::resample::Normalization;
use super::{ExtractConfig, ExtractError, Prepared, Progress, Replicate};
use faer::Mat;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::io::{Read, Write};
use std::ops::Range;

/// The first line's first word.
pub const MAGIC: &str = "mutasig-partial";
/// The format version this mutasig writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The second line of a partial file: what was computed, from what, with what settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialHeader {
    /// Format version ([`FORMAT_VERSION`]).
    pub format: u32,
    /// The mutasig version that computed it.
    pub mutasig: String,
    /// SHA-256 of the input catalogue file.
    pub input_sha256: String,
    /// Every setting that affects results, the seed included.
    pub settings: ExtractConfig,
    /// The normalization as applied (a GMM resolved to its cap).
    pub normalization_resolved: Normalization,
    /// Channels of the factorized catalogue.
    pub channels: usize,
    /// Samples of the factorized catalogue (zero samples removed).
    pub samples: usize,
    /// The ranks computed, ascending.
    pub ranks: Vec<usize>,
    /// The replicates computed for each rank: `[start, end)`, 0-based.
    pub replicate_range: [usize; 2],
    /// Seconds the factorizations took.
    pub nmf_seconds: f64,
    /// Length of the compressed payload in bytes.
    pub payload_bytes: usize,
    /// SHA-256 of the compressed payload, lowercase hex.
    pub payload_sha256: String,
}

/// A decoded partial file.
#[derive(Debug, Clone)]
pub struct Partial {
    /// Its header.
    pub header: PartialHeader,
    /// The jobs' results, in (rank, replicate) order.
    replicates: Vec<Replicate>,
}

/// Problems with partial files; each names the file(s) and what to do.
#[derive(Debug, thiserror::Error)]
pub enum PartialError {
    /// Not a partial file at all.
    #[error(
        "{file}: not a mutasig partial file (its first line is not '{MAGIC} N'); give the files written by `mutasig extract --partial-out`"
    )]
    NotPartial {
        /// The file.
        file: String,
    },
    /// Another format version.
    #[error(
        "{file}: partial format version {found}, this mutasig ({}) reads version {FORMAT_VERSION}; recompute it with this mutasig",
        crate::VERSION
    )]
    Version {
        /// The file.
        file: String,
        /// Its version.
        found: String,
    },
    /// Damaged or truncated.
    #[error("{file}: damaged partial file ({why}); compute it again")]
    Corrupt {
        /// The file.
        file: String,
        /// What is wrong.
        why: String,
    },
    /// Two parts of different runs.
    #[error(
        "{a} and {b} differ in {what}; merge only parts of one run (same input, settings and seed)"
    )]
    Mismatch {
        /// The first part.
        a: String,
        /// The other part.
        b: String,
        /// What differs, with both values.
        what: String,
    },
    /// A part computed by another mutasig version.
    #[error(
        "{file} was written by mutasig {found}, this is mutasig {}; merge with the version that computed the parts",
        crate::VERSION
    )]
    OtherVersion {
        /// The part.
        file: String,
        /// Its mutasig version.
        found: String,
    },
    /// A part computed from another catalogue.
    #[error(
        "{file} was computed from an input with SHA-256 {part}, but {input} has SHA-256 {actual}; give the catalogue the parts were computed from"
    )]
    Input {
        /// The part.
        file: String,
        /// The part's input checksum.
        part: String,
        /// The catalogue given to the merge.
        input: String,
        /// Its checksum.
        actual: String,
    },
    /// Two parts hold the same job.
    #[error(
        "{a} and {b} both hold rank {k} replicate {r}; each (rank, replicate) must be in exactly one part"
    )]
    Overlap {
        /// The first part.
        a: String,
        /// The other part.
        b: String,
        /// The rank.
        k: usize,
        /// The replicate.
        r: usize,
    },
    /// A part holds a rank the run does not try.
    #[error("{file} holds rank {k}, but the run tries ranks {lo}..{hi}")]
    OutsideRanks {
        /// The part.
        file: String,
        /// The rank.
        k: usize,
        /// Lowest rank tried.
        lo: usize,
        /// Highest rank tried.
        hi: usize,
    },
    /// Jobs no part holds.
    #[error(
        "no part holds rank {k} replicates {start}..{end} (of 0..{total}) among {files}; compute them with `mutasig extract --partial-out FILE --ranks {k} --replicate-range {start}..{end}`"
    )]
    Missing {
        /// The rank.
        k: usize,
        /// First missing replicate.
        start: usize,
        /// One past the last missing replicate of that gap.
        end: usize,
        /// Replicates per rank.
        total: usize,
        /// The parts given.
        files: String,
    },
    /// Nothing to merge.
    #[error("no partial files given")]
    NoParts,
    /// The extraction itself failed.
    #[error(transparent)]
    Extract(#[from] ExtractError),
}

/// The jobs of `ranks` × `range`, in (rank, replicate) order.
pub fn jobs(ranks: &[usize], range: Range<usize>) -> Vec<(usize, usize)> {
    ranks
        .iter()
        .flat_map(|&k| range.clone().map(move |r| (k, r)))
        .collect()
}

/// Computes the jobs of `ranks` × `replicates` of the run `p` and returns the partial
/// file's bytes. `input_sha256` is the input file's checksum, recorded for the merge.
///
/// # Errors
///
/// A rank outside the run's ranks, a replicate range outside `0..cfg.replicates`, or a
/// failed factorization.
pub fn compute(
    p: &Prepared,
    cfg: &ExtractConfig,
    input_sha256: &str,
    ranks: &[usize],
    replicates: Range<usize>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<u8>, ExtractError> {
    if let Some(k) = ranks.iter().find(|k| !p.ranks.contains(k)) {
        return Err(ExtractError::Invalid(format!(
            "rank {k} is not among the ranks tried ({:?})",
            p.ranks
        )));
    }
    if replicates.start >= replicates.end || replicates.end > cfg.replicates {
        return Err(ExtractError::Invalid(format!(
            "replicates {}..{} are not within 0..{}",
            replicates.start, replicates.end, cfg.replicates
        )));
    }
    let jobs = jobs(ranks, replicates.clone());
    let t0 = std::time::Instant::now();
    let reps = super::factorize_jobs(p, cfg, &jobs, progress)?;
    let nmf_seconds = t0.elapsed().as_secs_f64();
    let mut raw = Vec::new();
    for (&(k, r), rep) in jobs.iter().zip(&reps) {
        raw.extend_from_slice(&(k as u32).to_le_bytes());
        raw.extend_from_slice(&(r as u32).to_le_bytes());
        raw.extend_from_slice(&(rep.iterations as u64).to_le_bytes());
        raw.push(u8::from(rep.converged));
        for j in 0..rep.w.ncols() {
            for x in rep.w.col_as_slice(j) {
                raw.extend_from_slice(&x.to_le_bytes());
            }
        }
        for &l in &rep.labels {
            raw.extend_from_slice(&(l as u32).to_le_bytes());
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&raw).expect("writing to memory");
    let payload = gz.finish().expect("writing to memory");
    let header = PartialHeader {
        format: FORMAT_VERSION,
        mutasig: crate::VERSION.to_string(),
        input_sha256: input_sha256.to_string(),
        settings: cfg.clone(),
        normalization_resolved: p.normalization,
        channels: p.catalogue.counts.nrows(),
        samples: p.catalogue.n_samples(),
        ranks: ranks.to_vec(),
        replicate_range: [replicates.start, replicates.end],
        nmf_seconds,
        payload_bytes: payload.len(),
        payload_sha256: crate::read::table::hex(&sha2::Sha256::digest(&payload)),
    };
    let line = serde_json::to_string(&header).expect("headers serialize");
    // the merge computes with the settings read back: they must come back bit for bit
    let back: PartialHeader = serde_json::from_str(&line).expect("headers deserialize");
    if format!("{:?}", back.settings) != format!("{:?}", cfg) {
        return Err(ExtractError::Invalid(
            "the settings do not survive a JSON round trip; write them with fewer digits".into(),
        ));
    }
    let mut out = format!("{MAGIC} {FORMAT_VERSION}\n{line}\n").into_bytes();
    out.extend_from_slice(&payload);
    Ok(out)
}

impl Partial {
    /// Whether this part holds exactly `ranks` × `replicates` of the run with settings
    /// `cfg` on the input with SHA-256 `input_sha256`, computed by this mutasig.
    pub fn is_part_of(
        &self,
        cfg: &ExtractConfig,
        input_sha256: &str,
        ranks: &[usize],
        replicates: Range<usize>,
    ) -> bool {
        let h = &self.header;
        let settings = |c: &ExtractConfig| serde_json::to_value(c).expect("settings serialize");
        h.mutasig == crate::VERSION
            && h.input_sha256 == input_sha256
            && settings(&h.settings) == settings(cfg)
            && h.ranks == ranks
            && h.replicate_range == [replicates.start, replicates.end]
    }
}

/// Decodes a partial file's bytes; `file` names it in errors.
///
/// # Errors
///
/// Not a partial file, another format version, or a damaged file.
pub fn decode(file: &str, bytes: &[u8]) -> Result<Partial, PartialError> {
    let corrupt = |why: String| PartialError::Corrupt {
        file: file.to_string(),
        why,
    };
    let (first, rest) = split_line(bytes).ok_or_else(|| PartialError::NotPartial {
        file: file.to_string(),
    })?;
    let Some(version) = first.strip_prefix(&format!("{MAGIC} ")[..]) else {
        return Err(PartialError::NotPartial {
            file: file.to_string(),
        });
    };
    if version != FORMAT_VERSION.to_string() {
        return Err(PartialError::Version {
            file: file.to_string(),
            found: version.chars().take(20).collect(),
        });
    }
    let (line, payload) = split_line(rest).ok_or_else(|| corrupt("no header line".into()))?;
    let header: PartialHeader =
        serde_json::from_str(line).map_err(|e| corrupt(format!("header: {e}")))?;
    if payload.len() != header.payload_bytes {
        let (got, want) = (payload.len(), header.payload_bytes);
        return Err(corrupt(format!("payload of {got} bytes, expected {want}")));
    }
    if crate::read::table::hex(&sha2::Sha256::digest(payload)) != header.payload_sha256 {
        return Err(corrupt("payload SHA-256 does not match its header".into()));
    }
    let [start, end] = header.replicate_range;
    let jobs = jobs(&header.ranks, start..end);
    let (m, n) = (header.channels, header.samples);
    // the size from the header, checked: a damaged header must not overflow or allocate
    let size = jobs
        .iter()
        .try_fold(0usize, |acc, &(k, _)| {
            let w = m.checked_mul(k)?.checked_mul(8)?;
            acc.checked_add(w)?
                .checked_add(n.checked_mul(4)?)?
                .checked_add(17)
        })
        .filter(|&s| s <= 1 << 34)
        .ok_or_else(|| corrupt("sizes in the header out of range".into()))?;
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(payload)
        .take(size as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(|e| corrupt(format!("payload: {e}")))?;
    if raw.len() != size {
        return Err(corrupt(format!(
            "{} payload bytes, expected {size}",
            raw.len()
        )));
    }
    let mut at = 0;
    let mut take = |len: usize| {
        at += len;
        &raw[at - len..at]
    };
    let u32_at = |b: &[u8]| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize;
    let mut replicates = Vec::with_capacity(jobs.len());
    for &(k, r) in &jobs {
        let (jk, jr) = (u32_at(take(4)), u32_at(take(4)));
        if (jk, jr) != (k, r) {
            return Err(corrupt(format!(
                "job ({jk}, {jr}) where ({k}, {r}) belongs"
            )));
        }
        let iterations = u64::from_le_bytes(take(8).try_into().expect("8 bytes")) as usize;
        let converged = take(1)[0] != 0;
        let w = take(8 * m * k);
        let w = Mat::from_fn(m, k, |i, s| {
            let o = 8 * (s * m + i);
            f64::from_le_bytes(w[o..o + 8].try_into().expect("8 bytes"))
        });
        let labels: Vec<usize> = take(4 * n).chunks_exact(4).map(u32_at).collect();
        let finite = (0..k).all(|s| w.col_as_slice(s).iter().all(|x| x.is_finite()));
        if !finite || labels.iter().any(|&l| l >= k) {
            return Err(corrupt(format!(
                "rank {k} replicate {r} has values out of range"
            )));
        }
        replicates.push(Replicate {
            w,
            labels,
            iterations,
            converged,
        });
    }
    Ok(Partial { header, replicates })
}

fn split_line(bytes: &[u8]) -> Option<(&str, &[u8])> {
    let i = bytes.iter().position(|&b| b == b'\n')?;
    Some((std::str::from_utf8(&bytes[..i]).ok()?, &bytes[i + 1..]))
}

/// The parts checked against each other and the input, merged into the input of
/// [`super::finish`].
#[derive(Debug)]
pub struct Gathered {
    /// The run's preparation, recomputed from the input.
    pub prepared: Prepared,
    /// The parts' settings.
    pub settings: ExtractConfig,
    /// For each rank of `prepared.ranks`, its replicates in order.
    pub replicates: Vec<Vec<Replicate>>,
    /// The parts' factorization seconds, summed.
    pub nmf_seconds: f64,
}

/// Checks that `parts` (file name, decoded part) come from one run on `input` (named
/// `input_name`, SHA-256 `input_sha256`) and cover each of its (rank, replicate) jobs
/// exactly once, then orders their results for [`super::finish`].
///
/// # Errors
///
/// The first disagreement, overlap or gap, naming the part files.
pub fn gather(
    parts: Vec<(String, Partial)>,
    input: &crate::read::catalogue::Catalogue,
    input_name: &str,
    input_sha256: &str,
) -> Result<Gathered, PartialError> {
    let Some((first, p0)) = parts.first() else {
        return Err(PartialError::NoParts);
    };
    // the rank range may differ between parts (one `extract --keep-parts` folder per
    // rank): every factorization depends on (seed, rank, replicate) only, and the merged
    // run spans the parts' ranks together
    let comparable = |c: &ExtractConfig| {
        let mut v = serde_json::to_value(c).expect("settings serialize");
        if let Some(o) = v.as_object_mut() {
            o.remove("min_rank");
            o.remove("max_rank");
        }
        v
    };
    let settings0 = comparable(&p0.header.settings);
    let mut cfg = p0.header.settings.clone();
    for (file, p) in &parts {
        let h = &p.header;
        if h.mutasig != crate::VERSION {
            let found = h.mutasig.clone();
            return Err(PartialError::OtherVersion {
                file: file.clone(),
                found,
            });
        }
        if h.input_sha256 != input_sha256 {
            return Err(PartialError::Input {
                file: file.clone(),
                part: h.input_sha256.clone(),
                input: input_name.to_string(),
                actual: input_sha256.to_string(),
            });
        }
        let settings = comparable(&h.settings);
        if let Some(what) = difference(&settings0, &settings) {
            return Err(PartialError::Mismatch {
                a: first.clone(),
                b: file.clone(),
                what,
            });
        }
        cfg.min_rank = cfg.min_rank.min(h.settings.min_rank);
        cfg.max_rank = cfg.max_rank.max(h.settings.max_rank);
    }
    let prepared = super::prepare(input, &cfg)?;
    let (lo, hi) = (prepared.ranks[0], *prepared.ranks.last().expect("a rank"));
    let mut slots: Vec<Vec<Option<(usize, Replicate)>>> =
        vec![vec![None; cfg.replicates]; prepared.ranks.len()];
    let mut nmf_seconds = 0.0;
    let names: Vec<String> = parts.iter().map(|(f, _)| f.clone()).collect();
    for (i, (file, p)) in parts.into_iter().enumerate() {
        let h = &p.header;
        if h.normalization_resolved != prepared.normalization {
            let what = format!(
                "the resolved normalization ({} in the part, {} from the input)",
                h.normalization_resolved, prepared.normalization
            );
            let (a, b) = (file.clone(), input_name.to_string());
            return Err(PartialError::Mismatch { a, b, what });
        }
        nmf_seconds += h.nmf_seconds;
        let [start, end] = h.replicate_range;
        for (&(k, r), rep) in jobs(&h.ranks, start..end).iter().zip(p.replicates) {
            if k < lo || k > hi || r >= cfg.replicates {
                return Err(PartialError::OutsideRanks { file, k, lo, hi });
            }
            let slot = &mut slots[k - lo][r];
            if let Some((j, _)) = slot {
                let (a, b) = (names[*j].clone(), file);
                return Err(PartialError::Overlap { a, b, k, r });
            }
            *slot = Some((i, rep));
        }
    }
    for (ki, row) in slots.iter().enumerate() {
        if let Some(start) = row.iter().position(Option::is_none) {
            let end = start + row[start..].iter().take_while(|s| s.is_none()).count();
            return Err(PartialError::Missing {
                k: prepared.ranks[ki],
                start,
                end,
                total: cfg.replicates,
                files: names.join(", "),
            });
        }
    }
    let replicates = slots
        .into_iter()
        .map(|row| row.into_iter().map(|s| s.expect("checked").1).collect())
        .collect();
    Ok(Gathered {
        prepared,
        settings: cfg,
        replicates,
        nmf_seconds,
    })
}

/// The first setting that differs between two serialized settings, with both values.
fn difference(a: &serde_json::Value, b: &serde_json::Value) -> Option<String> {
    if a == b {
        return None;
    }
    let (Some(ma), Some(mb)) = (a.as_object(), b.as_object()) else {
        return Some(format!("settings ({a} vs {b})"));
    };
    let keys = ma.keys().chain(mb.keys());
    keys.filter_map(|k| {
        let (x, y) = (ma.get(k), mb.get(k));
        (x != y).then(|| {
            let show = |v: Option<&serde_json::Value>| v.map_or("absent".into(), |v| v.to_string());
            format!("setting {k} ({} vs {})", show(x), show(y))
        })
    })
    .next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{ConsensusOptions, NmfSettings, RankOptions};
    use crate::read::catalogue::Catalogue;

    fn run() -> (Catalogue, ExtractConfig) {
        let cat = Catalogue::new(
            crate::Context::Sbs96,
            (0..6).map(|j| format!("s{j}")).collect(),
            Mat::from_fn(96, 6, |i, j| ((i * 7 + j * 13) % 11 + j) as f64),
        );
        let cfg = ExtractConfig {
            min_rank: 1,
            max_rank: 2,
            replicates: 3,
            min_replicates: 0,
            resample: true,
            refine: crate::extract::Refine::Nmf,
            normalization: Normalization::None,
            nmf: NmfSettings {
                max_iter: 200,
                ..Default::default()
            },
            selection: RankOptions::default(),
            consensus: ConsensusOptions::default(),
            seed: 5,
        };
        (cat, cfg)
    }

    #[test]
    fn parts_decode_to_the_bits_of_a_whole_run_and_damage_is_found() {
        let (cat, cfg) = run();
        let p = crate::extract::prepare(&cat, &cfg).unwrap();
        let whole =
            crate::extract::factorize_jobs(&p, &cfg, &jobs(&[1, 2], 0..3), &|_| {}).unwrap();
        let a = compute(&p, &cfg, "abc", &[1, 2], 0..1, &|_| {}).unwrap();
        let b = compute(&p, &cfg, "abc", &[1, 2], 1..3, &|_| {}).unwrap();
        let parts = vec![
            ("b".to_string(), decode("b", &b).unwrap()),
            ("a".to_string(), decode("a", &a).unwrap()),
        ];
        let g = gather(parts, &cat, "cat", "abc").unwrap();
        let merged: Vec<&Replicate> = g.replicates.iter().flatten().collect();
        assert_eq!(merged.len(), whole.len());
        for (x, y) in merged.iter().zip(&whole) {
            assert_eq!(x.labels, y.labels);
            assert_eq!((x.iterations, x.converged), (y.iterations, y.converged));
            let bits = |r: &Replicate| crate::numeric::mat_bits(r.w.as_ref());
            assert_eq!(bits(x), bits(y));
        }
        let mut bad = a.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(matches!(
            decode("a", &bad),
            Err(PartialError::Corrupt { .. })
        ));
        let newer =
            String::from_utf8_lossy(&a).replacen("mutasig-partial 1", "mutasig-partial 2", 1);
        assert!(matches!(
            decode("a", newer.as_bytes()),
            Err(PartialError::Version { .. })
        ));
        assert!(compute(&p, &cfg, "abc", &[3], 0..1, &|_| {}).is_err());
        assert!(compute(&p, &cfg, "abc", &[1], 2..4, &|_| {}).is_err());
    }
}
