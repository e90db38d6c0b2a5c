//! Statistics of A/B retention-uplift analysis: pure functions over counts and slices.
//!
//! Conventions shared by every function here:
//!
//! - "t" is the treatment arm and "c" the control arm; differences are always `t − c`.
//! - `confidence` is the two-sided confidence level `1 − α`, strictly inside `(0, 1)`;
//!   `z = Φ⁻¹(1 − α/2)` is the standard-normal critical value.
//! - Bad input is a typed [`UpliftError`], never a NaN: empty arms, `successes > n`,
//!   confidence or probabilities outside their range, non-finite numbers, and zero variance
//!   where a statistic divides by it.
//!
//! Every function was checked against a reference package (statsmodels 0.15.0 / scipy 1.17.1;
//! the script is `tests/data/uplift_reference.py`) and the interval and test behaviour against
//! seeded simulation (coverage, bias, false-alarm rates); see the tests at the bottom of this
//! file.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, Continuous, ContinuousCDF, Normal, StudentsT};

/// Why an uplift statistic could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UpliftError {
    /// An experiment that cannot be analysed as set up (e.g. no control arm, an arm with no
    /// customers); raised by [`crate::uplift::analysis`].
    #[error("{0}")]
    Invalid(String),
    /// An arm (or a list of values) has no observations.
    #[error("{what}: no observations (n = 0)")]
    Empty {
        /// Which input was empty.
        what: &'static str,
    },
    /// Fewer observations than the statistic needs (e.g. a sample variance needs 2).
    #[error("{what}: need at least {need} observations, got {got}")]
    TooFew {
        /// Which input was too short.
        what: &'static str,
        /// The minimum.
        need: usize,
        /// What was given.
        got: usize,
    },
    /// More successes than trials.
    #[error("{what}: {successes} successes out of only {n} trials")]
    SuccessesExceedTrials {
        /// Which arm.
        what: &'static str,
        /// Successes given.
        successes: u64,
        /// Trials given.
        n: u64,
    },
    /// A confidence level outside the open interval (0, 1).
    #[error("confidence level must be strictly between 0 and 1, got {0}")]
    Confidence(f64),
    /// A NaN or infinite input.
    #[error("{what} must be finite, got {value}")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A number outside its allowed range.
    #[error("{what} = {value} is out of range: must be {range}")]
    OutOfRange {
        /// Which input.
        what: &'static str,
        /// The offending value.
        value: f64,
        /// The allowed range, in words.
        range: &'static str,
    },
    /// Two inputs that must have the same length do not.
    #[error("{what}: lengths differ ({left} vs {right})")]
    LengthMismatch {
        /// Which inputs.
        what: &'static str,
        /// Length of the first.
        left: usize,
        /// Length of the second.
        right: usize,
    },
    /// A variance the statistic divides by is zero (e.g. all values identical).
    #[error("{what}: zero variance, the statistic is undefined")]
    ZeroVariance {
        /// Which variance.
        what: &'static str,
    },
    /// The control mean is zero, so a relative lift is undefined.
    #[error("relative lift is undefined: the control mean is zero")]
    ZeroControlMean,
    /// No value satisfies the request (e.g. no detectable effect below 100% for this n).
    #[error("{0}")]
    NoSolution(String),
}

type Result<T> = std::result::Result<T, UpliftError>;

/// A point estimate with a two-sided confidence interval `[lo, hi]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The point estimate.
    pub estimate: f64,
    /// Lower confidence limit.
    pub lo: f64,
    /// Upper confidence limit.
    pub hi: f64,
}

// ---------------------------------------------------------------------------------------------
// validation and distribution helpers

fn check_confidence(confidence: f64) -> Result<()> {
    if confidence.is_finite() && confidence > 0.0 && confidence < 1.0 {
        Ok(())
    } else {
        Err(UpliftError::Confidence(confidence))
    }
}

fn check_finite(what: &'static str, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(UpliftError::NonFinite { what, value })
    }
}

fn check_open_unit(what: &'static str, value: f64) -> Result<()> {
    check_finite(what, value)?;
    if value > 0.0 && value < 1.0 {
        Ok(())
    } else {
        Err(UpliftError::OutOfRange {
            what,
            value,
            range: "strictly between 0 and 1",
        })
    }
}

fn check_counts(what: &'static str, successes: u64, n: u64) -> Result<()> {
    if n == 0 {
        return Err(UpliftError::Empty { what });
    }
    if successes > n {
        return Err(UpliftError::SuccessesExceedTrials { what, successes, n });
    }
    Ok(())
}

/// Upper standard-normal quantile `Φ⁻¹(1 − q)` (computed as `−Φ⁻¹(q)`, accurate in the tail).
fn z_upper(q: f64) -> f64 {
    -Normal::standard().inverse_cdf(q)
}

/// Two-sided critical value `z = Φ⁻¹(1 − α/2)` for a confidence level `1 − α`.
fn z_crit(confidence: f64) -> f64 {
    z_upper((1.0 - confidence) / 2.0)
}

/// Standard-normal survival function `1 − Φ(x)`.
fn normal_sf(x: f64) -> f64 {
    Normal::standard().sf(x)
}

/// Student-t distribution with `df` degrees of freedom (`df > 0` checked by callers).
fn students_t(df: f64) -> StudentsT {
    StudentsT::new(0.0, 1.0, df).expect("df > 0 and finite was checked")
}

/// Upper Student-t quantile `t` with `P(T > t) = q`, `0 < q < 1/2`. statrs inverts the
/// regularised incomplete beta function; two Newton steps on its (accurate) survival function
/// polish the result to full double precision.
fn t_upper(q: f64, df: f64) -> f64 {
    let dist = students_t(df);
    let mut t = -dist.inverse_cdf(q);
    for _ in 0..3 {
        let step = (dist.sf(t) - q) / dist.pdf(t);
        if !step.is_finite() {
            break;
        }
        t += step;
    }
    t
}

// ---------------------------------------------------------------------------------------------
// proportions

/// Wilson score interval for a proportion `p̂ = x/n`.
///
/// With `z = Φ⁻¹(1 − α/2)`:
///
/// ```text
/// centre = (p̂ + z²/(2n)) / (1 + z²/n)
/// half   = z · sqrt(p̂(1 − p̂)/n + z²/(4n²)) / (1 + z²/n)
/// [lo, hi] = [centre − half, centre + half], clipped to [0, 1]
/// ```
///
/// The estimate is `p̂`. Matches `statsmodels.stats.proportion.proportion_confint(x, n,
/// alpha, method="wilson")` (which clips the same way). Unlike the Wald interval it stays
/// inside `[0, 1]` and is not degenerate at `x = 0` or `x = n`.
///
/// Errors: `n = 0`, `successes > n`, confidence outside `(0, 1)`.
pub fn wilson(successes: u64, n: u64, confidence: f64) -> Result<Interval> {
    check_counts("wilson", successes, n)?;
    check_confidence(confidence)?;
    let z = z_crit(confidence);
    let nf = n as f64;
    let q = successes as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let center = (q + z2 / (2.0 * nf)) / denom;
    let dist = z * (q * (1.0 - q) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    Ok(Interval {
        estimate: q,
        lo: (center - dist).clamp(0.0, 1.0),
        hi: (center + dist).clamp(0.0, 1.0),
    })
}

/// Difference of two independent proportions `p_t − p_c` with Newcombe's hybrid score
/// interval (Newcombe 1998, method 10), built from the two Wilson intervals
/// `[l_t, u_t]` and `[l_c, u_c]` (see [`wilson`]) at the same confidence:
///
/// ```text
/// d  = p_t − p_c
/// lo = d − sqrt((p_t − l_t)² + (u_c − p_c)²)
/// hi = d + sqrt((u_t − p_t)² + (p_c − l_c)²)
/// ```
///
/// Matches `statsmodels.stats.proportion.confint_proportions_2indep(s_t, n_t, s_c, n_c,
/// method="newcomb", compare="diff")`. Coverage is close to nominal even for small arms and
/// rates near 0 or 1 (checked by simulation in the tests).
///
/// Errors: either arm empty, `successes > n`, confidence outside `(0, 1)`.
pub fn newcombe_diff(s_t: u64, n_t: u64, s_c: u64, n_c: u64, confidence: f64) -> Result<Interval> {
    check_counts("treatment arm", s_t, n_t)?;
    check_counts("control arm", s_c, n_c)?;
    let wt = wilson(s_t, n_t, confidence)?;
    let wc = wilson(s_c, n_c, confidence)?;
    let (pt, pc) = (wt.estimate, wc.estimate);
    let d = pt - pc;
    Ok(Interval {
        estimate: d,
        lo: d - ((pt - wt.lo).powi(2) + (wc.hi - pc).powi(2)).sqrt(),
        hi: d + ((wt.hi - pt).powi(2) + (pc - wc.lo).powi(2)).sqrt(),
    })
}

/// Two-sided p-value of the pooled two-proportion z-test of `H0: p_t = p_c`:
///
/// ```text
/// p̄ = (s_t + s_c) / (n_t + n_c)
/// z = (p_t − p_c) / sqrt(p̄(1 − p̄)(1/n_t + 1/n_c))
/// p = 2 · (1 − Φ(|z|))
/// ```
///
/// Identical to Pearson's chi-square test of the 2×2 table without continuity correction
/// (`z² = χ²`). Matches `statsmodels.stats.proportion.proportions_ztest([s_t, s_c],
/// [n_t, n_c])` and `scipy.stats.chi2_contingency(..., correction=False)`.
///
/// Errors: either arm empty, `successes > n`, and [`UpliftError::ZeroVariance`] when the
/// pooled rate is 0 or 1 (no successes or no failures anywhere: the test is undefined).
pub fn two_proportion_p_value(s_t: u64, n_t: u64, s_c: u64, n_c: u64) -> Result<f64> {
    check_counts("treatment arm", s_t, n_t)?;
    check_counts("control arm", s_c, n_c)?;
    let (nt, nc) = (n_t as f64, n_c as f64);
    let pooled = (s_t + s_c) as f64 / (nt + nc);
    let var = pooled * (1.0 - pooled) * (1.0 / nt + 1.0 / nc);
    if var <= 0.0 {
        return Err(UpliftError::ZeroVariance {
            what: "two-proportion z-test (pooled rate is 0 or 1)",
        });
    }
    let z = (s_t as f64 / nt - s_c as f64 / nc) / var.sqrt();
    Ok((2.0 * normal_sf(z.abs())).min(1.0))
}

// ---------------------------------------------------------------------------------------------
// means

/// Summary of one arm for comparing means: size, mean and sample variance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanSummary {
    /// Number of observations.
    pub n: u64,
    /// Sample mean `ȳ = Σ y_i / n`.
    pub mean: f64,
    /// Sample variance with the `n − 1` denominator, `s² = Σ (y_i − ȳ)² / (n − 1)`.
    pub var: f64,
}

impl MeanSummary {
    /// Summarise a slice: `n`, mean `ȳ = Σ y_i / n` and sample variance
    /// `s² = Σ (y_i − ȳ)² / (n − 1)` (two-pass, centred).
    ///
    /// Errors: fewer than 2 values (a sample variance needs two), a non-finite value.
    pub fn of(values: &[f64]) -> Result<Self> {
        if values.is_empty() {
            return Err(UpliftError::Empty {
                what: "mean summary",
            });
        }
        if values.len() < 2 {
            return Err(UpliftError::TooFew {
                what: "mean summary",
                need: 2,
                got: values.len(),
            });
        }
        for &v in values {
            check_finite("value", v)?;
        }
        let (mean, var) = mean_var(values);
        Ok(Self {
            n: values.len() as u64,
            mean,
            var,
        })
    }

    /// The summary of 0/1 data with `successes` ones out of `n`, without materialising it:
    /// mean `p = x/n`, sample variance `s² = x(n − x) / (n(n − 1))` (= `p(1 − p)·n/(n − 1)`,
    /// exactly what [`MeanSummary::of`] gives on the 0/1 values). Use it to feed retention
    /// rates to [`relative_lift`].
    ///
    /// Errors: `n < 2`, `successes > n`.
    pub fn from_proportion(successes: u64, n: u64) -> Result<Self> {
        check_counts("proportion summary", successes, n)?;
        if n < 2 {
            return Err(UpliftError::TooFew {
                what: "proportion summary",
                need: 2,
                got: n as usize,
            });
        }
        let (x, nf) = (successes as f64, n as f64);
        Ok(Self {
            n,
            mean: x / nf,
            var: x * (nf - x) / (nf * (nf - 1.0)),
        })
    }

    fn validate(&self, what: &'static str, need: u64) -> Result<()> {
        if self.n == 0 {
            return Err(UpliftError::Empty { what });
        }
        if self.n < need {
            return Err(UpliftError::TooFew {
                what,
                need: need as usize,
                got: self.n as usize,
            });
        }
        check_finite("mean", self.mean)?;
        check_finite("variance", self.var)?;
        if self.var < 0.0 {
            return Err(UpliftError::OutOfRange {
                what: "variance",
                value: self.var,
                range: "non-negative",
            });
        }
        Ok(())
    }
}

/// Mean and n−1 sample variance, two-pass (assumes `len ≥ 2`, finite values).
fn mean_var(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    (mean, ss / (n - 1.0))
}

/// Result of Welch's unequal-variance t-test and interval for `mean_t − mean_c`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WelchResult {
    /// `ȳ_t − ȳ_c`.
    pub diff: f64,
    /// Lower confidence limit `diff − t_{1−α/2, df} · se`.
    pub lo: f64,
    /// Upper confidence limit `diff + t_{1−α/2, df} · se`.
    pub hi: f64,
    /// Standard error `sqrt(s_t²/n_t + s_c²/n_c)`.
    pub se: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// Test statistic `diff / se`.
    pub t: f64,
    /// Two-sided p-value `2 · P(T_df > |t|)`.
    pub p_value: f64,
}

/// Welch's t-test and confidence interval for the difference of two means with unequal
/// variances:
///
/// ```text
/// v_t = s_t²/n_t,  v_c = s_c²/n_c,  se = sqrt(v_t + v_c)
/// df  = (v_t + v_c)² / (v_t²/(n_t − 1) + v_c²/(n_c − 1))      (Welch–Satterthwaite)
/// t   = (ȳ_t − ȳ_c) / se,   p = 2 · P(T_df > |t|)
/// CI  = (ȳ_t − ȳ_c) ± t_{1−α/2, df} · se
/// ```
///
/// Matches `scipy.stats.ttest_ind(y_t, y_c, equal_var=False)` (statistic, p-value, `df`,
/// and `confidence_interval(confidence_level)`).
///
/// Errors: an arm with fewer than 2 observations, non-finite or negative summary values,
/// confidence outside `(0, 1)`, and [`UpliftError::ZeroVariance`] when both arms have zero
/// variance (`se = 0`).
pub fn welch(t: &MeanSummary, c: &MeanSummary, confidence: f64) -> Result<WelchResult> {
    t.validate("treatment arm", 2)?;
    c.validate("control arm", 2)?;
    check_confidence(confidence)?;
    let vt = t.var / t.n as f64;
    let vc = c.var / c.n as f64;
    let var = vt + vc;
    if var <= 0.0 {
        return Err(UpliftError::ZeroVariance {
            what: "Welch t-test (both arms constant)",
        });
    }
    let se = var.sqrt();
    let df = var * var / (vt * vt / (t.n as f64 - 1.0) + vc * vc / (c.n as f64 - 1.0));
    let diff = t.mean - c.mean;
    let stat = diff / se;
    let dist = students_t(df);
    let p_value = (2.0 * dist.sf(stat.abs())).min(1.0);
    let q = t_upper((1.0 - confidence) / 2.0, df);
    Ok(WelchResult {
        diff,
        lo: diff - q * se,
        hi: diff + q * se,
        se,
        df,
        t: stat,
        p_value,
    })
}

/// Relative lift `r = ȳ_t / ȳ_c − 1` with a delta-method (first-order Taylor) interval,
/// treating the arms as independent:
///
/// ```text
/// Var(ȳ_t/ȳ_c) ≈ (s_t²/n_t) / ȳ_c²  +  ȳ_t² (s_c²/n_c) / ȳ_c⁴
/// CI = r ± z · sqrt(Var)
/// ```
///
/// Works for means and for proportions (build those with [`MeanSummary::from_proportion`]).
/// The interval is symmetric on the ratio scale and is reliable only when the control mean
/// is well away from zero relative to its standard error (coefficient of variation of
/// `ȳ_c` small, as in Deng et al. 2018, "Applying the delta method in metric analytics").
/// No reference package implements it; the tests check it against the same formula evaluated
/// in numpy (`tests/data/uplift_reference.py`).
///
/// Errors: an empty arm, non-finite or negative summary values, confidence outside `(0, 1)`,
/// [`UpliftError::ZeroControlMean`] when `ȳ_c = 0`.
pub fn relative_lift(t: &MeanSummary, c: &MeanSummary, confidence: f64) -> Result<Interval> {
    t.validate("treatment arm", 1)?;
    c.validate("control arm", 1)?;
    check_confidence(confidence)?;
    if c.mean == 0.0 {
        return Err(UpliftError::ZeroControlMean);
    }
    let (mt, mc) = (t.mean, c.mean);
    let r = mt / mc - 1.0;
    let var = t.var / t.n as f64 / (mc * mc) + mt * mt * (c.var / c.n as f64) / (mc * mc * mc * mc);
    let half = z_crit(confidence) * var.sqrt();
    Ok(Interval {
        estimate: r,
        lo: r - half,
        hi: r + half,
    })
}

// ---------------------------------------------------------------------------------------------
// multiple testing

/// Clean p-values for the adjustments: NaN becomes 1 (conservative), others clamp to [0, 1].
fn clean_p(p: f64) -> f64 {
    if p.is_nan() { 1.0 } else { p.clamp(0.0, 1.0) }
}

/// Indices that sort the p-values ascending (stable).
fn order(p: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    idx
}

/// Holm's step-down adjusted p-values (family-wise error rate), returned in input order.
///
/// With the `m` p-values sorted ascending `p_(1) ≤ … ≤ p_(m)`:
///
/// ```text
/// p̃_(i) = min(1, max_{j ≤ i} (m − j + 1) · p_(j))
/// ```
///
/// Reject hypothesis `i` at level α iff `p̃_i ≤ α`. Matches
/// `statsmodels.stats.multitest.multipletests(p, method="holm")[1]`. Ties get equal adjusted
/// values whatever their order. Inputs should be p-values in `[0, 1]`; out-of-range values are
/// clamped and NaN is treated as 1 (never significant). An empty slice gives an empty vector.
pub fn holm(p_values: &[f64]) -> Vec<f64> {
    let p: Vec<f64> = p_values.iter().map(|&v| clean_p(v)).collect();
    let m = p.len();
    let mut out = vec![0.0; m];
    let mut running = 0.0_f64;
    for (j, &i) in order(&p).iter().enumerate() {
        running = running.max((m - j) as f64 * p[i]);
        out[i] = running.min(1.0);
    }
    out
}

/// Benjamini–Hochberg adjusted p-values (q-values, false-discovery rate), in input order.
///
/// With the `m` p-values sorted ascending `p_(1) ≤ … ≤ p_(m)`:
///
/// ```text
/// q_(i) = min(1, min_{j ≥ i} m · p_(j) / j)
/// ```
///
/// Rejecting every hypothesis with `q_i ≤ α` controls the FDR at α (independent or positively
/// dependent tests). Matches `multipletests(p, method="fdr_bh")[1]`. Same input handling as
/// [`holm`].
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let p: Vec<f64> = p_values.iter().map(|&v| clean_p(v)).collect();
    let m = p.len();
    let mut out = vec![0.0; m];
    let mut running = 1.0_f64;
    let idx = order(&p);
    for (j, &i) in idx.iter().enumerate().rev() {
        running = running.min(m as f64 * p[i] / (j + 1) as f64);
        out[i] = running;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// sample ratio mismatch

/// Result of the sample-ratio-mismatch check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SrmResult {
    /// Pearson's statistic `χ² = Σ (O_i − E_i)² / E_i`.
    pub chi_square: f64,
    /// Degrees of freedom, `k − 1` for `k` arms.
    pub df: usize,
    /// `P(χ²_df ≥ chi_square)`.
    pub p_value: f64,
    /// Expected counts `E_i = N · w_i / Σ w`.
    pub expected: Vec<f64>,
    /// `p_value < threshold`: the assignment is suspect and the experiment should not be read.
    pub mismatch: bool,
}

/// Sample-ratio-mismatch (SRM) check: Pearson's chi-square goodness-of-fit test of the
/// observed arm sizes against the designed split.
///
/// ```text
/// N = Σ O_i,   E_i = N · w_i / Σ_j w_j
/// χ² = Σ (O_i − E_i)² / E_i,   df = k − 1,   p = P(χ²_df ≥ χ²)
/// mismatch = p < threshold
/// ```
///
/// `expected_shares` are the designed allocation weights; they are normalised, so
/// `[0.5, 0.5]` and `[1.0, 1.0]` mean the same. Matches `scipy.stats.chisquare(observed,
/// f_exp=N·shares)`. A conventional threshold is 0.001 (SRM checks are run on every
/// experiment, so a strict level keeps false alarms rare).
///
/// Errors: fewer than 2 arms, lengths differ, no customers at all, a share that is not finite
/// and positive, threshold outside `(0, 1)`.
pub fn sample_ratio_mismatch(
    observed: &[u64],
    expected_shares: &[f64],
    threshold: f64,
) -> Result<SrmResult> {
    if observed.len() != expected_shares.len() {
        return Err(UpliftError::LengthMismatch {
            what: "sample ratio mismatch (observed vs expected shares)",
            left: observed.len(),
            right: expected_shares.len(),
        });
    }
    if observed.len() < 2 {
        return Err(UpliftError::TooFew {
            what: "sample ratio mismatch arms",
            need: 2,
            got: observed.len(),
        });
    }
    check_open_unit("SRM threshold", threshold)?;
    for &w in expected_shares {
        check_finite("expected share", w)?;
        if w <= 0.0 {
            return Err(UpliftError::OutOfRange {
                what: "expected share",
                value: w,
                range: "positive",
            });
        }
    }
    let total: u64 = observed.iter().sum();
    if total == 0 {
        return Err(UpliftError::Empty {
            what: "sample ratio mismatch",
        });
    }
    let wsum: f64 = expected_shares.iter().sum();
    let expected: Vec<f64> = expected_shares
        .iter()
        .map(|w| total as f64 * w / wsum)
        .collect();
    let chi_square: f64 = observed
        .iter()
        .zip(&expected)
        .map(|(&o, &e)| (o as f64 - e).powi(2) / e)
        .sum();
    let df = observed.len() - 1;
    let p_value = ChiSquared::new(df as f64).expect("df >= 1").sf(chi_square);
    Ok(SrmResult {
        chi_square,
        df,
        p_value,
        expected,
        mismatch: p_value < threshold,
    })
}

// ---------------------------------------------------------------------------------------------
// CUPED

/// CUPED-adjusted outcomes (see [`cuped`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cuped {
    /// `y_i − θ (x_i − x̄)`, same order as the input.
    pub adjusted: Vec<f64>,
    /// `θ = cov(y, x) / var(x)`.
    pub theta: f64,
    /// `1 − var(adjusted) / var(y)`, which equals `corr(y, x)²` on the pooled data.
    pub variance_reduction: f64,
}

/// CUPED (Deng, Xu, Kohavi & Walker 2013): reduce the variance of an outcome `y` with a
/// pre-experiment covariate `x` (e.g. last period's retention or spend) of the same customers.
///
/// ```text
/// θ    = cov(y, x) / var(x)          (sample moments over all arms pooled)
/// y'_i = y_i − θ (x_i − x̄)
/// variance_reduction = 1 − var(y') / var(y)   (= corr(y, x)²)
/// ```
///
/// Pass the outcomes of *all* arms together (one θ for everyone, as the paper recommends);
/// then split `adjusted` back into arms and compare them with [`welch`]. Because `x` is
/// measured before assignment, `E[x̄_t − x̄_c] = 0` and the adjusted difference of means stays
/// unbiased for the treatment effect while its variance shrinks by about `corr²` (both
/// checked by simulation in the tests).
///
/// Errors: lengths differ, fewer than 2 customers, non-finite values,
/// [`UpliftError::ZeroVariance`] when `x` or `y` is constant.
pub fn cuped(y: &[f64], x: &[f64]) -> Result<Cuped> {
    if y.len() != x.len() {
        return Err(UpliftError::LengthMismatch {
            what: "CUPED (outcome vs covariate)",
            left: y.len(),
            right: x.len(),
        });
    }
    if y.is_empty() {
        return Err(UpliftError::Empty { what: "CUPED" });
    }
    if y.len() < 2 {
        return Err(UpliftError::TooFew {
            what: "CUPED",
            need: 2,
            got: y.len(),
        });
    }
    for &v in y {
        check_finite("CUPED outcome", v)?;
    }
    for &v in x {
        check_finite("CUPED covariate", v)?;
    }
    let (my, vy) = mean_var(y);
    let (mx, vx) = mean_var(x);
    if vx <= 0.0 {
        return Err(UpliftError::ZeroVariance {
            what: "CUPED covariate",
        });
    }
    if vy <= 0.0 {
        return Err(UpliftError::ZeroVariance {
            what: "CUPED outcome",
        });
    }
    let n = y.len() as f64;
    let cov: f64 = y
        .iter()
        .zip(x)
        .map(|(a, b)| (a - my) * (b - mx))
        .sum::<f64>()
        / (n - 1.0);
    let theta = cov / vx;
    let adjusted: Vec<f64> = y.iter().zip(x).map(|(a, b)| a - theta * (b - mx)).collect();
    let (_, va) = mean_var(&adjusted);
    Ok(Cuped {
        adjusted,
        theta,
        variance_reduction: 1.0 - va / vy,
    })
}

// ---------------------------------------------------------------------------------------------
// power

fn check_power_inputs(baseline: f64, alpha: f64, power: f64) -> Result<()> {
    check_open_unit("baseline rate", baseline)?;
    check_open_unit("alpha", alpha)?;
    check_open_unit("power", power)?;
    Ok(())
}

/// `sqrt(n) · δ` needed for the test: `z_{1−α/2} · sqrt(2 p̄ q̄) + z_power · sqrt(p1 q1 + p0 q0)`.
fn required_signal(baseline: f64, delta: f64, z_a: f64, z_b: f64) -> f64 {
    let p0 = baseline;
    let p1 = baseline + delta;
    let pbar = (p0 + p1) / 2.0;
    let std_null = (2.0 * pbar * (1.0 - pbar)).sqrt();
    let std_alt = (p1 * (1.0 - p1) + p0 * (1.0 - p0)).sqrt();
    (z_a * std_null + z_b * std_alt).max(0.0)
}

/// The un-rounded per-arm sample size behind [`sample_size_two_proportions`]:
///
/// ```text
/// p0 = baseline, p1 = baseline + mde_abs, p̄ = (p0 + p1)/2
/// n  = ( z_{1−α/2} · sqrt(2 p̄ (1 − p̄)) + z_power · sqrt(p1(1 − p1) + p0(1 − p0)) )² / mde_abs²
/// ```
///
/// Equals `statsmodels.stats.proportion.samplesize_proportions_2indep_onetail(diff=mde_abs,
/// prop2=baseline, power, ratio=1, alpha, alternative="two-sided")`.
///
/// Errors: as [`sample_size_two_proportions`].
pub fn sample_size_two_proportions_exact(
    baseline: f64,
    mde_abs: f64,
    alpha: f64,
    power: f64,
) -> Result<f64> {
    check_power_inputs(baseline, alpha, power)?;
    check_finite("minimum detectable effect", mde_abs)?;
    if mde_abs == 0.0 {
        return Err(UpliftError::OutOfRange {
            what: "minimum detectable effect",
            value: mde_abs,
            range: "non-zero",
        });
    }
    let p1 = baseline + mde_abs;
    if !(p1 > 0.0 && p1 < 1.0) {
        return Err(UpliftError::OutOfRange {
            what: "baseline + minimum detectable effect",
            value: p1,
            range: "strictly between 0 and 1",
        });
    }
    let s = required_signal(
        baseline,
        mde_abs,
        z_upper(alpha / 2.0),
        z_upper(1.0 - power),
    );
    Ok((s / mde_abs).powi(2))
}

/// Customers needed per arm (equal arms) for a two-sided two-proportion z-test at level
/// `alpha` to detect `p_t = baseline + mde_abs` against `p_c = baseline` with probability
/// `power`.
///
/// Method: the normal-approximation formula with the pooled variance under the null and the
/// unpooled variance under the alternative, ignoring the far tail of the two-sided test
/// (Fleiss, Levin & Paik 2003, eq. 4.14 without continuity correction; the same equation R's
/// `power.prop.test` solves with `strict = FALSE`):
///
/// ```text
/// p0 = baseline, p1 = baseline + mde_abs, p̄ = (p0 + p1)/2
/// n  = ceil( ( z_{1−α/2} · sqrt(2 p̄ (1 − p̄)) + z_power · sqrt(p1(1 − p1) + p0(1 − p0)) )² / mde_abs² )
/// ```
///
/// Matches `statsmodels.stats.proportion.samplesize_proportions_2indep_onetail(diff=mde_abs,
/// prop2=baseline, power=power, ratio=1, alpha=alpha, alternative="two-sided")` before the
/// ceiling (see [`sample_size_two_proportions_exact`]). It is *not* statsmodels'
/// `NormalIndPower` with Cohen's h (arcsine effect size), which gives slightly different n.
/// `mde_abs` may be negative (a drop); the result is at least 1.
///
/// Errors: `baseline`, `alpha`, `power` outside `(0, 1)`; `mde_abs` zero or non-finite;
/// `baseline + mde_abs` outside `(0, 1)`.
pub fn sample_size_two_proportions(
    baseline: f64,
    mde_abs: f64,
    alpha: f64,
    power: f64,
) -> Result<u64> {
    let n = sample_size_two_proportions_exact(baseline, mde_abs, alpha, power)?;
    Ok((n.ceil() as u64).max(1))
}

/// The minimum detectable (upward) absolute effect with `n_per_arm` customers per arm: the
/// `δ > 0` that solves the [`sample_size_two_proportions`] equation for `n` exactly,
///
/// ```text
/// sqrt(n) · δ = z_{1−α/2} · sqrt(2 p̄ (1 − p̄)) + z_power · sqrt(p1(1 − p1) + p0(1 − p0)),
/// p0 = baseline, p1 = baseline + δ, p̄ = (p0 + p1)/2
/// ```
///
/// solved by bisection on `(0, 1 − baseline)` to machine precision. For `power ≥ 0.5` the
/// left side minus the right is convex in δ and negative at 0, so the root is unique; then
/// `sample_size_two_proportions(baseline, mde, alpha, power)` returns `n_per_arm` (up to
/// rounding in the ceiling). The detectable *drop* differs slightly because the binomial
/// variance is not symmetric around the baseline. Checked against `scipy.optimize.brentq` on
/// the statsmodels function.
///
/// Errors: `n_per_arm = 0`; `baseline`, `alpha`, `power` outside `(0, 1)`;
/// [`UpliftError::NoSolution`] if even `p_t = 1` is not detectable with this `n`.
pub fn mde_two_proportions(baseline: f64, n_per_arm: u64, alpha: f64, power: f64) -> Result<f64> {
    check_power_inputs(baseline, alpha, power)?;
    if n_per_arm == 0 {
        return Err(UpliftError::Empty {
            what: "minimum detectable effect (n per arm)",
        });
    }
    let (z_a, z_b) = (z_upper(alpha / 2.0), z_upper(1.0 - power));
    let sn = (n_per_arm as f64).sqrt();
    let f = |d: f64| sn * d - required_signal(baseline, d, z_a, z_b);
    let (mut lo, mut hi) = (0.0_f64, 1.0 - baseline);
    if f(lo) >= 0.0 {
        return Err(UpliftError::NoSolution(format!(
            "power {power} is not above what alpha {alpha} gives with no effect at all"
        )));
    }
    if f(hi) < 0.0 {
        return Err(UpliftError::NoSolution(format!(
            "with {n_per_arm} customers per arm no lift up to a retention rate of 100% is \
             detectable (baseline {baseline}, alpha {alpha}, power {power})"
        )));
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if f(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(hi)
}

// ---------------------------------------------------------------------------------------------
// value

/// Incremental value of a retention uplift:
///
/// ```text
/// value = uplift × treated × value_per_retained
/// ```
///
/// applied to the estimate and both limits (`uplift` is an absolute difference in retention
/// rates, e.g. from [`newcombe_diff`], so `uplift × treated` is the number of extra retained
/// customers). `value_per_retained` (e.g. a CLV) and `treated` are treated as known constants:
/// their own uncertainty is *not* propagated, so the interval is the uplift interval scaled.
/// A negative value per customer swaps the limits so that `lo ≤ hi`. Inputs are expected to
/// be finite; a non-finite `value_per_retained` gives a non-finite interval.
pub fn incremental_value(uplift: &Interval, treated: u64, value_per_retained: f64) -> Interval {
    let s = treated as f64 * value_per_retained;
    let (a, b) = (uplift.lo * s, uplift.hi * s);
    Interval {
        estimate: uplift.estimate * s,
        lo: a.min(b),
        hi: a.max(b),
    }
}

#[cfg(test)]
mod tests {
    //! Reference values: `python3 tests/data/uplift_reference.py` with statsmodels 0.15.0,
    //! scipy 1.17.1, numpy 2.4.6 (printed with `repr`, pasted verbatim). Tolerance: 1e-9
    //! relative (plus 1e-15 absolute for limits that are 0 up to rounding).
    use super::*;
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};
    use rand_distr::{Binomial, Distribution, Normal as RNormal};

    #[track_caller]
    fn close(got: f64, want: f64, rel: f64) {
        assert!(
            (got - want).abs() <= rel * want.abs() + 1e-15,
            "got {got:e}, want {want:e} (rel {:e})",
            ((got - want) / want).abs()
        );
    }

    #[track_caller]
    fn close_iv(got: Interval, lo: f64, hi: f64) {
        close(got.lo, lo, 1e-9);
        close(got.hi, hi, 1e-9);
    }

    // proportion_confint(x, n, alpha=1-conf, method="wilson")
    #[test]
    fn wilson_matches_statsmodels() {
        close_iv(
            wilson(37, 120, 0.95).unwrap(),
            0.23272736988916298,
            0.39582997723800684,
        );
        // statsmodels' 1.39e-17 is rounding noise around 0 (the absolute slack covers it)
        close_iv(
            wilson(0, 25, 0.95).unwrap(),
            1.3877787807814457e-17,
            0.13319225093904846,
        );
        close_iv(
            wilson(25, 25, 0.95).unwrap(),
            0.8668077490609515,
            0.9999999999999999,
        );
        close_iv(
            wilson(1, 1000, 0.90).unwrap(),
            0.00022312384391207085,
            0.004469722909368932,
        );
        close_iv(
            wilson(37, 120, 0.99).unwrap(),
            0.21219370709039861,
            0.42455728939891313,
        );
        let w = wilson(0, 25, 0.95).unwrap();
        assert!(w.lo >= 0.0 && w.estimate == 0.0);
        assert!(wilson(25, 25, 0.95).unwrap().hi <= 1.0);
    }

    // confint_proportions_2indep(s_t, n_t, s_c, n_c, method="newcomb", compare="diff", alpha)
    #[test]
    fn newcombe_matches_statsmodels() {
        let cases: [(u64, u64, u64, u64, f64, f64, f64); 8] = [
            (
                37,
                120,
                25,
                118,
                0.95,
                -0.01522003657607425,
                0.2048971437800494,
            ),
            (
                37,
                120,
                25,
                118,
                0.90,
                0.0027777161477836043,
                0.18784836672243668,
            ),
            (
                0,
                50,
                3,
                60,
                0.95,
                -0.1370051647634852,
                0.028547024833162807,
            ),
            (
                0,
                50,
                3,
                60,
                0.90,
                -0.11867513258726384,
                0.009377617321825994,
            ),
            (
                40,
                40,
                35,
                45,
                0.95,
                0.09167331707850351,
                0.36269292174756285,
            ),
            (40, 40, 35, 45, 0.90, 0.1166114018430437, 0.3382281027555377),
            (
                130,
                1000,
                90,
                800,
                0.95,
                -0.013207602235060047,
                0.047477887574376695,
            ),
            (
                130,
                1000,
                90,
                800,
                0.90,
                -0.008194468785208242,
                0.042679354334232256,
            ),
        ];
        for (st, nt, sc, nc, conf, lo, hi) in cases {
            let iv = newcombe_diff(st, nt, sc, nc, conf).unwrap();
            close_iv(iv, lo, hi);
            close(
                iv.estimate,
                st as f64 / nt as f64 - sc as f64 / nc as f64,
                1e-15,
            );
        }
    }

    // proportions_ztest([s_t, s_c], [n_t, n_c])[1]
    #[test]
    fn z_test_matches_statsmodels() {
        let cases: [(u64, u64, u64, u64, f64); 4] = [
            (37, 120, 25, 118, 0.09001200395180801),
            (0, 50, 3, 60, 0.10890129793272194),
            (40, 40, 35, 45, 0.0015037016929164977),
            (130, 1000, 90, 800, 0.26001076557305447),
        ];
        for (st, nt, sc, nc, p) in cases {
            let got = two_proportion_p_value(st, nt, sc, nc).unwrap();
            close(got, p, 1e-9);
            // symmetric in the arms
            assert_eq!(two_proportion_p_value(sc, nc, st, nt).unwrap(), got);
        }
        assert_eq!(two_proportion_p_value(10, 100, 10, 100).unwrap(), 1.0);
    }

    const YT: [f64; 12] = [
        12.5, 9.75, 14.0, 11.25, 8.5, 13.75, 10.0, 15.5, 9.25, 12.0, 16.25, 11.5,
    ];
    const YC: [f64; 9] = [10.25, 8.0, 11.5, 9.5, 7.25, 12.75, 8.75, 10.5, 9.0];

    // scipy.stats.ttest_ind(YT, YC, equal_var=False) and .confidence_interval(conf)
    #[test]
    fn welch_matches_scipy() {
        let t = MeanSummary::of(&YT).unwrap();
        let c = MeanSummary::of(&YC).unwrap();
        close(t.mean, 12.020833333333334, 1e-14);
        close(t.var, 6.118844696969697, 1e-13);
        close(c.mean, 9.722222222222221, 1e-14);
        close(c.var, 2.975694444444445, 1e-13);
        let w = welch(&t, &c, 0.95).unwrap();
        close(w.t, 2.5071898926727805, 1e-9);
        close(w.p_value, 0.021445033184903595, 1e-9);
        close(w.df, 18.940410679335304, 1e-9);
        close(w.se, 0.9168077447299721, 1e-9);
        close(w.lo, 0.3793017555302205, 1e-9);
        close(w.hi, 4.2179204666920045, 1e-9);
        let w90 = welch(&t, &c, 0.90).unwrap();
        close(w90.lo, 0.713073418086722, 1e-9);
        close(w90.hi, 3.8841488041355015, 1e-9);
        // swapping the arms flips the sign, not the p-value
        let s = welch(&c, &t, 0.95).unwrap();
        close(s.t, -w.t, 1e-12);
        close(s.p_value, w.p_value, 1e-12);
    }

    // the delta-method formula evaluated in numpy (see the script)
    #[test]
    fn relative_lift_matches_numpy_formula() {
        let t = MeanSummary::of(&YT).unwrap();
        let c = MeanSummary::of(&YC).unwrap();
        let r = relative_lift(&t, &c, 0.95).unwrap();
        close(r.estimate, 0.23642857142857165, 1e-12);
        close(r.lo, 0.03328988190505666, 1e-9);
        close(r.hi, 0.43956726095208665, 1e-9);
        let pt = MeanSummary::from_proportion(37, 120).unwrap();
        let pc = MeanSummary::from_proportion(25, 118).unwrap();
        let r = relative_lift(&pt, &pc, 0.95).unwrap();
        close(r.estimate, 0.45533333333333337, 1e-12);
        close(r.lo, -0.18658778748266158, 1e-9);
        close(r.hi, 1.0972544541493283, 1e-9);
        // from_proportion agrees with summarising the 0/1 values
        let mut v = vec![1.0; 37];
        v.extend(std::iter::repeat_n(0.0, 120 - 37));
        let direct = MeanSummary::of(&v).unwrap();
        close(pt.mean, direct.mean, 1e-14);
        close(pt.var, direct.var, 1e-12);
    }

    // multipletests(P, method="holm" | "fdr_bh")[1]
    #[test]
    fn holm_and_bh_match_statsmodels() {
        let p = [0.01, 0.04, 0.03, 0.005, 0.20, 0.04, 0.5, 0.0001];
        let holm_want = [0.06, 0.16, 0.15, 0.035, 0.4, 0.16, 0.5, 0.0008];
        let bh_want = [
            0.02666666666666667,
            0.05333333333333334,
            0.05333333333333334,
            0.02,
            0.2285714285714286,
            0.05333333333333334,
            0.5,
            0.0008,
        ];
        for (g, w) in holm(&p).iter().zip(holm_want) {
            close(*g, w, 1e-12);
        }
        for (g, w) in benjamini_hochberg(&p).iter().zip(bh_want) {
            close(*g, w, 1e-12);
        }
        assert_eq!(holm(&[0.9, 0.8, 0.95]), vec![1.0, 1.0, 1.0]);
        let bh = benjamini_hochberg(&[0.9, 0.8, 0.95]);
        for g in bh {
            close(g, 0.95, 1e-12);
        }
        assert!(holm(&[]).is_empty() && benjamini_hochberg(&[]).is_empty());
        // NaN is treated as 1
        assert_eq!(holm(&[f64::NAN, 0.01]), vec![1.0, 0.02]);
    }

    // scipy.stats.chisquare(obs, f_exp=N*shares)
    #[test]
    fn srm_matches_scipy() {
        let r = sample_ratio_mismatch(&[10400, 9600], &[0.5, 0.5], 0.001).unwrap();
        close(r.chi_square, 32.0, 1e-12);
        close(r.p_value, 1.5417257900280013e-08, 1e-9);
        assert!(r.mismatch && r.df == 1 && r.expected == vec![10000.0, 10000.0]);
        let third = 1.0 / 3.0;
        let r = sample_ratio_mismatch(&[3300, 3350, 3100], &[third; 3], 0.001).unwrap();
        close(r.chi_square, 10.76923076923077, 1e-12);
        close(r.p_value, 0.004586604061523324, 1e-9);
        assert!(!r.mismatch && r.df == 2);
        let r = sample_ratio_mismatch(&[5100, 2400, 2500], &[0.5, 0.25, 0.25], 0.001).unwrap();
        close(r.chi_square, 6.0, 1e-12);
        close(r.p_value, 0.04978706836786395, 1e-9);
        // weights need not sum to one
        let r = sample_ratio_mismatch(&[5030, 4970], &[1.0, 1.0], 0.001).unwrap();
        close(r.chi_square, 0.36, 1e-12);
        close(r.p_value, 0.5485062355001471, 1e-9);
    }

    // numpy: theta = cov(Y, X)/var(X); adjusted; 1 - var(adj)/var(Y)
    #[test]
    fn cuped_matches_numpy() {
        let y = [5.0, 7.5, 6.25, 9.0, 4.5, 8.25, 7.0, 5.75, 10.5, 6.0];
        let x = [4.0, 6.5, 6.0, 8.0, 3.5, 7.5, 5.5, 5.0, 9.0, 6.5];
        let c = cuped(&y, &x).unwrap();
        close(c.theta, 1.0235892691951898, 1e-12);
        close(c.variance_reduction, 0.9008562548136627, 1e-12);
        let adj = [
            7.200716928769658,
            7.141743755781684,
            6.403538390379278,
            7.106359851988899,
            7.212511563367253,
            6.868154486586494,
            7.665333024976873,
            6.927127659574468,
            7.582770582793709,
            5.641743755781684,
        ];
        for (g, w) in c.adjusted.iter().zip(adj) {
            close(*g, w, 1e-12);
        }
    }

    // samplesize_proportions_2indep_onetail(diff, prop2=baseline, power, ratio=1, alpha,
    // alternative="two-sided"); MDE: scipy.optimize.brentq on that function = n.
    #[test]
    fn sample_size_and_mde_match_statsmodels() {
        let cases = [
            (0.10, 0.02, 0.05, 0.8, 3840.8474824362734, 3841),
            (0.30, -0.05, 0.05, 0.9, 1673.8559078444148, 1674),
            (0.5, 0.01, 0.01, 0.8, 58387.56325771325, 58388),
            (0.02, 0.005, 0.10, 0.8, 10877.16306553821, 10878),
        ];
        for (b, d, a, pw, n, ceil) in cases {
            close(
                sample_size_two_proportions_exact(b, d, a, pw).unwrap(),
                n,
                1e-9,
            );
            assert_eq!(sample_size_two_proportions(b, d, a, pw).unwrap(), ceil);
        }
        let mdes = [
            (0.10, 3000, 0.05, 0.8, 0.022752445241414763),
            (0.5, 100000, 0.01, 0.8, 0.007641373661525383),
            (0.02, 500, 0.05, 0.9, 0.040119157880779584),
        ];
        for (b, n, a, pw, want) in mdes {
            let d = mde_two_proportions(b, n, a, pw).unwrap();
            close(d, want, 1e-9);
            // inverse of the sample size (up to the ceiling)
            close(
                sample_size_two_proportions_exact(b, d, a, pw).unwrap(),
                n as f64,
                1e-9,
            );
        }
        assert!(matches!(
            mde_two_proportions(0.5, 3, 0.05, 0.8),
            Err(UpliftError::NoSolution(_))
        ));
    }

    #[test]
    fn incremental_value_scales_the_interval() {
        let u = Interval {
            estimate: 0.02,
            lo: -0.01,
            hi: 0.05,
        };
        let v = incremental_value(&u, 10_000, 120.0);
        close(v.estimate, 24_000.0, 1e-12);
        close(v.lo, -12_000.0, 1e-12);
        close(v.hi, 60_000.0, 1e-12);
        let neg = incremental_value(&u, 10_000, -1.0);
        assert!(neg.lo <= neg.hi);
        close(neg.lo, -500.0, 1e-12);
        close(neg.hi, 100.0, 1e-12);
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        use UpliftError as E;
        assert!(matches!(wilson(1, 0, 0.95), Err(E::Empty { .. })));
        assert!(matches!(
            wilson(5, 4, 0.95),
            Err(E::SuccessesExceedTrials { .. })
        ));
        for conf in [0.0, 1.0, -0.5, 1.5, f64::NAN] {
            assert!(matches!(wilson(1, 4, conf), Err(E::Confidence(_))));
        }
        assert!(matches!(
            newcombe_diff(1, 10, 1, 0, 0.95),
            Err(E::Empty { .. })
        ));
        assert!(matches!(
            two_proportion_p_value(0, 10, 0, 20),
            Err(E::ZeroVariance { .. })
        ));
        assert!(matches!(
            two_proportion_p_value(10, 10, 20, 20),
            Err(E::ZeroVariance { .. })
        ));
        assert!(matches!(MeanSummary::of(&[]), Err(E::Empty { .. })));
        assert!(matches!(MeanSummary::of(&[1.0]), Err(E::TooFew { .. })));
        assert!(matches!(
            MeanSummary::of(&[1.0, f64::INFINITY]),
            Err(E::NonFinite { .. })
        ));
        let k = MeanSummary::of(&[2.0, 2.0, 2.0]).unwrap();
        assert!(matches!(welch(&k, &k, 0.95), Err(E::ZeroVariance { .. })));
        let z = MeanSummary::of(&[-1.0, 1.0]).unwrap();
        assert!(matches!(
            relative_lift(&k, &z, 0.95),
            Err(E::ZeroControlMean)
        ));
        let bad = MeanSummary {
            n: 5,
            mean: f64::NAN,
            var: 1.0,
        };
        assert!(matches!(welch(&bad, &k, 0.95), Err(E::NonFinite { .. })));
        assert!(matches!(
            sample_ratio_mismatch(&[1, 2], &[0.5], 0.001),
            Err(E::LengthMismatch { .. })
        ));
        assert!(matches!(
            sample_ratio_mismatch(&[0, 0], &[0.5, 0.5], 0.001),
            Err(E::Empty { .. })
        ));
        assert!(matches!(
            sample_ratio_mismatch(&[5, 5], &[0.5, 0.0], 0.001),
            Err(E::OutOfRange { .. })
        ));
        assert!(matches!(
            sample_ratio_mismatch(&[5, 5], &[0.5, 0.5], 1.0),
            Err(E::OutOfRange { .. })
        ));
        assert!(matches!(
            cuped(&[1.0, 2.0], &[3.0, 3.0]),
            Err(E::ZeroVariance { .. })
        ));
        assert!(matches!(
            cuped(&[1.0, 2.0], &[3.0]),
            Err(E::LengthMismatch { .. })
        ));
        assert!(matches!(
            sample_size_two_proportions(0.1, 0.0, 0.05, 0.8),
            Err(E::OutOfRange { .. })
        ));
        assert!(matches!(
            sample_size_two_proportions(0.95, 0.1, 0.05, 0.8),
            Err(E::OutOfRange { .. })
        ));
        assert!(matches!(
            sample_size_two_proportions(0.1, 0.02, 0.0, 0.8),
            Err(E::OutOfRange { .. })
        ));
        assert!(matches!(
            mde_two_proportions(0.1, 0, 0.05, 0.8),
            Err(E::Empty { .. })
        ));
    }

    // ---------------------------------------------------------------- simulation

    /// Newcombe 95% interval coverage over 2,000 seeded experiments, for a mid-range design and
    /// a small-arm / low-rate design.
    #[test]
    fn newcombe_coverage_by_simulation() {
        for (seed, pt, pc, nt, nc) in [
            (11_u64, 0.30, 0.25, 400_u64, 380_u64),
            (12, 0.06, 0.03, 150, 120),
        ] {
            let mut rng = StdRng::seed_from_u64(seed);
            let (bt, bc) = (
                Binomial::new(nt, pt).unwrap(),
                Binomial::new(nc, pc).unwrap(),
            );
            let reps = 2000;
            let mut covered = 0;
            for _ in 0..reps {
                let iv =
                    newcombe_diff(bt.sample(&mut rng), nt, bc.sample(&mut rng), nc, 0.95).unwrap();
                if iv.lo <= pt - pc && pt - pc <= iv.hi {
                    covered += 1;
                }
            }
            let cov = covered as f64 / reps as f64;
            eprintln!("newcombe coverage p_t={pt} p_c={pc} n=({nt},{nc}): {cov:.4}");
            assert!((0.935..=0.965).contains(&cov), "coverage {cov}");
        }
    }

    /// CUPED on simulated data: y = 2 + 0.8·x·σ-scaled + noise with corr(y, x)² = 0.5, effect τ.
    /// Over many replications the adjusted difference of means is unbiased and its variance is
    /// about (1 − corr²) times the raw one.
    #[test]
    fn cuped_unbiased_and_reduces_variance_by_simulation() {
        let mut rng = StdRng::seed_from_u64(2013);
        let std = RNormal::new(0.0, 1.0).unwrap();
        let (n_arm, reps, tau) = (500, 1000, 0.1);
        // y = 2 + x + e with var(x) = var(e) = 1, so corr(y, x)² = 1/2
        let rho2 = 0.5;
        let mut raw = Vec::with_capacity(reps);
        let mut adj = Vec::with_capacity(reps);
        let mut reported = 0.0;
        for _ in 0..reps {
            let mut y = Vec::with_capacity(2 * n_arm);
            let mut x = Vec::with_capacity(2 * n_arm);
            for i in 0..2 * n_arm {
                let xi: f64 = std.sample(&mut rng);
                let treated = i < n_arm;
                let yi = 2.0 + xi + std.sample(&mut rng) + if treated { tau } else { 0.0 };
                x.push(xi);
                y.push(yi);
            }
            let c = cuped(&y, &x).unwrap();
            reported += c.variance_reduction / reps as f64;
            let m = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            raw.push(m(&y[..n_arm]) - m(&y[n_arm..]));
            adj.push(m(&c.adjusted[..n_arm]) - m(&c.adjusted[n_arm..]));
        }
        let (mr, vr) = mean_var(&raw);
        let (ma, va) = mean_var(&adj);
        let se_a = (va / reps as f64).sqrt();
        let reduction = 1.0 - va / vr;
        eprintln!(
            "cuped: raw mean {mr:.5} var {vr:.3e}; adjusted mean {ma:.5} (SE {se_a:.5}) var \
             {va:.3e}; reduction {reduction:.4} (corr² {rho2}); mean reported {reported:.4}"
        );
        assert!((ma - tau).abs() < 4.0 * se_a, "adjusted mean {ma} vs {tau}");
        assert!(
            (reduction - rho2).abs() < 0.05,
            "variance reduction {reduction}"
        );
        assert!(
            (reported - rho2).abs() < 0.02,
            "reported reduction {reported}"
        );
    }

    /// SRM: 500 seeded runs of 20,000 per-customer coin flips. A 52/48 assignment is flagged
    /// at threshold 0.001 in at least 98% of runs (its exact power is 99.1%: flagged when
    /// |n_t − 10,000| > 232.7, and n_t ~ Bin(20,000, 0.52) has mean 10,400, sd 70.7); a fair
    /// 50/50 assignment is flagged in under 1% of runs (nominal false-alarm rate 0.1%).
    #[test]
    fn srm_flags_skewed_splits_not_fair_ones_by_simulation() {
        let mut rng = StdRng::seed_from_u64(48);
        let n = 20_000_u64;
        let reps = 500;
        let (mut skewed_flags, mut fair_flags) = (0, 0);
        for _ in 0..reps {
            // per-customer coin flips, as a real assignment would be
            let mut t = 0;
            let mut f = 0;
            for _ in 0..n {
                let u: f64 = rng.random();
                t += (u < 0.52) as u64;
                f += (u < 0.5) as u64;
            }
            let s = sample_ratio_mismatch(&[t, n - t], &[0.5, 0.5], 0.001).unwrap();
            skewed_flags += s.mismatch as u32;
            let s = sample_ratio_mismatch(&[f, n - f], &[0.5, 0.5], 0.001).unwrap();
            fair_flags += s.mismatch as u32;
        }
        eprintln!("srm: 52/48 flagged {skewed_flags}/{reps}, 50/50 flagged {fair_flags}/{reps}");
        assert!(skewed_flags as f64 >= 0.98 * reps as f64);
        assert!((fair_flags as f64) < 0.01 * reps as f64);
    }
}
