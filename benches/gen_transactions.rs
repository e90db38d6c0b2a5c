//! Benchmark-data generator: a BG/NBD population with CDNOW-like parameters.
//!
//! Each customer's first purchase falls uniformly in a 12-week cohort window; purchase
//! rate λ ~ Gamma(r = 0.2426, rate α = 4.414 per week), dropout probability after each
//! repeat purchase p ~ Beta(a = 0.7929, b = 2.426) (Fader, Hardie & Lee 2005, CDNOW
//! estimates); spend per transaction ~ Gamma(6.25, 1/ν) with ν ~ Gamma(3.74, 15.4)
//! (Gamma-Gamma, CDNOW). Observed for 78 weeks, so ~2.86 transactions per customer.
//!
//! Usage: `cargo run --release --example gen_transactions -- CUSTOMERS OUT.csv [OUT.parquet] [SEED]`
//! (the full simulator with a truth file is `clvr simulate`, coming with the models).

use std::fs::File;
use std::io::{BufWriter, Write};

use polars::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, Exp, Gamma};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: gen_transactions CUSTOMERS OUT.csv [OUT.parquet] [SEED]");
        std::process::exit(2);
    }
    let n: usize = args[1].parse()?;
    let csv_path = &args[2];
    let parquet_path = args.get(3).filter(|p| !p.is_empty());
    let seed: u64 = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(42);

    let mut rng = StdRng::seed_from_u64(seed);
    let lambda = Gamma::<f64>::new(0.2426, 1.0 / 4.414)?;
    let dropout = Beta::new(0.7929, 2.426)?;
    let nu = Gamma::<f64>::new(3.74, 1.0 / 15.4)?;
    let start_day = 9862; // 1997-01-01
    let horizon_days = 78.0 * 7.0;

    let mut ids: Vec<u32> = Vec::with_capacity(n * 3);
    let mut days: Vec<i32> = Vec::with_capacity(n * 3);
    let mut amounts: Vec<f64> = Vec::with_capacity(n * 3);
    for c in 0..n as u32 {
        let first: u32 = rng.random_range(0..84); // cohort: 12 weeks
        let lam = lambda.sample(&mut rng).max(1e-12) / 7.0; // per day
        let p = dropout.sample(&mut rng);
        let spend = Gamma::<f64>::new(6.25, 1.0 / nu.sample(&mut rng).max(1e-9))?;
        let gap = Exp::new(lam)?;
        let mut t = f64::from(first);
        let mut push = |t: f64, rng: &mut StdRng| {
            ids.push(c);
            days.push(start_day + t as i32);
            amounts.push((spend.sample(rng) * 100.0).round() / 100.0);
        };
        push(t, &mut rng);
        loop {
            t += gap.sample(&mut rng);
            if t >= horizon_days {
                break;
            }
            push(t, &mut rng);
            if rng.random::<f64>() < p {
                break; // dropout after a repeat purchase
            }
        }
    }

    let mut out = BufWriter::new(File::create(csv_path)?);
    writeln!(out, "customer_id,date,amount")?;
    for i in 0..ids.len() {
        let d = clvr::data::date_of_day(days[i]);
        writeln!(out, "C{:08},{},{:.2}", ids[i], d, amounts[i])?;
    }
    out.flush()?;
    eprintln!(
        "wrote {} transactions for {n} customers to {csv_path}",
        ids.len()
    );

    if let Some(pq) = parquet_path {
        let names = StringChunked::from_iter_values(
            "customer_id".into(),
            ids.iter().map(|c| format!("C{c:08}")),
        );
        let mut df = DataFrame::new(
            ids.len(),
            vec![
                names.into_column(),
                Int32Chunked::from_vec("date".into(), days)
                    .into_date()
                    .into_column(),
                Float64Chunked::from_vec("amount".into(), amounts).into_column(),
            ],
        )?;
        clvr::data::write_table(&mut df, std::path::Path::new(pq))?;
        eprintln!("wrote the same to {pq}");
    }
    Ok(())
}
