//! RFM scores, named segments, lifecycle stages and value concentration (pure Rust over
//! slices; `docs/segments.md` is the marketer-facing description of the same rules).
//!
//! - [`rfm_scores`]: recency, frequency and monetary scores 1–5 by quintile, ties never
//!   split (the rule is on [`rfm_scores`]);
//! - [`SegmentRules`]: named segments from a first-match-wins rule table over the scores,
//!   the default R × F map or a TOML rules file, with a fallback name (`other`) so every
//!   customer gets a segment;
//! - [`lifecycle_stages`]: `new`, `active`, `at_risk`, `churned` from P(alive), the days
//!   since the first purchase and, when there is one, the churn probability;
//! - [`Concentration`], [`lorenz`], [`gini`], [`top_share`]: how concentrated value is;
//! - [`Segments::summary`], [`stage_summary`]: customers and value per segment or stage.
//!
//! The calls `predict` makes, one value per customer in table order:
//!
//! ```
//! use clvr::score::segments::{
//!     Concentration, LifecycleThresholds, SegmentRules, lifecycle_stages, rfm_scores,
//!     stage_summary,
//! };
//!
//! // Days since the last and the first purchase: from dates (as-of day minus the purchase
//! // day), not from T − recency in weeks, whose rounding could split tied customers.
//! let days_since_last = [3.0, 40.0, 200.0, 10.0, 90.0];
//! let days_since_first = [400.0, 300.0, 350.0, 10.0, 200.0];
//! let frequency = [6.0, 2.0, 1.0, 0.0, 1.0]; // repeat purchases
//! let monetary = [55.0, 20.0, 35.0, 0.0, 12.0]; // mean spend; `None` without amounts
//! let p_alive = [0.97, 0.6, 0.05, 1.0, 0.3];
//! let clv = [420.0, 80.0, 1.5, 30.0, 12.0];
//!
//! let scores = rfm_scores(&days_since_last, &frequency, Some(&monetary))?;
//! assert_eq!(scores.r.scores, [5, 3, 1, 4, 2]); // the most recent customer scores 5
//!
//! // `SegmentRules::from_file(path)?` for a user's rules file.
//! let rules = SegmentRules::default();
//! let segments = rules.assign(&scores);
//! assert_eq!(segments.name_of(0), "champions");
//!
//! let thresholds = LifecycleThresholds::default(); // stored in the model file
//! // With a churn model: Some(&probabilities), one Option<f64> per customer.
//! let stages = lifecycle_stages(&p_alive, &days_since_first, None, &thresholds)?;
//! assert_eq!(stages[2].name(), "churned");
//!
//! let by_segment = segments.summary(Some(&clv))?; // rule-table order, then `other`
//! let by_stage = stage_summary(&stages, Some(&clv))?; // new, active, at_risk, churned
//! assert_eq!(by_segment[0].name, "champions");
//! assert_eq!(by_stage.len(), 4);
//!
//! let c = Concentration::of(&clv)?; // Gini, top-20% share, Lorenz curve for plotting
//! assert!(c.gini > 0.5 && c.top_20_share > 0.7);
//! # Ok::<(), clvr::score::segments::SegmentError>(())
//! ```

use std::fmt;
use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use toml_edit::{Item, TableLike, Value};

/// Everything this module can refuse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SegmentError {
    /// An input value is NaN or infinite.
    #[error("customer row {row}: {field} is {value}, not a finite number")]
    NonFinite {
        /// 1-based row in the customer table.
        row: usize,
        /// Which input (e.g. `frequency`).
        field: &'static str,
        /// The value.
        value: f64,
    },
    /// An input value is finite but outside the values that make sense for it.
    #[error("customer row {row}: {field} is {value}; {requirement}")]
    OutOfRange {
        /// 1-based row in the customer table.
        row: usize,
        /// Which input.
        field: &'static str,
        /// The value.
        value: f64,
        /// What it must be.
        requirement: &'static str,
    },
    /// Two per-customer inputs have different lengths.
    #[error("{field} has {len} values but there are {expected} customers")]
    LengthMismatch {
        /// The input whose length differs.
        field: &'static str,
        /// Its length.
        len: usize,
        /// The number of customers (length of the first input).
        expected: usize,
    },
    /// A segment rule table that cannot be used.
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// Lifecycle thresholds that are inconsistent or out of range.
    #[error("lifecycle threshold {name} = {value}: {requirement}")]
    Threshold {
        /// Field of [`LifecycleThresholds`].
        name: &'static str,
        /// Its value (NaN for an absent optional one).
        value: f64,
        /// What it must be.
        requirement: String,
    },
    /// Value concentration of values that sum to zero (or of no values) is undefined.
    #[error(
        "the values sum to zero (or there are none): the Lorenz curve, Gini coefficient and \
         top share are undefined"
    )]
    ZeroTotal,
    /// A top share that is not a fraction of the customers.
    #[error("top share {0} must be in (0, 1], e.g. 0.2 for the top 20%")]
    InvalidShare(f64),
}

// ---------------------------------------------------------------------------------------
// RFM scores
// ---------------------------------------------------------------------------------------

/// One score column: a score 1..=5 per customer and the values where the score steps up.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreColumn {
    /// One score per customer, in input order, each in 1..=5.
    pub scores: Vec<u8>,
    /// The four thresholds: for frequency and monetary value, a customer's score exceeds
    /// `s` exactly when their value is > `cuts[s - 1]`; for recency (days since the last
    /// purchase), exactly when their days are < `cuts[s - 1]`. `None` with fewer than two
    /// customers (everyone scores 1).
    pub cuts: Option<[f64; 4]>,
}

/// Recency, frequency and monetary scores of every customer (see [`rfm_scores`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RfmScores {
    /// Recency: 5 = the most recent buyers.
    pub r: ScoreColumn,
    /// Frequency: 5 = the most repeat purchases.
    pub f: ScoreColumn,
    /// Monetary value: 5 = the highest mean spend; `None` when there were no amounts.
    pub m: Option<ScoreColumn>,
}

impl RfmScores {
    /// Customers scored.
    pub fn len(&self) -> usize {
        self.r.scores.len()
    }

    /// Whether no customer was scored.
    pub fn is_empty(&self) -> bool {
        self.r.scores.is_empty()
    }

    /// The (R, F, M) scores of customer `i` (0-based).
    pub fn get(&self, i: usize) -> (u8, u8, Option<u8>) {
        (
            self.r.scores[i],
            self.f.scores[i],
            self.m.as_ref().map(|m| m.scores[i]),
        )
    }
}

/// Scores customers 1–5 on recency, frequency and monetary value.
///
/// Inputs, one value per customer: `days_since_last_purchase` (smaller is better: the most
/// recent customers score 5), `frequency` (repeat purchases; higher is better) and
/// `monetary` (mean spend; higher is better; `None` for models trained without amounts, and
/// then `m` is `None`). Compute the days from dates (as-of day minus last-purchase day):
/// days derived from `T − recency` in weeks carry rounding that can split tied customers.
///
/// **The tie rule.** With `n` customers and `w` the number of customers strictly *worse*
/// than this one on the field (larger days; smaller frequency or spend),
///
/// `score = 1 + min(4, floor(5 × w / (n − 1)))`, and 1 when `n = 1`;
///
/// that is, 1 + floor(5 × SQL `PERCENT_RANK`) with ties at their lowest rank, capped at 5:
/// a customer scores 5 when at least 80% of the *other* customers are strictly worse, 4
/// from 60%, 3 from 40%, 2 from 20%, else 1. So
///
/// - equal values always get equal scores, and a strictly better value never a lower one;
/// - the worst value scores 1, and an untied best value scores 5 (for any `n ≥ 2`);
/// - with `n` a multiple of 5 and no ties, each score holds exactly `n / 5` customers;
/// - heavy ties use fewer than five scores: with 60 of 100 customers at frequency 0 and
///   the other 40 distinct, the zeros score 1 (nobody is worse), the next 20 score 4 and
///   the top 20 score 5; if everyone has the same value, everyone scores 1.
///
/// O(n): four order statistics by selection, then one parallel pass. Deterministic (the
/// result depends only on the values, not on their order or the thread count).
///
/// Errors: a NaN or infinite value ([`SegmentError::NonFinite`], naming the 1-based row and
/// the field), inputs of different lengths.
pub fn rfm_scores(
    days_since_last_purchase: &[f64],
    frequency: &[f64],
    monetary: Option<&[f64]>,
) -> Result<RfmScores, SegmentError> {
    let n = days_since_last_purchase.len();
    same_length("frequency", frequency.len(), n)?;
    if let Some(m) = monetary {
        same_length("monetary value", m.len(), n)?;
    }
    check_finite(days_since_last_purchase, "days since last purchase")?;
    check_finite(frequency, "frequency")?;
    if let Some(m) = monetary {
        check_finite(m, "monetary value")?;
    }
    // The three columns are independent: score them side by side.
    let (r, (f, m)) = rayon::join(
        || quintile_scores(days_since_last_purchase, false),
        || {
            rayon::join(
                || quintile_scores(frequency, true),
                || monetary.map(|m| quintile_scores(m, true)),
            )
        },
    );
    Ok(RfmScores { r, f, m })
}

/// Scores of finite `values` by the rule on [`rfm_scores`], and the cuts.
///
/// With "worse" meaning smaller (`higher_better`) or larger: score > s ⇔ floor(5w / (n − 1))
/// ≥ s ⇔ w ≥ k_s = ceil(s (n − 1) / 5) ⇔ the k_s-th worst value is strictly worse than the
/// customer's (the w values worse than it are the w worst). So the score is 1 + the number
/// of the four order statistics "k_s-th worst" that are strictly worse than the value:
/// O(n) by selection, no sort.
fn quintile_scores(values: &[f64], higher_better: bool) -> ScoreColumn {
    let n = values.len();
    if n < 2 {
        return ScoreColumn {
            scores: vec![1; n],
            cuts: None,
        };
    }
    let worst_first = |a: &f64, b: &f64| {
        if higher_better {
            a.total_cmp(b)
        } else {
            b.total_cmp(a)
        }
    };
    let mut work = values.to_vec();
    let mut cuts = [0.0; 4];
    // Largest position first; each selection leaves the worse values in front, so the next
    // (smaller or equal) position is selected among them.
    let mut end = n;
    for s in (1..=4).rev() {
        let pos = (s * (n - 1)).div_ceil(5) - 1;
        let (_, v, _) = work[..end].select_nth_unstable_by(pos, worst_first);
        cuts[s - 1] = *v + 0.0; // -0.0 → 0.0 (equal in every comparison below anyway)
        end = pos + 1;
    }
    drop(work);
    let scores = values
        .par_iter()
        .map(|&x| {
            let above = |&&c: &&f64| if higher_better { x > c } else { x < c };
            1 + cuts.iter().filter(above).count() as u8
        })
        .collect();
    ScoreColumn {
        scores,
        cuts: Some(cuts),
    }
}

fn same_length(field: &'static str, len: usize, expected: usize) -> Result<(), SegmentError> {
    if len == expected {
        Ok(())
    } else {
        Err(SegmentError::LengthMismatch {
            field,
            len,
            expected,
        })
    }
}

fn check_finite(values: &[f64], field: &'static str) -> Result<(), SegmentError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(SegmentError::NonFinite {
            row: i + 1,
            field,
            value: values[i],
        }),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// Segment rules
// ---------------------------------------------------------------------------------------

/// An inclusive range of scores within 1..=5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScoreRange {
    lo: u8,
    hi: u8,
}

impl ScoreRange {
    /// Every score, 1..=5 (a condition that always holds).
    pub const ANY: ScoreRange = ScoreRange { lo: 1, hi: 5 };

    /// `lo..=hi`; `None` unless 1 <= lo <= hi <= 5.
    pub fn new(lo: u8, hi: u8) -> Option<ScoreRange> {
        (1 <= lo && lo <= hi && hi <= 5).then_some(ScoreRange { lo, hi })
    }

    /// Lowest score in the range.
    pub fn lo(self) -> u8 {
        self.lo
    }

    /// Highest score in the range.
    pub fn hi(self) -> u8 {
        self.hi
    }

    /// Whether `score` is in the range.
    pub fn contains(self, score: u8) -> bool {
        self.lo <= score && score <= self.hi
    }
}

impl fmt::Display for ScoreRange {
    /// `5` or `4-5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lo == self.hi {
            write!(f, "{}", self.lo)
        } else {
            write!(f, "{}-{}", self.lo, self.hi)
        }
    }
}

/// One row of a segment rule table: customers whose scores are all in the ranges get
/// `name` (unless an earlier rule matched).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentRule {
    /// Segment name. Several rules may share a name (a segment that is not a rectangle in
    /// score space); they form one segment.
    pub name: String,
    /// What the segment is, for people (optional).
    pub description: Option<String>,
    /// Recency scores.
    pub r: ScoreRange,
    /// Frequency scores.
    pub f: ScoreRange,
    /// Monetary scores; `None` = any. A rule with an `m` range never matches customers
    /// without an M score (models trained without amounts).
    pub m: Option<ScoreRange>,
}

impl SegmentRule {
    /// Whether the rule matches these scores.
    pub fn matches(&self, r: u8, f: u8, m: Option<u8>) -> bool {
        self.r.contains(r)
            && self.f.contains(f)
            && match self.m {
                None => true,
                Some(range) => m.is_some_and(|m| range.contains(m)),
            }
    }
}

/// The fallback segment name of the default table.
pub const DEFAULT_FALLBACK: &str = "other";

/// The default rule table as a rules file (also a starting point for custom ones).
///
/// The 5 × 5 recency × frequency segment map that is the usual reading of RFM scores in
/// practice: the grid reproduced in many RFM tutorials, e.g. as the `seg_map` dictionary of
/// pandas RFM notebooks (there spelled `cant_loose`); the R `rfm` package's examples
/// (`rfm_segment`) use the same segment names over R, F and M ranges, with `Lost` where
/// this grid has `hibernating`. Ten segments that partition the grid, so no customer falls
/// to the fallback, and no M condition, so the table works for models without amounts.
/// Table order = summary order.
pub const DEFAULT_RULES_TOML: &str = r#"# clvr default segment rules: the 5 x 5 recency x frequency segment map.
# First matching rule wins; customers no rule matches get `fallback`.
# Scores: 1 (worst) to 5 (best); a range [lo, hi] is inclusive, a single number is one score.
fallback = "other"

[[segment]]
name = "champions"
description = "Bought most recently and buy most often"
r = 5
f = [4, 5]

[[segment]]
name = "loyal_customers"
description = "Buy often and still recently"
r = [3, 4]
f = [4, 5]

[[segment]]
name = "potential_loyalists"
description = "Recent buyers with a few repeat purchases"
r = [4, 5]
f = [2, 3]

[[segment]]
name = "new_customers"
description = "Bought very recently, no track record yet"
r = 5
f = 1

[[segment]]
name = "promising"
description = "Recent buyers, no track record yet"
r = 4
f = 1

[[segment]]
name = "need_attention"
description = "Middling recency and frequency"
r = 3
f = 3

[[segment]]
name = "about_to_sleep"
description = "Middling recency, low frequency"
r = 3
f = [1, 2]

[[segment]]
name = "at_risk"
description = "Bought fairly often, but long ago"
r = [1, 2]
f = [3, 4]

[[segment]]
name = "cant_lose"
description = "Bought most often, but long ago"
r = [1, 2]
f = 5

[[segment]]
name = "hibernating"
description = "Bought rarely and long ago"
r = [1, 2]
f = [1, 2]
"#;

/// Number of (R, F, M) score combinations: 5 × 5 × (5 M scores or none).
const CELLS: usize = 5 * 5 * 6;

fn cell(r: u8, f: u8, m: Option<u8>) -> Option<usize> {
    let ok = |s: u8| (1..=5).contains(&s);
    if !ok(r) || !ok(f) || m.is_some_and(|m| !ok(m)) {
        return None;
    }
    let m = m.map_or(5, |m| usize::from(m - 1));
    Some((usize::from(r - 1) * 5 + usize::from(f - 1)) * 6 + m)
}

fn cell_scores(c: usize) -> (u8, u8, Option<u8>) {
    let m = (c % 6) as u8;
    let f = ((c / 6) % 5) as u8 + 1;
    let r = (c / 30) as u8 + 1;
    (r, f, (m < 5).then_some(m + 1))
}

/// A validated segment rule table: rules in order (first match wins) and a fallback name.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRules {
    rules: Vec<SegmentRule>,
    fallback: String,
    /// Distinct segment names: rule names in order of first appearance, then the fallback
    /// (unless a rule already uses it).
    names: Vec<String>,
    /// Segment index of every (R, F, M) combination (see [`cell`]).
    table: Vec<u32>,
    fallback_segment: u32,
}

impl Default for SegmentRules {
    /// The default table ([`DEFAULT_RULES_TOML`]).
    fn default() -> Self {
        SegmentRules::parse(DEFAULT_RULES_TOML, "default rules").expect("the default rules parse")
    }
}

impl SegmentRules {
    /// A rule table from rules in order and a fallback name.
    ///
    /// Errors ([`RulesError`] naming the 1-based rule): no rules, an empty name or
    /// fallback, a rule that can never match because earlier rules take every score
    /// combination it covers.
    pub fn new(rules: Vec<SegmentRule>, fallback: &str) -> Result<SegmentRules, RulesError> {
        let lines = vec![None; rules.len()];
        SegmentRules::build(rules, fallback, &lines, None)
    }

    fn build(
        rules: Vec<SegmentRule>,
        fallback: &str,
        lines: &[Option<usize>],
        file: Option<&str>,
    ) -> Result<SegmentRules, RulesError> {
        let err = |rule: Option<usize>, line: Option<usize>, problem| RulesError {
            file: file.map(str::to_string),
            line,
            rule,
            problem,
        };
        if rules.is_empty() {
            return Err(err(None, None, RuleProblem::NoRules));
        }
        if fallback.trim().is_empty() {
            return Err(err(None, None, RuleProblem::EmptyFallback));
        }
        let mut names: Vec<String> = Vec::new();
        let mut rule_segment = Vec::with_capacity(rules.len());
        for (i, rule) in rules.iter().enumerate() {
            if rule.name.trim().is_empty() {
                return Err(err(Some(i + 1), lines[i], RuleProblem::EmptyName));
            }
            rule_segment.push(index_of(&mut names, &rule.name));
        }
        let fallback_segment = index_of(&mut names, fallback);
        let mut table = vec![fallback_segment; CELLS];
        let mut reachable = vec![false; rules.len()];
        for (c, slot) in table.iter_mut().enumerate() {
            let (r, f, m) = cell_scores(c);
            if let Some(i) = rules.iter().position(|rule| rule.matches(r, f, m)) {
                *slot = rule_segment[i];
                reachable[i] = true;
            }
        }
        if let Some(i) = reachable.iter().position(|ok| !ok) {
            return Err(err(
                Some(i + 1),
                lines[i],
                RuleProblem::Unreachable {
                    name: rules[i].name.clone(),
                },
            ));
        }
        Ok(SegmentRules {
            rules,
            fallback: fallback.to_string(),
            names,
            table,
            fallback_segment,
        })
    }

    /// Reads a rules file (TOML; format in `docs/segments.md` and [`SegmentRules::parse`]).
    pub fn from_file(path: &Path) -> Result<SegmentRules, RulesError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| RulesError {
            file: Some(file.clone()),
            line: None,
            rule: None,
            problem: RuleProblem::Unreadable(e.to_string()),
        })?;
        SegmentRules::parse(&text, &file)
    }

    /// Parses a rules file's text; `file` names it in errors.
    ///
    /// ```toml
    /// fallback = "other"      # optional; default "other"
    ///
    /// [[segment]]             # one table per rule, in order; first match wins
    /// name = "champions"
    /// description = "..."     # optional
    /// r = 5                   # one score, or an inclusive range [lo, hi]; omitted = any
    /// f = [4, 5]
    /// m = [3, 5]              # optional; never matches models without amounts
    /// ```
    ///
    /// Rules may also be written `segment = [{ name = "...", r = 5 }, ...]`. Errors
    /// ([`RulesError`]) name the file, the line, the rule and the fix: invalid TOML, an
    /// unknown key, a value of the wrong shape, a score outside 1..=5, a range with lo > hi,
    /// a missing or empty name, no rules, a rule earlier rules make unreachable.
    pub fn parse(text: &str, file: &str) -> Result<SegmentRules, RulesError> {
        let line_of = |span: Option<Range<usize>>| {
            span.map(|r| text[..r.start.min(text.len())].matches('\n').count() + 1)
        };
        let err = |line: Option<usize>, rule: Option<usize>, problem| RulesError {
            file: Some(file.to_string()),
            line,
            rule,
            problem,
        };
        let doc = toml_edit::Document::parse(text).map_err(|e| {
            err(
                line_of(e.span()),
                None,
                RuleProblem::Syntax(e.message().trim_end().to_string()),
            )
        })?;
        let root = doc.as_table();
        let mut fallback = DEFAULT_FALLBACK.to_string();
        // Each rule's table and the line of its header (or first key).
        let mut tables: Vec<(&dyn TableLike, Option<usize>)> = Vec::new();
        for (key, item) in root.iter() {
            let line = line_of(root.key(key).and_then(|k| k.span()));
            match key {
                "segment" => match item {
                    Item::ArrayOfTables(a) => {
                        for t in a.iter() {
                            let span = t.span().or_else(|| first_key_span(t));
                            tables.push((t, line_of(span)));
                        }
                    }
                    Item::Value(Value::Array(a)) => {
                        for v in a.iter() {
                            let Value::InlineTable(t) = v else {
                                return Err(err(
                                    line_of(v.span()).or(line),
                                    None,
                                    RuleProblem::WrongShape {
                                        key: "segment".into(),
                                        expected: SEGMENT_SHAPE,
                                    },
                                ));
                            };
                            tables.push((t, line_of(t.span()).or(line)));
                        }
                    }
                    _ => {
                        return Err(err(
                            line,
                            None,
                            RuleProblem::WrongShape {
                                key: "segment".into(),
                                expected: SEGMENT_SHAPE,
                            },
                        ));
                    }
                },
                "fallback" => match item.as_str() {
                    Some(s) if !s.trim().is_empty() => fallback = s.trim().to_string(),
                    Some(_) => return Err(err(line, None, RuleProblem::EmptyFallback)),
                    None => {
                        return Err(err(
                            line_of(item.span()).or(line),
                            None,
                            RuleProblem::WrongShape {
                                key: "fallback".into(),
                                expected: "a string, e.g. fallback = \"other\"",
                            },
                        ));
                    }
                },
                _ => {
                    return Err(err(
                        line,
                        None,
                        RuleProblem::UnknownKey {
                            key: key.to_string(),
                            allowed: "segment, fallback",
                        },
                    ));
                }
            }
        }
        let mut rules = Vec::with_capacity(tables.len());
        let mut lines = Vec::with_capacity(tables.len());
        for (i, (t, rule_line)) in tables.into_iter().enumerate() {
            let rule = parse_rule(t, rule_line, &line_of)
                .map_err(|(line, problem)| err(line, Some(i + 1), problem))?;
            rules.push(rule);
            lines.push(rule_line);
        }
        SegmentRules::build(rules, &fallback, &lines, Some(file))
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[SegmentRule] {
        &self.rules
    }

    /// The name of customers no rule matches.
    pub fn fallback(&self) -> &str {
        &self.fallback
    }

    /// The segment names, in summary order: rule names in rule order (a name shared by
    /// several rules once, where it first appears), then the fallback.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The segment (an index into [`names`](Self::names)) of one customer's scores: the
    /// first matching rule's, else the fallback (also for scores outside 1..=5).
    pub fn segment_of(&self, r: u8, f: u8, m: Option<u8>) -> u32 {
        cell(r, f, m).map_or(self.fallback_segment, |c| self.table[c])
    }

    /// The segment of every scored customer (a table lookup per customer, in parallel).
    pub fn assign(&self, scores: &RfmScores) -> Segments {
        let (r, f) = (&scores.r.scores, &scores.f.scores);
        let m = scores.m.as_ref().map(|m| &m.scores);
        let of_customer = (0..scores.len())
            .into_par_iter()
            .map(|i| self.segment_of(r[i], f[i], m.map(|m| m[i])))
            .collect();
        Segments {
            names: self.names.clone(),
            of_customer,
        }
    }
}

fn index_of(names: &mut Vec<String>, name: &str) -> u32 {
    let i = names.iter().position(|n| n == name).unwrap_or_else(|| {
        names.push(name.to_string());
        names.len() - 1
    });
    i as u32
}

const SEGMENT_SHAPE: &str = "a list of [[segment]] tables, each with a name and r/f/m scores";
const RULE_KEYS: &str = "name, description, r, f, m";

fn first_key_span(t: &dyn TableLike) -> Option<Range<usize>> {
    t.iter()
        .next()
        .and_then(|(k, _)| t.key(k).and_then(|k| k.span()))
}

/// One rule from its table; errors come with their line.
fn parse_rule(
    t: &dyn TableLike,
    rule_line: Option<usize>,
    line_of: &dyn Fn(Option<Range<usize>>) -> Option<usize>,
) -> Result<SegmentRule, (Option<usize>, RuleProblem)> {
    let mut rule = SegmentRule {
        name: String::new(),
        description: None,
        r: ScoreRange::ANY,
        f: ScoreRange::ANY,
        m: None,
    };
    let mut named = false;
    for (key, item) in t.iter() {
        let key_line = line_of(t.key(key).and_then(|k| k.span())).or(rule_line);
        let value_line = line_of(item.span()).or(key_line);
        let wrong = |expected| {
            (
                value_line,
                RuleProblem::WrongShape {
                    key: key.to_string(),
                    expected,
                },
            )
        };
        match key {
            "name" => {
                let name = item
                    .as_str()
                    .ok_or_else(|| wrong("a string, e.g. name = \"champions\""))?;
                if name.trim().is_empty() {
                    return Err((value_line, RuleProblem::EmptyName));
                }
                rule.name = name.trim().to_string();
                named = true;
            }
            "description" => {
                let d = item.as_str().ok_or_else(|| wrong("a string"))?;
                rule.description = Some(d.to_string());
            }
            "r" | "f" | "m" => {
                let range = parse_range(key, item, value_line, line_of)?;
                match key {
                    "r" => rule.r = range,
                    "f" => rule.f = range,
                    _ => rule.m = Some(range),
                }
            }
            _ => {
                return Err((
                    key_line,
                    RuleProblem::UnknownKey {
                        key: key.to_string(),
                        allowed: RULE_KEYS,
                    },
                ));
            }
        }
    }
    if !named {
        return Err((rule_line, RuleProblem::MissingName));
    }
    Ok(rule)
}

/// `5` or `[4, 5]`.
fn parse_range(
    key: &str,
    item: &Item,
    line: Option<usize>,
    line_of: &dyn Fn(Option<Range<usize>>) -> Option<usize>,
) -> Result<ScoreRange, (Option<usize>, RuleProblem)> {
    let shape = || {
        (
            line,
            RuleProblem::WrongShape {
                key: key.to_string(),
                expected: "a score 1-5 or an inclusive range [lo, hi], e.g. [4, 5]",
            },
        )
    };
    let score = |v: &Value| -> Result<u8, (Option<usize>, RuleProblem)> {
        let n = v.as_integer().ok_or_else(shape)?;
        u8::try_from(n)
            .ok()
            .filter(|s| (1..=5).contains(s))
            .ok_or_else(|| {
                (
                    line_of(v.span()).or(line),
                    RuleProblem::ScoreOutOfRange {
                        key: key.to_string(),
                        value: n,
                    },
                )
            })
    };
    let (lo, hi) = match item.as_value().ok_or_else(shape)? {
        Value::Array(a) if a.len() == 2 => {
            (score(a.get(0).expect("2"))?, score(a.get(1).expect("2"))?)
        }
        Value::Array(_) => return Err(shape()),
        v => {
            let s = score(v)?;
            (s, s)
        }
    };
    ScoreRange::new(lo, hi).ok_or((
        line,
        RuleProblem::Reversed {
            key: key.to_string(),
            lo,
            hi,
        },
    ))
}

/// A rule table that cannot be used: where (file, line, rule) and what.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesError {
    /// The rules file (`None` for rules built in code).
    pub file: Option<String>,
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    /// 1-based rule number, when the problem is in one rule.
    pub rule: Option<usize>,
    /// What is wrong.
    pub problem: RuleProblem,
}

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place: Vec<String> = Vec::new();
        place.push(self.file.clone().unwrap_or_else(|| "segment rules".into()));
        if let Some(l) = self.line {
            place.push(format!("line {l}"));
        }
        if let Some(r) = self.rule {
            place.push(format!("rule {r}"));
        }
        write!(
            f,
            "{}: {}\n  fix: {}",
            place.join(", "),
            self.problem,
            self.problem.fix()
        )
    }
}

impl std::error::Error for RulesError {}

/// What is wrong with a rule table.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleProblem {
    /// The file cannot be read.
    #[error("cannot read the segment rules file: {0}")]
    Unreadable(String),
    /// The file is not valid TOML.
    #[error("not valid TOML: {0}")]
    Syntax(String),
    /// A key the format does not have.
    #[error("unknown key `{key}`")]
    UnknownKey {
        /// The key.
        key: String,
        /// The keys allowed there.
        allowed: &'static str,
    },
    /// A value of the wrong type or shape.
    #[error("`{key}` must be {expected}")]
    WrongShape {
        /// The key.
        key: String,
        /// What it must be.
        expected: &'static str,
    },
    /// A score outside 1..=5.
    #[error("`{key}` score {value} is outside 1..=5")]
    ScoreOutOfRange {
        /// `r`, `f` or `m`.
        key: String,
        /// The score written.
        value: i64,
    },
    /// A range `[lo, hi]` with lo > hi.
    #[error("`{key}` range [{lo}, {hi}] is reversed (lo > hi)")]
    Reversed {
        /// `r`, `f` or `m`.
        key: String,
        /// Lower end written.
        lo: u8,
        /// Upper end written.
        hi: u8,
    },
    /// A rule without `name`.
    #[error("the rule has no name")]
    MissingName,
    /// A rule whose name is empty.
    #[error("the rule's name is empty")]
    EmptyName,
    /// An empty fallback name.
    #[error("the fallback name is empty")]
    EmptyFallback,
    /// No rules at all.
    #[error("there are no [[segment]] rules")]
    NoRules,
    /// A rule that can never match: earlier rules take every score combination it covers.
    #[error("rule `{name}` can never match: earlier rules take every score combination it covers")]
    Unreachable {
        /// The rule's name.
        name: String,
    },
}

impl RuleProblem {
    /// How to fix it, in one line.
    pub fn fix(&self) -> String {
        match self {
            RuleProblem::Unreadable(_) => "check the path of the segment rules file".into(),
            RuleProblem::Syntax(_) => "correct the TOML at that line: strings in double \
                                        quotes, scores as numbers, ranges as [lo, hi]"
                .into(),
            RuleProblem::UnknownKey { allowed, .. } => format!("use one of: {allowed}"),
            RuleProblem::WrongShape { key, expected } => format!("write `{key}` as {expected}"),
            RuleProblem::ScoreOutOfRange { key, .. } => format!(
                "scores run from 1 (worst) to 5 (best): write e.g. {key} = 5 or {key} = [4, 5]"
            ),
            RuleProblem::Reversed { key, lo, hi } => format!("write {key} = [{hi}, {lo}]"),
            RuleProblem::MissingName | RuleProblem::EmptyName => {
                "give the rule a name, e.g. name = \"champions\"".into()
            }
            RuleProblem::EmptyFallback => "write e.g. fallback = \"other\", or leave it out".into(),
            RuleProblem::NoRules => "add at least one [[segment]] table with a name and r/f/m \
                                     scores (see docs/segments.md)"
                .into(),
            RuleProblem::Unreachable { .. } => "move the rule above the rules that cover its \
                                                scores, narrow those rules, or delete it"
                .into(),
        }
    }
}

/// Every customer's segment (see [`SegmentRules::assign`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Segments {
    /// Segment names in summary order ([`SegmentRules::names`]).
    pub names: Vec<String>,
    /// Per customer, an index into `names`.
    pub of_customer: Vec<u32>,
}

impl Segments {
    /// Segment name of customer `i` (0-based).
    pub fn name_of(&self, i: usize) -> &str {
        &self.names[self.of_customer[i] as usize]
    }

    /// Customers and value per segment, in [`names`](Self::names) order (see [`summarize`]).
    pub fn summary(&self, values: Option<&[f64]>) -> Result<Vec<GroupSummary>, SegmentError> {
        summarize(&self.names, &self.of_customer, values)
    }
}

// ---------------------------------------------------------------------------------------
// Lifecycle stages
// ---------------------------------------------------------------------------------------

/// Where a customer is in their life with the business (see [`LifecycleThresholds`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleStage {
    /// First purchase recently.
    New,
    /// Probably still buying.
    Active,
    /// May be leaving.
    AtRisk,
    /// Probably gone.
    Churned,
}

impl LifecycleStage {
    /// All stages, in summary order.
    pub const ALL: [LifecycleStage; 4] = [
        LifecycleStage::New,
        LifecycleStage::Active,
        LifecycleStage::AtRisk,
        LifecycleStage::Churned,
    ];

    /// `new`, `active`, `at_risk` or `churned`.
    pub fn name(self) -> &'static str {
        match self {
            LifecycleStage::New => "new",
            LifecycleStage::Active => "active",
            LifecycleStage::AtRisk => "at_risk",
            LifecycleStage::Churned => "churned",
        }
    }
}

impl fmt::Display for LifecycleStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// When a customer is `new`, `at_risk` or `churned` (else `active`).
///
/// Precedence, first that holds:
/// 1. `churned` if P(alive) < `churned_p_alive`;
/// 2. `new` if the first purchase is at most `new_days` days before the as-of date;
/// 3. `at_risk` if P(alive) < `at_risk_p_alive`, or the customer has a churn probability
///    and it is >= `at_risk_churn` (when set);
/// 4. `active`.
///
/// Valid thresholds ([`validate`](Self::validate)): all finite, `new_days >= 0`,
/// `0 <= churned_p_alive < at_risk_p_alive <= 1`, `at_risk_churn` in (0, 1]. A file
/// missing fields takes the defaults for them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LifecycleThresholds {
    /// `new`: first purchase at most this many days before the as-of date. Default 30.
    pub new_days: f64,
    /// `at_risk` below this P(alive): more likely gone than not. Default 0.5.
    pub at_risk_p_alive: f64,
    /// `churned` below this P(alive): nine chances in ten or more the customer is gone.
    /// Default 0.1.
    pub churned_p_alive: f64,
    /// `at_risk` at or above this churn probability (over the churn model's horizon),
    /// for customers the churn model scored; `None` ignores churn probabilities.
    /// Default 0.5: the churn model gives at least even odds of leaving.
    pub at_risk_churn: Option<f64>,
}

impl Default for LifecycleThresholds {
    fn default() -> Self {
        LifecycleThresholds {
            new_days: 30.0,
            at_risk_p_alive: 0.5,
            churned_p_alive: 0.1,
            at_risk_churn: Some(0.5),
        }
    }
}

impl LifecycleThresholds {
    /// Checks the thresholds (see the type's docs).
    pub fn validate(&self) -> Result<(), SegmentError> {
        let bad = |name, value, requirement: &str| {
            Err(SegmentError::Threshold {
                name,
                value,
                requirement: requirement.to_string(),
            })
        };
        if !(self.new_days.is_finite() && self.new_days >= 0.0) {
            return bad("new_days", self.new_days, "must be a number of days >= 0");
        }
        if !(self.at_risk_p_alive.is_finite() && (0.0..=1.0).contains(&self.at_risk_p_alive)) {
            return bad(
                "at_risk_p_alive",
                self.at_risk_p_alive,
                "must be a probability in [0, 1]",
            );
        }
        if !(self.churned_p_alive.is_finite() && self.churned_p_alive >= 0.0) {
            return bad(
                "churned_p_alive",
                self.churned_p_alive,
                "must be a probability in [0, 1]",
            );
        }
        if self.churned_p_alive >= self.at_risk_p_alive {
            return bad(
                "churned_p_alive",
                self.churned_p_alive,
                &format!(
                    "must be below at_risk_p_alive = {} (a customer is at risk before churned)",
                    self.at_risk_p_alive
                ),
            );
        }
        if let Some(c) = self.at_risk_churn {
            if !(c.is_finite() && c > 0.0 && c <= 1.0) {
                return bad(
                    "at_risk_churn",
                    c,
                    "must be a probability in (0, 1], or absent to ignore churn scores",
                );
            }
        }
        Ok(())
    }

    /// The stage of one customer (inputs as in [`lifecycle_stages`], assumed valid).
    pub fn stage(
        &self,
        p_alive: f64,
        days_since_first_purchase: f64,
        churn_probability: Option<f64>,
    ) -> LifecycleStage {
        if p_alive < self.churned_p_alive {
            LifecycleStage::Churned
        } else if days_since_first_purchase <= self.new_days {
            LifecycleStage::New
        } else if p_alive < self.at_risk_p_alive
            || matches!((churn_probability, self.at_risk_churn), (Some(p), Some(t)) if p >= t)
        {
            LifecycleStage::AtRisk
        } else {
            LifecycleStage::Active
        }
    }
}

/// The lifecycle stage of every customer (precedence on [`LifecycleThresholds`]).
///
/// Per customer: `p_alive` in [0, 1]; `days_since_first_purchase` >= 0 (as-of day minus
/// first-purchase day); with a churn model, `churn_probability` in [0, 1], `None` for
/// customers it did not score. Errors: invalid thresholds, inputs of different lengths,
/// and a value that is not finite or out of range, naming the 1-based row.
pub fn lifecycle_stages(
    p_alive: &[f64],
    days_since_first_purchase: &[f64],
    churn_probability: Option<&[Option<f64>]>,
    thresholds: &LifecycleThresholds,
) -> Result<Vec<LifecycleStage>, SegmentError> {
    thresholds.validate()?;
    let n = p_alive.len();
    same_length(
        "days since first purchase",
        days_since_first_purchase.len(),
        n,
    )?;
    if let Some(c) = churn_probability {
        same_length("churn probability", c.len(), n)?;
    }
    const PROBABILITY: &str = "must be a probability in [0, 1]";
    check_finite(p_alive, "P(alive)")?;
    check_range(p_alive, "P(alive)", PROBABILITY, |p| {
        (0.0..=1.0).contains(&p)
    })?;
    check_finite(days_since_first_purchase, "days since first purchase")?;
    check_range(
        days_since_first_purchase,
        "days since first purchase",
        "must be >= 0 (a first purchase after the as-of date?)",
        |d| d >= 0.0,
    )?;
    if let Some(c) = churn_probability {
        if let Some(i) = c
            .iter()
            .position(|p| p.is_some_and(|p| !(0.0..=1.0).contains(&p)))
        {
            let value = c[i].unwrap_or(f64::NAN);
            return Err(if value.is_finite() {
                SegmentError::OutOfRange {
                    row: i + 1,
                    field: "churn probability",
                    value,
                    requirement: PROBABILITY,
                }
            } else {
                SegmentError::NonFinite {
                    row: i + 1,
                    field: "churn probability",
                    value,
                }
            });
        }
    }
    Ok((0..n)
        .into_par_iter()
        .map(|i| {
            thresholds.stage(
                p_alive[i],
                days_since_first_purchase[i],
                churn_probability.and_then(|c| c[i]),
            )
        })
        .collect())
}

fn check_range(
    values: &[f64],
    field: &'static str,
    requirement: &'static str,
    ok: impl Fn(f64) -> bool,
) -> Result<(), SegmentError> {
    match values.iter().position(|&v| !ok(v)) {
        Some(i) => Err(SegmentError::OutOfRange {
            row: i + 1,
            field,
            value: values[i],
            requirement,
        }),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// Summaries
// ---------------------------------------------------------------------------------------

/// Customers and value in one segment or stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSummary {
    /// Segment or stage name.
    pub name: String,
    /// Customers in the group.
    pub customers: usize,
    /// Share of all customers (0 when there are none).
    pub customer_share: f64,
    /// Sum of the value column over the group (0 for an empty group); `None` without one.
    pub total_value: Option<f64>,
    /// Mean value; `None` without a value column or for an empty group.
    pub mean_value: Option<f64>,
    /// Group total / total over all customers; `None` without a value column or when the
    /// total is zero. With negative values shares can fall outside [0, 1].
    pub value_share: Option<f64>,
}

/// Customers and value per group: one line per name, in `names` order, empty groups
/// included. `group_of[i]` is customer i's index into `names`; `values` (e.g. CLV), when
/// given, has one finite value per customer. Sums run in customer order: deterministic.
pub fn summarize<S: AsRef<str>>(
    names: &[S],
    group_of: &[u32],
    values: Option<&[f64]>,
) -> Result<Vec<GroupSummary>, SegmentError> {
    let n = group_of.len();
    if let Some(i) = group_of.iter().position(|&g| g as usize >= names.len()) {
        return Err(SegmentError::OutOfRange {
            row: i + 1,
            field: "group index",
            value: f64::from(group_of[i]),
            requirement: "must index the group names",
        });
    }
    if let Some(v) = values {
        same_length("value", v.len(), n)?;
        check_finite(v, "value")?;
    }
    let mut count = vec![0usize; names.len()];
    let mut sum = vec![0.0f64; names.len()];
    let mut total = 0.0;
    for (i, &g) in group_of.iter().enumerate() {
        count[g as usize] += 1;
        if let Some(v) = values {
            sum[g as usize] += v[i];
            total += v[i];
        }
    }
    Ok(names
        .iter()
        .enumerate()
        .map(|(g, name)| {
            let c = count[g];
            GroupSummary {
                name: name.as_ref().to_string(),
                customers: c,
                customer_share: if n == 0 { 0.0 } else { c as f64 / n as f64 },
                total_value: values.map(|_| sum[g]),
                mean_value: values.and_then(|_| (c > 0).then(|| sum[g] / c as f64)),
                value_share: values.and_then(|_| (total != 0.0).then(|| sum[g] / total)),
            }
        })
        .collect())
}

/// Customers and value per lifecycle stage, in the order new, active, at_risk, churned
/// (see [`summarize`]).
pub fn stage_summary(
    stages: &[LifecycleStage],
    values: Option<&[f64]>,
) -> Result<Vec<GroupSummary>, SegmentError> {
    let names = LifecycleStage::ALL.map(LifecycleStage::name);
    let of: Vec<u32> = stages
        .iter()
        .map(|s| {
            LifecycleStage::ALL
                .iter()
                .position(|a| a == s)
                .expect("a stage") as u32
        })
        .collect();
    summarize(&names, &of, values)
}

// ---------------------------------------------------------------------------------------
// Value concentration
// ---------------------------------------------------------------------------------------

/// A Lorenz curve has at most this many steps of customer share (so 201 points with the
/// origin); smaller inputs keep every point.
pub const LORENZ_STEPS: usize = 200;

/// How concentrated value is among customers (from one sort).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Concentration {
    /// Customers.
    pub customers: usize,
    /// Total value.
    pub total: f64,
    /// Gini coefficient ([`gini`]).
    pub gini: f64,
    /// Share of the total held by the top 20% ([`top_share`]).
    pub top_20_share: f64,
    /// Lorenz curve ([`lorenz`]).
    pub lorenz: Vec<(f64, f64)>,
}

impl Concentration {
    /// Concentration of `values` (finite, >= 0, positive total; else an error as for
    /// [`lorenz`]).
    pub fn of(values: &[f64]) -> Result<Concentration, SegmentError> {
        let s = Sorted::new(values)?;
        Ok(Concentration {
            customers: s.values.len(),
            total: s.total,
            gini: s.gini(),
            top_20_share: s.top_share(0.2)?,
            lorenz: s.lorenz(),
        })
    }
}

/// The Lorenz curve of `values`: points (cumulative share of customers, cumulative share of
/// value) with customers sorted by value ascending, from (0, 0) to exactly (1, 1).
///
/// With n <= [`LORENZ_STEPS`] customers every point k/n, k = 0..=n; with more, the points
/// at k = floor(j n / 200), j = 0..=200 (201 points, every one on the exact curve).
///
/// Errors: a value that is not finite or is negative (naming the 1-based row);
/// [`SegmentError::ZeroTotal`] when the values sum to zero or there are none.
pub fn lorenz(values: &[f64]) -> Result<Vec<(f64, f64)>, SegmentError> {
    Ok(Sorted::new(values)?.lorenz())
}

/// The Gini coefficient of `values`: with x_1 <= … <= x_n sorted ascending,
///
/// `G = Σ_i (2i − n − 1) x_i / (n Σ_i x_i)`,
///
/// equal to the mean absolute difference over all ordered pairs divided by twice the mean,
/// and to 1 − 2 × the area under the (full) Lorenz curve. 0 when everyone has the same
/// value; at most 1 − 1/n (one customer holds everything). Errors as for [`lorenz`].
pub fn gini(values: &[f64]) -> Result<f64, SegmentError> {
    Ok(Sorted::new(values)?.gini())
}

/// Share of the total held by the largest `share` of customers (e.g. 0.2 → top 20%): the
/// top ceil(share × n) values, where share × n within 1e-9 of a whole number counts as
/// that number (30% of 10 customers is 3). Errors as for [`lorenz`], and
/// [`SegmentError::InvalidShare`] unless 0 < share <= 1.
///
/// Linear time: the top values are selected (not the whole column sorted), then summed
/// largest first as a descending sort would. [`Concentration::of`] gives the same number
/// from its full sort.
pub fn top_share(values: &[f64], share: f64) -> Result<f64, SegmentError> {
    if !(share > 0.0 && share <= 1.0) {
        return Err(SegmentError::InvalidShare(share));
    }
    check_values(values)?;
    let total: f64 = values.iter().sum();
    if total <= 0.0 {
        return Err(SegmentError::ZeroTotal);
    }
    let k = top_count(values.len(), share);
    let mut v = values.to_vec();
    v.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
    let top = &mut v[..k];
    top.sort_unstable_by(|a, b| b.total_cmp(a));
    Ok(top.iter().sum::<f64>() / total)
}

/// How many customers "the top `share`" is among `n` (n >= 1): ceil(share × n), where
/// share × n within 1e-9 of a whole number counts as that number.
fn top_count(n: usize, share: f64) -> usize {
    let x = n as f64 * share;
    let k = if (x - x.round()).abs() <= 1e-9 * x.max(1.0) {
        x.round()
    } else {
        x.ceil()
    };
    (k as usize).clamp(1, n)
}

/// Values for concentration measures: finite and not negative.
fn check_values(values: &[f64]) -> Result<(), SegmentError> {
    check_finite(values, "value")?;
    check_range(
        values,
        "value",
        "must not be negative for value concentration",
        |v| v >= 0.0,
    )
}

/// Validated values sorted ascending, with their total summed in that order.
struct Sorted {
    values: Vec<f64>,
    total: f64,
}

impl Sorted {
    fn new(values: &[f64]) -> Result<Sorted, SegmentError> {
        check_values(values)?;
        // Non-negative doubles order as their bit patterns: an integer sort, about twice
        // as fast as comparing floats (10M values per score run).
        let mut bits: Vec<u64> = values.par_iter().map(|v| (v + 0.0).to_bits()).collect();
        bits.par_sort_unstable();
        let v: Vec<f64> = bits.into_par_iter().map(f64::from_bits).collect();
        let total: f64 = v.iter().sum();
        if total <= 0.0 {
            return Err(SegmentError::ZeroTotal);
        }
        Ok(Sorted { values: v, total })
    }

    fn lorenz(&self) -> Vec<(f64, f64)> {
        let n = self.values.len();
        let steps = n.min(LORENZ_STEPS);
        let mut out = Vec::with_capacity(steps + 1);
        let (mut cum, mut i) = (0.0, 0);
        for j in 0..=steps {
            let k = j * n / steps;
            while i < k {
                cum += self.values[i];
                i += 1;
            }
            out.push((k as f64 / n as f64, cum / self.total));
        }
        // The sum in the same order is the total, so this is (1, 1) already; exactly.
        *out.last_mut().expect("n >= 1") = (1.0, 1.0);
        out
    }

    fn gini(&self) -> f64 {
        let n = self.values.len();
        let weighted: f64 = self
            .values
            .iter()
            .enumerate()
            .map(|(i, &x)| (2.0 * (i + 1) as f64 - n as f64 - 1.0) * x)
            .sum();
        (weighted / (n as f64 * self.total)).max(0.0)
    }

    fn top_share(&self, share: f64) -> Result<f64, SegmentError> {
        if !(share > 0.0 && share <= 1.0) {
            return Err(SegmentError::InvalidShare(share));
        }
        let n = self.values.len();
        let k = top_count(n, share);
        // Largest first, as a descending sort would sum them.
        let top: f64 = self.values[n - k..].iter().rev().sum();
        Ok(top / self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The rule written out: 1 + min(4, floor(5 w / (n − 1))), w = strictly worse.
    fn brute(values: &[f64], higher_better: bool) -> Vec<u8> {
        let n = values.len();
        values
            .iter()
            .map(|&x| {
                if n < 2 {
                    return 1;
                }
                let w = values
                    .iter()
                    .filter(|&&y| if higher_better { y < x } else { y > x })
                    .count();
                1 + (5 * w / (n - 1)).min(4) as u8
            })
            .collect()
    }

    fn f_scores(v: &[f64]) -> Vec<u8> {
        rfm_scores(&vec![0.0; v.len()], v, None).unwrap().f.scores
    }

    #[test]
    fn distinct_values_fill_the_quintiles_evenly() {
        // Ten values, shuffled: two per score.
        let v = [7.0, 2.0, 9.0, 0.0, 5.0, 1.0, 8.0, 3.0, 6.0, 4.0];
        assert_eq!(f_scores(&v), [4, 2, 5, 1, 3, 1, 5, 2, 4, 3]);
        // 100 distinct values: exactly 20 per score.
        let v: Vec<f64> = (0..100).map(|i| f64::from((i * 37) % 100)).collect();
        let s = f_scores(&v);
        for score in 1..=5 {
            assert_eq!(s.iter().filter(|&&x| x == score).count(), 20, "{score}");
        }
        assert_eq!(s, brute(&v, true));
    }

    #[test]
    fn heavy_ties_share_a_score_and_leave_scores_unused() {
        // 6 of 10 at frequency 0: nobody is worse, so all score 1; then w = 6..9 of n − 1 = 9
        // → floor(30/9) = 3, floor(35/9) = 3, floor(40/9) = 4, min(4, 5) = 4.
        let v = [0.0, 3.0, 0.0, 1.0, 0.0, 0.0, 2.0, 0.0, 4.0, 0.0];
        assert_eq!(f_scores(&v), [1, 5, 1, 4, 1, 1, 4, 1, 5, 1]);
        // 60 of 100 at 0, 40 distinct above: the zeros 1, w = 60..79 → 4, w = 80..99 → 5.
        let v: Vec<f64> = (0..100).map(|i| f64::from(i.max(59) - 59)).collect();
        let s = f_scores(&v);
        let count = |k| s.iter().filter(|&&x| x == k).count();
        assert_eq!(
            [count(1), count(2), count(3), count(4), count(5)],
            [60, 0, 0, 20, 20]
        );
        // Everyone equal: nobody is strictly worse than anybody, so everyone scores 1.
        assert_eq!(f_scores(&[2.0; 7]), [1; 7]);
        // -0.0 and 0.0 are the same value.
        assert_eq!(f_scores(&[0.0, -0.0, 1.0]), [1, 1, 5]);
    }

    #[test]
    fn fewer_than_five_customers() {
        let none = rfm_scores(&[], &[], Some(&[])).unwrap();
        assert!(none.is_empty() && none.r.cuts.is_none());
        assert_eq!(none.m.unwrap().scores, Vec::<u8>::new());
        assert_eq!(f_scores(&[3.0]), [1]);
        assert_eq!(f_scores(&[7.0, 3.0]), [5, 1]);
        assert_eq!(f_scores(&[2.0, 1.0, 3.0]), [3, 1, 5]);
        // w = 0..3 of n − 1 = 3: floor(5w/3) = 0, 1, 3, 5 → 1, 2, 4, 5.
        assert_eq!(f_scores(&[10.0, 20.0, 30.0, 40.0]), [1, 2, 4, 5]);
        assert_eq!(f_scores(&[1.0, 1.0, 2.0]), [1, 1, 5]);
    }

    #[test]
    fn recent_customers_score_high_and_cuts_explain_the_scores() {
        let days = [40.0, 0.0, 20.0, 10.0, 30.0];
        let freq = [0.0, 4.0, 2.0, 1.0, 3.0];
        let s = rfm_scores(&days, &freq, None).unwrap();
        assert_eq!(s.r.scores, [1, 5, 3, 4, 2]);
        assert_eq!(s.f.scores, [1, 5, 3, 2, 4]);
        assert!(s.m.is_none());
        assert_eq!(s.get(1), (5, 5, None));
        // R > s exactly when days < cuts[s − 1]; F > s exactly when frequency > cuts[s − 1].
        assert_eq!(s.r.cuts, Some([40.0, 30.0, 20.0, 10.0]));
        assert_eq!(s.f.cuts, Some([0.0, 1.0, 2.0, 3.0]));
        assert_eq!(brute(&days, false), s.r.scores);
        let m = rfm_scores(&days, &freq, Some(&[5.0, 1.0, 5.0, 2.0, 9.0])).unwrap();
        // w = 2, 0, 2, 1, 4 of 4: floor(5w/4) = 2, 0, 2, 1, 5.
        assert_eq!(m.m.unwrap().scores, [3, 1, 3, 2, 5]);
    }

    #[test]
    fn bad_inputs_name_the_row_and_field() {
        let e = rfm_scores(&[1.0, 2.0], &[1.0, f64::NAN], None).unwrap_err();
        assert!(
            matches!(e, SegmentError::NonFinite { row: 2, field: "frequency", value } if value.is_nan()),
            "{e}"
        );
        assert!(
            e.to_string().contains("customer row 2: frequency is NaN"),
            "{e}"
        );
        let e = rfm_scores(&[f64::INFINITY], &[1.0], None).unwrap_err();
        assert!(
            matches!(
                e,
                SegmentError::NonFinite {
                    row: 1,
                    field: "days since last purchase",
                    ..
                }
            ),
            "{e}"
        );
        let e = rfm_scores(
            &[1.0, 2.0, 3.0],
            &[1.0; 3],
            Some(&[1.0, 2.0, f64::NEG_INFINITY]),
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                SegmentError::NonFinite {
                    row: 3,
                    field: "monetary value",
                    ..
                }
            ),
            "{e}"
        );
        let e = rfm_scores(&[1.0, 2.0], &[1.0], None).unwrap_err();
        assert!(
            matches!(
                e,
                SegmentError::LengthMismatch {
                    len: 1,
                    expected: 2,
                    ..
                }
            ),
            "{e}"
        );
    }

    proptest! {
        /// Strictly better never scores lower, equal always scores equal, scores are in
        /// 1..=5, and they are the rule written out; for recency smaller days are better.
        #[test]
        fn scores_are_monotone_and_follow_the_rule(
            v in prop::collection::vec((0u8..12).prop_map(f64::from), 0..80),
            scale in prop_oneof![Just(1.0), Just(0.37), Just(1e6)],
        ) {
            let v: Vec<f64> = v.iter().map(|x| x * scale).collect();
            let s = rfm_scores(&v, &v, Some(&v)).unwrap();
            let (r, f) = (&s.r.scores, &s.f.scores);
            prop_assert_eq!(f, &brute(&v, true));
            prop_assert_eq!(r, &brute(&v, false));
            prop_assert_eq!(&s.m.unwrap().scores, f);
            for i in 0..v.len() {
                prop_assert!((1..=5).contains(&f[i]) && (1..=5).contains(&r[i]));
                for j in 0..v.len() {
                    if v[i] > v[j] {
                        prop_assert!(f[i] >= f[j] && r[i] <= r[j]);
                    }
                    if v[i] == v[j] {
                        prop_assert!(f[i] == f[j] && r[i] == r[j]);
                    }
                }
            }
            // The cuts say the same thing as the scores.
            if let (Some(fc), Some(rc)) = (s.f.cuts, s.r.cuts) {
                for i in 0..v.len() {
                    prop_assert_eq!(f[i], 1 + fc.iter().filter(|&&c| v[i] > c).count() as u8);
                    prop_assert_eq!(r[i], 1 + rc.iter().filter(|&&c| v[i] < c).count() as u8);
                }
            }
        }
    }

    fn rule(name: &str, r: (u8, u8), f: (u8, u8), m: Option<(u8, u8)>) -> SegmentRule {
        SegmentRule {
            name: name.into(),
            description: None,
            r: ScoreRange::new(r.0, r.1).unwrap(),
            f: ScoreRange::new(f.0, f.1).unwrap(),
            m: m.map(|m| ScoreRange::new(m.0, m.1).unwrap()),
        }
    }

    #[test]
    fn default_rules_partition_the_recency_frequency_grid() {
        let rules = SegmentRules::default();
        assert_eq!(rules.rules().len(), 10);
        assert_eq!(rules.fallback(), "other");
        assert_eq!(rules.names().last().unwrap(), "other");
        for r in 1..=5 {
            for f in 1..=5 {
                let matching = rules
                    .rules()
                    .iter()
                    .filter(|x| x.matches(r, f, None))
                    .count();
                assert_eq!(matching, 1, "R{r} F{f}");
                // M plays no part.
                let g = rules.segment_of(r, f, None);
                for m in 1..=5 {
                    assert_eq!(rules.segment_of(r, f, Some(m)), g);
                }
            }
        }
        let name = |r, f| rules.names()[rules.segment_of(r, f, None) as usize].as_str();
        assert_eq!(name(5, 5), "champions");
        assert_eq!(name(5, 1), "new_customers");
        assert_eq!(name(4, 1), "promising");
        assert_eq!(name(3, 3), "need_attention");
        assert_eq!(name(2, 4), "at_risk");
        assert_eq!(name(1, 5), "cant_lose");
        assert_eq!(name(1, 1), "hibernating");
        // Out-of-range scores fall back rather than panic.
        assert_eq!(name(0, 9), "other");
    }

    #[test]
    fn first_matching_rule_wins_and_the_rest_fall_back() {
        let rules = SegmentRules::new(
            vec![
                rule("best", (4, 5), (4, 5), None),
                rule("recent", (5, 5), (1, 5), None),
                rule("big_spenders", (1, 5), (1, 5), Some((5, 5))),
                rule("recent", (4, 4), (1, 1), None),
            ],
            "rest",
        )
        .unwrap();
        assert_eq!(rules.names(), ["best", "recent", "big_spenders", "rest"]);
        let scores = RfmScores {
            r: ScoreColumn {
                scores: vec![5, 5, 1, 1, 4, 2],
                cuts: None,
            },
            f: ScoreColumn {
                scores: vec![5, 1, 1, 1, 1, 2],
                cuts: None,
            },
            m: Some(ScoreColumn {
                scores: vec![5, 5, 5, 4, 1, 1],
                cuts: None,
            }),
        };
        let seg = rules.assign(&scores);
        let names: Vec<&str> = (0..6).map(|i| seg.name_of(i)).collect();
        // (5,5,5) matches all of the first three: the first wins.
        assert_eq!(
            names,
            ["best", "recent", "big_spenders", "rest", "recent", "rest"]
        );
        // Without M scores the m rule never matches.
        let no_m = RfmScores { m: None, ..scores };
        assert_eq!(rules.assign(&no_m).name_of(2), "rest");
    }

    #[test]
    fn invalid_rule_tables_are_refused() {
        let e = SegmentRules::new(vec![], "other").unwrap_err();
        assert_eq!(e.problem, RuleProblem::NoRules);
        let e = SegmentRules::new(vec![rule(" ", (1, 5), (1, 5), None)], "other").unwrap_err();
        assert_eq!((e.problem, e.rule), (RuleProblem::EmptyName, Some(1)));
        let e = SegmentRules::new(vec![rule("a", (1, 5), (1, 5), None)], "").unwrap_err();
        assert_eq!(e.problem, RuleProblem::EmptyFallback);
        // Rule 3 is covered by rules 1 and 2 together.
        let e = SegmentRules::new(
            vec![
                rule("low", (1, 2), (1, 5), None),
                rule("high", (3, 5), (1, 5), None),
                rule("never", (2, 4), (2, 2), None),
            ],
            "other",
        )
        .unwrap_err();
        assert_eq!(e.rule, Some(3));
        assert!(e.to_string().contains("`never` can never match"), "{e}");
        assert!(e.to_string().contains("fix: move the rule"), "{e}");
        assert!(ScoreRange::new(0, 3).is_none() && ScoreRange::new(4, 3).is_none());
        assert_eq!(ScoreRange::new(4, 5).unwrap().to_string(), "4-5");
    }

    #[test]
    fn rules_files_parse() {
        let text = "# my rules\nfallback = \"everyone_else\"\n\n\
                    [[segment]]\nname = \"vip\"\ndescription = \"big and recent\"\n\
                    r = [4, 5]\nf = 5\nm = [4, 5]\n\n\
                    [[segment]]\nname = \"recent\"\nr = 5\n\n\
                    [[segment]]\nname = \"vip\"\nr = [1, 3]\nf = 5\nm = 5\n";
        let rules = SegmentRules::parse(text, "my.toml").unwrap();
        assert_eq!(rules.names(), ["vip", "recent", "everyone_else"]);
        let vip = &rules.rules()[0];
        assert_eq!(vip.description.as_deref(), Some("big and recent"));
        assert_eq!(
            (vip.r, vip.f, vip.m),
            (
                ScoreRange::new(4, 5).unwrap(),
                ScoreRange::new(5, 5).unwrap(),
                Some(ScoreRange::new(4, 5).unwrap())
            )
        );
        assert_eq!(rules.rules()[1].f, ScoreRange::ANY);
        assert_eq!(rules.segment_of(2, 5, Some(5)), 0);
        assert_eq!(rules.segment_of(2, 5, None), 2);
        // The inline form.
        let inline = SegmentRules::parse(
            "segment = [{ name = \"a\", r = 5 }, { name = \"b\", f = [1, 2] }]\n",
            "inline.toml",
        )
        .unwrap();
        assert_eq!(inline.names(), ["a", "b", "other"]);
        // The default table round-trips through its own file format.
        let d = SegmentRules::default();
        assert_eq!(d.names()[0], "champions");
        assert_eq!(
            d.rules()[0].description.as_deref(),
            Some("Bought most recently and buy most often")
        );
    }

    fn parse_err(text: &str) -> RulesError {
        SegmentRules::parse(text, "rules.toml").unwrap_err()
    }

    #[test]
    fn rules_file_errors_name_the_file_line_and_fix() {
        let ok_rule = "[[segment]]\nname = \"a\"\nr = 5\n";
        let cases: [(String, usize, &str, &str); 9] = [
            (
                format!("{ok_rule}\n[[segment]]\nname = \"b\"\nrecency = 3\n"),
                7,
                "unknown key `recency`",
                "use one of: name, description, r, f, m",
            ),
            (
                format!("{ok_rule}\n[[segment]]\nname = \"b\"\n\nf = [4, 6]\n"),
                8,
                "`f` score 6 is outside 1..=5",
                "f = [4, 5]",
            ),
            (
                format!("{ok_rule}[[segment]]\nname = \"b\"\nr = [5, 4]\n"),
                6,
                "`r` range [5, 4] is reversed",
                "write r = [4, 5]",
            ),
            (
                format!("{ok_rule}[[segment]]\nname = \"  \"\nr = 4\n"),
                5,
                "name is empty",
                "give the rule a name",
            ),
            (
                format!("{ok_rule}[[segment]]\nr = 4\n"),
                4,
                "the rule has no name",
                "name = \"champions\"",
            ),
            (
                format!("{ok_rule}m = \"high\"\n"),
                4,
                "`m` must be a score 1-5",
                "[4, 5]",
            ),
            (
                format!("fallback = \"x\"\ncolour = \"red\"\n{ok_rule}"),
                2,
                "unknown key `colour`",
                "segment, fallback",
            ),
            (
                format!("{ok_rule}[[segment]]\nname = \"b\"\nr = 5\n"),
                4,
                "`b` can never match",
                "move the rule",
            ),
            (
                format!("{ok_rule}[[segment]]\nname = \"b\"\nr = [4,\n"),
                6,
                "not valid TOML",
                "correct the TOML",
            ),
        ];
        for (text, line, problem, fix) in cases {
            let e = parse_err(&text);
            let msg = e.to_string();
            assert_eq!(e.line, Some(line), "{msg}\n---\n{text}");
            assert!(
                msg.starts_with(&format!("rules.toml, line {line}")),
                "{msg}"
            );
            assert!(msg.contains(problem), "{msg}");
            assert!(msg.contains("\n  fix: ") && msg.contains(fix), "{msg}");
        }
        // Rule numbers where the problem is in one rule.
        assert_eq!(
            parse_err(&format!("{ok_rule}[[segment]]\nname = \"b\"\nr = 0\n")).rule,
            Some(2)
        );
        // No rules: the file, no line.
        let e = parse_err("# nothing yet\nfallback = \"other\"\n");
        assert_eq!((e.problem.clone(), e.line), (RuleProblem::NoRules, None));
        assert!(
            e.to_string()
                .starts_with("rules.toml: there are no [[segment]] rules")
        );
        // `[segment]` instead of `[[segment]]`.
        let e = parse_err("[segment]\nname = \"a\"\n");
        assert!(matches!(e.problem, RuleProblem::WrongShape { .. }), "{e}");
        assert_eq!(e.line, Some(1));
        // An unreadable file names the path.
        let e = SegmentRules::from_file(Path::new("/nonexistent/clvr-rules.toml")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("/nonexistent/clvr-rules.toml: cannot read"),
            "{e}"
        );
        // Errors convert into the module's error.
        let e: SegmentError = e.into();
        assert!(matches!(e, SegmentError::Rules(_)));
    }

    #[test]
    fn docs_list_the_default_rules() {
        let doc = include_str!("../../docs/segments.md");
        for (i, rule) in SegmentRules::default().rules().iter().enumerate() {
            let row = format!("| {} | `{}` | {} | {} |", i + 1, rule.name, rule.r, rule.f);
            assert!(doc.contains(&row), "docs/segments.md lacks the row {row}");
        }
        // The default file, verbatim, as a starting point for custom rules.
        assert!(
            doc.contains(DEFAULT_RULES_TOML),
            "docs/segments.md lacks the default file"
        );
    }

    #[test]
    fn lifecycle_precedence() {
        let t = LifecycleThresholds::default();
        use LifecycleStage::*;
        // churned beats new; new beats at_risk (by P(alive) or by churn probability).
        assert_eq!(t.stage(0.05, 3.0, None), Churned);
        assert_eq!(t.stage(0.3, 3.0, Some(0.9)), New);
        assert_eq!(t.stage(0.3, 300.0, None), AtRisk);
        assert_eq!(t.stage(0.9, 300.0, Some(0.6)), AtRisk);
        assert_eq!(t.stage(0.9, 300.0, Some(0.4)), Active);
        assert_eq!(t.stage(0.9, 300.0, None), Active);
        // Boundaries: P(alive) equal to a threshold is not below it; new_days is inclusive;
        // a churn probability equal to the threshold is at risk.
        assert_eq!(t.stage(0.1, 300.0, None), AtRisk);
        assert_eq!(t.stage(0.5, 300.0, None), Active);
        assert_eq!(t.stage(0.9, 30.0, None), New);
        assert_eq!(t.stage(0.9, 30.5, None), Active);
        assert_eq!(t.stage(0.9, 300.0, Some(0.5)), AtRisk);
        // Without a churn threshold churn probabilities are ignored.
        let no_churn = LifecycleThresholds {
            at_risk_churn: None,
            ..t
        };
        assert_eq!(no_churn.stage(0.9, 300.0, Some(0.99)), Active);

        let stages = lifecycle_stages(
            &[0.05, 0.9, 0.3, 0.9, 0.9],
            &[400.0, 2.0, 400.0, 400.0, 400.0],
            Some(&[None, Some(0.9), None, Some(0.7), None]),
            &t,
        )
        .unwrap();
        assert_eq!(stages, [Churned, New, AtRisk, AtRisk, Active]);
        assert_eq!(
            stages.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            ["churned", "new", "at_risk", "at_risk", "active"]
        );
    }

    #[test]
    fn lifecycle_inputs_and_thresholds_are_checked() {
        let t = LifecycleThresholds::default();
        assert!(t.validate().is_ok());
        let bad = [
            LifecycleThresholds {
                churned_p_alive: 0.5,
                ..t
            },
            LifecycleThresholds {
                churned_p_alive: 0.6,
                ..t
            },
            LifecycleThresholds {
                churned_p_alive: -0.1,
                ..t
            },
            LifecycleThresholds {
                at_risk_p_alive: 1.5,
                ..t
            },
            LifecycleThresholds {
                at_risk_p_alive: f64::NAN,
                ..t
            },
            LifecycleThresholds {
                new_days: -1.0,
                ..t
            },
            LifecycleThresholds {
                new_days: f64::INFINITY,
                ..t
            },
            LifecycleThresholds {
                at_risk_churn: Some(0.0),
                ..t
            },
            LifecycleThresholds {
                at_risk_churn: Some(1.5),
                ..t
            },
        ];
        for b in bad {
            let e = b.validate().unwrap_err();
            assert!(matches!(e, SegmentError::Threshold { .. }), "{b:?}: {e}");
            assert!(lifecycle_stages(&[0.5], &[1.0], None, &b).is_err());
        }
        let e = LifecycleThresholds {
            churned_p_alive: 0.6,
            ..t
        }
        .validate()
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("churned_p_alive = 0.6: must be below at_risk_p_alive = 0.5"),
            "{e}"
        );
        // Edge values that are allowed.
        for ok in [
            LifecycleThresholds {
                churned_p_alive: 0.0,
                at_risk_p_alive: 1.0,
                new_days: 0.0,
                at_risk_churn: Some(1.0),
            },
            LifecycleThresholds {
                at_risk_churn: None,
                ..t
            },
        ] {
            assert!(ok.validate().is_ok(), "{ok:?}");
        }

        let e = lifecycle_stages(&[0.5, 1.2], &[1.0, 1.0], None, &t).unwrap_err();
        assert!(
            matches!(
                e,
                SegmentError::OutOfRange {
                    row: 2,
                    field: "P(alive)",
                    ..
                }
            ),
            "{e}"
        );
        let e = lifecycle_stages(&[f64::NAN], &[1.0], None, &t).unwrap_err();
        assert!(matches!(e, SegmentError::NonFinite { row: 1, .. }), "{e}");
        let e = lifecycle_stages(&[0.5], &[-3.0], None, &t).unwrap_err();
        assert!(
            e.to_string()
                .contains("first purchase after the as-of date"),
            "{e}"
        );
        let e =
            lifecycle_stages(&[0.5, 0.5], &[1.0, 1.0], Some(&[None, Some(2.0)]), &t).unwrap_err();
        assert!(
            matches!(
                e,
                SegmentError::OutOfRange {
                    row: 2,
                    field: "churn probability",
                    ..
                }
            ),
            "{e}"
        );
        let e = lifecycle_stages(&[0.5], &[1.0], Some(&[Some(f64::NAN)]), &t).unwrap_err();
        assert!(
            matches!(
                e,
                SegmentError::NonFinite {
                    field: "churn probability",
                    ..
                }
            ),
            "{e}"
        );
        let e = lifecycle_stages(&[0.5], &[1.0, 2.0], None, &t).unwrap_err();
        assert!(matches!(e, SegmentError::LengthMismatch { .. }), "{e}");
    }

    #[test]
    fn thresholds_round_trip_through_json_and_default_missing_fields() {
        let t = LifecycleThresholds {
            new_days: 14.0,
            at_risk_churn: None,
            ..Default::default()
        };
        let s = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<LifecycleThresholds>(&s).unwrap(), t);
        let partial: LifecycleThresholds = serde_json::from_str(r#"{"new_days": 7}"#).unwrap();
        assert_eq!(
            partial,
            LifecycleThresholds {
                new_days: 7.0,
                ..Default::default()
            }
        );
        assert_eq!(
            serde_json::to_string(&LifecycleStage::AtRisk).unwrap(),
            "\"at_risk\""
        );
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12
    }

    #[test]
    fn lorenz_gini_and_top_share_by_hand() {
        let v = [1.0, 6.0, 1.0, 1.0, 1.0];
        // Sorted 1,1,1,1,6 of total 10: cumulative shares 0.1, 0.2, 0.3, 0.4, 1.
        let want = [
            (0.0, 0.0),
            (0.2, 0.1),
            (0.4, 0.2),
            (0.6, 0.3),
            (0.8, 0.4),
            (1.0, 1.0),
        ];
        let l = lorenz(&v).unwrap();
        assert_eq!(l.len(), want.len());
        for (p, w) in l.iter().zip(want) {
            assert!(close(p.0, w.0) && close(p.1, w.1), "{p:?} vs {w:?}");
        }
        // Σ(2i − n − 1) x_i = −4 − 2 + 0 + 2 + 4·6 = 20; / (5 · 10) = 0.4. Also the mean
        // absolute difference: 8 ordered pairs differ by 5, 40 / 25 = 1.6 = 2 × 0.4 × 2.
        assert!(close(gini(&v).unwrap(), 0.4));
        assert!(close(top_share(&v, 0.2).unwrap(), 0.6));
        let c = Concentration::of(&v).unwrap();
        assert_eq!((c.customers, c.total), (5, 10.0));
        assert!(close(c.gini, 0.4) && close(c.top_20_share, 0.6));
        assert_eq!(c.lorenz, l);
        // Equality: Gini 0 and the diagonal. One holder: (n − 1)/n.
        assert_eq!(gini(&[3.0; 4]).unwrap(), 0.0);
        assert!(
            lorenz(&[3.0; 4])
                .unwrap()
                .iter()
                .all(|(x, y)| close(*x, *y))
        );
        assert!(close(gini(&[0.0, 0.0, 0.0, 10.0]).unwrap(), 0.75));
        // 30% of 10 customers is 3, not 4 (10 × 0.3 = 3.0000000000000004).
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert!(close(top_share(&ten, 0.3).unwrap(), 27.0 / 55.0));
        assert!(close(top_share(&ten, 0.25).unwrap(), 27.0 / 55.0));
        assert!(close(top_share(&ten, 1.0).unwrap(), 1.0));
        assert!(close(top_share(&[5.0], 0.01).unwrap(), 1.0));
    }

    #[test]
    fn concentration_agrees_with_other_definitions() {
        let v: Vec<f64> = (0..150)
            .map(|i| f64::from((i * 7919) % 101) * 0.37)
            .collect();
        // Gini = mean absolute difference / (2 mean).
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let mad: f64 = v
            .iter()
            .flat_map(|a| v.iter().map(move |b| (a - b).abs()))
            .sum::<f64>()
            / (n * n);
        let g = gini(&v).unwrap();
        assert!((g - mad / (2.0 * mean)).abs() < 1e-12, "{g}");
        // Gini = 1 − 2 × area under the full Lorenz curve (n <= 200: every point).
        let l = lorenz(&v).unwrap();
        assert_eq!(l.len(), v.len() + 1);
        let area: f64 = l
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
            .sum();
        assert!((g - (1.0 - 2.0 * area)).abs() < 1e-12);
        // The selection-based top share gives what the full sort gives.
        for share in [0.01, 0.1, 0.2, 0.5, 0.3, 1.0] {
            let a = top_share(&v, share).unwrap();
            let b = Sorted::new(&v).unwrap().top_share(share).unwrap();
            assert!((a - b).abs() < 1e-12, "{share}: {a} vs {b}");
        }
    }

    #[test]
    fn top_share_selects_what_a_full_sort_would() {
        // Ties, and a share that is not a whole number of values.
        let v: Vec<f64> = (0..1001).map(|i| f64::from((i * 7919) % 101)).collect();
        let mut s = v.clone();
        s.sort_by(|a, b| b.total_cmp(a));
        let n = (1001.0f64 * 0.2).ceil() as usize;
        let want = s[..n].iter().sum::<f64>() / s.iter().sum::<f64>();
        assert!((top_share(&v, 0.2).unwrap() - want).abs() <= 1e-15);
        assert_eq!(top_share(&[], 0.2), Err(SegmentError::ZeroTotal));
        assert_eq!(top_share(&[0.0, 0.0], 0.2), Err(SegmentError::ZeroTotal));
    }

    #[test]
    fn long_lorenz_curves_are_downsampled_on_the_exact_curve() {
        let v: Vec<f64> = (0..10_007).map(|i| f64::from((i * 31) % 997)).collect();
        let l = lorenz(&v).unwrap();
        assert_eq!(l.len(), LORENZ_STEPS + 1);
        assert_eq!((l[0], l[LORENZ_STEPS]), ((0.0, 0.0), (1.0, 1.0)));
        let mut sorted = v.clone();
        sorted.sort_by(f64::total_cmp);
        let total: f64 = sorted.iter().sum();
        for w in l.windows(2) {
            assert!(w[1].0 > w[0].0 && w[1].1 >= w[0].1);
        }
        for &(x, y) in &l[..LORENZ_STEPS] {
            let k = (x * v.len() as f64).round() as usize;
            let exact = sorted[..k].iter().sum::<f64>() / total;
            assert!((y - exact).abs() < 1e-12, "{x}: {y} vs {exact}");
        }
    }

    #[test]
    fn concentration_refuses_what_it_cannot_measure() {
        let e = lorenz(&[1.0, -2.0]).unwrap_err();
        assert!(
            matches!(
                e,
                SegmentError::OutOfRange {
                    row: 2,
                    field: "value",
                    ..
                }
            ),
            "{e}"
        );
        assert!(matches!(
            gini(&[f64::NAN]),
            Err(SegmentError::NonFinite { row: 1, .. })
        ));
        assert_eq!(gini(&[0.0, 0.0]), Err(SegmentError::ZeroTotal));
        assert_eq!(lorenz(&[]), Err(SegmentError::ZeroTotal));
        assert_eq!(Concentration::of(&[]), Err(SegmentError::ZeroTotal));
        for share in [0.0, -0.1, 1.5, f64::NAN] {
            assert!(matches!(
                top_share(&[1.0], share),
                Err(SegmentError::InvalidShare(_))
            ));
        }
    }

    #[test]
    fn summaries_follow_the_rule_order_and_add_up() {
        let rules = SegmentRules::new(
            vec![
                rule("top", (5, 5), (1, 5), None),
                rule("mid", (3, 4), (1, 5), None),
                rule("empty", (1, 1), (5, 5), Some((5, 5))),
            ],
            "other",
        )
        .unwrap();
        let scores = RfmScores {
            r: ScoreColumn {
                scores: vec![1, 5, 3, 5, 2],
                cuts: None,
            },
            f: ScoreColumn {
                scores: vec![1; 5],
                cuts: None,
            },
            m: None,
        };
        let seg = rules.assign(&scores);
        let clv = [1.0, 50.0, 19.0, 30.0, 0.0]; // total 100
        let s = seg.summary(Some(&clv)).unwrap();
        let names: Vec<&str> = s.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["top", "mid", "empty", "other"]);
        let want = [
            (2, 0.4, 80.0, Some(40.0), 0.8),
            (1, 0.2, 19.0, Some(19.0), 0.19),
            (0, 0.0, 0.0, None, 0.0),
            (2, 0.4, 1.0, Some(0.5), 0.01),
        ];
        for (g, (c, cs, tv, mv, vs)) in s.iter().zip(want) {
            assert_eq!(
                (g.customers, g.total_value, g.mean_value),
                (c, Some(tv), mv)
            );
            assert!(
                close(g.customer_share, cs) && close(g.value_share.unwrap(), vs),
                "{g:?}"
            );
        }
        // Without values: counts only. With a zero total: no shares, never NaN.
        let s = seg.summary(None).unwrap();
        assert!(
            s.iter()
                .all(|g| g.total_value.is_none() && g.value_share.is_none())
        );
        let s = seg.summary(Some(&[0.0; 5])).unwrap();
        assert!(s.iter().all(|g| g.value_share.is_none()));
        assert!(matches!(
            seg.summary(Some(&[1.0, f64::NAN, 0.0, 0.0, 0.0])),
            Err(SegmentError::NonFinite {
                row: 2,
                field: "value",
                ..
            })
        ));
        assert!(seg.summary(Some(&[1.0])).is_err());
        assert!(summarize(&["a"], &[0, 1], None).is_err());
        assert_eq!(summarize::<&str>(&[], &[], None).unwrap(), vec![]);

        use LifecycleStage::*;
        let s =
            stage_summary(&[Churned, Active, Active, New], Some(&[1.0, 2.0, 3.0, 4.0])).unwrap();
        let got: Vec<(&str, usize)> = s.iter().map(|g| (g.name.as_str(), g.customers)).collect();
        assert_eq!(
            got,
            [("new", 1), ("active", 2), ("at_risk", 0), ("churned", 1)]
        );
        assert!(close(s[1].value_share.unwrap(), 0.5));
    }
}
