//! `clvr report`: one self-contained HTML file for a model and, optionally, a scoring run,
//! a holdout evaluation and A/B experiments: fit tables, plots, segments, lifecycle stages,
//! churn metrics, the top customers by CLV and by churn risk, and the uplift of each
//! experiment (`uplift.rs`). Any of them alone is a report too.

mod uplift;

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use serde::Serialize;

use clvr::artifact::{ModelFile, Registry};
use clvr::data::{CustomerColumn, CustomerTable, read_customer_table, write_atomic};
use clvr::report::html::{Block, Report, Section, to_html};
use clvr::report::{ImageFormat, LineStyle, Plot, Series, write_plot};

use super::Failure;
use super::args::OutputArgs;

/// `clvr report` arguments.
#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("content")
        .required(true)
        .multiple(true)
        .args(["model", "scores", "evaluation", "uplift"])
))]
pub struct ReportArgs {
    /// The model: NAME (latest version in the registry), NAME@3 (a version), or a path.
    /// Optional: a report of scores, an evaluation or experiments alone needs none.
    #[arg(long, value_name = "NAME[@V]|FILE")]
    pub model: Option<String>,

    /// Model registry directory.
    #[arg(long, value_name = "DIR", default_value = "models")]
    pub registry: PathBuf,

    /// A scores file written by `clvr predict` with this model (CSV or Parquet): adds the
    /// CLV distribution, value concentration, segments, lifecycle stages and top customers.
    #[arg(long, value_name = "FILE")]
    pub scores: Option<PathBuf>,

    /// An evaluation report written by `clvr evaluate --output FILE.json`: adds the holdout
    /// evaluation (tables, conditional expectations, tracking, value deciles, churn).
    #[arg(long, value_name = "FILE")]
    pub evaluation: Option<PathBuf>,

    /// An experiment report written by `clvr uplift --output FILE.json`: adds a section with
    /// the sample-ratio alert (when the check failed), a verdict and tables per variant, the
    /// forest plot, per-segment uplift and the input counts. Repeat for more experiments.
    #[arg(long, value_name = "FILE.json")]
    pub uplift: Vec<PathBuf>,

    /// Rows in the top-customer tables.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,

    /// The HTML file to write (atomically).
    #[arg(long, value_name = "FILE")]
    pub output: PathBuf,

    /// Also write every plot as PNG and SVG into this directory.
    #[arg(long, value_name = "DIR")]
    pub plots_dir: Option<PathBuf>,

    #[command(flatten)]
    pub output_opts: OutputArgs,
}

#[derive(Serialize)]
struct ReportRun<'a> {
    command: &'static str,
    model: Option<String>,
    output: &'a PathBuf,
    sections: Vec<String>,
    plots: usize,
    plot_files: Vec<PathBuf>,
    elapsed_seconds: f64,
}

/// Collects plots so they can also be written as files.
struct Plots {
    all: Vec<(String, Plot)>,
}

impl Plots {
    fn add(&mut self, section: &mut Section, stem: &str, plot: Plot) -> Result<(), Failure> {
        section.push(Block::plot(&plot).map_err(anyhow::Error::from)?);
        self.all.push((stem.to_string(), plot));
        Ok(())
    }
}

fn fmt(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e6).contains(&a) {
        format!("{v:.4e}")
    } else if a >= 100.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", 100.0 * v)
}

fn thousands(n: usize) -> String {
    super::thousands(n as u128)
}

/// Runs `clvr report`.
pub fn run(args: ReportArgs) -> Result<(), Failure> {
    let start = Instant::now();
    let file = match &args.model {
        Some(m) => Some(Registry::new(&args.registry).load(m)?),
        None => None,
    };
    // Every experiment file is read and checked before anything is rendered.
    let experiments = args
        .uplift
        .iter()
        .map(|p| uplift::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut plots = Plots { all: Vec::new() };
    let mut report = match &file {
        Some(file) => Report {
            title: format!("clvr report: {}", file.id()),
            subtitle: format!(
                "model trained {} with clvr {}; report by clvr {}",
                file.created_at,
                file.clvr_version,
                clvr::VERSION
            ),
            sections: Vec::new(),
        },
        None => Report {
            title: if experiments.is_empty() {
                "clvr report".into()
            } else {
                "clvr report: experiments".into()
            },
            subtitle: format!("report by clvr {}", clvr::VERSION),
            sections: Vec::new(),
        },
    };
    if let Some(file) = &file {
        report.sections.push(model_section(file));
        report.sections.push(purchase_section(file, &mut plots)?);
        if let Some(s) = spend_section(file) {
            report.sections.push(s);
        }
    }
    if let Some(path) = &args.scores {
        let table = read_customer_table(path, Some("customer_id"))?;
        report
            .sections
            .extend(score_sections(&table, args.top, &mut plots)?);
    }
    if let Some(file) = &file {
        if let Some(s) = churn_section(file, &mut plots)? {
            report.sections.push(s);
        }
    }
    if let Some(path) = &args.evaluation {
        report.sections.push(evaluation_section(path, &mut plots)?);
    }
    for (k, exp) in experiments.iter().enumerate() {
        let stem = if k == 0 {
            "uplift_forest".to_string()
        } else {
            format!("uplift_forest_{}", k + 1)
        };
        report
            .sections
            .push(uplift::section(exp, &stem, &mut plots)?);
    }
    let html = to_html(&report);
    write_atomic(&args.output, |f| {
        use std::io::Write;
        f.write_all(html.as_bytes())
            .map_err(|source| clvr::data::DataError::Io {
                path: args.output.clone(),
                action: "write",
                source,
            })
    })?;
    let mut plot_files = Vec::new();
    if let Some(dir) = &args.plots_dir {
        std::fs::create_dir_all(dir).map_err(|source| clvr::data::DataError::Io {
            path: dir.clone(),
            action: "create",
            source,
        })?;
        for (stem, plot) in &plots.all {
            plot_files.extend(
                write_plot(plot, &dir.join(stem), &[ImageFormat::Png, ImageFormat::Svg])
                    .map_err(anyhow::Error::from)?,
            );
        }
    }
    let run = ReportRun {
        command: "report",
        model: file.as_ref().map(ModelFile::id),
        output: &args.output,
        sections: report.sections.iter().map(|s| s.title.clone()).collect(),
        plots: plots.all.len(),
        plot_files,
        elapsed_seconds: start.elapsed().as_secs_f64(),
    };
    if args.output_opts.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&run).map_err(anyhow::Error::from)?
        );
    }
    if !args.output_opts.quiet {
        for exp in experiments.iter().filter(|e| e.srm_mismatch()) {
            eprintln!(
                "WARNING: SAMPLE RATIO MISMATCH in {}: the report says not to trust its uplift",
                exp.path().display()
            );
        }
        eprintln!(
            "report     {} ({} sections, {} plots) in {:.2}s",
            args.output.display(),
            run.sections.len(),
            run.plots,
            run.elapsed_seconds
        );
    }
    Ok(())
}

fn model_section(file: &ModelFile) -> Section {
    let td = &file.training_data;
    let st = &file.settings;
    let mut s = Section::new("Model");
    let mut facts = vec![
        ("model".to_string(), file.id()),
        ("created".into(), file.created_at.clone()),
        ("purchase model".into(), file.purchase_model.kind.clone()),
        (
            "spend model".into(),
            file.spend_model
                .as_ref()
                .map(|m| m.kind.clone())
                .unwrap_or_else(|| "none (trained without amounts)".into()),
        ),
        ("time unit".into(), st.time_unit.clone()),
        ("one transaction per".into(), st.merge_period.clone()),
        (
            "trained to".into(),
            st.calibration_end.unwrap_or(st.observation_end).to_string(),
        ),
        (
            "customers".into(),
            format!(
                "{} ({} repeat buyers)",
                thousands(td.customers),
                thousands(td.repeat_customers)
            ),
        ),
        (
            "rows".into(),
            format!(
                "{} read, {} accepted, {} rejected",
                thousands(td.rows_read),
                thousands(td.rows_accepted),
                thousands(td.rows_rejected)
            ),
        ),
    ];
    if let (Some(a), Some(b)) = (td.first_date, td.last_date) {
        facts.push(("dates".into(), format!("{a} .. {b}")));
    }
    for f in &td.files {
        facts.push(("input".into(), format!("{} ({})", f.path, f.sha256)));
    }
    s.push(Block::Facts(facts));
    s
}

fn estimates_table(caption: &str, fit: &clvr::models::optimize::FitResult) -> Block {
    Block::Table {
        caption: caption.to_string(),
        header: [
            "parameter",
            "estimate",
            "std. error",
            "95% CI low",
            "95% CI high",
        ]
        .map(String::from)
        .to_vec(),
        rows: fit
            .estimates
            .iter()
            .map(|e| {
                vec![
                    e.name.clone(),
                    fmt(e.value),
                    e.std_error.map(fmt).unwrap_or_else(|| "—".into()),
                    e.ci_low.map(fmt).unwrap_or_else(|| "—".into()),
                    e.ci_high.map(fmt).unwrap_or_else(|| "—".into()),
                ]
            })
            .collect(),
    }
}

fn fit_facts(fit: &clvr::models::optimize::FitResult) -> Block {
    Block::Facts(vec![
        (
            "log-likelihood".into(),
            format!("{:.2}", fit.log_likelihood),
        ),
        (
            "AIC / BIC".into(),
            format!("{:.2} / {:.2}", fit.aic, fit.bic),
        ),
        ("customers".into(), thousands(fit.n_obs as usize)),
        (
            "converged".into(),
            format!(
                "{} ({}; gradient {:.1e}, {} iterations)",
                if fit.converged { "yes" } else { "NO" },
                fit.message,
                fit.gradient_norm,
                fit.iterations
            ),
        ),
    ])
}

fn purchase_section(file: &ModelFile, plots: &mut Plots) -> Result<Section, Failure> {
    let pm = &file.purchase_model;
    let mut s = Section::new("Purchase model");
    s.push(estimates_table(
        &format!(
            "{} estimates ({} time units)",
            pm.kind, file.settings.time_unit
        ),
        &pm.fit,
    ));
    s.push(fit_facts(&pm.fit));
    let model = clvr::train::purchase_model_of(file).map_err(anyhow::Error::msg)?;
    // A grid over frequency × recency for a customer observed as long as the training data
    // run (T in model units).
    let unit = clvr::features::TimeUnit::parse_flag(&file.settings.time_unit)
        .map_err(anyhow::Error::msg)?
        .days();
    let end = file
        .settings
        .calibration_end
        .unwrap_or(file.settings.observation_end);
    let t = match file.training_data.first_date {
        Some(first) => ((end - first).num_days() as f64 / unit).max(1.0),
        None => 52.0,
    };
    let horizon = clvr::score::parse_duration(
        &file.scoring.horizon,
        clvr::features::TimeUnit::parse_flag(&file.settings.time_unit)
            .map_err(anyhow::Error::msg)?,
    )
    .map_err(anyhow::Error::msg)?;
    let xs: Vec<f64> = (0..=20).map(f64::from).collect();
    let recency: Vec<f64> = (0..=24).map(|k| t * f64::from(k) / 24.0).collect();
    // z[recency][frequency]: frequency across, recency up (as the common Python library
    // draws it).
    let grid = |f: &dyn Fn(f64, f64) -> f64| -> Vec<Vec<f64>> {
        recency
            .iter()
            .map(|&tx| {
                xs.iter()
                    .map(|&x| if x == 0.0 { f(0.0, 0.0) } else { f(x, tx) })
                    .collect()
            })
            .collect()
    };
    let p_alive = grid(&|x, tx| model.p_alive(x, tx, t));
    let expected = grid(&|x, tx| model.conditional_expected_purchases(horizon, x, tx, t));
    let unit_name = &file.settings.time_unit;
    plots.add(
        &mut s,
        "p_alive_grid",
        Plot::Heatmap {
            title: format!("P(alive) by frequency and recency (T = {t:.1} {unit_name}s)"),
            x_label: "frequency (repeat purchases)".into(),
            y_label: format!("recency: last purchase, {unit_name}s after the first"),
            x: xs.clone(),
            y: recency.clone(),
            z: p_alive,
            z_label: "P(alive)".into(),
        },
    )?;
    plots.add(
        &mut s,
        "expected_purchases_grid",
        Plot::Heatmap {
            title: format!(
                "Expected purchases in the next {} by frequency and recency",
                file.scoring.horizon
            ),
            x_label: "frequency (repeat purchases)".into(),
            y_label: format!("recency: last purchase, {unit_name}s after the first"),
            x: xs,
            y: recency,
            z: expected,
            z_label: "expected purchases".into(),
        },
    )?;
    s.push(Block::Text(
        "Read the grids up a column: for a given number of repeat purchases, a customer whose \
         last purchase was long ago (bottom) is less likely to be alive, and expected to buy \
         less, than one who bought recently (top)."
            .into(),
    ));
    Ok(s)
}

fn spend_section(file: &ModelFile) -> Option<Section> {
    let sm = file.spend_model.as_ref()?;
    let mut s = Section::new("Spend model");
    s.push(estimates_table("Gamma-Gamma estimates", &sm.fit));
    s.push(fit_facts(&sm.fit));
    let mut notes = Vec::new();
    if let Some(r) = sm.notes.get("frequency_spend_correlation") {
        notes.push((
            "frequency–spend correlation (repeat buyers)".to_string(),
            format!(
                "{r:.3}{}",
                if r.abs() > 0.3 {
                    " — above 0.3: the model assumes independence"
                } else {
                    ""
                }
            ),
        ));
    }
    if let Some(m) = sm.notes.get("population_mean_spend") {
        notes.push(("population mean spend".into(), format!("{m:.2}")));
    }
    if !notes.is_empty() {
        s.push(Block::Facts(notes));
    }
    Some(s)
}

/// A numeric column of the scores table, if present (the table's own accessor, optional).
fn numeric<'a>(t: &'a CustomerTable, name: &str) -> Option<&'a [Option<f64>]> {
    t.numeric(name).ok()
}

fn text<'a>(t: &'a CustomerTable, name: &str) -> Option<&'a [Option<String>]> {
    t.columns.iter().find_map(|(n, c)| match c {
        CustomerColumn::Text(v) if n == name => Some(v.as_slice()),
        _ => None,
    })
}

/// Lorenz points of non-negative values, at most 201.
fn lorenz(values: &[f64]) -> Option<Vec<(f64, f64)>> {
    clvr::score::segments::lorenz(values).ok()
}

fn score_sections(
    t: &CustomerTable,
    top: usize,
    plots: &mut Plots,
) -> Result<Vec<Section>, Failure> {
    let need = |name: &str| -> Result<Vec<f64>, Failure> {
        let v = t.numeric(name).map_err(|e| {
            anyhow::Error::from(e).context("--scores: pass a scores file written by `clvr predict`")
        })?;
        Ok(v.iter().map(|x| x.unwrap_or(f64::NAN)).collect())
    };
    let n = t.ids.len();
    let mut out = Vec::new();
    let mut s = Section::new("Predicted value");
    let p_alive = need("p_alive")?;
    let mut facts = vec![("customers scored".to_string(), thousands(n))];
    facts.push((
        "mean P(alive)".into(),
        format!("{:.3}", p_alive.iter().sum::<f64>() / n.max(1) as f64),
    ));
    let clv = numeric(t, "clv").map(|v| v.iter().map(|x| x.unwrap_or(0.0)).collect::<Vec<_>>());
    if let Some(clv) = &clv {
        let c = clvr::score::segments::Concentration::of(clv).ok();
        facts.push((
            "total CLV".into(),
            format!("{:.2}", clv.iter().sum::<f64>()),
        ));
        facts.push((
            "mean CLV".into(),
            format!("{:.2}", clv.iter().sum::<f64>() / n.max(1) as f64),
        ));
        if let Some(c) = c {
            facts.push(("CLV held by the top 20%".into(), pct(c.top_20_share)));
            facts.push(("Gini of CLV".into(), format!("{:.3}", c.gini)));
        }
    }
    s.push(Block::Facts(facts));
    if let Some(clv) = &clv {
        plots.add(
            &mut s,
            "clv_distribution",
            Plot::Histogram {
                title: "Distribution of predicted CLV (up to the 99th percentile)".into(),
                x_label: "predicted CLV (currency units)".into(),
                values: clv.clone(),
                bins: 40,
                clip_quantile: Some(0.99),
                log_counts: false,
            },
        )?;
        let mut series = Vec::new();
        if let Some(l) = lorenz(clv) {
            series.push(Series::new("predicted CLV", l));
        }
        if let Some(h) = numeric(t, "historical_value") {
            let h: Vec<f64> = h.iter().map(|x| x.unwrap_or(0.0).max(0.0)).collect();
            if let Some(l) = lorenz(&h) {
                series.push(Series::new("past spend", l).with_style(LineStyle::Dashed));
            }
        }
        if !series.is_empty() {
            plots.add(
                &mut s,
                "lorenz",
                Plot::Lines {
                    title: "Value concentration (Lorenz curve)".into(),
                    x_label: "share of customers, lowest value first".into(),
                    y_label: "share of value".into(),
                    series,
                    vlines: vec![(0.8, "top 20% to the right".into())],
                    diagonal: true,
                },
            )?;
        }
    }
    out.push(s);

    // Segments and lifecycle stages.
    if let (Some(seg), Some(stage)) = (text(t, "segment"), text(t, "lifecycle_stage")) {
        let mut s = Section::new("Segments and lifecycle");
        let groups = |labels: &[Option<String>]| -> Vec<(String, usize, f64)> {
            let mut order: Vec<String> = Vec::new();
            let mut acc: std::collections::HashMap<String, (usize, f64)> = Default::default();
            for (i, l) in labels.iter().enumerate() {
                let l = l.clone().unwrap_or_default();
                let e = acc.entry(l.clone()).or_insert_with(|| {
                    order.push(l.clone());
                    (0, 0.0)
                });
                e.0 += 1;
                e.1 += clv.as_ref().map_or(0.0, |c| c[i]);
            }
            order
                .into_iter()
                .map(|l| {
                    let (c, v) = acc[&l];
                    (l, c, v)
                })
                .collect()
        };
        let total_clv: f64 = clv.as_ref().map_or(0.0, |c| c.iter().sum());
        let table = |caption: &str, g: &[(String, usize, f64)]| Block::Table {
            caption: caption.into(),
            header: [
                "group",
                "customers",
                "share",
                "total CLV",
                "mean CLV",
                "CLV share",
            ]
            .map(String::from)
            .to_vec(),
            rows: g
                .iter()
                .map(|(l, c, v)| {
                    vec![
                        l.clone(),
                        thousands(*c),
                        pct(*c as f64 / n.max(1) as f64),
                        format!("{v:.2}"),
                        format!("{:.2}", v / (*c).max(1) as f64),
                        if total_clv > 0.0 {
                            pct(v / total_clv)
                        } else {
                            "—".into()
                        },
                    ]
                })
                .collect(),
        };
        let mut segs = groups(seg);
        segs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        plots.add(
            &mut s,
            "segments",
            Plot::Bars {
                title: "Segments: share of customers and of predicted CLV".into(),
                x_label: "RFM segment".into(),
                y_label: "share (%)".into(),
                categories: segs.iter().map(|g| g.0.clone()).collect(),
                series: {
                    let mut v = vec![(
                        "customers".to_string(),
                        segs.iter()
                            .map(|g| 100.0 * g.1 as f64 / n.max(1) as f64)
                            .collect(),
                    )];
                    if total_clv > 0.0 {
                        v.push((
                            "predicted CLV".to_string(),
                            segs.iter().map(|g| 100.0 * g.2 / total_clv).collect(),
                        ));
                    }
                    v
                },
            },
        )?;
        s.push(table("RFM segments", &segs));
        let mut stages = groups(stage);
        let rank = |l: &str| {
            ["new", "active", "at_risk", "churned"]
                .iter()
                .position(|s| *s == l)
        };
        stages.sort_by_key(|g| rank(&g.0));
        s.push(table("Lifecycle stages", &stages));
        out.push(s);
    }

    // Top customers.
    let ids = &t.ids;
    let mut s = Section::new("Top customers");
    let cols: Vec<(&str, Option<&[Option<f64>]>)> = [
        "frequency",
        "p_alive",
        "expected_purchases",
        "clv",
        "churn_probability",
    ]
    .iter()
    .map(|c| (*c, numeric(t, c)))
    .collect();
    let segment = text(t, "segment");
    let top_table = |caption: &str, key: &[f64]| -> Block {
        let mut order: Vec<usize> = (0..n).filter(|&i| key[i].is_finite()).collect();
        order.sort_by(|&a, &b| key[b].total_cmp(&key[a]).then(ids[a].cmp(&ids[b])));
        let mut header = vec!["customer".to_string()];
        header.extend(
            cols.iter()
                .filter(|c| c.1.is_some())
                .map(|c| c.0.to_string()),
        );
        if segment.is_some() {
            header.push("segment".into());
        }
        Block::Table {
            caption: caption.into(),
            header,
            rows: order
                .into_iter()
                .take(top)
                .map(|i| {
                    let mut r = vec![ids[i].clone()];
                    for (_, c) in cols.iter().filter(|c| c.1.is_some()) {
                        r.push(c.unwrap()[i].map(fmt).unwrap_or_else(|| "—".into()));
                    }
                    if let Some(sg) = segment {
                        r.push(sg[i].clone().unwrap_or_default());
                    }
                    r
                })
                .collect(),
        }
    };
    if let Some(clv) = &clv {
        s.push(top_table(&format!("Top {top} by predicted CLV"), clv));
    }
    if let Some(ch) = numeric(t, "churn_probability") {
        let key: Vec<f64> = ch.iter().map(|x| x.unwrap_or(f64::NAN)).collect();
        s.push(top_table(&format!("Top {top} by churn risk"), &key));
    }
    out.push(s);
    Ok(out)
}

fn churn_section(file: &ModelFile, plots: &mut Plots) -> Result<Option<Section>, Failure> {
    let Some(v) = &file.churn_model else {
        return Ok(None);
    };
    let model: clvr::churn::ChurnModel = serde_json::from_value(v.clone()).map_err(|e| {
        anyhow::anyhow!(
            "{}: the churn model cannot be read by this clvr ({e})",
            file.id()
        )
    })?;
    let tr = &model.training;
    let mut s = Section::new("Churn model");
    let mut facts = vec![
        (
            "classifier".to_string(),
            match &model.classifier {
                clvr::churn::Classifier::Logistic(_) => "logistic regression".to_string(),
                clvr::churn::Classifier::Forest(_) => "random forest".to_string(),
            },
        ),
        (
            "training".into(),
            format!(
                "{} rows, {} churners; cutoffs {}",
                thousands(tr.train_rows),
                thousands(tr.train_positive),
                tr.cutoffs
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    ];
    if let Some(c) = tr.validation_cutoff {
        facts.push((
            "validation".into(),
            format!(
                "{} rows at cutoff {c} (out of time)",
                thousands(tr.validation_rows)
            ),
        ));
    }
    s.push(Block::Facts(facts));
    let mut reports = vec![("training", &tr.train_metrics)];
    if let Some(v) = &tr.validation_metrics {
        reports.push(("validation", v));
    }
    s.push(Block::Table {
        caption: "Classification metrics".into(),
        header: [
            "rows",
            "n",
            "churn rate",
            "ROC AUC",
            "PR AUC",
            "log loss",
            "Brier",
            "lift@10%",
            "capture@20%",
        ]
        .map(String::from)
        .to_vec(),
        rows: reports
            .iter()
            .map(|(name, r)| {
                let top = |f: f64| r.top.iter().find(|t| (t.fraction - f).abs() < 1e-9);
                vec![
                    name.to_string(),
                    thousands(r.n),
                    pct(r.base_rate),
                    format!("{:.4}", r.roc_auc),
                    format!("{:.4}", r.average_precision),
                    format!("{:.4}", r.log_loss),
                    format!("{:.4}", r.brier),
                    top(0.1).map_or("—".into(), |t| format!("{:.2}", t.lift)),
                    top(0.2).map_or("—".into(), |t| pct(t.capture)),
                ]
            })
            .collect(),
    });
    let (label, r) = *reports.last().unwrap();
    if !r.roc_curve.is_empty() {
        plots.add(
            &mut s,
            "churn_roc",
            Plot::Lines {
                title: format!("Churn ROC curve ({label} rows, AUC {:.3})", r.roc_auc),
                x_label: "false positive rate".into(),
                y_label: "true positive rate".into(),
                series: vec![Series::new("classifier", r.roc_curve.clone())],
                vlines: Vec::new(),
                diagonal: true,
            },
        )?;
    }
    let cal: Vec<(f64, f64)> = r
        .calibration
        .bins
        .iter()
        .filter(|b| b.n > 0)
        .map(|b| (b.mean_predicted, b.observed_rate))
        .collect();
    if !cal.is_empty() {
        plots.add(
            &mut s,
            "churn_calibration",
            Plot::Lines {
                title: format!("Churn calibration by decile ({label} rows)"),
                x_label: "mean predicted P(churn)".into(),
                y_label: "observed churn rate".into(),
                series: vec![Series::new("deciles", cal).with_style(LineStyle::Markers)],
                vlines: Vec::new(),
                diagonal: true,
            },
        )?;
    }
    if !r.gains_curve.is_empty() {
        let lift: Vec<(f64, f64)> = r
            .gains_curve
            .iter()
            .filter(|(f, _)| *f > 0.0)
            .map(|(f, c)| (*f, c / f))
            .collect();
        plots.add(
            &mut s,
            "churn_gains",
            Plot::Lines {
                title: format!("Cumulative gains ({label} rows)"),
                x_label: "share of customers targeted, highest risk first".into(),
                y_label: "share of churners reached".into(),
                series: vec![Series::new("classifier", r.gains_curve.clone())],
                vlines: Vec::new(),
                diagonal: true,
            },
        )?;
        plots.add(
            &mut s,
            "churn_lift",
            Plot::Lines {
                title: format!("Lift ({label} rows)"),
                x_label: "share of customers targeted, highest risk first".into(),
                y_label: "lift (churn rate in target / overall)".into(),
                series: vec![Series::new("classifier", lift)],
                vlines: Vec::new(),
                diagonal: false,
            },
        )?;
    }
    if let clvr::churn::Classifier::Logistic(m) = &model.classifier {
        let mut rows = m.coefficient_table();
        rows.sort_by(|a, b| b.coefficient.abs().total_cmp(&a.coefficient.abs()));
        s.push(Block::Table {
            caption: "Largest standardised coefficients (log-odds of churn per SD)".into(),
            header: ["feature", "meaning", "coefficient", "odds ratio per SD"]
                .map(String::from)
                .to_vec(),
            rows: rows
                .iter()
                .take(15)
                .map(|c| {
                    vec![
                        c.feature.clone(),
                        clvr::churn::describe_feature(&c.feature),
                        format!("{:+.4}", c.coefficient),
                        format!("{:.3}", c.odds_ratio_per_sd),
                    ]
                })
                .collect(),
        });
    }
    Ok(Some(s))
}

fn evaluation_section(path: &std::path::Path, plots: &mut Plots) -> Result<Section, Failure> {
    let bad = |m: String| -> Failure {
        anyhow::Error::from(clvr::data::DataError::Invalid(format!(
            "{}: {m}\n  fix: pass the file written by `clvr evaluate --output FILE.json`",
            path.display()
        )))
        .into()
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let ev: clvr::evaluate::holdout::HoldoutReport =
        serde_json::from_str(&text).map_err(|e| bad(format!("not an evaluation report ({e})")))?;
    let mut s = Section::new("Holdout evaluation");
    s.push(Block::Facts(vec![
        ("mode".into(), ev.mode.clone()),
        (
            "calibration / holdout".into(),
            format!(
                "to {}, then to {} ({:.2} {}s)",
                ev.calibration_end, ev.observation_end, ev.holdout_duration, ev.time_unit
            ),
        ),
        ("customers".into(), thousands(ev.customers)),
        (
            "holdout repeat transactions".into(),
            format!("{:.0}", ev.holdout_repeat_transactions),
        ),
    ]));
    s.push(Block::Table {
        caption: "Purchase models on the holdout".into(),
        header: [
            "model",
            "predicted",
            "actual",
            "error",
            "MAE",
            "RMSE",
            "Spearman (value)",
            "spend captured by top 10%",
            "top 20%",
            "AIC",
        ]
        .map(String::from)
        .to_vec(),
        rows: ev
            .models
            .iter()
            .map(|m| {
                let p = &m.purchases;
                let cap = |f: f64| -> String {
                    m.value
                        .as_ref()
                        .and_then(|v| v.capture.iter().find(|c| (c.fraction - f).abs() < 1e-9))
                        .and_then(|c| c.share)
                        .map_or("—".into(), pct)
                };
                vec![
                    m.model.clone(),
                    format!("{:.1}", p.predicted_total),
                    format!("{:.0}", p.actual_total),
                    p.total_error_relative.map_or("—".into(), pct),
                    format!("{:.4}", p.mae),
                    format!("{:.4}", p.rmse),
                    m.value
                        .as_ref()
                        .and_then(|v| v.spearman)
                        .map_or("—".into(), |r| format!("{r:.3}")),
                    cap(0.1),
                    cap(0.2),
                    format!("{:.2}", m.fit.aic),
                ]
            })
            .collect(),
    });
    if let Some(r) = &ev.recommendation {
        s.push(Block::Text(format!(
            "Recommendation: {} (by holdout error; by AIC: {}). {}",
            r.by_holdout, r.by_aic, r.reason
        )));
    }
    if let Some(first) = ev.models.first() {
        let bins = &first.purchases.by_frequency;
        let mut series = vec![(
            "actual".to_string(),
            bins.iter().map(|b| b.actual_mean.unwrap_or(0.0)).collect(),
        )];
        for m in &ev.models {
            series.push((
                m.model.clone(),
                m.purchases
                    .by_frequency
                    .iter()
                    .map(|b| b.predicted_mean.unwrap_or(0.0))
                    .collect(),
            ));
        }
        plots.add(
            &mut s,
            "holdout_by_frequency",
            Plot::Bars {
                title: "Holdout purchases by calibration frequency: actual vs predicted".into(),
                x_label: "repeat purchases in the calibration period".into(),
                y_label: "mean repeat purchases in the holdout".into(),
                categories: bins.iter().map(|b| b.label.clone()).collect(),
                series,
            },
        )?;
        let cal_end = first
            .tracking
            .iter()
            .filter(|t| !t.holdout)
            .map(|t| t.time)
            .fold(f64::NAN, f64::max);
        let vlines = if cal_end.is_finite() {
            vec![(cal_end, "end of calibration".to_string())]
        } else {
            Vec::new()
        };
        let tracking = |cumulative: bool| -> Vec<Series> {
            let pick = |t: &clvr::evaluate::holdout::TrackingPeriod, actual: bool| match (
                cumulative, actual,
            ) {
                (true, true) => t.actual_cumulative,
                (true, false) => t.expected_cumulative,
                (false, true) => t.actual,
                (false, false) => t.expected,
            };
            let mut v = vec![Series::new(
                "actual",
                first
                    .tracking
                    .iter()
                    .map(|t| (t.time, pick(t, true)))
                    .collect(),
            )];
            for m in &ev.models {
                v.push(
                    Series::new(
                        m.model.clone(),
                        m.tracking
                            .iter()
                            .map(|t| (t.time, pick(t, false)))
                            .collect(),
                    )
                    .with_style(LineStyle::Dashed),
                );
            }
            v
        };
        for (stem, cumulative, what) in [
            ("tracking_cumulative", true, "Cumulative"),
            ("tracking_incremental", false, "Per-period"),
        ] {
            plots.add(
                &mut s,
                stem,
                Plot::Lines {
                    title: format!("{what} repeat transactions: actual vs expected"),
                    x_label: format!("{}s since the start of the data", ev.time_unit),
                    y_label: "repeat transactions".into(),
                    series: tracking(cumulative),
                    vlines: vlines.clone(),
                    diagonal: false,
                },
            )?;
        }
        if let Some(v) = &first.value {
            s.push(Block::Table {
                caption: format!("Value deciles ({}): {}", first.model, v.definition),
                header: [
                    "decile",
                    "customers",
                    "mean predicted",
                    "mean actual",
                    "share of actual",
                ]
                .map(String::from)
                .to_vec(),
                rows: v
                    .deciles
                    .iter()
                    .map(|d| {
                        vec![
                            d.decile.to_string(),
                            thousands(d.customers),
                            d.predicted_mean.map_or("—".into(), |x| format!("{x:.2}")),
                            d.actual_mean.map_or("—".into(), |x| format!("{x:.2}")),
                            d.actual_share.map_or("—".into(), pct),
                        ]
                    })
                    .collect(),
            });
        }
    }
    if let Some(c) = &ev.churn {
        let m = &c.metrics;
        s.push(Block::Text(format!(
            "Churn classifier ({}) on the holdout: cutoff {}, label window to {} ({} days, {}): \
             ROC AUC {:.4}, PR AUC {:.4}, log loss {:.4}, Brier {:.4}, {} customers, churn rate {}.",
            c.classifier,
            c.cutoff,
            c.label_window_end,
            c.horizon_days,
            c.label,
            m.roc_auc,
            m.average_precision,
            m.log_loss,
            m.brier,
            thousands(m.n),
            pct(m.base_rate)
        )));
        if !m.roc_curve.is_empty() {
            plots.add(
                &mut s,
                "holdout_churn_roc",
                Plot::Lines {
                    title: format!("Churn ROC on the holdout (AUC {:.3})", m.roc_auc),
                    x_label: "false positive rate".into(),
                    y_label: "true positive rate".into(),
                    series: vec![Series::new("classifier", m.roc_curve.clone())],
                    vlines: Vec::new(),
                    diagonal: true,
                },
            )?;
        }
    }
    for n in &ev.notes {
        s.push(Block::Text(n.clone()));
    }
    Ok(s)
}
