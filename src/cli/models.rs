//! `clvr models list|show|diff`: what is in the registry, and what changed between versions.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use clvr::artifact::{ModelFile, Registry};

use super::fit::describe_fit;
use super::{Failure, print_stdout};

/// Arguments of `clvr models`.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub command: ModelsCommand,

    /// Model registry directory.
    #[arg(long, value_name = "DIR", default_value = "models", global = true)]
    pub registry: PathBuf,

    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

/// Registry subcommands.
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Every model and its versions.
    List,
    /// A readable summary of one model file: NAME (latest), NAME@V, or a path.
    Show {
        /// NAME, NAME@V or a file path.
        model: String,
    },
    /// Parameter changes between two model files (e.g. cdnow@1 cdnow@2): what to check before
    /// promoting a new version.
    Diff {
        /// The older model.
        a: String,
        /// The newer model.
        b: String,
    },
}

/// Runs `clvr models …`.
pub fn run(args: ModelsArgs) -> Result<(), Failure> {
    let registry = Registry::new(&args.registry);
    match &args.command {
        ModelsCommand::List => {
            let list = registry.list();
            if args.json {
                return print_stdout(
                    &serde_json::to_string_pretty(&list).map_err(anyhow::Error::from)?,
                );
            }
            if list.is_empty() {
                return print_stdout(&format!("no models in {}", args.registry.display()));
            }
            let mut s = String::new();
            for l in &list {
                let latest = l.versions.last().copied().unwrap_or(0);
                let detail = registry
                    .load(&format!("{}@{latest}", l.name))
                    .map(|f| {
                        format!(
                            "{}{}, {} customers, trained to {}, created {}",
                            f.purchase_model.kind,
                            if f.spend_model.is_some() {
                                " + gamma_gamma"
                            } else {
                                ""
                            },
                            f.training_data.customers,
                            f.settings
                                .calibration_end
                                .unwrap_or(f.settings.observation_end),
                            f.created_at
                        )
                    })
                    .unwrap_or_else(|e| format!("latest version unreadable: {e}"));
                s += &format!(
                    "{:<20} v{} ({} version{})  {detail}\n",
                    l.name,
                    latest,
                    l.versions.len(),
                    if l.versions.len() == 1 { "" } else { "s" }
                );
            }
            print_stdout(s.trim_end())
        }
        ModelsCommand::Show { model } => {
            let f = registry.load(model)?;
            if args.json {
                return print_stdout(
                    &serde_json::to_string_pretty(&f).map_err(anyhow::Error::from)?,
                );
            }
            print_stdout(&show(&f))
        }
        ModelsCommand::Diff { a, b } => {
            let (fa, fb) = (registry.load(a)?, registry.load(b)?);
            let d = diff(&fa, &fb);
            if args.json {
                return print_stdout(
                    &serde_json::to_string_pretty(&d).map_err(anyhow::Error::from)?,
                );
            }
            let mut s = format!("{} -> {}\n", fa.id(), fb.id());
            for c in &d {
                s += &format!(
                    "  {:<28} {:>14} -> {:<14} {}\n",
                    c.what, c.old, c.new, c.note
                );
            }
            print_stdout(s.trim_end())
        }
    }
}

fn show(f: &ModelFile) -> String {
    let td = &f.training_data;
    let mut s = format!(
        "{}  (format {} v{}, clvr {}, created {})\n",
        f.id(),
        f.format,
        f.format_version,
        f.clvr_version,
        f.created_at
    );
    for file in &td.files {
        s += &format!(
            "data       {} ({} bytes, sha256 {}…)\n",
            file.path,
            file.bytes,
            &file.sha256[..12.min(file.sha256.len())]
        );
    }
    s += &format!(
        "           {} rows read, {} accepted, {} rejected; {} customers ({} repeat); {} .. {}\n",
        td.rows_read,
        td.rows_accepted,
        td.rows_rejected,
        td.customers,
        td.repeat_customers,
        td.first_date.map(|d| d.to_string()).unwrap_or_default(),
        td.last_date.map(|d| d.to_string()).unwrap_or_default()
    );
    let st = &f.settings;
    s += &format!(
        "settings   unit {}, merge per {}, {}observation end {}, columns {:?}\n",
        st.time_unit,
        st.merge_period,
        st.calibration_end
            .map(|c| format!("calibration end {c}, "))
            .unwrap_or_default(),
        st.observation_end,
        st.columns
    );
    s += &format!("purchase   {}\n", f.purchase_model.kind);
    s += &describe_fit(&f.purchase_model.fit);
    if let Some(sm) = &f.spend_model {
        s += &format!("spend      {}\n", sm.kind);
        s += &describe_fit(&sm.fit);
        for (k, v) in &sm.notes {
            s += &format!("  {k} {v:.4}\n");
        }
    }
    s += &format!(
        "scoring    horizon {}, step {}, discount {} per step, margin {}\n",
        f.scoring.horizon, f.scoring.step, f.scoring.discount_rate, f.scoring.margin
    );
    s += &format!("checksum   {}", f.checksum);
    s
}

/// One difference between two model files.
#[derive(Debug, serde::Serialize)]
struct Change {
    what: String,
    old: String,
    new: String,
    note: String,
}

fn diff(a: &ModelFile, b: &ModelFile) -> Vec<Change> {
    let mut out = Vec::new();
    let mut push = |what: String, old: String, new: String, note: String| {
        out.push(Change {
            what,
            old,
            new,
            note,
        });
    };
    for (label, ma, mb) in [
        ("purchase", Some(&a.purchase_model), Some(&b.purchase_model)),
        ("spend", a.spend_model.as_ref(), b.spend_model.as_ref()),
    ] {
        match (ma, mb) {
            (Some(x), Some(y)) if x.kind == y.kind => {
                for (ex, ey) in x.fit.estimates.iter().zip(&y.fit.estimates) {
                    let rel = (ey.value - ex.value) / ex.value;
                    // Is the new estimate outside the old one's 95% interval?
                    let outside = match (ex.ci_low, ex.ci_high) {
                        (Some(lo), Some(hi)) => ey.value < lo || ey.value > hi,
                        _ => false,
                    };
                    push(
                        format!("{label} {}", ex.name),
                        format!("{:.6}", ex.value),
                        format!("{:.6}", ey.value),
                        format!(
                            "{:+.2}%{}",
                            100.0 * rel,
                            if outside {
                                "  outside the old 95% CI"
                            } else {
                                ""
                            }
                        ),
                    );
                }
                push(
                    format!("{label} log-likelihood"),
                    format!("{:.2}", x.fit.log_likelihood),
                    format!("{:.2}", y.fit.log_likelihood),
                    "(different data: compare per customer)".into(),
                );
            }
            (x, y) => push(
                format!("{label} model"),
                x.map_or("none".into(), |m| m.kind.clone()),
                y.map_or("none".into(), |m| m.kind.clone()),
                "different model".into(),
            ),
        }
    }
    push(
        "customers".into(),
        a.training_data.customers.to_string(),
        b.training_data.customers.to_string(),
        String::new(),
    );
    push(
        "trained to".into(),
        a.settings
            .calibration_end
            .unwrap_or(a.settings.observation_end)
            .to_string(),
        b.settings
            .calibration_end
            .unwrap_or(b.settings.observation_end)
            .to_string(),
        String::new(),
    );
    if a.settings.time_unit != b.settings.time_unit {
        push(
            "time unit".into(),
            a.settings.time_unit.clone(),
            b.settings.time_unit.clone(),
            "rate parameters are not comparable across units".into(),
        );
    }
    out
}
