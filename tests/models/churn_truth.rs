//! Ground truth for the churn classifier: simulated Pareto/NBD customers whose complaint
//! rate raises and whose email open probability lowers the dropout hazard by known amounts
//! (`μ_i = μ0_i · exp(0.5 · z(c_i) − 0.7 · z(o_i))`), trained on through the public API exactly
//! as `clvr churn train` does (transactions + events → `CustomerLog` → `train_from_log`).
//!
//! Two views of the same kind of customers:
//! - non-contractual (churn = no purchase in the next 90 days), CDNOW parameters: the logistic
//!   model must rank churners at least about as well as the true dropout rate μ_i does, and
//!   not better than the whole latent truth allows (a leak check);
//! - contractual (a `cancellation` at death; churn = a cancellation in the next 90 days, the
//!   customers at risk are exactly those alive): the standardised coefficients must have the
//!   signs of the simulated effects, and not have them when the effects are switched off
//!   (same seed, b = 0).
//!
//! Why the signs are checked in the contractual view: in the non-contractual one, complaints
//! and opens stop at death, so they measure "still alive" as much as the trait, and the
//! signs come out the same with the effects switched off (see the notes of the patch). And
//! with CDNOW's dropout heterogeneity (s = 0.61) the survivors of a year or two are
//! selected so strongly that a hazard multiplier M changes their hazard only by
//! `M (β + T) / (β + M T)` ≈ 1.05 (Gamma frailty), so the effect is checked on a
//! Pareto/NBD with CDNOW purchase rates and a less heterogeneous dropout (s = 10, β = 1000
//! weeks: mean 0.01 a week, CV 0.32).

use chrono::{Duration, NaiveDate};
use clvr::churn::{ChurnModel, ChurnOptions, Classifier, ClassifierKind, train_from_log};
use clvr::data::{Events, Transactions, date_of_day, day_of_date};
use clvr::evaluate::classification::roc_auc;
use clvr::features::churn::{ChurnFeatureSpec, CustomerLog, EventFamilies, LabelKind};
use clvr::models::paretonbd::ParetoNbd;
use clvr::models::simulate::{EventSpec, SimEvent, SimModel, SimSpec, Simulated, simulate};

const WEEK_DAYS: f64 = 7.0;
const CUSTOMERS: usize = 30_000;

/// A year of acquisition, three years observed (weeks).
fn spec(s: f64, beta: f64, events: EventSpec, seed: u64) -> SimSpec {
    SimSpec {
        model: SimModel::ParetoNbd(ParetoNbd {
            r: 0.5533,
            alpha: 10.58,
            s,
            beta,
        }),
        spend: None,
        customers: CUSTOMERS,
        cohort_length: 52.0,
        observation_end: 156.0,
        seed,
        events: Some(events),
    }
}

/// A simulation, its log as the engine reads it, and a trained logistic churn model.
struct Run {
    sim: Simulated,
    log: CustomerLog,
    fspec: ChurnFeatureSpec,
    model: ChurnModel,
    /// Day of the first day of the simulation.
    start: i32,
    /// The validation cutoff (day).
    vday: i32,
}

impl Run {
    fn new(spec: &SimSpec, label: LabelKind) -> Run {
        let sim = simulate(spec).unwrap();
        let start = day_of_date(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap());
        // As `clvr simulate` writes the dates.
        let day_of = |t: f64| start + (t * WEEK_DAYS + 1e-9).floor() as i32;
        let ids: Vec<String> = (0..spec.customers).map(|c| format!("C{c:05}")).collect();
        let tx = Transactions::from_columns(
            &sim.tx_customer
                .iter()
                .map(|&c| ids[c as usize].as_str())
                .collect::<Vec<_>>(),
            sim.tx_time.iter().map(|&t| day_of(t)).collect(),
            None,
        )
        .unwrap();
        // The non-contractual view does not see the cancellations.
        let keep: Vec<usize> = (0..sim.ev_kind.len())
            .filter(|&i| {
                label == LabelKind::Contractual || sim.ev_kind[i] != SimEvent::Cancellation
            })
            .collect();
        let ev = Events::from_columns(
            &keep
                .iter()
                .map(|&i| ids[sim.ev_customer[i] as usize].as_str())
                .collect::<Vec<_>>(),
            keep.iter().map(|&i| day_of(sim.ev_time[i])).collect(),
            &keep
                .iter()
                .map(|&i| sim.ev_kind[i].name())
                .collect::<Vec<_>>(),
            vec![None; keep.len()],
        )
        .unwrap();
        let (log, report) = CustomerLog::build(&tx, Some(&ev), &EventFamilies::default()).unwrap();
        assert_eq!(report.used, ev.len());
        // Three cutoffs 90 days apart, the last 90 days before the end of the data, a
        // 90-day horizon; the last cutoff is the out-of-time validation set.
        let end = date_of_day(log.day_range.1);
        let cutoffs: Vec<NaiveDate> = [270, 180, 90]
            .iter()
            .map(|d| end - Duration::days(*d))
            .collect();
        let fspec = ChurnFeatureSpec {
            label,
            ..Default::default()
        };
        let model = train_from_log(
            &log,
            &cutoffs,
            &fspec,
            None,
            ClassifierKind::Logistic,
            &ChurnOptions::default(),
        )
        .unwrap();
        let vday = day_of_date(*cutoffs.last().unwrap());
        Run {
            sim,
            log,
            fspec,
            model,
            start,
            vday,
        }
    }

    fn coef(&self, name: &str) -> f64 {
        let Classifier::Logistic(m) = &self.model.classifier else {
            unreachable!("a logistic model was asked for")
        };
        let i = m
            .feature_names
            .iter()
            .position(|f| f == name)
            .unwrap_or_else(|| panic!("no feature {name} in {:?}", m.feature_names));
        m.coefficients[i]
    }

    fn auc(&self) -> f64 {
        self.model
            .training
            .validation_metrics
            .as_ref()
            .unwrap()
            .roc_auc
    }

    /// ROC AUC of a per-customer truth on the validation rows (the population at the last
    /// cutoff, with the same labels the model was validated on).
    fn oracle_auc(&self, score: impl Fn(usize) -> f64) -> f64 {
        let rows = self.log.population(self.vday, self.fspec.label);
        assert_eq!(rows.len(), self.model.training.validation_rows);
        let labels = self.log.labels(&rows, self.vday, &self.fspec).unwrap();
        let scores: Vec<f64> = rows
            .iter()
            .map(|&r| score(self.log.ids[r as usize][1..].parse().unwrap()))
            .collect();
        roc_auc(&labels, &scores, None).unwrap()
    }

    fn summary(&self, what: &str) -> String {
        let t = &self.model.training;
        format!(
            "{what}: {} transactions, {} events; rows train {} (churners {}), validation {}\n  \
             validation ROC AUC {:.4}; standardised coefficients: complaints_365d {:+.4}, \
             open_rate_180d {:+.4}, open_rate_365d {:+.4}",
            self.sim.tx_time.len(),
            self.sim.ev_time.len(),
            t.train_rows,
            t.train_positive,
            t.validation_rows,
            self.auc(),
            self.coef("complaints_365d"),
            self.coef("open_rate_180d"),
            self.coef("open_rate_365d"),
        )
    }
}

#[test]
fn noncontractual_churn_model_ranks_churners_as_well_as_the_true_dropout_rate() {
    let truth = EventSpec::default();
    assert_eq!((truth.complaint_effect, truth.open_effect), (0.5, -0.7));
    let run = Run::new(&spec(0.6062, 11.67, truth, 2024), LabelKind::NonContractual);
    let sim = &run.sim;
    let auc_mu = run.oracle_auc(|i| sim.dropout[i]);
    // Everything latent: dead before the label window → churned for sure; alive → no
    // purchase in it with probability μ/(λ+μ)(1 − e^{−(λ+μ)h}) + e^{−(λ+μ)h}. No model of
    // the observed history beats this beyond sampling noise.
    let a = f64::from(run.vday - run.start + 1) / WEEK_DAYS;
    let h = f64::from(run.fspec.horizon) / WEEK_DAYS;
    let auc_full = run.oracle_auc(|i| {
        let (l, u) = (sim.lambda[i], sim.dropout[i]);
        if sim.death[i] <= a {
            1.0
        } else {
            let e = (-(l + u) * h).exp();
            u / (l + u) * (1.0 - e) + e
        }
    });
    let auc = run.auc();
    println!(
        "{}\n  oracle AUC(true mu) {auc_mu:.4}; oracle AUC(all latent truth) {auc_full:.4}",
        run.summary("non-contractual, CDNOW Pareto/NBD")
    );
    assert!(
        auc >= auc_mu - 0.02,
        "validation AUC {auc} vs the true-mu oracle {auc_mu}"
    );
    assert!(
        auc <= auc_full + 0.01,
        "validation AUC {auc} above the full-truth oracle {auc_full}: a leak?"
    );
}

#[test]
fn contractual_churn_model_recovers_the_signs_of_the_event_effects() {
    let truth = EventSpec {
        cancellations: true,
        ..EventSpec::default()
    };
    let null = EventSpec {
        complaint_effect: 0.0,
        open_effect: 0.0,
        ..truth
    };
    let with = Run::new(&spec(10.0, 1000.0, truth, 7), LabelKind::Contractual);
    let without = Run::new(&spec(10.0, 1000.0, null, 7), LabelKind::Contractual);
    let sim = &with.sim;
    // μ is the Bayes score here (P(cancel in h | alive) = 1 − e^{−μh}); the events carry
    // only the multiplier μ/μ0 of it, and that noisily.
    let auc_mu = with.oracle_auc(|i| sim.dropout[i]);
    let auc_mult = with.oracle_auc(|i| sim.dropout[i] / sim.base_dropout[i]);
    let (auc, auc_null) = (with.auc(), without.auc());
    println!(
        "{}\n  oracle AUC(true mu) {auc_mu:.4}; oracle AUC(true mu/mu0, what the events \
         carry) {auc_mult:.4}\n{}",
        with.summary("contractual, effects 0.5 / -0.7"),
        without.summary("contractual, effects switched off (same seed)")
    );
    let (c, o) = (with.coef("complaints_365d"), with.coef("open_rate_365d"));
    let (c0, o0) = (
        without.coef("complaints_365d"),
        without.coef("open_rate_365d"),
    );
    assert!(c > 0.05, "complaints raise the hazard: {c}");
    assert!(o < -0.2, "opens lower the hazard: {o}");
    assert!(
        c - c0 > 0.05 && o - o0 < -0.2,
        "the effects move the coefficients: complaints {c0} → {c}, opens {o0} → {o}"
    );
    assert!(
        auc >= auc_mult - 0.05,
        "validation AUC {auc} far below what the events carry {auc_mult}"
    );
    assert!(
        auc > auc_null + 0.05,
        "the events carry the signal: AUC {auc} vs {auc_null} without effects"
    );
    assert!(
        auc <= auc_mu + 0.01,
        "validation AUC {auc} above the true-mu oracle {auc_mu}: a leak?"
    );
}
