//! Customer-level table → standardised numeric design matrix for the churn classifier.
//!
//! The encoder is *learned on training rows only* ([`fit`]) and stored as a serialisable
//! [`EncoderSpec`]; [`transform`] applies the spec to any table (training, test or scoring
//! rows) identically. It works on plain named columns ([`RawColumn`]), not on a data-frame
//! library, so it can be used from any reader.
//!
//! # What it does, column by column
//!
//! * **Numeric** (`RawColumn::Numeric`): `None` (and `NaN`) is *missing*. Missing values are
//!   imputed with the **median of the non-missing training values** (for an even count, the
//!   mean of the two middle values, as `numpy.median`). If any *training* value was missing, an
//!   indicator feature `<name>_missing` (1 = was missing) is added. `±inf` is an error.
//!   A column whose training values are all missing is dropped (reason `all_missing`).
//! * **Text** (`RawColumn::Text`): `None` and empty / whitespace-only strings are the level
//!   [`MISSING_LEVEL`] `"(missing)"`, an ordinary level (so the literal string `"(missing)"`
//!   is the same level). One-hot over the training levels, feature names `<name>=<level>`.
//!   At most [`EncoderOptions::max_levels`] (default 50) levels are kept: the most frequent
//!   ones (ties broken by level name); the rest of the training levels go to an
//!   `<name>=(other)` bucket. Kept levels are emitted in sorted (byte-wise) order, the
//!   `(other)` bucket last.
//!
//!   **Unseen levels (choice).** The `(other)` bucket exists only when the cap actually moved
//!   training rows into it: an always-present bucket would be all-zero on the training rows,
//!   i.e. constant, and would be dropped by the standardisation anyway. At transform time a
//!   level never seen in training maps to the `(other)` bucket if the column has one, and to
//!   *all-zeros* over the column's indicators otherwise (as scikit-learn's
//!   `OneHotEncoder(handle_unknown="infrequent_if_exist")`). Either way it is counted in
//!   [`TransformReport::unseen_levels`]. Levels that were seen in training but fell outside
//!   the cap are *not* "unseen": they go to `(other)` and are not counted.
//! * **Standardisation**: every candidate output column (value, missing indicator, level
//!   indicator) is standardised with its training mean and **population** standard deviation
//!   (ddof = 0, as scikit-learn's `StandardScaler`). A column that is constant on the training
//!   rows (or whose std is 0 or non-finite) is dropped, with the reason recorded in
//!   [`EncoderSpec::dropped`]; the output therefore never contains NaN.
//!
//! Output columns are ordered by input column, then value / `_missing` (numeric) or levels /
//! `(other)` (text). The output matrix is built column-major (`Array2` in Fortran order),
//! which is the layout the logistic fit wants; it is an ordinary `Array2<f64>` to callers.
//!
//! Columns present at transform time but not in the spec (ids, the label…) are ignored.
//! Input columns whose every feature was dropped at fit time are not required at transform
//! time.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use ndarray::{Array2, ShapeBuilder};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The level used for a missing (or blank) text value.
pub const MISSING_LEVEL: &str = "(missing)";
/// The level name of the bucket for capped (and, at scoring, unseen) text levels.
pub const OTHER_LEVEL: &str = "(other)";
/// Suffix of a numeric column's missing-value indicator feature.
pub const MISSING_SUFFIX: &str = "_missing";
/// Version of the serialised [`EncoderSpec`] layout.
pub const SPEC_VERSION: u32 = 1;
/// How many example unseen levels per column a [`TransformReport`] keeps.
const MAX_UNSEEN_EXAMPLES: usize = 5;

/// One input column; `None` is a blank / missing cell (the data layer's customer-table
/// column).
pub use crate::data::CustomerColumn as RawColumn;

/// The kind of a raw column.
pub fn kind_of(c: &RawColumn) -> ColumnKind {
    match c {
        RawColumn::Numeric(_) => ColumnKind::Numeric,
        RawColumn::Text(_) => ColumnKind::Text,
    }
}

/// Whether a column holds numbers or text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Numeric values (`RawColumn::Numeric`), median-imputed and standardised.
    Numeric,
    /// Text values (`RawColumn::Text`), one-hot encoded by level.
    Text,
}

impl fmt::Display for ColumnKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ColumnKind::Numeric => "numeric",
            ColumnKind::Text => "text",
        })
    }
}

/// Fit-time options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderOptions {
    /// Most frequent text levels kept per column (`(missing)` counts as a level); the rest
    /// go to the `(other)` bucket. Must be ≥ 1.
    pub max_levels: usize,
}

impl Default for EncoderOptions {
    fn default() -> Self {
        EncoderOptions { max_levels: 50 }
    }
}

/// Errors from [`fit`], [`fit_with`] and [`transform`].
#[derive(Debug, Clone, PartialEq, Error)]
pub enum EncodeError {
    /// [`transform`]: a required input column (one with a kept feature) is not in the table.
    #[error("column `{column}` is missing from the input table")]
    MissingColumn {
        /// Name of the absent column.
        column: String,
    },
    /// [`transform`]: a required column has a different kind than it had at fit time.
    #[error("column `{column}` must be {expected} but is {found}")]
    WrongKind {
        /// Name of the column.
        column: String,
        /// Kind recorded in the spec.
        expected: ColumnKind,
        /// Kind of the column given.
        found: ColumnKind,
    },
    /// Columns have different row counts (fit: any column; transform: required columns).
    #[error("column `{column}` has {len} rows but `{first}` has {expected}")]
    LengthMismatch {
        /// Name of the column whose length differs.
        column: String,
        /// Its row count.
        len: usize,
        /// Name of the first checked column, whose length is the reference.
        first: String,
        /// Row count of `first`.
        expected: usize,
    },
    /// The same column name appears more than once in the input table.
    #[error("column name `{column}` appears more than once")]
    DuplicateColumn {
        /// The repeated column name.
        column: String,
    },
    /// At fit time two output features would get the same name (e.g. an input column
    /// named like another column's `_missing` indicator or `=level` feature).
    #[error("two output features would both be called `{feature}`; rename a column")]
    DuplicateFeature {
        /// The clashing feature name.
        feature: String,
    },
    /// A numeric cell is `±inf` (in a training row at fit time, in any row at transform).
    #[error(
        "column `{column}`, row {row}: non-finite value {value} (only blanks/NaN count as missing)"
    )]
    NonFinite {
        /// Name of the column.
        column: String,
        /// Row index in the table.
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// A training row index passed to the fit is not a row of the table.
    #[error("training row index {row} is out of range for a table of {n_rows} rows")]
    RowOutOfRange {
        /// The out-of-range row index.
        row: usize,
        /// Number of rows in the table.
        n_rows: usize,
    },
    /// The fit was given an empty list of training rows.
    #[error("no training rows given")]
    NoTrainingRows,
    /// Every candidate feature was dropped at fit time, leaving an empty design matrix.
    #[error("every column was dropped (constant or all missing on the training rows): {dropped}")]
    NoFeatures {
        /// Comma-separated names of the dropped columns / features.
        dropped: String,
    },
    /// An [`EncoderOptions`] value is invalid (e.g. `max_levels` is 0).
    #[error("invalid encoder option: {0}")]
    InvalidOptions(String),
    /// [`transform`] was given a spec whose `version` is not [`SPEC_VERSION`].
    #[error("unsupported encoder spec version {found} (this build reads {SPEC_VERSION})")]
    UnsupportedVersion {
        /// Version found in the spec.
        found: u32,
    },
}

/// Why an output (or input) column was dropped at fit time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum DropReason {
    /// Every training value of the numeric column was missing.
    AllMissing,
    /// The column took a single value on the training rows.
    Constant {
        /// The single (raw, pre-standardisation) training value.
        value: f64,
    },
    /// Not exactly constant, yet the population std came out 0 or non-finite.
    DegenerateStd {
        /// The computed population standard deviation.
        std: f64,
    },
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::AllMissing => write!(f, "all values missing in the training rows"),
            DropReason::Constant { value } => {
                write!(f, "constant ({value}) on the training rows (std 0)")
            }
            DropReason::DegenerateStd { std } => write!(f, "degenerate standard deviation {std}"),
        }
    }
}

/// A dropped column: an input column name (`AllMissing`) or an output feature name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DroppedColumn {
    /// Name of the dropped input column or output feature.
    pub name: String,
    /// Name of the input column it comes from (equal to `name` for an input column).
    pub input: String,
    /// Why it was dropped.
    #[serde(flatten)]
    pub reason: DropReason,
}

/// What was learned about one input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InputSpec {
    /// A numeric input column.
    Numeric {
        /// Input column name.
        name: String,
        /// Training median of the non-missing values (`None`: all missing, column dropped).
        median: Option<f64>,
        /// Missing values among the training rows.
        n_missing_train: usize,
        /// Whether a `<name>_missing` indicator was created.
        missing_indicator: bool,
    },
    /// A text input column.
    Text {
        /// Input column name.
        name: String,
        /// Kept levels, sorted.
        levels: Vec<String>,
        /// Training levels beyond the cap (sorted); they map to the `(other)` bucket.
        capped_levels: Vec<String>,
        /// Whether the `(other)` bucket was created (true iff `capped_levels` is non-empty).
        has_other: bool,
    },
}

impl InputSpec {
    /// The input column name.
    pub fn name(&self) -> &str {
        match self {
            InputSpec::Numeric { name, .. } | InputSpec::Text { name, .. } => name,
        }
    }

    /// The input column's kind.
    pub fn kind(&self) -> ColumnKind {
        match self {
            InputSpec::Numeric { .. } => ColumnKind::Numeric,
            InputSpec::Text { .. } => ColumnKind::Text,
        }
    }
}

/// Where an output feature's raw value comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeatureSource {
    /// The (imputed) numeric value.
    Value {
        /// Numeric input column name.
        input: String,
    },
    /// 1 if the numeric value was missing.
    MissingIndicator {
        /// Numeric input column name.
        input: String,
    },
    /// 1 if the text value is `level`.
    Level {
        /// Text input column name.
        input: String,
        /// The kept level this indicator marks.
        level: String,
    },
    /// 1 if the text value is a capped (or, at scoring, unseen) level.
    Other {
        /// Text input column name.
        input: String,
    },
}

impl FeatureSource {
    /// Name of the input column this feature is derived from.
    pub fn input(&self) -> &str {
        match self {
            FeatureSource::Value { input }
            | FeatureSource::MissingIndicator { input }
            | FeatureSource::Level { input, .. }
            | FeatureSource::Other { input } => input,
        }
    }
}

/// One output column: `(raw - mean) / std`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// Output feature name (`<name>`, `<name>_missing`, `<name>=<level>` or `<name>=(other)`).
    pub name: String,
    /// Where the raw (pre-standardisation) value comes from.
    pub source: FeatureSource,
    /// Mean of the raw value on the training rows.
    pub mean: f64,
    /// Population (ddof 0) standard deviation on the training rows; always > 0.
    pub std: f64,
}

/// Everything needed to transform new rows exactly as the training rows were.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderSpec {
    /// Layout version of the spec ([`SPEC_VERSION`] when written by this build).
    pub version: u32,
    /// Options the spec was fitted with.
    pub options: EncoderOptions,
    /// Number of training rows (indices, duplicates counted) it was fitted on.
    pub n_train_rows: usize,
    /// One entry per input column seen at fit time, in input order.
    pub inputs: Vec<InputSpec>,
    /// Output columns, in output order.
    pub features: Vec<FeatureSpec>,
    /// Columns dropped at fit time, with the reason: all-missing inputs first (input
    /// order), then dropped candidate features (output order).
    pub dropped: Vec<DroppedColumn>,
}

impl EncoderSpec {
    /// Output feature names, in output (column) order.
    pub fn feature_names(&self) -> Vec<String> {
        self.features.iter().map(|f| f.name.clone()).collect()
    }

    /// Number of output features (columns of the transformed matrix).
    pub fn n_features(&self) -> usize {
        self.features.len()
    }

    /// Input columns a table must provide to [`transform`] (those with ≥ 1 kept feature).
    pub fn required_inputs(&self) -> Vec<&str> {
        let used: HashSet<&str> = self.features.iter().map(|f| f.source.input()).collect();
        self.inputs
            .iter()
            .map(InputSpec::name)
            .filter(|n| used.contains(n))
            .collect()
    }
}

/// What [`transform`] had to do to the rows it was given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TransformReport {
    /// Number of rows transformed.
    pub n_rows: usize,
    /// Per text column: rows whose level was not seen in training (only non-zero counts).
    pub unseen_levels: BTreeMap<String, usize>,
    /// Per text column: up to 5 distinct unseen levels, in order of first appearance.
    pub unseen_examples: BTreeMap<String, Vec<String>>,
    /// Per numeric column: missing values replaced by the training median (non-zero only).
    pub missing_imputed: BTreeMap<String, usize>,
}

/// Fit with default [`EncoderOptions`].
pub fn fit(
    columns: &[(String, RawColumn)],
    rows: &[usize],
) -> Result<(EncoderSpec, Vec<String>), EncodeError> {
    fit_with(columns, rows, &EncoderOptions::default())
}

/// Learn an [`EncoderSpec`] from the training `rows` (indices into the columns; duplicates
/// allowed, order irrelevant). Returns the spec and human-readable notes (imputation,
/// capping, dropped columns).
pub fn fit_with(
    columns: &[(String, RawColumn)],
    rows: &[usize],
    options: &EncoderOptions,
) -> Result<(EncoderSpec, Vec<String>), EncodeError> {
    if options.max_levels == 0 {
        return Err(EncodeError::InvalidOptions(
            "max_levels must be at least 1".into(),
        ));
    }
    if rows.is_empty() {
        return Err(EncodeError::NoTrainingRows);
    }
    let n_rows = check_table(columns)?;
    if let Some(&row) = rows.iter().find(|&&r| r >= n_rows) {
        return Err(EncodeError::RowOutOfRange { row, n_rows });
    }

    let mut inputs = Vec::with_capacity(columns.len());
    let mut features = Vec::new();
    let mut dropped = Vec::new();
    let mut notes = Vec::new();
    // Candidate features: (name, source, training values).
    let mut candidates: Vec<(String, FeatureSource, Vec<f64>)> = Vec::new();

    for (name, column) in columns {
        match column {
            RawColumn::Numeric(values) => {
                let mut present = Vec::with_capacity(rows.len());
                for &r in rows {
                    match values[r] {
                        Some(v) if v.is_nan() => {}
                        Some(v) if v.is_infinite() => {
                            return Err(EncodeError::NonFinite {
                                column: name.clone(),
                                row: r,
                                value: v,
                            });
                        }
                        Some(v) => present.push(v),
                        None => {}
                    }
                }
                let n_missing = rows.len() - present.len();
                let median = median(&mut present);
                let Some(med) = median else {
                    inputs.push(InputSpec::Numeric {
                        name: name.clone(),
                        median: None,
                        n_missing_train: n_missing,
                        missing_indicator: false,
                    });
                    notes.push(format!(
                        "dropped `{name}`: all {n_missing} training values are missing"
                    ));
                    dropped.push(DroppedColumn {
                        name: name.clone(),
                        input: name.clone(),
                        reason: DropReason::AllMissing,
                    });
                    continue;
                };
                let indicator = n_missing > 0;
                if indicator {
                    notes.push(format!(
                        "`{name}`: {n_missing} of {} training values missing; imputed with \
                         the training median {med} and flagged in `{name}{MISSING_SUFFIX}`",
                        rows.len()
                    ));
                }
                let vals: Vec<f64> = rows.iter().map(|&r| numeric_or(values[r], med).0).collect();
                candidates.push((
                    name.clone(),
                    FeatureSource::Value {
                        input: name.clone(),
                    },
                    vals,
                ));
                if indicator {
                    let flags: Vec<f64> = rows
                        .iter()
                        .map(|&r| {
                            if numeric_or(values[r], med).1 {
                                1.0
                            } else {
                                0.0
                            }
                        })
                        .collect();
                    candidates.push((
                        format!("{name}{MISSING_SUFFIX}"),
                        FeatureSource::MissingIndicator {
                            input: name.clone(),
                        },
                        flags,
                    ));
                }
                inputs.push(InputSpec::Numeric {
                    name: name.clone(),
                    median: Some(med),
                    n_missing_train: n_missing,
                    missing_indicator: indicator,
                });
            }
            RawColumn::Text(values) => {
                let mut counts: HashMap<&str, usize> = HashMap::new();
                for &r in rows {
                    *counts.entry(level_of(&values[r])).or_insert(0) += 1;
                }
                let mut by_freq: Vec<(&str, usize)> = counts.into_iter().collect();
                // Most frequent first; ties by name so the cap is deterministic.
                by_freq.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
                let cut = by_freq.len().min(options.max_levels);
                let mut levels: Vec<String> =
                    by_freq[..cut].iter().map(|(l, _)| l.to_string()).collect();
                let mut capped_levels: Vec<String> =
                    by_freq[cut..].iter().map(|(l, _)| l.to_string()).collect();
                levels.sort();
                capped_levels.sort();
                let has_other = !capped_levels.is_empty();
                if has_other {
                    let n_other: usize = by_freq[cut..].iter().map(|(_, c)| c).sum();
                    notes.push(format!(
                        "`{name}`: {} levels, kept the {cut} most frequent; {} rarer levels \
                         ({n_other} training rows) go to `{name}={OTHER_LEVEL}`",
                        by_freq.len(),
                        capped_levels.len()
                    ));
                }
                let index: HashMap<&str, usize> = levels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (l.as_str(), i))
                    .collect();
                let n_kept = levels.len();
                let mut cols = vec![vec![0.0; rows.len()]; n_kept + usize::from(has_other)];
                for (k, &r) in rows.iter().enumerate() {
                    match index.get(level_of(&values[r])) {
                        Some(&j) => cols[j][k] = 1.0,
                        None => cols[n_kept][k] = 1.0,
                    }
                }
                let mut cols = cols.into_iter();
                for level in &levels {
                    candidates.push((
                        format!("{name}={level}"),
                        FeatureSource::Level {
                            input: name.clone(),
                            level: level.clone(),
                        },
                        cols.next().expect("one column per level"),
                    ));
                }
                if has_other {
                    candidates.push((
                        format!("{name}={OTHER_LEVEL}"),
                        FeatureSource::Other {
                            input: name.clone(),
                        },
                        cols.next().expect("other column"),
                    ));
                }
                inputs.push(InputSpec::Text {
                    name: name.clone(),
                    levels,
                    capped_levels,
                    has_other,
                });
            }
        }
    }

    let mut seen_names = HashSet::new();
    for (name, source, vals) in candidates {
        if !seen_names.insert(name.clone()) {
            return Err(EncodeError::DuplicateFeature { feature: name });
        }
        let first = vals[0];
        let reason = if vals.iter().all(|&v| v == first) {
            Some(DropReason::Constant { value: first })
        } else {
            let (mean, std) = mean_std(&vals);
            if std > 0.0 && std.is_finite() && mean.is_finite() {
                features.push(FeatureSpec {
                    name: name.clone(),
                    source: source.clone(),
                    mean,
                    std,
                });
                None
            } else {
                Some(DropReason::DegenerateStd { std })
            }
        };
        if let Some(reason) = reason {
            notes.push(format!("dropped `{name}`: {reason}"));
            dropped.push(DroppedColumn {
                name,
                input: source.input().to_string(),
                reason,
            });
        }
    }
    if features.is_empty() {
        let names: Vec<&str> = dropped.iter().map(|d| d.name.as_str()).collect();
        return Err(EncodeError::NoFeatures {
            dropped: names.join(", "),
        });
    }
    let spec = EncoderSpec {
        version: SPEC_VERSION,
        options: options.clone(),
        n_train_rows: rows.len(),
        inputs,
        features,
        dropped,
    };
    Ok((spec, notes))
}

/// Apply a fitted spec to a table. Every required input column must be present with the
/// kind it had at fit time; all required columns must have the same length.
pub fn transform(
    spec: &EncoderSpec,
    columns: &[(String, RawColumn)],
) -> Result<(Array2<f64>, TransformReport), EncodeError> {
    if spec.version != SPEC_VERSION {
        return Err(EncodeError::UnsupportedVersion {
            found: spec.version,
        });
    }
    let mut by_name: HashMap<&str, &RawColumn> = HashMap::with_capacity(columns.len());
    for (name, col) in columns {
        if by_name.insert(name.as_str(), col).is_some() {
            return Err(EncodeError::DuplicateColumn {
                column: name.clone(),
            });
        }
    }

    // Resolve the required inputs and check kinds and lengths up front.
    let required = spec.required_inputs();
    let mut n_rows: Option<(usize, &str)> = None;
    for &name in &required {
        let input = spec
            .inputs
            .iter()
            .find(|i| i.name() == name)
            .expect("required input is in spec");
        let col = by_name
            .get(name)
            .ok_or_else(|| EncodeError::MissingColumn {
                column: name.to_string(),
            })?;
        if kind_of(col) != input.kind() {
            return Err(EncodeError::WrongKind {
                column: name.to_string(),
                expected: input.kind(),
                found: kind_of(col),
            });
        }
        match n_rows {
            None => n_rows = Some((col.len(), name)),
            Some((n, first)) if n != col.len() => {
                return Err(EncodeError::LengthMismatch {
                    column: name.to_string(),
                    len: col.len(),
                    first: first.to_string(),
                    expected: n,
                });
            }
            Some(_) => {}
        }
    }
    let n = n_rows.map_or(0, |(n, _)| n);
    let p = spec.features.len();
    let mut data = vec![0.0; n * p];
    let mut report = TransformReport {
        n_rows: n,
        ..TransformReport::default()
    };
    let position: HashMap<&str, usize> = spec
        .features
        .iter()
        .enumerate()
        .map(|(j, f)| (f.name.as_str(), j))
        .collect();

    for input in &spec.inputs {
        let name = input.name();
        if !required.contains(&name) {
            continue;
        }
        let col = by_name[name];
        match (input, col) {
            (
                InputSpec::Numeric {
                    median: Some(med),
                    missing_indicator,
                    ..
                },
                RawColumn::Numeric(values),
            ) => {
                let value_feature = position.get(name).map(|&j| (j, &spec.features[j]));
                let flag_feature = if *missing_indicator {
                    let flag_name = format!("{name}{MISSING_SUFFIX}");
                    position
                        .get(flag_name.as_str())
                        .map(|&j| (j, &spec.features[j]))
                } else {
                    None
                };
                let mut n_missing = 0usize;
                for (i, v) in values.iter().enumerate() {
                    if let Some(x) = v.filter(|x| x.is_infinite()) {
                        return Err(EncodeError::NonFinite {
                            column: name.to_string(),
                            row: i,
                            value: x,
                        });
                    }
                    let (x, missing) = numeric_or(*v, *med);
                    n_missing += usize::from(missing);
                    if let Some((j, f)) = value_feature {
                        data[j * n + i] = (x - f.mean) / f.std;
                    }
                    if let Some((j, f)) = flag_feature {
                        let flag = if missing { 1.0 } else { 0.0 };
                        data[j * n + i] = (flag - f.mean) / f.std;
                    }
                }
                if n_missing > 0 {
                    report.missing_imputed.insert(name.to_string(), n_missing);
                }
            }
            (
                InputSpec::Text {
                    levels,
                    capped_levels,
                    has_other,
                    ..
                },
                RawColumn::Text(values),
            ) => {
                // Output position of each kept level and of the (other) bucket, if kept.
                let mut level_pos: HashMap<&str, Option<usize>> = HashMap::new();
                let mut outputs: Vec<usize> = Vec::new();
                for level in levels {
                    let j = position.get(format!("{name}={level}").as_str()).copied();
                    level_pos.insert(level.as_str(), j);
                    outputs.extend(j);
                }
                let other_pos = if *has_other {
                    position
                        .get(format!("{name}={OTHER_LEVEL}").as_str())
                        .copied()
                } else {
                    None
                };
                outputs.extend(other_pos);
                let capped: HashSet<&str> = capped_levels.iter().map(String::as_str).collect();
                // Baseline: every indicator 0, standardised.
                for &j in &outputs {
                    let f = &spec.features[j];
                    let zero = (0.0 - f.mean) / f.std;
                    data[j * n..(j + 1) * n].fill(zero);
                }
                let mut n_unseen = 0usize;
                let mut examples: Vec<String> = Vec::new();
                for (i, v) in values.iter().enumerate() {
                    let level = level_of(v);
                    let hot = match level_pos.get(level) {
                        Some(j) => *j,
                        None => {
                            if !capped.contains(level) {
                                n_unseen += 1;
                                if examples.len() < MAX_UNSEEN_EXAMPLES
                                    && !examples.iter().any(|e| e == level)
                                {
                                    examples.push(level.to_string());
                                }
                            }
                            other_pos
                        }
                    };
                    if let Some(j) = hot {
                        let f = &spec.features[j];
                        data[j * n + i] = (1.0 - f.mean) / f.std;
                    }
                }
                if n_unseen > 0 {
                    report.unseen_levels.insert(name.to_string(), n_unseen);
                    report.unseen_examples.insert(name.to_string(), examples);
                }
            }
            // Kinds were checked above; an all-missing numeric input has no features and
            // is never required.
            _ => unreachable!("kind checked and all-missing inputs are not required"),
        }
    }
    let x = Array2::from_shape_vec((n, p).f(), data).expect("n * p values");
    Ok((x, report))
}

/// All columns have the same length and distinct names; returns the length.
fn check_table(columns: &[(String, RawColumn)]) -> Result<usize, EncodeError> {
    let mut names = HashSet::new();
    let mut n: Option<(usize, &str)> = None;
    for (name, col) in columns {
        if !names.insert(name.as_str()) {
            return Err(EncodeError::DuplicateColumn {
                column: name.clone(),
            });
        }
        match n {
            None => n = Some((col.len(), name)),
            Some((len, first)) if len != col.len() => {
                return Err(EncodeError::LengthMismatch {
                    column: name.clone(),
                    len: col.len(),
                    first: first.to_string(),
                    expected: len,
                });
            }
            Some(_) => {}
        }
    }
    Ok(n.map_or(0, |(n, _)| n))
}

/// The level a text cell belongs to: `None` and blank strings are [`MISSING_LEVEL`].
fn level_of(v: &Option<String>) -> &str {
    match v {
        Some(s) if !s.trim().is_empty() => s.as_str(),
        _ => MISSING_LEVEL,
    }
}

/// `(value or fallback, was_missing)`; `NaN` counts as missing.
fn numeric_or(v: Option<f64>, fallback: f64) -> (f64, bool) {
    match v {
        Some(x) if !x.is_nan() => (x, false),
        _ => (fallback, true),
    }
}

/// Median as `numpy.median` (mean of the two middle values for an even count).
fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let m = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[m]
    } else {
        (values[m - 1] + values[m]) / 2.0
    })
}

/// Mean and population (ddof 0) standard deviation, two-pass.
fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn num(v: &[Option<f64>]) -> RawColumn {
        RawColumn::Numeric(v.to_vec())
    }

    fn text(v: &[Option<&str>]) -> RawColumn {
        RawColumn::Text(v.iter().map(|s| s.map(str::to_string)).collect())
    }

    fn table() -> Vec<(String, RawColumn)> {
        vec![
            (
                "tenure".into(),
                num(&[Some(1.0), Some(5.0), None, Some(3.0), Some(10.0), Some(2.0)]),
            ),
            (
                "contract".into(),
                text(&[
                    Some("Month-to-month"),
                    Some("One year"),
                    None,
                    Some("Month-to-month"),
                    Some("Two year"),
                    Some("One year"),
                ]),
            ),
            ("flat".into(), num(&[Some(7.0); 6])),
            ("empty".into(), num(&[None; 6])),
        ]
    }

    fn col(x: &Array2<f64>, spec: &EncoderSpec, name: &str) -> Vec<f64> {
        let j = spec.features.iter().position(|f| f.name == name).unwrap();
        x.column(j).to_vec()
    }

    #[test]
    fn numeric_imputation_indicator_and_drops() {
        let t = table();
        let rows: Vec<usize> = (0..6).collect();
        let (spec, notes) = fit(&t, &rows).unwrap();
        let names = spec.feature_names();
        assert_eq!(
            names,
            vec![
                "tenure",
                "tenure_missing",
                "contract=(missing)",
                "contract=Month-to-month",
                "contract=One year",
                "contract=Two year",
            ]
        );
        // Median of 1,5,3,10,2 is 3.
        match &spec.inputs[0] {
            InputSpec::Numeric {
                median,
                n_missing_train,
                missing_indicator,
                ..
            } => {
                assert_eq!(*median, Some(3.0));
                assert_eq!(*n_missing_train, 1);
                assert!(missing_indicator);
            }
            other => panic!("{other:?}"),
        }
        let dropped: Vec<(&str, &DropReason)> = spec
            .dropped
            .iter()
            .map(|d| (d.name.as_str(), &d.reason))
            .collect();
        assert_eq!(
            dropped,
            vec![
                ("empty", &DropReason::AllMissing),
                ("flat", &DropReason::Constant { value: 7.0 })
            ]
        );
        assert!(notes.iter().any(|n| n.contains("flat")));
        let (x, report) = transform(&spec, &t).unwrap();
        assert_eq!(x.dim(), (6, 6));
        assert!(x.iter().all(|v| v.is_finite()));
        // Imputed value 3 → (3 - mean)/std with mean over 1,5,3,3,10,2.
        let vals = [1.0, 5.0, 3.0, 3.0, 10.0, 2.0];
        let mean = vals.iter().sum::<f64>() / 6.0;
        let std = (vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 6.0).sqrt();
        let tenure = col(&x, &spec, "tenure");
        for (got, v) in tenure.iter().zip(vals) {
            assert!((got - (v - mean) / std).abs() < 1e-12);
        }
        assert_eq!(report.missing_imputed.get("tenure"), Some(&1));
        assert!(report.unseen_levels.is_empty());
        // Training columns are standardised: mean 0, population std 1.
        for j in 0..x.ncols() {
            let c = x.column(j);
            let m = c.mean().unwrap();
            let s = (c.mapv(|v| (v - m).powi(2)).sum() / 6.0).sqrt();
            assert!(m.abs() < 1e-12 && (s - 1.0).abs() < 1e-12, "{j}: {m} {s}");
        }
    }

    #[test]
    fn statistics_come_from_training_rows_only() {
        let t = table();
        let (spec, _) = fit(&t, &[0, 1, 3]).unwrap();
        // Training tenure 1, 5, 3: no missing → no indicator; median 3.
        assert!(!spec.feature_names().contains(&"tenure_missing".to_string()));
        let f = &spec.features[0];
        assert_eq!(f.name, "tenure");
        assert!((f.mean - 3.0).abs() < 1e-15);
        // Row 2 (missing, not a training row) is imputed with the training median 3 → 0.
        let (x, report) = transform(&spec, &t).unwrap();
        assert!(x[[2, 0]].abs() < 1e-15);
        assert_eq!(report.missing_imputed["tenure"], 1);
        // Levels: only Month-to-month and One year were seen; (missing) and Two year unseen.
        assert_eq!(report.unseen_levels["contract"], 2);
        assert_eq!(
            report.unseen_examples["contract"],
            vec!["(missing)".to_string(), "Two year".to_string()]
        );
        // Unseen → all-zeros over the indicators (no (other) bucket here).
        for name in ["contract=Month-to-month", "contract=One year"] {
            let f = spec.features.iter().find(|f| f.name == name).unwrap();
            assert!((col(&x, &spec, name)[4] - (0.0 - f.mean) / f.std).abs() < 1e-15);
        }
    }

    #[test]
    fn level_cap_and_other_bucket() {
        let vals = [
            "a", "a", "a", "b", "b", "c", "d", "a", "b", "c", "e", "e", "e", "e",
        ];
        let t = vec![(
            "x".to_string(),
            text(&vals.iter().map(|s| Some(*s)).collect::<Vec<_>>()),
        )];
        let rows: Vec<usize> = (0..vals.len()).collect();
        let opts = EncoderOptions { max_levels: 3 };
        let (spec, notes) = fit_with(&t, &rows, &opts).unwrap();
        // Frequencies a4 e4 b3 c2 d1 → keep a, b, e; c, d → (other).
        assert_eq!(spec.feature_names(), vec!["x=a", "x=b", "x=e", "x=(other)"]);
        assert!(notes.iter().any(|n| n.contains("x=(other)")));
        let scoring = vec![("x".to_string(), text(&[Some("c"), Some("zzz"), Some("a")]))];
        let (x, report) = transform(&spec, &scoring).unwrap();
        // Capped level c is not "unseen"; zzz is, and goes to (other).
        assert_eq!(report.unseen_levels["x"], 1);
        let other = &spec.features[3];
        let hot = (1.0 - other.mean) / other.std;
        assert!((x[[0, 3]] - hot).abs() < 1e-15 && (x[[1, 3]] - hot).abs() < 1e-15);
        assert!(x[[2, 3]] < 0.0);
    }

    #[test]
    fn errors_name_the_column() {
        let t = table();
        let (spec, _) = fit(&t, &[0, 1, 2, 3]).unwrap();
        let mut missing = t.clone();
        missing.remove(1);
        let e = transform(&spec, &missing).unwrap_err();
        assert_eq!(
            e,
            EncodeError::MissingColumn {
                column: "contract".into()
            }
        );
        assert!(e.to_string().contains("`contract`"));
        let mut wrong = t.clone();
        wrong[0].1 = text(&[Some("1"); 6]);
        let e = transform(&spec, &wrong).unwrap_err();
        assert!(matches!(e, EncodeError::WrongKind { ref column, .. } if column == "tenure"));
        assert!(e.to_string().contains("must be numeric but is text"));
        let mut short = t.clone();
        short[1].1 = text(&[Some("x")]);
        assert!(matches!(
            transform(&spec, &short).unwrap_err(),
            EncodeError::LengthMismatch { .. }
        ));
        let mut inf = t.clone();
        inf[0].1 = num(&[Some(f64::INFINITY); 6]);
        assert!(matches!(
            transform(&spec, &inf).unwrap_err(),
            EncodeError::NonFinite { ref column, row: 0, .. } if column == "tenure"
        ));
        assert!(matches!(
            fit(&t, &[9]).unwrap_err(),
            EncodeError::RowOutOfRange { row: 9, n_rows: 6 }
        ));
        assert_eq!(fit(&t, &[]).unwrap_err(), EncodeError::NoTrainingRows);
        let all_dropped = vec![("flat".to_string(), num(&[Some(1.0); 3]))];
        assert!(matches!(
            fit(&all_dropped, &[0, 1]).unwrap_err(),
            EncodeError::NoFeatures { .. }
        ));
        // Dropped inputs are not required at scoring time; extra columns are ignored.
        let mut lean = t.clone();
        lean.retain(|(n, _)| n != "flat" && n != "empty");
        lean.push(("customer_id".into(), text(&[Some("id"); 6])));
        assert!(transform(&spec, &lean).is_ok());
    }

    #[test]
    fn spec_json_roundtrip_transforms_identically() {
        let t = table();
        let (spec, _) = fit(&t, &[0, 1, 2, 4]).unwrap();
        let json = serde_json::to_string_pretty(&spec).unwrap();
        let back: EncoderSpec = serde_json::from_str(&json).unwrap();
        assert_eq!(back, spec);
        let (a, ra) = transform(&spec, &t).unwrap();
        let (b, rb) = transform(&back, &t).unwrap();
        assert_eq!(a, b);
        assert_eq!(ra, rb);
        assert!(json.contains("\"reason\": \"constant\""));
    }

    fn raw_table() -> impl Strategy<Value = Vec<(String, RawColumn)>> {
        let n = 1usize..40;
        n.prop_flat_map(|n| {
            let numeric = prop::collection::vec(
                prop_oneof![
                    3 => (-1e6f64..1e6).prop_map(Some),
                    1 => Just(None),
                    1 => Just(Some(f64::NAN)),
                    1 => Just(Some(0.5)),
                ],
                n,
            )
            .prop_map(RawColumn::Numeric);
            let levels = ["a", "b", "c", "", " ", "(missing)"];
            let text = prop::collection::vec(
                prop_oneof![
                    4 => (0usize..levels.len()).prop_map(move |i| Some(levels[i].to_string())),
                    1 => Just(None),
                ],
                n,
            )
            .prop_map(RawColumn::Text);
            (
                prop::collection::vec(prop_oneof![numeric, text], 1..5),
                prop::collection::vec(0..n, 1..(2 * n + 1)),
                1usize..4,
            )
                .prop_map(|(cols, rows, cap)| {
                    let mut t: Vec<(String, RawColumn)> = cols
                        .into_iter()
                        .enumerate()
                        .map(|(i, c)| (format!("c{i}"), c))
                        .collect();
                    // Smuggle rows and cap through a trailing pseudo-column.
                    t.push((
                        "__meta".into(),
                        RawColumn::Text(
                            std::iter::once(Some(cap.to_string()))
                                .chain(rows.iter().map(|r| Some(r.to_string())))
                                .collect(),
                        ),
                    ));
                    t
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn prop_never_nan_and_standardised(mut t in raw_table()) {
            let (_, meta) = t.pop().unwrap();
            let RawColumn::Text(meta) = meta else { unreachable!() };
            let cap: usize = meta[0].as_ref().unwrap().parse().unwrap();
            let rows: Vec<usize> =
                meta[1..].iter().map(|s| s.as_ref().unwrap().parse().unwrap()).collect();
            match fit_with(&t, &rows, &EncoderOptions { max_levels: cap }) {
                Err(EncodeError::NoFeatures { .. }) => {}
                Err(e) => prop_assert!(false, "unexpected error {e}"),
                Ok((spec, _)) => {
                    let (x, _) = transform(&spec, &t).unwrap();
                    prop_assert!(x.iter().all(|v| v.is_finite()));
                    // On the training rows each output column has mean 0 and std 1.
                    let xt = x.select(ndarray::Axis(0), &rows);
                    for j in 0..xt.ncols() {
                        let c = xt.column(j);
                        let m = c.mean().unwrap();
                        let s = (c.mapv(|v| (v - m).powi(2)).sum() / rows.len() as f64).sqrt();
                        prop_assert!(m.abs() < 1e-6, "column {j} mean {m}");
                        prop_assert!((s - 1.0).abs() < 1e-6, "column {j} std {s}");
                    }
                    let back: EncoderSpec =
                        serde_json::from_str(&serde_json::to_string(&spec).unwrap()).unwrap();
                    prop_assert_eq!(back, spec);
                }
            }
        }
    }
}
