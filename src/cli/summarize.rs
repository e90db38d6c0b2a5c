//! `clvr summarize`: transaction log → customer summary table.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use clvr::data::{LoadReport, load_transactions, write_table};
use clvr::features::{SummaryStats, build_summary};
use serde::Serialize;

use super::args::{OutputArgs, SummaryArgs, TransactionArgs};
use super::progress::Progress;
use super::{Failure, thousands};

/// Arguments of `clvr summarize`.
#[derive(Debug, Args)]
pub struct SummarizeArgs {
    #[command(flatten)]
    pub input: TransactionArgs,

    #[command(flatten)]
    pub summary: SummaryArgs,

    /// Where to write the summary table: CSV, or Parquet by extension (.parquet/.pq).
    /// Written atomically: a failed run leaves the previous file intact.
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,

    #[command(flatten)]
    pub output_opts: OutputArgs,
}

#[derive(Serialize)]
struct RunReport<'a> {
    command: &'static str,
    status: &'static str,
    clvr_version: &'static str,
    input: &'a LoadReport,
    summary: &'a SummaryStats,
    output: &'a PathBuf,
    output_rows: usize,
    output_columns: Vec<String>,
    /// Seconds per stage: load (read + validate), summarize, write.
    stage_seconds: StageSeconds,
    elapsed_seconds: f64,
}

#[derive(Serialize)]
struct StageSeconds {
    load: f64,
    summarize: f64,
    write: f64,
}

/// Runs `clvr summarize`.
pub fn run(args: SummarizeArgs) -> Result<(), Failure> {
    let start = Instant::now();
    let progress = Progress::new(args.output_opts.quiet);
    let load_opts = args.input.load_options(args.summary.observation_end)?;

    progress.stage("reading and validating transactions");
    let (tx, load) = load_transactions(args.input.transactions_path()?, &load_opts)?;
    let t_load = start.elapsed().as_secs_f64();

    progress.stage("building the customer summary");
    let mut summary = build_summary(&tx, &args.summary.summary_options())?;
    drop(tx);
    let t_summary = start.elapsed().as_secs_f64();

    progress.stage("writing");
    write_table(&mut summary.df, &args.output)?;
    progress.finish();
    let elapsed = start.elapsed().as_secs_f64();

    let report = RunReport {
        command: "summarize",
        status: "ok",
        clvr_version: clvr::VERSION,
        input: &load,
        summary: &summary.stats,
        output: &args.output,
        output_rows: summary.df.height(),
        output_columns: summary
            .df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        stage_seconds: StageSeconds {
            load: t_load,
            summarize: t_summary - t_load,
            write: elapsed - t_summary,
        },
        elapsed_seconds: elapsed,
    };
    if !args.output_opts.quiet {
        eprint!("{}", human_report(&report));
    }
    if args.output_opts.json {
        super::print_stdout(&serde_json::to_string_pretty(&report).map_err(anyhow::Error::from)?)?;
    }
    Ok(())
}

/// The input block of a run report (shared by every command that reads transactions).
pub fn describe_load(load: &LoadReport) -> String {
    let mut s = String::new();
    let cols = &load.columns;
    s += &format!("input      {} ({})\n", load.file.display(), load.source);
    s += &format!(
        "columns    customer={}  date={} ({})  amount={}\n",
        cols.customer,
        cols.date,
        load.date_format,
        cols.amount.as_deref().unwrap_or("(none: counts only)")
    );
    s += &format!(
        "rows       {} read, {} accepted, {} rejected",
        thousands(load.rows_read as u64),
        thousands(load.rows_accepted as u64),
        thousands(load.rows_rejected as u64)
    );
    if load.rows_rejected > 0 {
        let reasons: Vec<String> = load
            .rejected_by_reason
            .iter()
            .map(|(r, c)| format!("{r} {}", thousands(*c as u64)))
            .collect();
        s += &format!(" ({}; policy {}", reasons.join(", "), load.bad_row_policy);
        if let Some(q) = &load.quarantine_file {
            s += &format!(", written to {}", q.display());
        }
        s += ")";
    }
    s += "\n";
    if load.blank_rows > 0 {
        s += &format!(
            "blank      {} blank lines ignored\n",
            thousands(load.blank_rows as u64)
        );
    }
    if load.negative_rows_netted > 0 {
        s += &format!(
            "returns    {} negative-amount rows netted against purchases\n",
            thousands(load.negative_rows_netted as u64)
        );
    }
    if let (Some(a), Some(b)) = (load.first_date, load.last_date) {
        s += &format!("dates      {a} .. {b}\n");
    }
    s
}

/// The customer block of a run report.
pub fn describe_summary(st: &SummaryStats) -> String {
    let mut s = format!(
        "customers  {} ({} repeat buyers, {} repeat transactions)\n",
        thousands(st.customers as u64),
        thousands(st.repeat_customers as u64),
        thousands(st.repeat_transactions)
    );
    s += &format!(
        "periods    unit {}, one transaction per customer per {}; ",
        st.time_unit.name(),
        st.merge_period.name()
    );
    match st.calibration_end {
        Some(c) => {
            s += &format!(
                "calibration to {c}, observation to {}\n",
                st.observation_end
            )
        }
        None => s += &format!("observation to {}\n", st.observation_end),
    }
    if st.excluded_first_purchase_after_calibration > 0 {
        s += &format!(
            "excluded   {} customers whose first purchase is after the calibration end\n",
            thousands(st.excluded_first_purchase_after_calibration as u64)
        );
    }
    if st.excluded_only_returns > 0 {
        s += &format!(
            "excluded   {} customers with only returns in the period\n",
            thousands(st.excluded_only_returns as u64)
        );
    }
    if let Some(h) = &st.holdout {
        s += &format!(
            "holdout    {} repeat transactions by {} customers over {:.2} {}s\n",
            thousands(h.repeat_transactions),
            thousands(h.customers_with_transactions as u64),
            h.duration,
            st.time_unit.name()
        );
    }
    if !st.has_monetary {
        s += "monetary   no amount column: only purchase counts are summarised\n";
    }
    s
}

fn human_report(r: &RunReport) -> String {
    let mut s = describe_load(r.input);
    s += &describe_summary(r.summary);
    s += &format!(
        "output     {} ({} rows) in {:.2}s\n",
        r.output.display(),
        thousands(r.output_rows as u64),
        r.elapsed_seconds
    );
    s
}
