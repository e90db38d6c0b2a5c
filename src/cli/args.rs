//! Argument groups shared by several subcommands. Each flag is defined once, with its help
//! next to its parsing, so `--help`, the docs and the behaviour cannot drift apart.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use clvr::data::{
    BadRowPolicy, ColumnMapping, DateFormat, FileFormat, LoadOptions, NegativeAmounts, ReadOptions,
    Separator,
};
use clvr::features::{MergePeriod, SummaryOptions, TimeUnit};

/// Parses a YYYY-MM-DD (or YYYYMMDD) date flag.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y%m%d"))
        .map_err(|_| format!("'{s}' is not a date: write it as YYYY-MM-DD"))
}

fn parse_format(s: &str) -> Result<FileFormat, String> {
    match s.to_ascii_lowercase().as_str() {
        "csv" | "text" | "tsv" | "txt" => Ok(FileFormat::Csv),
        "parquet" | "pq" => Ok(FileFormat::Parquet),
        _ => Err(format!("unknown format '{s}': use csv or parquet")),
    }
}

fn parse_negative(s: &str) -> Result<NegativeAmounts, String> {
    match s {
        "reject" => Ok(NegativeAmounts::Reject),
        "net" => Ok(NegativeAmounts::Net),
        _ => Err(format!("unknown policy '{s}': use reject or net")),
    }
}

/// What to do with invalid rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BadRows {
    /// Stop with exit code 2 and list the problems.
    Fail,
    /// Drop invalid rows and count them.
    Skip,
    /// Drop invalid rows and write them to --quarantine FILE with a reason column.
    Quarantine,
}

/// Where the transaction log is and how to read it.
#[derive(Debug, Args)]
pub struct TransactionArgs {
    /// Transaction log: CSV/TSV/whitespace-separated text, or Parquet.
    ///
    /// One row per purchase record with a customer id, a date and optionally an amount.
    #[arg(long, value_name = "FILE")]
    pub transactions: Option<PathBuf>,

    /// File format: csv or parquet. Default: from the extension (.parquet/.pq is Parquet,
    /// anything else is delimited text).
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub format: Option<FileFormat>,

    /// Field separator for text files: auto, comma, tab, semicolon, pipe, whitespace (runs
    /// of spaces/tabs, as in CDNOW_master.txt), or one character. Default: auto (sniffed
    /// from the first lines).
    #[arg(long, value_name = "SEP", default_value = "auto", value_parser = Separator::parse_flag)]
    pub separator: Separator,

    /// The text file has no header line; name columns by 1-based position
    /// (e.g. --customer-col 2 --date-col 3 --amount-col 5).
    #[arg(long)]
    pub no_header: bool,

    /// Customer id column: a header name or a 1-based position. Default: the first of
    /// customer_id, customer, cust_id, client_id, user_id, member_id, id.
    #[arg(long, value_name = "COL")]
    pub customer_col: Option<String>,

    /// Date column: a header name or a 1-based position. Default: the first of date,
    /// order_date, transaction_date, purchase_date, invoice_date, timestamp, datetime, time.
    #[arg(long, value_name = "COL")]
    pub date_col: Option<String>,

    /// Amount (transaction value) column: a header name or a 1-based position. Default: the
    /// first of amount, value, revenue, sales, spend, monetary_value, dollar_value,
    /// order_value, total, price; if none exists only purchase counts are modelled.
    #[arg(long, value_name = "COL")]
    pub amount_col: Option<String>,

    /// How dates are written: auto, YYYY-MM-DD, YYYYMMDD, timestamp (ISO-8601; the date as
    /// written is used), epoch (seconds since 1970-01-01 UTC), or a strftime pattern such
    /// as %d/%m/%Y. Default: auto (detected from the first 1,000 values).
    #[arg(long, value_name = "FMT", default_value = "auto", value_parser = DateFormat::parse_flag)]
    pub date_format: DateFormat,

    /// Invalid rows (missing customer id, bad or missing date, non-numeric/NaN/infinite or
    /// negative amount, date after --observation-end): fail (exit 2 and list them), skip
    /// (drop and count), or quarantine (drop, count and write them to --quarantine FILE).
    #[arg(long, value_name = "POLICY", value_enum, default_value_t = BadRows::Fail)]
    pub on_bad_rows: BadRows,

    /// File that receives rejected rows, with `row` and `reason` columns, under
    /// --on-bad-rows quarantine (CSV, or Parquet by extension). Written atomically.
    #[arg(long, value_name = "FILE")]
    pub quarantine: Option<PathBuf>,

    /// Negative amounts (returns): reject (invalid rows) or net (subtract them from the
    /// purchases of the same period; a period with only returns is not a transaction).
    #[arg(long, value_name = "POLICY", default_value = "reject", value_parser = parse_negative)]
    pub negative_amounts: NegativeAmounts,
}

impl TransactionArgs {
    /// Columns not given on the command line default to the ones a model was trained with
    /// (the model file's `settings.columns`: role → column name).
    pub fn default_columns_from(&mut self, columns: &std::collections::BTreeMap<String, String>) {
        if self.customer_col.is_none() {
            self.customer_col = columns.get("customer").cloned();
        }
        if self.date_col.is_none() {
            self.date_col = columns.get("date").cloned();
        }
        if self.amount_col.is_none() {
            self.amount_col = columns.get("amount").cloned();
        }
    }

    /// The transaction file, or a usage error (exit 2) naming the flag.
    pub fn transactions_path(&self) -> Result<&PathBuf, anyhow::Error> {
        self.transactions.as_ref().ok_or_else(|| {
            clvr::data::DataError::Invalid(
                "no input: pass --transactions FILE (a transaction log, CSV or Parquet)".into(),
            )
            .into()
        })
    }

    /// Library load options; `observation_end` limits valid dates.
    pub fn load_options(
        &self,
        observation_end: Option<NaiveDate>,
    ) -> Result<LoadOptions, anyhow::Error> {
        let bad_rows = match (self.on_bad_rows, &self.quarantine) {
            (BadRows::Fail, _) => BadRowPolicy::Fail,
            (BadRows::Skip, _) => BadRowPolicy::Skip,
            (BadRows::Quarantine, Some(p)) => BadRowPolicy::Quarantine(p.clone()),
            (BadRows::Quarantine, None) => {
                return Err(clvr::data::DataError::Invalid(
                    "--on-bad-rows quarantine needs a file: add --quarantine FILE".into(),
                )
                .into());
            }
        };
        Ok(LoadOptions {
            read: ReadOptions {
                format: self.format,
                separator: self.separator,
                has_header: !self.no_header,
                ..ReadOptions::default()
            },
            columns: ColumnMapping {
                customer: self.customer_col.clone(),
                date: self.date_col.clone(),
                amount: self.amount_col.clone(),
            },
            date_format: self.date_format.clone(),
            negative_amounts: self.negative_amounts,
            bad_rows,
            observation_end,
        })
    }
}

/// How transactions become one row per customer.
#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// Unit of recency, T and durations: day, week or month (30.4375 days). Weeks are
    /// days / 7, not rounded.
    #[arg(long, value_name = "UNIT", default_value = "week", value_parser = TimeUnit::parse_flag)]
    pub time_unit: TimeUnit,

    /// Purchases by one customer in the same period count as one transaction: day (calendar
    /// day), week (ISO week) or month (calendar month).
    #[arg(long, value_name = "PERIOD", default_value = "day", value_parser = MergePeriod::parse_flag)]
    pub merge_period: MergePeriod,

    /// Last day (inclusive, YYYY-MM-DD) of the calibration period. Adds the holdout columns
    /// frequency_holdout, monetary_value_holdout and duration_holdout for the days after it;
    /// customers whose first purchase is after it are left out and counted.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub calibration_end: Option<NaiveDate>,

    /// Last day observed (inclusive, YYYY-MM-DD). Rows after it are invalid rows. Default:
    /// the last transaction date.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub observation_end: Option<NaiveDate>,
}

impl SummaryArgs {
    /// Library summary options.
    pub fn summary_options(&self) -> SummaryOptions {
        SummaryOptions {
            time_unit: self.time_unit,
            merge_period: self.merge_period,
            calibration_end: self.calibration_end,
            observation_end: self.observation_end,
        }
    }
}

/// How results are reported.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Print nothing on stderr except errors.
    #[arg(long, short)]
    pub quiet: bool,

    /// Print a machine-readable JSON run report on stdout (also on failure).
    #[arg(long)]
    pub json: bool,
}

/// Churn classifier settings shared by `clvr train` and `clvr churn train`.
#[derive(Debug, Args)]
pub struct ChurnArgs {
    /// Classifier: logistic (L2 logistic regression) or forest (random forest).
    #[arg(long, value_name = "KIND", default_value = "logistic", value_parser = clvr::churn::ClassifierKind::parse)]
    pub classifier: clvr::churn::ClassifierKind,

    /// Logistic regression: inverse L2 strength, as scikit-learn's C (smaller = stronger).
    #[arg(long = "l2-c", value_name = "C", default_value_t = 1.0)]
    pub l2_c: f64,

    /// Logistic regression: class weighting, none or balanced (w_c = n / (2 n_c)).
    #[arg(long, value_name = "WEIGHTING", default_value = "none", value_parser = parse_class_weight)]
    pub class_weight: clvr::models::logistic::ClassWeight,

    /// Logistic regression: solver. auto (linfa-logistic's L-BFGS for unweighted problems
    /// under 4M cells, rows × features; Newton for larger ones and with class weights),
    /// lbfgs or newton. All reach the same optimum; only speed differs.
    #[arg(long, value_name = "SOLVER", default_value = "auto", value_parser = parse_solver)]
    pub solver: clvr::models::logistic::Solver,

    /// Random forest: number of trees.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub trees: usize,

    /// Random forest: maximum depth (splits from root to leaf).
    #[arg(long, value_name = "D", default_value_t = 10)]
    pub max_depth: u16,
}

fn parse_class_weight(s: &str) -> Result<clvr::models::logistic::ClassWeight, String> {
    match s.to_ascii_lowercase().as_str() {
        "none" => Ok(clvr::models::logistic::ClassWeight::None),
        "balanced" => Ok(clvr::models::logistic::ClassWeight::Balanced),
        _ => Err(format!(
            "unknown class weighting '{s}': use none or balanced"
        )),
    }
}

fn parse_solver(s: &str) -> Result<clvr::models::logistic::Solver, String> {
    use clvr::models::logistic::Solver;
    match s.to_ascii_lowercase().replace('-', "").as_str() {
        "auto" => Ok(Solver::Auto),
        "lbfgs" => Ok(Solver::Lbfgs),
        "newton" => Ok(Solver::Newton),
        _ => Err(format!("unknown solver '{s}': use auto, lbfgs or newton")),
    }
}

impl ChurnArgs {
    /// The classifier options, checked.
    pub fn options(&self) -> Result<clvr::churn::ChurnOptions, anyhow::Error> {
        if self.l2_c.is_nan() || self.l2_c <= 0.0 {
            return Err(clvr::data::DataError::Invalid(format!(
                "--l2-c {}: C must be > 0",
                self.l2_c
            ))
            .into());
        }
        let mut o = clvr::churn::ChurnOptions::default();
        o.logistic.c = self.l2_c;
        o.logistic.class_weight = self.class_weight;
        o.logistic.solver = self.solver;
        o.forest.n_trees = self.trees;
        o.forest.max_depth = Some(self.max_depth);
        Ok(o)
    }
}

/// Lifecycle-stage thresholds shared by `clvr train` (stored in the model file) and
/// `clvr predict` (overriding the file's).
#[derive(Debug, Args, Clone, Default)]
pub struct LifecycleArgs {
    /// Lifecycle: customers whose first purchase is at most this many days before the as-of
    /// date are `new` (unless churned). Default 30.
    #[arg(long, value_name = "DAYS")]
    pub new_days: Option<f64>,

    /// Lifecycle: P(alive) below this is `at_risk`. Default 0.5.
    #[arg(long, value_name = "P")]
    pub at_risk_p_alive: Option<f64>,

    /// Lifecycle: P(alive) below this is `churned`. Default 0.1.
    #[arg(long, value_name = "P")]
    pub churned_p_alive: Option<f64>,

    /// Lifecycle: with a churn model, a churn probability at or above this is `at_risk`;
    /// `none` ignores churn probabilities. Default 0.5.
    #[arg(long, value_name = "P|none")]
    pub at_risk_churn: Option<String>,
}

impl LifecycleArgs {
    /// `base` with the thresholds given on the command line, validated.
    pub fn apply(
        &self,
        base: clvr::score::segments::LifecycleThresholds,
    ) -> Result<clvr::score::segments::LifecycleThresholds, anyhow::Error> {
        let mut t = base;
        if let Some(v) = self.new_days {
            t.new_days = v;
        }
        if let Some(v) = self.at_risk_p_alive {
            t.at_risk_p_alive = v;
        }
        if let Some(v) = self.churned_p_alive {
            t.churned_p_alive = v;
        }
        if let Some(v) = &self.at_risk_churn {
            t.at_risk_churn = if v.trim().eq_ignore_ascii_case("none") {
                None
            } else {
                Some(v.trim().parse::<f64>().map_err(|_| {
                    clvr::data::DataError::Invalid(format!(
                        "--at-risk-churn {v}: give a probability or none"
                    ))
                })?)
            };
        }
        t.validate()
            .map_err(|e| clvr::data::DataError::Invalid(format!("lifecycle thresholds: {e}")))?;
        Ok(t)
    }
}
