//! Binary-classifier evaluation metrics over plain slices.
//!
//! Every function takes the labels `y` (`&[bool]`, or `&[u8]` holding only 0 and 1),
//! the scores or probabilities `p` (`&[f64]`, one per label) and, where a weighted
//! version is cheap and well defined, optional non-negative sample weights `w`.
//!
//! | function | needs | weights |
//! | --- | --- | --- |
//! | [`roc_auc`] | any finite scores, both classes | yes |
//! | [`average_precision`] | any finite scores, at least one positive | yes |
//! | [`log_loss`], [`brier_score`] | probabilities in `[0, 1]` | yes |
//! | [`calibration_table`] / [`calibration_deciles`] | probabilities in `[0, 1]` | no |
//! | [`top_fraction`] ([`lift_at`], [`capture_at`]) | any finite scores, at least one positive | no |
//! | [`confusion_matrix`] | any finite scores | no |
//! | [`ClassificationReport`] | probabilities in `[0, 1]`, both classes | no |
//!
//! `roc_auc`, `average_precision`, `log_loss` and `brier_score` follow scikit-learn's
//! `roc_auc_score`, `average_precision_score`, `log_loss` (with the clipping at `1e-15`
//! that was scikit-learn's default before version 1.2) and `brier_score_loss`; the tests check
//! them, weighted and unweighted, against values computed once with scikit-learn.
//!
//! Nothing here returns NaN: an input on which a metric is undefined (no rows, a
//! single class for AUC, no positive for average precision or lift) is an
//! [`MetricError`]; ratios that can be undefined inside a result (precision with no
//! predicted positive, ...) are `Option<f64>`.
//!
//! Sorting-based metrics (`roc_auc`, `average_precision`) run in O(n log n);
//! `top_fraction` and `confusion_matrix` in O(n).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Probabilities are clipped to `[LOG_LOSS_EPS, 1 - LOG_LOSS_EPS]` before taking logs
/// in [`log_loss`] (scikit-learn's default `eps` before version 1.2).
pub const LOG_LOSS_EPS: f64 = 1e-15;

/// Why a metric could not be computed.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricError {
    /// No rows.
    Empty,
    /// Two inputs that must be aligned have different lengths.
    LengthMismatch {
        /// Which input disagrees with the labels (`"scores"` or `"weights"`).
        what: &'static str,
        /// Number of labels.
        expected: usize,
        /// Length of the other input.
        found: usize,
    },
    /// A score or probability is NaN or infinite.
    NonFiniteScore {
        /// Position of the offending row.
        index: usize,
        /// The offending score.
        value: f64,
    },
    /// A probability is outside `[0, 1]` where one is required.
    ProbabilityOutOfRange {
        /// Position of the offending row.
        index: usize,
        /// The offending probability.
        value: f64,
    },
    /// A `u8` label that is neither 0 nor 1.
    InvalidLabel {
        /// Position of the offending row.
        index: usize,
        /// The offending label.
        value: u8,
    },
    /// A sample weight that is negative, NaN or infinite.
    InvalidWeight {
        /// Position of the offending row.
        index: usize,
        /// The offending weight.
        value: f64,
    },
    /// All sample weights are zero.
    ZeroTotalWeight,
    /// The metric needs a class that is absent (or has zero total weight).
    SingleClass {
        /// The metric that is undefined.
        metric: &'static str,
        /// `true` when every row is positive, `false` when every row is negative.
        all_positive: bool,
    },
    /// A parameter (top fraction, threshold, bin count) is out of its domain.
    InvalidParameter {
        /// Which parameter.
        what: &'static str,
        /// The value given.
        value: f64,
        /// The domain it must lie in.
        expected: &'static str,
    },
}

impl fmt::Display for MetricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetricError::Empty => write!(f, "cannot evaluate a classifier on empty input"),
            MetricError::LengthMismatch {
                what,
                expected,
                found,
            } => write!(f, "length mismatch: {expected} labels but {found} {what}"),
            MetricError::NonFiniteScore { index, value } => {
                write!(f, "score at index {index} is not finite ({value})")
            }
            MetricError::ProbabilityOutOfRange { index, value } => {
                write!(f, "probability at index {index} is {value}, outside [0, 1]")
            }
            MetricError::InvalidLabel { index, value } => write!(
                f,
                "label at index {index} is {value}; binary labels must be 0 or 1"
            ),
            MetricError::InvalidWeight { index, value } => write!(
                f,
                "sample weight at index {index} is {value}; weights must be finite and >= 0"
            ),
            MetricError::ZeroTotalWeight => write!(f, "all sample weights are zero"),
            MetricError::SingleClass {
                metric,
                all_positive,
            } => {
                let (present, absent) = if *all_positive {
                    ("positive", "negative")
                } else {
                    ("negative", "positive")
                };
                write!(
                    f,
                    "{metric} is undefined: the labels contain only one class \
                     (every row with weight is {present}, no {absent} row)"
                )
            }
            MetricError::InvalidParameter {
                what,
                value,
                expected,
            } => write!(f, "{what} is {value}; expected {expected}"),
        }
    }
}

impl std::error::Error for MetricError {}

/// A binary label: `bool`, or `u8` restricted to 0 and 1.
pub trait BinaryLabel: Copy {
    /// `Some(true)` for the positive class, `Some(false)` for the negative class,
    /// `None` for a value that is not a binary label.
    fn to_class(self) -> Option<bool>;
    /// The raw value, for error messages.
    fn raw(self) -> u8;
}

impl BinaryLabel for bool {
    #[inline]
    fn to_class(self) -> Option<bool> {
        Some(self)
    }
    #[inline]
    fn raw(self) -> u8 {
        self as u8
    }
}

impl BinaryLabel for u8 {
    #[inline]
    fn to_class(self) -> Option<bool> {
        match self {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
    #[inline]
    fn raw(self) -> u8 {
        self
    }
}

// ---------------------------------------------------------------------------
// Validation and sorting helpers
// ---------------------------------------------------------------------------

/// What the scores must satisfy.
#[derive(Clone, Copy, PartialEq)]
enum ScoreKind {
    /// Any finite value.
    Score,
    /// A probability in `[0, 1]`.
    Probability,
}

/// Checks lengths, labels, scores and weights; returns the classes as `bool`s.
fn validate<L: BinaryLabel>(
    y: &[L],
    p: &[f64],
    w: Option<&[f64]>,
    kind: ScoreKind,
) -> Result<Vec<bool>, MetricError> {
    if y.is_empty() {
        return Err(MetricError::Empty);
    }
    if p.len() != y.len() {
        return Err(MetricError::LengthMismatch {
            what: "scores",
            expected: y.len(),
            found: p.len(),
        });
    }
    if let Some(w) = w {
        if w.len() != y.len() {
            return Err(MetricError::LengthMismatch {
                what: "weights",
                expected: y.len(),
                found: w.len(),
            });
        }
        if let Some((index, &value)) = w
            .iter()
            .enumerate()
            .find(|&(_, &v)| !(v.is_finite() && v >= 0.0))
        {
            return Err(MetricError::InvalidWeight { index, value });
        }
    }
    if let Some((index, &value)) = p.iter().enumerate().find(|&(_, v)| !v.is_finite()) {
        return Err(MetricError::NonFiniteScore { index, value });
    }
    if kind == ScoreKind::Probability
        && let Some((index, &value)) = p
            .iter()
            .enumerate()
            .find(|&(_, &v)| !(0.0..=1.0).contains(&v))
    {
        return Err(MetricError::ProbabilityOutOfRange { index, value });
    }
    y.iter()
        .enumerate()
        .map(|(index, &l)| {
            l.to_class().ok_or(MetricError::InvalidLabel {
                index,
                value: l.raw(),
            })
        })
        .collect()
}

/// Maps a finite `f64` to a `u64` whose unsigned order is the numeric order of the
/// floats; `-0.0` and `0.0` map to the same key (they are tied scores).
#[inline]
fn order_key(x: f64) -> u64 {
    let bits = (x + 0.0).to_bits(); // -0.0 + 0.0 == +0.0
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// The scores of each class as order keys, sorted ascending, each with its weight
/// when weights are given. Enough to compute every rank-based metric.
enum ClassScores {
    Unweighted {
        pos: Vec<u64>,
        neg: Vec<u64>,
    },
    Weighted {
        pos: Vec<(u64, f64)>,
        neg: Vec<(u64, f64)>,
    },
}

impl ClassScores {
    fn new(classes: &[bool], p: &[f64], w: Option<&[f64]>) -> Self {
        match w {
            None => {
                let n_pos = classes.iter().filter(|&&c| c).count();
                let n_neg = classes.len() - n_pos;
                // Branch-free split (labels are unpredictable): each key is written to
                // both lists and only the cursor of its class advances; one spare slot
                // each takes the writes past the end.
                let mut pos = vec![0u64; n_pos + 1];
                let mut neg = vec![0u64; n_neg + 1];
                let (mut i, mut j) = (0usize, 0usize);
                for (&c, &s) in classes.iter().zip(p) {
                    let k = order_key(s);
                    pos[i] = k;
                    neg[j] = k;
                    i += usize::from(c);
                    j += usize::from(!c);
                }
                pos.truncate(n_pos);
                neg.truncate(n_neg);
                pos.sort_unstable();
                neg.sort_unstable();
                ClassScores::Unweighted { pos, neg }
            }
            Some(w) => {
                let mut pos = Vec::new();
                let mut neg = Vec::new();
                for ((&c, &s), &wi) in classes.iter().zip(p).zip(w) {
                    if c { &mut pos } else { &mut neg }.push((order_key(s), wi));
                }
                pos.sort_unstable_by_key(|e| e.0);
                neg.sort_unstable_by_key(|e| e.0);
                ClassScores::Weighted { pos, neg }
            }
        }
    }

    /// Total (weighted) count of positives and negatives.
    fn totals(&self) -> (f64, f64) {
        match self {
            ClassScores::Unweighted { pos, neg } => (pos.len() as f64, neg.len() as f64),
            ClassScores::Weighted { pos, neg } => (
                neumaier_sum(pos.iter().map(|e| e.1)),
                neumaier_sum(neg.iter().map(|e| e.1)),
            ),
        }
    }

    /// Calls `f(positives, negatives)` once per distinct score, from the highest
    /// score down, with the (weighted) count of each class at that score.
    fn for_each_tie_group_desc(&self, f: impl FnMut(f64, f64)) {
        match self {
            ClassScores::Unweighted { pos, neg } => tie_groups_desc(pos, neg, |_| 1.0, f),
            ClassScores::Weighted { pos, neg } => {
                tie_groups_desc(pos, neg, |e: &(u64, f64)| e.1, f)
            }
        }
    }
}

trait Keyed {
    fn key(&self) -> u64;
}
impl Keyed for u64 {
    #[inline]
    fn key(&self) -> u64 {
        *self
    }
}
impl Keyed for (u64, f64) {
    #[inline]
    fn key(&self) -> u64 {
        self.0
    }
}

/// Merges two ascending key lists from the top, one call per distinct key.
fn tie_groups_desc<T: Keyed>(
    pos: &[T],
    neg: &[T],
    weight: impl Fn(&T) -> f64,
    mut f: impl FnMut(f64, f64),
) {
    let (mut i, mut j) = (pos.len(), neg.len());
    while i > 0 || j > 0 {
        let k = match (i > 0, j > 0) {
            (true, true) => pos[i - 1].key().max(neg[j - 1].key()),
            (true, false) => pos[i - 1].key(),
            _ => neg[j - 1].key(),
        };
        let (mut dp, mut dn) = (0.0, 0.0);
        while i > 0 && pos[i - 1].key() == k {
            dp += weight(&pos[i - 1]);
            i -= 1;
        }
        while j > 0 && neg[j - 1].key() == k {
            dn += weight(&neg[j - 1]);
            j -= 1;
        }
        f(dp, dn);
    }
}

/// Compensated (Neumaier) summation: mean-type metrics stay accurate on large n.
fn neumaier_sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut sum, mut comp) = (0.0f64, 0.0f64);
    for v in values {
        let t = sum + v;
        if sum.abs() >= v.abs() {
            comp += (sum - t) + v;
        } else {
            comp += (v - t) + sum;
        }
        sum = t;
    }
    sum + comp
}

fn require_both_classes(metric: &'static str, n_pos: f64, n_neg: f64) -> Result<(), MetricError> {
    if n_pos > 0.0 && n_neg > 0.0 {
        Ok(())
    } else if n_pos == 0.0 && n_neg == 0.0 {
        Err(MetricError::ZeroTotalWeight)
    } else {
        Err(MetricError::SingleClass {
            metric,
            all_positive: n_neg == 0.0,
        })
    }
}

// ---------------------------------------------------------------------------
// Ranking metrics
// ---------------------------------------------------------------------------

/// Area under the ROC curve.
///
/// Definition: the probability that a random positive scores strictly higher than a
/// random negative, counting a tie as one half (the Mann–Whitney U statistic with
/// midranks, divided by `n_pos · n_neg`):
///
/// `AUC = Σ_{i∈pos} Σ_{j∈neg} w_i w_j ([s_i > s_j] + ½[s_i = s_j]) / (W_pos · W_neg)`
///
/// with `w ≡ 1` when no weights are given. This equals the trapezoidal area under
/// the ROC curve that scikit-learn's `roc_auc_score` computes (with or without
/// `sample_weight`). `-0.0` and `0.0` are the same score.
///
/// Errors: empty input, length mismatch, non-finite score or invalid weight, and
/// [`MetricError::SingleClass`] when only one class is present (AUC is undefined).
/// O(n log n): the scores of each class are sorted once.
pub fn roc_auc<L: BinaryLabel>(y: &[L], p: &[f64], w: Option<&[f64]>) -> Result<f64, MetricError> {
    let classes = validate(y, p, w, ScoreKind::Score)?;
    let scores = ClassScores::new(&classes, p, w);
    let (n_pos, n_neg) = scores.totals();
    require_both_classes("ROC AUC", n_pos, n_neg)?;
    // Walking down the distinct scores, every negative in a group is beaten by all the
    // positives above the group and ties with the positives inside it.
    let (mut pos_above, mut u) = (0.0f64, 0.0f64);
    scores.for_each_tie_group_desc(|dp, dn| {
        u += dn * (pos_above + 0.5 * dp);
        pos_above += dp;
    });
    Ok(u / n_pos / n_neg)
}

/// Average precision, exactly as scikit-learn's `average_precision_score`:
/// the step-wise (non-interpolated) area under the precision–recall curve,
///
/// `AP = Σ_k (R_k − R_{k−1}) · P_k`
///
/// over the distinct scores `t_k` in decreasing order, where `P_k` and `R_k` are the
/// precision and recall of the rule `score >= t_k` (`R_0 = 0`). Tied scores enter
/// together, so a tie group contributes its recall gain at the precision of the whole
/// group. Weighted counts when weights are given.
///
/// Errors: as [`roc_auc`], except that only the absence of positives is an error
/// ([`MetricError::SingleClass`]; recall is undefined). With no negatives AP is 1.
pub fn average_precision<L: BinaryLabel>(
    y: &[L],
    p: &[f64],
    w: Option<&[f64]>,
) -> Result<f64, MetricError> {
    let classes = validate(y, p, w, ScoreKind::Score)?;
    let scores = ClassScores::new(&classes, p, w);
    let (n_pos, n_neg) = scores.totals();
    if n_pos == 0.0 {
        return Err(if n_neg == 0.0 {
            MetricError::ZeroTotalWeight
        } else {
            MetricError::SingleClass {
                metric: "average precision",
                all_positive: false,
            }
        });
    }
    let (mut tp, mut fp, mut ap) = (0.0f64, 0.0f64, 0.0f64);
    scores.for_each_tie_group_desc(|dp, dn| {
        tp += dp;
        fp += dn;
        if dp > 0.0 {
            // dp > 0 implies tp + fp > 0.
            ap += (dp / n_pos) * (tp / (tp + fp));
        }
    });
    Ok(ap)
}

// ---------------------------------------------------------------------------
// Probability metrics
// ---------------------------------------------------------------------------

/// Mean (weighted) binary cross-entropy:
///
/// `log_loss = −Σ w_i [y_i ln q_i + (1 − y_i) ln(1 − q_i)] / Σ w_i`,
/// `q_i = clip(p_i, 1e-15, 1 − 1e-15)` (see [`LOG_LOSS_EPS`]).
///
/// Matches scikit-learn's `log_loss` with `eps=1e-15`, its default before 1.2. Since 1.2
/// scikit-learn clips at the float64 machine epsilon (`f64::EPSILON`, 2.2e-16; the `eps`
/// argument was removed in 1.5); the two differ only for `p` within 1e-15 of 0 or 1.
/// Unlike scikit-learn, a single class is accepted (the formula is well defined).
///
/// Errors: empty input, length mismatch, non-finite or out-of-`[0, 1]` probability,
/// invalid weight, all weights zero.
pub fn log_loss<L: BinaryLabel>(y: &[L], p: &[f64], w: Option<&[f64]>) -> Result<f64, MetricError> {
    let classes = validate(y, p, w, ScoreKind::Probability)?;
    let term = |i: usize| {
        let q = p[i].clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
        -if classes[i] { q.ln() } else { (1.0 - q).ln() }
    };
    weighted_mean(classes.len(), w, term)
}

/// Mean (weighted) squared error of the probabilities:
///
/// `brier = Σ w_i (p_i − y_i)² / Σ w_i`
///
/// (scikit-learn's `brier_score_loss` for binary labels). A single class is accepted.
///
/// Errors: as [`log_loss`].
pub fn brier_score<L: BinaryLabel>(
    y: &[L],
    p: &[f64],
    w: Option<&[f64]>,
) -> Result<f64, MetricError> {
    let classes = validate(y, p, w, ScoreKind::Probability)?;
    let term = |i: usize| {
        let d = p[i] - if classes[i] { 1.0 } else { 0.0 };
        d * d
    };
    weighted_mean(classes.len(), w, term)
}

fn weighted_mean(
    n: usize,
    w: Option<&[f64]>,
    term: impl Fn(usize) -> f64,
) -> Result<f64, MetricError> {
    match w {
        None => Ok(neumaier_sum((0..n).map(&term)) / n as f64),
        Some(w) => {
            let total = neumaier_sum(w.iter().copied());
            if total == 0.0 {
                return Err(MetricError::ZeroTotalWeight);
            }
            // Zero-weight rows are skipped, so a clipped −ln(1e-15) never meets 0·∞.
            let s = neumaier_sum((0..n).filter(|&i| w[i] > 0.0).map(|i| w[i] * term(i)));
            Ok(s / total)
        }
    }
}

// ---------------------------------------------------------------------------
// Calibration table
// ---------------------------------------------------------------------------

/// One bin of a [`CalibrationTable`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Bin number, 0 for the lowest predicted probabilities.
    pub bin: usize,
    /// Rows in the bin.
    pub n: usize,
    /// Positive rows in the bin.
    pub n_positive: usize,
    /// Mean predicted probability in the bin.
    pub mean_predicted: f64,
    /// Observed positive rate in the bin, `n_positive / n`.
    pub observed_rate: f64,
    /// Lowest predicted probability in the bin.
    pub min_predicted: f64,
    /// Highest predicted probability in the bin.
    pub max_predicted: f64,
}

/// Predicted versus observed rates in bins of equal count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationTable {
    /// Non-empty bins, lowest predicted probabilities first.
    pub bins: Vec<CalibrationBin>,
}

/// Calibration by deciles: [`calibration_table`] with 10 bins.
pub fn calibration_deciles<L: BinaryLabel>(
    y: &[L],
    p: &[f64],
) -> Result<CalibrationTable, MetricError> {
    calibration_table(y, p, 10)
}

/// Calibration table with `n_bins` bins of equal count.
///
/// Definition: rows are sorted by predicted probability ascending, ties by index, and
/// bin `b` (0-based) holds sorted positions `⌊b·n/n_bins⌋ .. ⌊(b+1)·n/n_bins⌋`, so bin
/// sizes differ by at most one. Equal probabilities may therefore straddle two bins
/// (count, not value, decides). When `n < n_bins` the empty bins are left out. Per bin:
/// count, positives, mean predicted probability, observed positive rate, min and max
/// predicted probability.
///
/// Errors: empty input, length mismatch, non-finite or out-of-`[0, 1]` probability,
/// invalid label, `n_bins == 0`. A single class is accepted.
pub fn calibration_table<L: BinaryLabel>(
    y: &[L],
    p: &[f64],
    n_bins: usize,
) -> Result<CalibrationTable, MetricError> {
    if n_bins == 0 {
        return Err(MetricError::InvalidParameter {
            what: "number of calibration bins",
            value: 0.0,
            expected: "at least 1",
        });
    }
    let classes = validate(y, p, None, ScoreKind::Probability)?;
    let n = classes.len();
    let mut order: Vec<(u64, usize)> = p
        .iter()
        .enumerate()
        .map(|(i, &v)| (order_key(v), i))
        .collect();
    order.sort_unstable();
    let bins = (0..n_bins)
        .filter_map(|b| {
            let lo = b * n / n_bins;
            let hi = (b + 1) * n / n_bins;
            let rows = &order[lo..hi];
            if rows.is_empty() {
                return None;
            }
            let n_positive = rows.iter().filter(|&&(_, i)| classes[i]).count();
            Some(CalibrationBin {
                bin: b,
                n: rows.len(),
                n_positive,
                mean_predicted: neumaier_sum(rows.iter().map(|&(_, i)| p[i])) / rows.len() as f64,
                observed_rate: n_positive as f64 / rows.len() as f64,
                min_predicted: p[rows[0].1],
                max_predicted: p[rows[rows.len() - 1].1],
            })
        })
        .collect();
    Ok(CalibrationTable { bins })
}

// ---------------------------------------------------------------------------
// Lift and capture
// ---------------------------------------------------------------------------

/// The top group of rows by score and how it compares with the whole population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopFraction {
    /// The requested fraction `k` in `(0, 1]`.
    pub fraction: f64,
    /// Rows in the top group, `⌈k·n⌉`.
    pub n_top: usize,
    /// Positives in the top group.
    pub n_positive_top: usize,
    /// Positive rate in the top group.
    pub rate_top: f64,
    /// Positive rate over all rows.
    pub base_rate: f64,
    /// `rate_top / base_rate`.
    pub lift: f64,
    /// Share of all positives that fall in the top group.
    pub capture: f64,
}

/// Lift and capture of the top `fraction` of rows by score.
///
/// Definition: the top group is the `m = ⌈fraction·n⌉` rows with the highest scores,
/// ties broken by lower index first (so the group is deterministic). Then
/// `lift = (positives in group / m) / (positives / n)` and
/// `capture = positives in group / positives`. When `fraction·n` is within `1e-9`
/// (relative) of an integer, that integer is used, so that `0.7 · 10` is 7, not 8.
///
/// Errors: empty input, length mismatch, non-finite score, invalid label, `fraction`
/// not in `(0, 1]`, and [`MetricError::SingleClass`] when there is no positive
/// (lift and capture are undefined). O(n) (selection, not a full sort).
pub fn top_fraction<L: BinaryLabel>(
    y: &[L],
    scores: &[f64],
    fraction: f64,
) -> Result<TopFraction, MetricError> {
    check_fraction(fraction)?;
    let classes = validate(y, scores, None, ScoreKind::Score)?;
    let n = classes.len();
    let n_pos = classes.iter().filter(|&&c| c).count();
    if n_pos == 0 {
        return Err(MetricError::SingleClass {
            metric: "lift/capture",
            all_positive: false,
        });
    }
    let m = top_count(fraction, n);
    // Descending by score, ascending by index: a strict total order.
    let mut order: Vec<(u64, usize)> = scores
        .iter()
        .enumerate()
        .map(|(i, &s)| (!order_key(s), i))
        .collect();
    if m < n {
        order.select_nth_unstable(m - 1);
    }
    let n_positive_top = order[..m].iter().filter(|&&(_, i)| classes[i]).count();
    let rate_top = n_positive_top as f64 / m as f64;
    let base_rate = n_pos as f64 / n as f64;
    Ok(TopFraction {
        fraction,
        n_top: m,
        n_positive_top,
        rate_top,
        base_rate,
        lift: rate_top / base_rate,
        capture: n_positive_top as f64 / n_pos as f64,
    })
}

/// Lift at the top `fraction`; see [`top_fraction`].
pub fn lift_at<L: BinaryLabel>(y: &[L], scores: &[f64], fraction: f64) -> Result<f64, MetricError> {
    top_fraction(y, scores, fraction).map(|t| t.lift)
}

/// Capture (share of all positives) at the top `fraction`; see [`top_fraction`].
pub fn capture_at<L: BinaryLabel>(
    y: &[L],
    scores: &[f64],
    fraction: f64,
) -> Result<f64, MetricError> {
    top_fraction(y, scores, fraction).map(|t| t.capture)
}

fn check_fraction(fraction: f64) -> Result<(), MetricError> {
    if fraction > 0.0 && fraction <= 1.0 {
        Ok(())
    } else {
        Err(MetricError::InvalidParameter {
            what: "top fraction",
            value: fraction,
            expected: "a number in (0, 1]",
        })
    }
}

/// `⌈fraction·n⌉`, snapping products within rounding error of an integer; in `1..=n`.
fn top_count(fraction: f64, n: usize) -> usize {
    let x = fraction * n as f64;
    let r = x.round();
    let m = if (x - r).abs() <= 1e-9 * r.max(1.0) {
        r
    } else {
        x.ceil()
    };
    (m as usize).clamp(1, n)
}

// ---------------------------------------------------------------------------
// Confusion matrix
// ---------------------------------------------------------------------------

/// Counts and rates of the rule `score >= threshold → positive`.
///
/// The ratios are `None` where their denominator is zero (scikit-learn would warn and
/// report 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// The threshold: rows with `score >= threshold` are predicted positive.
    pub threshold: f64,
    /// Positives predicted positive.
    pub tp: usize,
    /// Negatives predicted positive.
    pub fp: usize,
    /// Negatives predicted negative.
    pub tn: usize,
    /// Positives predicted negative.
    pub fn_: usize,
    /// `tp / (tp + fp)`.
    pub precision: Option<f64>,
    /// `tp / (tp + fn)` (sensitivity, true-positive rate).
    pub recall: Option<f64>,
    /// `tn / (tn + fp)` (true-negative rate).
    pub specificity: Option<f64>,
    /// `2·tp / (2·tp + fp + fn)`, the harmonic mean of precision and recall.
    pub f1: Option<f64>,
    /// `(tp + tn) / n`.
    pub accuracy: f64,
}

/// Confusion matrix of the rule `score >= threshold → positive`.
///
/// Errors: empty input, length mismatch, non-finite score, invalid label, NaN
/// threshold. A single class is accepted (some ratios are then `None`).
pub fn confusion_matrix<L: BinaryLabel>(
    y: &[L],
    scores: &[f64],
    threshold: f64,
) -> Result<ConfusionMatrix, MetricError> {
    if threshold.is_nan() {
        return Err(MetricError::InvalidParameter {
            what: "threshold",
            value: threshold,
            expected: "a number",
        });
    }
    let classes = validate(y, scores, None, ScoreKind::Score)?;
    let (mut tp, mut fp, mut tn, mut fn_) = (0usize, 0usize, 0usize, 0usize);
    for (&c, &s) in classes.iter().zip(scores) {
        match (c, s >= threshold) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (false, false) => tn += 1,
            (true, false) => fn_ += 1,
        }
    }
    let ratio = |num: usize, den: usize| (den > 0).then(|| num as f64 / den as f64);
    Ok(ConfusionMatrix {
        threshold,
        tp,
        fp,
        tn,
        fn_,
        precision: ratio(tp, tp + fp),
        recall: ratio(tp, tp + fn_),
        specificity: ratio(tn, tn + fp),
        f1: ratio(2 * tp, 2 * tp + fp + fn_),
        accuracy: (tp + tn) as f64 / classes.len() as f64,
    })
}

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

/// Settings of a [`ClassificationReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportOptions {
    /// Threshold of the confusion matrix (`p >= threshold → positive`). Default 0.5.
    pub threshold: f64,
    /// Top fractions for lift and capture. Default `[0.1, 0.2]`.
    pub top_fractions: Vec<f64>,
    /// Bins of the calibration table. Default 10 (deciles).
    pub calibration_bins: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            threshold: 0.5,
            top_fractions: vec![0.1, 0.2],
            calibration_bins: 10,
        }
    }
}

/// Every metric of this module on one set of predicted probabilities (unweighted;
/// use the functions themselves for weighted AUC, AP, log loss and Brier score).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// Rows.
    pub n: usize,
    /// Positive rows.
    pub n_positive: usize,
    /// `n_positive / n`.
    pub base_rate: f64,
    /// See [`roc_auc`].
    pub roc_auc: f64,
    /// See [`average_precision`].
    pub average_precision: f64,
    /// See [`log_loss`].
    pub log_loss: f64,
    /// See [`brier_score`].
    pub brier: f64,
    /// See [`calibration_table`].
    pub calibration: CalibrationTable,
    /// One entry per requested top fraction, in the order requested; see [`top_fraction`].
    pub top: Vec<TopFraction>,
    /// See [`confusion_matrix`].
    pub confusion: ConfusionMatrix,
    /// Points of the ROC curve for plotting; see [`roc_curve`]. Absent in files written
    /// before it existed.
    #[serde(default)]
    pub roc_curve: Vec<(f64, f64)>,
    /// Points of the cumulative gains curve for plotting; see [`gains_curve`].
    #[serde(default)]
    pub gains_curve: Vec<(f64, f64)>,
}

/// The ROC curve, (false positive rate, true positive rate), from (0, 0) to (1, 1), with one
/// vertex per group of tied scores (ties move diagonally), thinned to at most `max_points`
/// vertices (≥ 2) by keeping evenly spaced ones plus both ends; for plotting, the AUC comes
/// from [`roc_auc`].
///
/// Errors: as [`roc_auc`].
pub fn roc_curve<L: BinaryLabel>(
    y: &[L],
    p: &[f64],
    max_points: usize,
) -> Result<Vec<(f64, f64)>, MetricError> {
    let classes = validate(y, p, None, ScoreKind::Score)?;
    let scores = ClassScores::new(&classes, p, None);
    let (n_pos, n_neg) = scores.totals();
    require_both_classes("ROC curve", n_pos, n_neg)?;
    let mut pts = vec![(0.0, 0.0)];
    let (mut tp, mut fp) = (0.0f64, 0.0f64);
    scores.for_each_tie_group_desc(|dp, dn| {
        tp += dp;
        fp += dn;
        pts.push((fp / n_neg, tp / n_pos));
    });
    Ok(thin(pts, max_points))
}

/// The cumulative gains curve: (share of rows targeted, share of positives captured) when
/// rows are targeted in decreasing order of score, at `steps` + 1 evenly spaced shares
/// 0, 1/steps, …, 1 (each as [`top_fraction`]'s capture; 0 at 0).
///
/// Errors: as [`top_fraction`]; `steps` = 0.
pub fn gains_curve<L: BinaryLabel>(
    y: &[L],
    p: &[f64],
    steps: usize,
) -> Result<Vec<(f64, f64)>, MetricError> {
    if steps == 0 {
        return Err(MetricError::InvalidParameter {
            what: "gains curve steps",
            value: 0.0,
            expected: "at least 1",
        });
    }
    let classes = validate(y, p, None, ScoreKind::Score)?;
    let n = classes.len();
    let n_pos = classes.iter().filter(|&&c| c).count();
    if n_pos == 0 {
        return Err(MetricError::SingleClass {
            metric: "gains curve",
            all_positive: false,
        });
    }
    // One sort, descending by score then ascending by index, as top_fraction orders rows.
    let mut order: Vec<(u64, usize)> = p
        .iter()
        .enumerate()
        .map(|(i, &s)| (!order_key(s), i))
        .collect();
    order.sort_unstable();
    let mut cum = Vec::with_capacity(n + 1);
    cum.push(0usize);
    for &(_, i) in &order {
        cum.push(cum.last().unwrap() + usize::from(classes[i]));
    }
    Ok((0..=steps)
        .map(|k| {
            let f = k as f64 / steps as f64;
            let m = if k == 0 { 0 } else { top_count(f, n) };
            (f, cum[m] as f64 / n_pos as f64)
        })
        .collect())
}

/// At most `max_points` (≥ 2) of `pts`, evenly spaced, always with the first and last.
fn thin(pts: Vec<(f64, f64)>, max_points: usize) -> Vec<(f64, f64)> {
    let max_points = max_points.max(2);
    if pts.len() <= max_points {
        return pts;
    }
    let last = pts.len() - 1;
    (0..max_points)
        .map(|k| pts[(k * last).div_ceil(max_points - 1).min(last)])
        .collect()
}

impl ClassificationReport {
    /// The report with [`ReportOptions::default`]: threshold 0.5, top 10 % and 20 %,
    /// calibration deciles.
    pub fn compute<L: BinaryLabel>(y: &[L], p: &[f64]) -> Result<Self, MetricError> {
        Self::compute_with(y, p, &ReportOptions::default())
    }

    /// The report with the given options. `p` must be probabilities in `[0, 1]` and
    /// both classes must be present; errors are those of the individual functions.
    pub fn compute_with<L: BinaryLabel>(
        y: &[L],
        p: &[f64],
        options: &ReportOptions,
    ) -> Result<Self, MetricError> {
        let classes = validate(y, p, None, ScoreKind::Probability)?;
        let n = classes.len();
        let n_positive = classes.iter().filter(|&&c| c).count();
        // Checked up front so that the report fails on its first problem, not midway.
        require_both_classes("ROC AUC", n_positive as f64, (n - n_positive) as f64)?;
        for &k in &options.top_fractions {
            check_fraction(k)?;
        }
        Ok(ClassificationReport {
            n,
            n_positive,
            base_rate: n_positive as f64 / n as f64,
            roc_auc: roc_auc(&classes, p, None)?,
            average_precision: average_precision(&classes, p, None)?,
            log_loss: log_loss(&classes, p, None)?,
            brier: brier_score(&classes, p, None)?,
            calibration: calibration_table(&classes, p, options.calibration_bins)?,
            top: options
                .top_fractions
                .iter()
                .map(|&k| top_fraction(&classes, p, k))
                .collect::<Result<_, _>>()?,
            confusion: confusion_matrix(&classes, p, options.threshold)?,
            roc_curve: roc_curve(&classes, p, 101)?,
            gains_curve: gains_curve(&classes, p, 20)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ROC curve's trapezoid area is the AUC (ties move diagonally, so it is exact before
    /// thinning); gains end at (1, 1) and match top_fraction's capture.
    #[test]
    fn roc_and_gains_curves() {
        let y = [
            true, false, true, true, false, false, true, false, true, false, false, true,
        ];
        let p = [0.9, 0.9, 0.8, 0.5, 0.5, 0.5, 0.3, 0.1, 1.0, 0.0, 1.0, 0.0];
        let roc = roc_curve(&y, &p, 1000).unwrap();
        assert_eq!(roc.first(), Some(&(0.0, 0.0)));
        assert_eq!(roc.last(), Some(&(1.0, 1.0)));
        let area: f64 = roc
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) * (w[1].1 + w[0].1) / 2.0)
            .sum();
        assert!((area - roc_auc(&y, &p, None).unwrap()).abs() < 1e-12);
        assert_eq!(roc_curve(&y, &p, 3).unwrap().len(), 3);
        let gains = gains_curve(&y, &p, 4).unwrap();
        assert_eq!(gains.len(), 5);
        assert_eq!(gains[0], (0.0, 0.0));
        assert_eq!(gains[4], (1.0, 1.0));
        let t = top_fraction(&y, &p, 0.5).unwrap();
        assert_eq!(gains[2], (0.5, t.capture));
    }

    /// Moved from the logistic module, whose own AUC this module replaces.
    #[test]
    fn roc_auc_handles_ties() {
        let auc = |p: &[f64], y: &[bool]| roc_auc(y, p, None).ok();
        assert_eq!(
            auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]),
            Some(0.75)
        );
        assert_eq!(auc(&[0.5, 0.5], &[false, true]), Some(0.5));
        assert_eq!(auc(&[0.5, 0.5], &[true, true]), None);
    }
    use proptest::prelude::*;
    use std::cmp::Ordering;

    fn assert_close(got: f64, want: f64, rel: f64) {
        let tol = rel * want.abs().max(1e-300);
        assert!(
            (got - want).abs() <= tol,
            "got {got:?}, want {want:?} (diff {:e}, tol {tol:e})",
            got - want
        );
    }

    // -----------------------------------------------------------------------
    // Reference values: scikit-learn 1.9.1, numpy 2.4.6, Python 3.11.7, computed once
    // with `python3 tests/data/classification_metrics_reference.py` (`pip install
    // scikit-learn numpy`). Its relevant lines are repeated beside each
    // block, enough to recompute every value.
    // -----------------------------------------------------------------------

    // (a) Hand-made example with ties, p = 0 and p = 1 (to exercise the clipping):
    //   ya = np.array([1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1])
    //   pa = np.array([0.9, 0.9, 0.8, 0.5, 0.5, 0.5, 0.3, 0.1, 1.0, 0.0, 1.0, 0.0])
    //   wa = np.array([1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 2.0, 1.0, 1.0, 0.5, 1.0, 2.0])
    //   roc_auc_score(ya, pa); average_precision_score(ya, pa)
    //   log_loss(ya, np.clip(pa, 1e-15, 1 - 1e-15)); brier_score_loss(ya, pa)
    //   ... and the same with sample_weight=wa
    //   yhat = (pa >= 0.5).astype(int); confusion_matrix(ya, yhat).ravel()
    //   precision_score / recall_score / f1_score / accuracy_score(ya, yhat)
    const YA: [u8; 12] = [1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1];
    const PA: [f64; 12] = [0.9, 0.9, 0.8, 0.5, 0.5, 0.5, 0.3, 0.1, 1.0, 0.0, 1.0, 0.0];
    const WA: [f64; 12] = [1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 2.0, 1.0, 1.0, 0.5, 1.0, 2.0];
    const A_ROC_AUC: f64 = 0.5416666666666667; // = 19.5 / 36 by counting pairs
    const A_AP: f64 = 0.5259259259259259;
    const A_LOG_LOSS: f64 = 6.258184700740103;
    const A_BRIER: f64 = 0.3425;
    const A_ROC_AUC_W: f64 = 0.3803921568627451;
    const A_AP_W: f64 = 0.43708080808080807;
    const A_LOG_LOSS_W: f64 = 7.151142080410919;
    const A_BRIER_W: f64 = 0.430625;

    #[test]
    fn hand_example_matches_sklearn() {
        let tol = 1e-13;
        assert_close(roc_auc(&YA, &PA, None).unwrap(), A_ROC_AUC, tol);
        assert_close(average_precision(&YA, &PA, None).unwrap(), A_AP, tol);
        assert_close(log_loss(&YA, &PA, None).unwrap(), A_LOG_LOSS, tol);
        assert_close(brier_score(&YA, &PA, None).unwrap(), A_BRIER, tol);
        let w = Some(&WA[..]);
        assert_close(roc_auc(&YA, &PA, w).unwrap(), A_ROC_AUC_W, tol);
        assert_close(average_precision(&YA, &PA, w).unwrap(), A_AP_W, tol);
        assert_close(log_loss(&YA, &PA, w).unwrap(), A_LOG_LOSS_W, tol);
        assert_close(brier_score(&YA, &PA, w).unwrap(), A_BRIER_W, tol);
        // bool labels give the same answers as u8 labels.
        let yb: Vec<bool> = YA.iter().map(|&v| v == 1).collect();
        assert_eq!(roc_auc(&yb, &PA, None), roc_auc(&YA, &PA, None));
    }

    #[test]
    fn hand_example_confusion_matches_sklearn() {
        // sklearn: tn fp fn tp = [2, 4, 2, 4]; precision 0.5, recall 0.6666666666666666,
        // f1 0.5714285714285714, accuracy 0.5.
        let cm = confusion_matrix(&YA, &PA, 0.5).unwrap();
        assert_eq!((cm.tn, cm.fp, cm.fn_, cm.tp), (2, 4, 2, 4));
        assert_eq!(cm.precision, Some(0.5));
        assert_close(cm.recall.unwrap(), 0.6666666666666666, 1e-15);
        assert_close(cm.f1.unwrap(), 0.5714285714285714, 1e-15);
        assert_eq!(cm.accuracy, 0.5);
        assert_eq!(cm.specificity, Some(2.0 / 6.0));
    }

    // (b) 1000 pseudo-random rows from a 64-bit LCG, generated identically here and in
    // Python (integer arithmetic mod 2^64; the top 53 bits times 2^-53 is exact):
    //   M64 = (1 << 64) - 1; s = 0x2545F4914F6CDD1D
    //   for each row:
    //     s = (s * 6364136223846793005 + 1442695040888963407) & M64
    //     p = (s >> 11) * 2.0**-53;  s16 = (s >> 60) / 16.0
    //     s = (s * 6364136223846793005 + 1442695040888963407) & M64
    //     u = (s >> 11) * 2.0**-53;  y = 1 if u < p else 0;  w = float(1 + ((s >> 20) & 3))
    //   roc_auc_score(y, p), average_precision_score(y, p),
    //   log_loss(y, np.clip(p, 1e-15, 1 - 1e-15)), brier_score_loss(y, p),
    //   the first two on s16 (16 levels: heavy ties), and all with sample_weight=w.
    struct Generated {
        y: Vec<bool>,
        p: Vec<f64>,
        s16: Vec<f64>,
        w: Vec<f64>,
    }

    fn generate(n: usize) -> Generated {
        let mut s: u64 = 0x2545_F491_4F6C_DD1D;
        let mut step = || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            s
        };
        let unit = |x: u64| (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        let mut g = Generated {
            y: Vec::with_capacity(n),
            p: Vec::with_capacity(n),
            s16: Vec::with_capacity(n),
            w: Vec::with_capacity(n),
        };
        for _ in 0..n {
            let a = step();
            let p = unit(a);
            g.p.push(p);
            g.s16.push((a >> 60) as f64 / 16.0);
            let b = step();
            g.y.push(unit(b) < p);
            g.w.push((1 + ((b >> 20) & 3)) as f64);
        }
        g
    }

    #[test]
    fn generator_is_bit_identical_to_python() {
        // Python: XOR of the IEEE bits of p = 0x00176e58b53c0b8c, of s16 = 0x3f90000000000000;
        // sum(w) = 2465.0; sum(y) = 506; first p bits 0x3fde372762cf4730,
        // 0x3fec310df7726bf4, 0x3fec1f2f0d391456; y[:8] = [1, 1, 1, 1, 1, 0, 1, 0].
        let g = generate(1000);
        let xor = |v: &[f64]| v.iter().fold(0u64, |acc, x| acc ^ x.to_bits());
        assert_eq!(xor(&g.p), 0x0017_6e58_b53c_0b8c);
        assert_eq!(xor(&g.s16), 0x3f90_0000_0000_0000);
        assert_eq!(g.w.iter().sum::<f64>(), 2465.0);
        assert_eq!(g.y.iter().filter(|&&v| v).count(), 506);
        let first: Vec<u64> = g.p[..3].iter().map(|x| x.to_bits()).collect();
        assert_eq!(
            first,
            [
                0x3fde_3727_62cf_4730,
                0x3fec_310d_f772_6bf4,
                0x3fec_1f2f_0d39_1456
            ]
        );
        let y8: Vec<u8> = g.y[..8].iter().map(|&v| v as u8).collect();
        assert_eq!(y8, [1, 1, 1, 1, 1, 0, 1, 0]);
    }

    #[test]
    fn generated_example_matches_sklearn() {
        let g = generate(1000);
        let (y, p, s16, w) = (&g.y, &g.p, &g.s16, Some(&g.w[..]));
        let tol = 1e-12;
        assert_close(roc_auc(y, p, None).unwrap(), 0.8598038117488919, tol);
        assert_close(
            average_precision(y, p, None).unwrap(),
            0.8656123904228873,
            tol,
        );
        assert_close(log_loss(y, p, None).unwrap(), 0.46605065069330565, tol);
        assert_close(brier_score(y, p, None).unwrap(), 0.15384924791764584, tol);
        assert_close(roc_auc(y, s16, None).unwrap(), 0.8594677633579235, tol);
        assert_close(
            average_precision(y, s16, None).unwrap(),
            0.8517514663488871,
            tol,
        );
        assert_close(roc_auc(y, p, w).unwrap(), 0.8533347293615016, tol);
        assert_close(average_precision(y, p, w).unwrap(), 0.8602509876150448, tol);
        assert_close(log_loss(y, p, w).unwrap(), 0.475520344411631, tol);
        assert_close(brier_score(y, p, w).unwrap(), 0.15739065405135777, tol);
        assert_close(roc_auc(y, s16, w).unwrap(), 0.8534012382506451, tol);
        assert_close(
            average_precision(y, s16, w).unwrap(),
            0.8473727310938172,
            tol,
        );
    }

    #[test]
    fn generated_lift_and_calibration_match_numpy() {
        // numpy (no sklearn equivalent), same inputs:
        //   order = np.lexsort((np.arange(n), -s16)); m = ceil(k * n); top = y[order[:m]]
        //   k=0.1: m=100 positives=98  lift=1.9367588932806323 capture=0.19367588932806323
        //   k=0.2: m=200 positives=185 lift=1.8280632411067195 capture=0.36561264822134387
        //   order = np.lexsort((np.arange(n), p)); bin b = order[b*n//10:(b+1)*n//10]
        let g = generate(1000);
        let t10 = top_fraction(&g.y, &g.s16, 0.1).unwrap();
        assert_eq!((t10.n_top, t10.n_positive_top), (100, 98));
        assert_close(t10.lift, 1.9367588932806323, 1e-14);
        assert_close(t10.capture, 0.19367588932806323, 1e-14);
        let t20 = top_fraction(&g.y, &g.s16, 0.2).unwrap();
        assert_eq!((t20.n_top, t20.n_positive_top), (200, 185));
        assert_close(t20.lift, 1.8280632411067195, 1e-14);
        assert_close(t20.capture, 0.36561264822134387, 1e-14);

        // (n, positives, mean p, min p, max p) per decile from numpy.
        let want: [(usize, usize, f64, f64, f64); 10] = [
            (
                100,
                2,
                0.055382063264028815,
                0.00031032933089547576,
                0.11393384361718406,
            ),
            (
                100,
                15,
                0.1607536069925063,
                0.11394559546917704,
                0.203088282425803,
            ),
            (
                100,
                23,
                0.2541715311916011,
                0.20362148923798296,
                0.29838623864341496,
            ),
            (
                100,
                39,
                0.3461408776980584,
                0.2988589558092184,
                0.3929187519586276,
            ),
            (
                100,
                38,
                0.4466762390258871,
                0.39396414911189026,
                0.4980585475135537,
            ),
            (
                100,
                52,
                0.5491170400720824,
                0.4987028650372297,
                0.5946970927418029,
            ),
            (
                100,
                64,
                0.6415029095454094,
                0.5948023639629549,
                0.6862083405203783,
            ),
            (
                100,
                88,
                0.7413133556625128,
                0.6865127754163711,
                0.8000531820818171,
            ),
            (
                100,
                88,
                0.8500104297216384,
                0.8023856071655916,
                0.9025803866778103,
            ),
            (
                100,
                97,
                0.9508936977155978,
                0.9029699864932442,
                0.9970873995617331,
            ),
        ];
        let table = calibration_deciles(&g.y, &g.p).unwrap();
        assert_eq!(table.bins.len(), 10);
        for (b, (bin, &(n, pos, mean, lo, hi))) in table.bins.iter().zip(&want).enumerate() {
            assert_eq!((bin.bin, bin.n, bin.n_positive), (b, n, pos));
            assert_close(bin.mean_predicted, mean, 1e-14);
            assert_eq!(bin.observed_rate, pos as f64 / n as f64);
            assert_eq!((bin.min_predicted, bin.max_predicted), (lo, hi));
        }
    }

    #[test]
    fn report_collects_everything() {
        let g = generate(1000);
        let r = ClassificationReport::compute(&g.y, &g.p).unwrap();
        assert_eq!((r.n, r.n_positive), (1000, 506));
        assert_eq!(r.base_rate, 0.506);
        assert_eq!(r.roc_auc, roc_auc(&g.y, &g.p, None).unwrap());
        assert_eq!(
            r.average_precision,
            average_precision(&g.y, &g.p, None).unwrap()
        );
        assert_eq!(r.log_loss, log_loss(&g.y, &g.p, None).unwrap());
        assert_eq!(r.brier, brier_score(&g.y, &g.p, None).unwrap());
        assert_eq!(r.calibration, calibration_deciles(&g.y, &g.p).unwrap());
        assert_eq!(r.top.len(), 2);
        assert_eq!(r.top[0], top_fraction(&g.y, &g.p, 0.1).unwrap());
        assert_eq!(r.top[1], top_fraction(&g.y, &g.p, 0.2).unwrap());
        assert_eq!(r.confusion, confusion_matrix(&g.y, &g.p, 0.5).unwrap());

        let opts = ReportOptions {
            threshold: 0.3,
            top_fractions: vec![0.05],
            calibration_bins: 4,
        };
        let r = ClassificationReport::compute_with(&g.y, &g.p, &opts).unwrap();
        assert_eq!(r.confusion.threshold, 0.3);
        assert_eq!(r.top[0].n_top, 50);
        assert_eq!(r.calibration.bins.len(), 4);
    }

    // -----------------------------------------------------------------------
    // Errors and edge cases
    // -----------------------------------------------------------------------

    #[test]
    fn errors_are_reported_not_nan() {
        let e: [bool; 0] = [];
        assert_eq!(roc_auc(&e, &[], None), Err(MetricError::Empty));
        assert_eq!(log_loss(&e, &[], None), Err(MetricError::Empty));
        assert!(matches!(
            ClassificationReport::compute(&e, &[]),
            Err(MetricError::Empty)
        ));

        let y = [true, false, true];
        assert_eq!(
            roc_auc(&y, &[0.1, 0.2], None),
            Err(MetricError::LengthMismatch {
                what: "scores",
                expected: 3,
                found: 2
            })
        );
        assert_eq!(
            brier_score(&y, &[0.1, 0.2, 0.3], Some(&[1.0])),
            Err(MetricError::LengthMismatch {
                what: "weights",
                expected: 3,
                found: 1
            })
        );

        let err = average_precision(&y, &[0.1, f64::NAN, 0.3], None).unwrap_err();
        assert!(matches!(err, MetricError::NonFiniteScore { index: 1, .. }));
        assert!(err.to_string().contains("index 1"), "{err}");
        let err = confusion_matrix(&y, &[0.1, 0.2, f64::INFINITY], 0.5).unwrap_err();
        assert!(matches!(err, MetricError::NonFiniteScore { index: 2, .. }));

        let err = roc_auc(&[true, true], &[0.1, 0.2], None).unwrap_err();
        assert_eq!(
            err,
            MetricError::SingleClass {
                metric: "ROC AUC",
                all_positive: true
            }
        );
        let msg = err.to_string();
        assert!(
            msg.contains("undefined") && msg.contains("only one class"),
            "{msg}"
        );
        assert!(matches!(
            roc_auc(&[0u8, 0], &[0.1, 0.2], None),
            Err(MetricError::SingleClass {
                all_positive: false,
                ..
            })
        ));
        // A class present only with zero weight does not count.
        assert!(matches!(
            roc_auc(&[1u8, 0], &[0.1, 0.2], Some(&[1.0, 0.0])),
            Err(MetricError::SingleClass {
                all_positive: true,
                ..
            })
        ));
        assert!(matches!(
            average_precision(&[0u8, 0], &[0.1, 0.2], None),
            Err(MetricError::SingleClass { .. })
        ));
        assert!(matches!(
            top_fraction(&[0u8, 0], &[0.1, 0.2], 0.5),
            Err(MetricError::SingleClass { .. })
        ));
        assert!(matches!(
            ClassificationReport::compute(&[1u8, 1], &[0.1, 0.2]),
            Err(MetricError::SingleClass { .. })
        ));

        assert_eq!(
            roc_auc(&[0u8, 2], &[0.1, 0.2], None),
            Err(MetricError::InvalidLabel { index: 1, value: 2 })
        );
        assert_eq!(
            log_loss(&[0u8, 1], &[0.1, 1.5], None),
            Err(MetricError::ProbabilityOutOfRange {
                index: 1,
                value: 1.5
            })
        );
        assert!(matches!(
            calibration_deciles(&[0u8, 1], &[-0.1, 0.5]),
            Err(MetricError::ProbabilityOutOfRange { index: 0, .. })
        ));
        // Scores need not be probabilities for the ranking metrics.
        assert_eq!(roc_auc(&[0u8, 1], &[-3.0, 7.5], None), Ok(1.0));

        assert_eq!(
            brier_score(&[0u8, 1], &[0.1, 0.5], Some(&[1.0, -1.0])),
            Err(MetricError::InvalidWeight {
                index: 1,
                value: -1.0
            })
        );
        assert!(matches!(
            brier_score(&[0u8, 1], &[0.1, 0.5], Some(&[f64::NAN, 1.0])),
            Err(MetricError::InvalidWeight { index: 0, .. })
        ));
        assert_eq!(
            brier_score(&[0u8, 1], &[0.1, 0.5], Some(&[0.0, 0.0])),
            Err(MetricError::ZeroTotalWeight)
        );
        assert_eq!(
            roc_auc(&[0u8, 1], &[0.1, 0.5], Some(&[0.0, 0.0])),
            Err(MetricError::ZeroTotalWeight)
        );

        for k in [0.0, -0.1, 1.1, f64::NAN] {
            assert!(matches!(
                top_fraction(&[0u8, 1], &[0.1, 0.5], k),
                Err(MetricError::InvalidParameter { .. })
            ));
        }
        assert!(matches!(
            calibration_table(&[0u8, 1], &[0.1, 0.5], 0),
            Err(MetricError::InvalidParameter { .. })
        ));
        assert!(matches!(
            confusion_matrix(&[0u8, 1], &[0.1, 0.5], f64::NAN),
            Err(MetricError::InvalidParameter { .. })
        ));
        // Every error has a message.
        let _: &dyn std::error::Error = &MetricError::Empty;
    }

    #[test]
    fn edge_cases() {
        // All scores tied: AUC 1/2, AP = base rate.
        let y = [1u8, 0, 0, 1, 0];
        let p = [0.3; 5];
        assert_eq!(roc_auc(&y, &p, None), Ok(0.5));
        assert_close(average_precision(&y, &p, None).unwrap(), 0.4, 1e-15);
        // -0.0 and 0.0 are the same score.
        assert_eq!(roc_auc(&[1u8, 0], &[-0.0, 0.0], None), Ok(0.5));
        // No negatives: AP is 1; log loss and Brier are defined for one class.
        assert_eq!(average_precision(&[1u8, 1], &[0.2, 0.9], None), Ok(1.0));
        assert_close(
            log_loss(&[1u8], &[0.5], None).unwrap(),
            std::f64::consts::LN_2,
            1e-15,
        );
        assert_eq!(brier_score(&[0u8], &[0.5], None), Ok(0.25));
        // Clipping: a certain wrong prediction costs -ln(1e-15), not infinity.
        assert_close(
            log_loss(&[1u8], &[0.0], None).unwrap(),
            -(1e-15f64).ln(),
            1e-15,
        );
        assert_eq!(
            log_loss(&[1u8, 0], &[1.0, 0.0], None).unwrap(),
            -(1.0 - 1e-15f64).ln()
        );
        // A zero-weight certain mistake does not poison the weighted log loss.
        assert_close(
            log_loss(&[1u8, 1], &[0.0, 0.5], Some(&[0.0, 2.0])).unwrap(),
            std::f64::consts::LN_2,
            1e-15,
        );

        // Confusion matrix: undefined ratios are None, not NaN.
        let cm = confusion_matrix(&[0u8, 0], &[0.1, 0.2], 0.5).unwrap();
        assert_eq!((cm.tp, cm.fp, cm.tn, cm.fn_), (0, 0, 2, 0));
        assert_eq!(
            (cm.precision, cm.recall, cm.f1, cm.specificity, cm.accuracy),
            (None, None, None, Some(1.0), 1.0)
        );
        // p >= threshold is positive.
        let cm = confusion_matrix(&[1u8, 0], &[0.5, 0.4999], 0.5).unwrap();
        assert_eq!((cm.tp, cm.tn), (1, 1));

        // Top group: ceil, ties by index, snapping of 0.7 * 10.
        let y = [0u8, 1, 0, 1, 0, 0, 0, 0, 0, 0];
        let s = [0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
        let t = top_fraction(&y, &s, 0.1).unwrap(); // row 0 wins the tie at 0.9
        assert_eq!(
            (t.n_top, t.n_positive_top, t.capture, t.lift),
            (1, 0, 0.0, 0.0)
        );
        let t = top_fraction(&y, &s, 0.15).unwrap(); // ceil(1.5) = 2: rows 0, 1
        assert_eq!((t.n_top, t.n_positive_top, t.capture), (2, 1, 0.5));
        assert_close(t.lift, 2.5, 1e-15);
        assert_eq!(top_fraction(&y, &s, 0.7).unwrap().n_top, 7);
        assert_eq!(top_fraction(&y, &s, 0.01).unwrap().n_top, 1);
        assert_eq!(lift_at(&y, &s, 1.0), Ok(1.0));
        assert_eq!(capture_at(&y, &s, 1.0), Ok(1.0));

        // Calibration with fewer rows than bins: empty bins are left out.
        let t = calibration_table(&[1u8, 0, 1], &[0.8, 0.2, 0.5], 10).unwrap();
        assert_eq!(t.bins.len(), 3);
        assert_eq!(t.bins.iter().map(|b| b.bin).collect::<Vec<_>>(), [3, 6, 9]);
        assert_eq!(t.bins[0].min_predicted, 0.2);
        assert_eq!(t.bins[2].observed_rate, 1.0);
    }

    // -----------------------------------------------------------------------
    // Property tests
    // -----------------------------------------------------------------------

    /// O(n²) pair counting, straight from the definition.
    fn auc_brute(y: &[bool], s: &[f64], w: &[f64]) -> f64 {
        let (mut num, mut wp, mut wn) = (0.0, 0.0, 0.0);
        for i in 0..y.len() {
            if y[i] {
                wp += w[i];
            } else {
                wn += w[i];
            }
            for j in 0..y.len() {
                if y[i] && !y[j] {
                    let c = match s[i].partial_cmp(&s[j]).unwrap() {
                        Ordering::Greater => 1.0,
                        Ordering::Equal => 0.5,
                        Ordering::Less => 0.0,
                    };
                    num += w[i] * w[j] * c;
                }
            }
        }
        num / (wp * wn)
    }

    /// O(n²) average precision: one threshold per distinct score.
    fn ap_brute(y: &[bool], s: &[f64]) -> f64 {
        let mut t: Vec<f64> = s.to_vec();
        t.sort_by(|a, b| b.partial_cmp(a).unwrap());
        t.dedup();
        let n_pos = y.iter().filter(|&&v| v).count() as f64;
        let (mut prev_recall, mut ap) = (0.0, 0.0);
        for &th in &t {
            let tp = (0..y.len()).filter(|&i| y[i] && s[i] >= th).count() as f64;
            let pp = (0..y.len()).filter(|&i| s[i] >= th).count() as f64;
            let recall = tp / n_pos;
            ap += (recall - prev_recall) * (tp / pp);
            prev_recall = recall;
        }
        ap
    }

    /// Labels with both classes and integer-valued scores (many ties).
    fn labelled() -> impl Strategy<Value = (Vec<bool>, Vec<f64>)> {
        (2usize..60)
            .prop_flat_map(|n| {
                (
                    proptest::collection::vec(any::<bool>(), n),
                    proptest::collection::vec(0i32..12, n),
                )
            })
            .prop_filter("both classes", |(y, _)| {
                y.iter().any(|&v| v) && y.iter().any(|&v| !v)
            })
            .prop_map(|(y, s)| (y, s.into_iter().map(f64::from).collect()))
    }

    proptest! {
        #[test]
        fn auc_equals_pair_counting((y, s) in labelled(), wi in proptest::collection::vec(0u8..4, 60)) {
            let ones = vec![1.0; y.len()];
            prop_assert!((roc_auc(&y, &s, None).unwrap() - auc_brute(&y, &s, &ones)).abs() < 1e-12);
            let w: Vec<f64> = wi[..y.len()].iter().map(|&v| f64::from(v) + 0.5).collect();
            prop_assert!((roc_auc(&y, &s, Some(&w)).unwrap() - auc_brute(&y, &s, &w)).abs() < 1e-12);
        }

        #[test]
        fn ap_equals_threshold_sweep((y, s) in labelled()) {
            let ap = average_precision(&y, &s, None).unwrap();
            prop_assert!((ap - ap_brute(&y, &s)).abs() < 1e-12);
            prop_assert!(ap > 0.0 && ap <= 1.0 + 1e-15);
        }

        #[test]
        fn reversed_scores_give_one_minus_auc((y, s) in labelled()) {
            let a = roc_auc(&y, &s, None).unwrap();
            let neg: Vec<f64> = s.iter().map(|v| -v).collect();
            let b = roc_auc(&y, &neg, None).unwrap();
            prop_assert!((a + b - 1.0).abs() < 1e-12);
            prop_assert!((0.0..=1.0).contains(&a));
        }

        #[test]
        fn monotone_transforms_change_nothing((y, s) in labelled()) {
            // Strictly increasing maps that keep integer scores distinct and ties tied.
            let auc = roc_auc(&y, &s, None).unwrap();
            let ap = average_precision(&y, &s, None).unwrap();
            let top = top_fraction(&y, &s, 0.3).unwrap();
            let transforms: [fn(f64) -> f64; 3] =
                [|x| (x / 4.0).exp(), |x| (x - 5.0).powi(3), |x| 1.0 / (1.0 + (-x).exp())];
            for t in transforms {
                let u: Vec<f64> = s.iter().map(|&x| t(x)).collect();
                prop_assert_eq!(roc_auc(&y, &u, None).unwrap(), auc);
                prop_assert_eq!(average_precision(&y, &u, None).unwrap(), ap);
                prop_assert_eq!(top_fraction(&y, &u, 0.3).unwrap(), top.clone());
            }
        }

        #[test]
        fn integer_weights_equal_repeated_rows((y, s) in labelled(), wi in proptest::collection::vec(1usize..4, 60)) {
            let w: Vec<f64> = wi[..y.len()].iter().map(|&k| k as f64).collect();
            let (mut yr, mut sr) = (Vec::new(), Vec::new());
            for i in 0..y.len() {
                for _ in 0..wi[i] {
                    yr.push(y[i]);
                    sr.push(s[i]);
                }
            }
            let p: Vec<f64> = s.iter().map(|v| v / 11.0).collect();
            let pr: Vec<f64> = sr.iter().map(|v| v / 11.0).collect();
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
            prop_assert!(close(roc_auc(&y, &s, Some(&w)).unwrap(), roc_auc(&yr, &sr, None).unwrap()));
            prop_assert!(close(average_precision(&y, &s, Some(&w)).unwrap(), average_precision(&yr, &sr, None).unwrap()));
            prop_assert!(close(log_loss(&y, &p, Some(&w)).unwrap(), log_loss(&yr, &pr, None).unwrap()));
            prop_assert!(close(brier_score(&y, &p, Some(&w)).unwrap(), brier_score(&yr, &pr, None).unwrap()));
        }

        #[test]
        fn top_fraction_properties((y, s) in labelled(), k in 0.01f64..=1.0) {
            let all = top_fraction(&y, &s, 1.0).unwrap();
            prop_assert_eq!(all.capture, 1.0);
            prop_assert_eq!(all.lift, 1.0);
            prop_assert_eq!(all.n_top, y.len());
            let t = top_fraction(&y, &s, k).unwrap();
            prop_assert!(t.n_top >= 1 && t.n_top <= y.len());
            prop_assert!(t.n_top as f64 >= k * y.len() as f64 - 1e-9);
            prop_assert!((t.capture - t.lift * t.n_top as f64 / y.len() as f64).abs() < 1e-12);
            prop_assert!((0.0..=1.0).contains(&t.capture));
        }

        #[test]
        fn calibration_and_confusion_partition_rows((y, s) in labelled(), bins in 1usize..15) {
            let p: Vec<f64> = s.iter().map(|v| v / 11.0).collect();
            let t = calibration_table(&y, &p, bins).unwrap();
            prop_assert_eq!(t.bins.iter().map(|b| b.n).sum::<usize>(), y.len());
            prop_assert_eq!(
                t.bins.iter().map(|b| b.n_positive).sum::<usize>(),
                y.iter().filter(|&&v| v).count()
            );
            for pair in t.bins.windows(2) {
                prop_assert!(pair[0].max_predicted <= pair[1].min_predicted);
                prop_assert!(pair[0].n.abs_diff(pair[1].n) <= 1);
            }
            for b in &t.bins {
                prop_assert!(b.min_predicted <= b.mean_predicted + 1e-15);
                prop_assert!(b.mean_predicted <= b.max_predicted + 1e-15);
            }
            let cm = confusion_matrix(&y, &p, 0.5).unwrap();
            prop_assert_eq!(cm.tp + cm.fp + cm.tn + cm.fn_, y.len());
        }
    }

    /// Timing of `roc_auc` on 1M rows; not a pass/fail test. Run with
    /// `cargo test --release -- --ignored --nocapture roc_auc_timing_1m`.
    #[test]
    #[ignore]
    fn roc_auc_timing_1m() {
        let g = generate(1_000_000);
        let _ = roc_auc(&g.y, &g.p, None).unwrap(); // warm-up
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let t = std::time::Instant::now();
            let a = roc_auc(&g.y, &g.p, None).unwrap();
            best = best.min(t.elapsed().as_secs_f64());
            assert!((0.0..=1.0).contains(&a));
        }
        let t = std::time::Instant::now();
        let _ = roc_auc(&g.y, &g.p, Some(&g.w)).unwrap();
        let weighted = t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        let _ = average_precision(&g.y, &g.p, None).unwrap();
        let ap = t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        let _ = ClassificationReport::compute(&g.y, &g.p).unwrap();
        let report = t.elapsed().as_secs_f64();
        println!(
            "roc_auc 1M rows: best of 5 {:.1} ms; weighted {:.1} ms; \
             average_precision {:.1} ms; full report {:.1} ms",
            best * 1e3,
            weighted * 1e3,
            ap * 1e3,
            report * 1e3
        );
    }
}
