//! Validated settings: the one error type of a setting out of range, and the range
//! helpers the settings types use (`ExtractConfig::check`, `SimConfig::check`,
//! `AssignOptions::check`, `RankOptions::check`, `AssignConfig::check`).
//!
//! Every check names the command-line flag the value comes from, so the command line
//! can report it as a usage error before any input is read or any output is created,
//! and a library caller gets the same message from the function that would otherwise
//! misbehave.

use std::fmt;

/// A setting out of its allowed range, named by its command-line flag.
///
/// Renders as one line: `invalid --tolerance -1: expected a number in (0, 1)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {flag} {value}: {expected}")]
pub struct SettingsError {
    /// The flag, as typed on the command line (`--tolerance`).
    pub flag: &'static str,
    /// The offending value, as the user would write it.
    pub value: String,
    /// What is allowed, and why when it is not obvious.
    pub expected: String,
}

impl SettingsError {
    /// A new error for `flag`.
    pub fn new(flag: &'static str, value: impl Into<String>, expected: impl Into<String>) -> Self {
        SettingsError {
            flag,
            value: value.into(),
            expected: expected.into(),
        }
    }
}

/// A number as a user would write it: `1e300` rather than 301 digits, `NaN`, `inf`.
pub fn show(x: f64) -> String {
    let a = x.abs();
    if x.is_finite() && x != 0.0 && !(1e-4..1e7).contains(&a) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// An interval of allowed real values; NaN is never inside.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower end.
    pub lo: f64,
    /// Upper end (`f64::INFINITY`: unbounded, but infinity itself is refused).
    pub hi: f64,
    /// Whether `lo` itself is excluded.
    pub lo_open: bool,
    /// Whether `hi` itself is excluded.
    pub hi_open: bool,
}

impl Interval {
    /// `[lo, hi]`.
    pub const fn closed(lo: f64, hi: f64) -> Self {
        Interval {
            lo,
            hi,
            lo_open: false,
            hi_open: false,
        }
    }

    /// `(lo, hi)`.
    pub const fn open(lo: f64, hi: f64) -> Self {
        Interval {
            lo,
            hi,
            lo_open: true,
            hi_open: true,
        }
    }

    /// `[lo, hi)`.
    pub const fn closed_open(lo: f64, hi: f64) -> Self {
        Interval {
            lo,
            hi,
            lo_open: false,
            hi_open: true,
        }
    }

    /// `[lo, ∞)`, finite values only.
    pub const fn at_least(lo: f64) -> Self {
        Interval::closed_open(lo, f64::INFINITY)
    }

    /// Whether `x` is inside (never for NaN or an infinity).
    pub fn contains(&self, x: f64) -> bool {
        x.is_finite()
            && (if self.lo_open {
                x > self.lo
            } else {
                x >= self.lo
            })
            && (if self.hi_open {
                x < self.hi
            } else {
                x <= self.hi
            })
    }

    /// `x` itself when inside, else the error for `flag`.
    pub fn check(&self, flag: &'static str, x: f64) -> Result<f64, SettingsError> {
        if self.contains(x) {
            Ok(x)
        } else {
            Err(SettingsError::new(
                flag,
                show(x),
                format!("expected {self}"),
            ))
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hi == f64::INFINITY {
            let op = if self.lo_open { ">" } else { ">=" };
            write!(f, "a finite number {op} {}", show(self.lo))
        } else {
            write!(
                f,
                "a number in {}{}, {}{}",
                if self.lo_open { '(' } else { '[' },
                show(self.lo),
                show(self.hi),
                if self.hi_open { ')' } else { ']' }
            )
        }
    }
}

/// `value` itself when `lo ≤ value ≤ hi`, else the error for `flag` (`hi = usize::MAX`:
/// no upper bound).
pub fn check_count(
    flag: &'static str,
    value: usize,
    lo: usize,
    hi: usize,
) -> Result<usize, SettingsError> {
    if (lo..=hi).contains(&value) {
        return Ok(value);
    }
    let expected = if hi == usize::MAX {
        format!("expected a whole number >= {lo}")
    } else {
        format!("expected a whole number from {lo} to {hi}")
    };
    Err(SettingsError::new(flag, value.to_string(), expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_refuse_nan_and_infinities_and_respect_open_ends() {
        let unit = Interval::open(0.0, 1.0);
        for bad in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            1.0,
            -1.0,
            5.0,
        ] {
            assert!(!unit.contains(bad), "{bad}");
        }
        assert!(unit.contains(0.5));
        let closed = Interval::closed(0.0, 1.0);
        assert!(closed.contains(0.0) && closed.contains(1.0));
        let pos = Interval::at_least(0.0);
        assert!(pos.contains(0.0) && pos.contains(1e300));
        assert!(!pos.contains(f64::INFINITY) && !pos.contains(f64::NAN));
    }

    #[test]
    fn messages_are_one_line_and_name_flag_value_and_range() {
        let e = Interval::open(0.0, 1.0)
            .check("--tolerance", -1.0)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid --tolerance -1: expected a number in (0, 1)"
        );
        let e = Interval::at_least(0.0)
            .check("--add-threshold", f64::NAN)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid --add-threshold NaN: expected a finite number >= 0"
        );
        let e = Interval::closed(1.0, 1e7)
            .check("--burden-median", 1e300)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid --burden-median 1e300: expected a number in [1, 1e7]"
        );
        let e = check_count("--max-iter", 0, 1, 1_000_000).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid --max-iter 0: expected a whole number from 1 to 1000000"
        );
        assert_eq!(check_count("--x", 3, 1, usize::MAX), Ok(3));
        assert!(
            check_count("--x", 0, 1, usize::MAX)
                .unwrap_err()
                .to_string()
                .ends_with(">= 1")
        );
    }
}
