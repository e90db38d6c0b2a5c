//! Simulation from the continuous-time purchase models, with optional Gamma-Gamma spend:
//! the ground truth for parameter-recovery and coverage tests and the data of benchmarks.
//!
//! Time is continuous and measured in the models' time unit from the start of the cohort
//! window. Each customer's first purchase is uniform in `[0, cohort_length)`; they are
//! observed until `observation_end`. Seeded: the same spec gives the same customers.
//!
//! Optionally ([`EventSpec`], Pareto/NBD only) each customer also has a complaint rate
//! `c_i` and an email open probability `o_i` that shift the dropout hazard by known amounts,
//! `μ_i = μ0_i · exp(b_complaint · z(c_i) + b_open · z(o_i))`, and an events log (complaints,
//! weekly email sends, opens, clicks, logins) is generated from them: the ground truth for
//! churn classifiers. Event draws use their own random stream, so turning events on does not
//! change the purchase draws, and turning them off gives exactly the files of before.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, Exp, Gamma};
use serde::{Deserialize, Serialize};

use super::bgnbd::BgNbd;
use super::mbgnbd::MbgNbd;
use super::paretonbd::ParetoNbd;

/// Gamma-Gamma spend (Fader, Hardie & Lee 2005, JMR; Fader & Hardie 2013): each
/// transaction's value z ~ Gamma(p, rate ν), with ν ~ Gamma(q, rate γ) per customer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpendParams {
    /// Shape of a transaction's value.
    pub p: f64,
    /// Shape of the customer's rate ν.
    pub q: f64,
    /// Rate of the customer's rate ν (currency units).
    pub gamma: f64,
}

/// The purchase process to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum SimModel {
    /// BG/NBD.
    BgNbd(BgNbd),
    /// MBG/NBD.
    MbgNbd(MbgNbd),
    /// Pareto/NBD.
    ParetoNbd(ParetoNbd),
}

/// An event process whose rates shift each customer's dropout hazard by known amounts
/// (Pareto/NBD: exponential lifetimes). Rates and intervals are in the simulation's time
/// unit; the defaults assume weeks.
///
/// Per customer: a complaint rate `c_i ~ Gamma(complaint_shape, mean complaint_mean)` and
/// an open probability `o_i ~ Beta(open_a, open_b)`; with `z(·)` the value standardised by
/// the population mean and standard deviation of its distribution,
///
/// ```text
///     μ_i = μ0_i · exp(complaint_effect · z(c_i) + open_effect · z(o_i)),
/// ```
///
/// `μ0_i ~ Gamma(s, β)` the Pareto/NBD dropout rate. The multiplier is not renormalised, so
/// the population's mean hazard is `E[μ0] · E[exp(…)]` (≥ `E[μ0]`).
///
/// Events from the first purchase on:
/// - `complaint`: Poisson with rate `c_i` while alive;
/// - `email_sent`: one every `send_interval` on a common schedule (`k · send_interval`),
///   to every acquired customer until the observation end, alive or not (marketing does not
///   know who has left);
/// - `email_open`: at the send, with probability `o_i` while alive and
///   `open_after_death` after;
/// - `email_click`: with probability `click_given_open` given an open;
/// - `login`: Poisson with rate `logins_per_purchase · λ_i` while alive (none when 0);
/// - `cancellation`: at death, when `cancellations` is set (the contractual view of the same
///   customers: the churn label is then the cancellation, and the customers at risk at a
///   cutoff are exactly those alive).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventSpec {
    /// Gamma shape of the complaint rate `c_i`.
    pub complaint_shape: f64,
    /// Population mean of `c_i` (complaints per time unit).
    pub complaint_mean: f64,
    /// Beta `a` of the open probability `o_i`.
    pub open_a: f64,
    /// Beta `b` of the open probability `o_i`.
    pub open_b: f64,
    /// Probability that an email sent after death is opened (forwarding, bots, a shared
    /// inbox).
    pub open_after_death: f64,
    /// Probability of a click given an open.
    pub click_given_open: f64,
    /// Login rate as a multiple of the purchase rate λ_i; 0: no logins.
    pub logins_per_purchase: f64,
    /// Time between email sends (1 = weekly when the time unit is a week).
    pub send_interval: f64,
    /// Write a `cancellation` event at death (within the observation period).
    pub cancellations: bool,
    /// `b_complaint`: change in log dropout hazard per standard deviation of `c_i`.
    pub complaint_effect: f64,
    /// `b_open`: change in log dropout hazard per standard deviation of `o_i`.
    pub open_effect: f64,
}

impl Default for EventSpec {
    fn default() -> Self {
        EventSpec {
            complaint_shape: 2.0,
            complaint_mean: 0.03,
            open_a: 2.0,
            open_b: 4.0,
            open_after_death: 0.02,
            click_given_open: 0.2,
            logins_per_purchase: 0.0,
            send_interval: 1.0,
            cancellations: false,
            complaint_effect: 0.5,
            open_effect: -0.7,
        }
    }
}

impl EventSpec {
    /// Mean and standard deviation of `c_i` and of `o_i` under their population
    /// distributions (what `z(·)` standardises by).
    pub fn moments(&self) -> ((f64, f64), (f64, f64)) {
        let c = (
            self.complaint_mean,
            self.complaint_mean / self.complaint_shape.sqrt(),
        );
        let (a, b) = (self.open_a, self.open_b);
        let o = (
            a / (a + b),
            (a * b / ((a + b) * (a + b) * (a + b + 1.0))).sqrt(),
        );
        (c, o)
    }

    fn validate(&self) -> Result<(), SimError> {
        let positive = [
            ("complaint_shape", self.complaint_shape),
            ("complaint_mean", self.complaint_mean),
            ("open_a", self.open_a),
            ("open_b", self.open_b),
            ("send_interval", self.send_interval),
        ];
        for (name, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(SimError(format!(
                    "events: {name} must be positive and finite, got {v}"
                )));
            }
        }
        for (name, v) in [
            ("open_after_death", self.open_after_death),
            ("click_given_open", self.click_given_open),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(SimError(format!(
                    "events: {name} is a probability, got {v}"
                )));
            }
        }
        if !(self.logins_per_purchase.is_finite() && self.logins_per_purchase >= 0.0) {
            return Err(SimError(format!(
                "events: logins_per_purchase must be non-negative and finite, got {}",
                self.logins_per_purchase
            )));
        }
        for (name, v) in [
            ("complaint_effect", self.complaint_effect),
            ("open_effect", self.open_effect),
        ] {
            if !v.is_finite() {
                return Err(SimError(format!("events: {name} must be finite, got {v}")));
            }
        }
        Ok(())
    }
}

/// A simulated event's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SimEvent {
    /// A complaint.
    Complaint,
    /// A marketing email sent.
    EmailSent,
    /// The email opened.
    EmailOpen,
    /// A click in the opened email.
    EmailClick,
    /// A login.
    Login,
    /// The relationship ends (contractual view).
    Cancellation,
}

impl SimEvent {
    /// The event type as written to an events log (the churn features' default families).
    pub fn name(self) -> &'static str {
        match self {
            SimEvent::Complaint => "complaint",
            SimEvent::EmailSent => "email_sent",
            SimEvent::EmailOpen => "email_open",
            SimEvent::EmailClick => "email_click",
            SimEvent::Login => "login",
            SimEvent::Cancellation => "cancellation",
        }
    }
}

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimSpec {
    /// The purchase process and its parameters (in the time unit used below).
    pub model: SimModel,
    /// Spend per transaction; `None`: no amounts.
    pub spend: Option<SpendParams>,
    /// Number of customers.
    pub customers: usize,
    /// Length of the acquisition window (first purchases uniform in it), time units.
    pub cohort_length: f64,
    /// End of observation, time units from the start of the cohort window.
    pub observation_end: f64,
    /// Random seed.
    pub seed: u64,
    /// Events that shift the dropout hazard (Pareto/NBD only); `None`: no events.
    #[serde(default)]
    pub events: Option<EventSpec>,
}

/// The simulated customers: latent truth, exact sufficient statistics, and transactions.
#[derive(Debug, Clone, Default)]
pub struct Simulated {
    /// First purchase time per customer.
    pub first_purchase: Vec<f64>,
    /// Purchase rate λ per customer (per time unit).
    pub lambda: Vec<f64>,
    /// Dropout: p (BG/NBD, MBG/NBD) or μ (Pareto/NBD) per customer.
    pub dropout: Vec<f64>,
    /// Time of death (time units from the cohort start), `+inf` if alive at the end.
    pub death: Vec<f64>,
    /// Spend rate ν per customer (NaN-free: 0 when spend is not simulated).
    pub nu: Vec<f64>,
    /// Exact repeat transactions in the observation period.
    pub x: Vec<f64>,
    /// Exact recency (time of last minus first purchase).
    pub t_x: Vec<f64>,
    /// Exact age at the observation end.
    pub t: Vec<f64>,
    /// Transactions: customer index, time from the cohort start, amount (0 without spend).
    pub tx_customer: Vec<u32>,
    /// See `tx_customer`.
    pub tx_time: Vec<f64>,
    /// See `tx_customer`.
    pub tx_amount: Vec<f64>,
    /// With events: the complaint rate `c_i` per customer (empty without events).
    pub complaint_rate: Vec<f64>,
    /// With events: the open probability `o_i` per customer (empty without events).
    pub open_prob: Vec<f64>,
    /// With events: the dropout rate `μ0_i` before the events' effects (`dropout` holds
    /// `μ_i`); empty without events.
    pub base_dropout: Vec<f64>,
    /// Events: customer index, time from the cohort start, type; sorted by time within a
    /// customer, customers in order.
    pub ev_customer: Vec<u32>,
    /// See `ev_customer`.
    pub ev_time: Vec<f64>,
    /// See `ev_customer`.
    pub ev_kind: Vec<SimEvent>,
}

/// Why a simulation spec is invalid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid simulation: {0}")]
pub struct SimError(pub String);

fn gamma_rate(shape: f64, rate: f64) -> Result<Gamma<f64>, SimError> {
    Gamma::new(shape, 1.0 / rate)
        .map_err(|e| SimError(format!("Gamma(shape {shape}, rate {rate}): {e}")))
}

/// Simulates `spec.customers` customers.
pub fn simulate(spec: &SimSpec) -> Result<Simulated, SimError> {
    if !(spec.cohort_length >= 0.0 && spec.observation_end > spec.cohort_length) {
        return Err(SimError(format!(
            "the observation end ({}) must be after the cohort window ({})",
            spec.observation_end, spec.cohort_length
        )));
    }
    if let Some(ev) = &spec.events {
        ev.validate()?;
        if !matches!(spec.model, SimModel::ParetoNbd(_)) {
            return Err(SimError(
                "events shift an exponential dropout hazard: they need the Pareto/NBD model".into(),
            ));
        }
    }
    let mut rng = StdRng::seed_from_u64(spec.seed);
    // Events draw from their own stream, so the purchase draws are the same with or
    // without them.
    let mut ev_rng = StdRng::seed_from_u64(spec.seed ^ EVENT_STREAM);
    let events = spec
        .events
        .map(|e| {
            let ((cm, csd), (om, osd)) = e.moments();
            Ok::<_, SimError>(EventDraws {
                spec: e,
                complaint: gamma_rate(e.complaint_shape, e.complaint_shape / e.complaint_mean)?,
                open: beta(e.open_a, e.open_b)?,
                c_moments: (cm, csd),
                o_moments: (om, osd),
            })
        })
        .transpose()?;
    let spend = spec
        .spend
        .map(|s| Ok::<_, SimError>((gamma_rate(s.q, s.gamma)?, s.p)))
        .transpose()?;
    let mut out = Simulated::default();
    let n = spec.customers;
    for v in [
        &mut out.first_purchase,
        &mut out.lambda,
        &mut out.dropout,
        &mut out.death,
        &mut out.nu,
        &mut out.x,
        &mut out.t_x,
        &mut out.t,
    ] {
        v.reserve(n);
    }
    let (rate_dist, drop_beta, drop_gamma, modified) = match spec.model {
        SimModel::BgNbd(m) => (
            gamma_rate(m.r, m.alpha)?,
            Some(beta(m.a, m.b)?),
            None,
            false,
        ),
        SimModel::MbgNbd(m) => (gamma_rate(m.r, m.alpha)?, Some(beta(m.a, m.b)?), None, true),
        SimModel::ParetoNbd(m) => (
            gamma_rate(m.r, m.alpha)?,
            None,
            Some(gamma_rate(m.s, m.beta)?),
            false,
        ),
    };
    for c in 0..n {
        let first = if spec.cohort_length > 0.0 {
            rng.random::<f64>() * spec.cohort_length
        } else {
            0.0
        };
        let end = spec.observation_end;
        let lambda = rate_dist.sample(&mut rng).max(1e-300);
        let gap = Exp::new(lambda).map_err(|e| SimError(e.to_string()))?;
        let (nu, value) = match &spend {
            Some((nu_dist, p)) => {
                let nu = nu_dist.sample(&mut rng).max(1e-300);
                (nu, Some(gamma_rate(*p, nu)?))
            }
            None => (0.0, None),
        };
        let mut push = |t: f64, rng: &mut StdRng| {
            out.tx_customer.push(c as u32);
            out.tx_time.push(t);
            out.tx_amount.push(
                value
                    .as_ref()
                    .map_or(0.0, |v| (v.sample(rng) * 100.0).round() / 100.0),
            );
        };
        push(first, &mut rng);
        let (mut x, mut last, mut death) = (0.0, first, f64::INFINITY);
        let dropout;
        if let Some(bd) = &drop_beta {
            // BG/NBD: after each repeat purchase, drop out with probability p.
            // MBG/NBD: also right after the first purchase.
            let p = bd.sample(&mut rng);
            dropout = p;
            let mut t = first;
            let mut alive = !(modified && rng.random::<f64>() < p);
            if !alive {
                death = first;
            }
            while alive {
                t += gap.sample(&mut rng);
                if t > end {
                    break;
                }
                push(t, &mut rng);
                x += 1.0;
                last = t;
                if rng.random::<f64>() < p {
                    alive = false;
                    death = t;
                }
            }
        } else if let Some(gd) = &drop_gamma {
            // Pareto/NBD: exponential lifetime with rate μ; Poisson purchases while alive.
            let mu0 = gd.sample(&mut rng).max(1e-300);
            let (mu, traits) = match &events {
                Some(e) => {
                    let rate = e.complaint.sample(&mut ev_rng).max(1e-300);
                    let open = e.open.sample(&mut ev_rng);
                    out.complaint_rate.push(rate);
                    out.open_prob.push(open);
                    out.base_dropout.push(mu0);
                    let mu = (mu0 * e.multiplier(rate, open)).max(1e-300);
                    (mu, Some((rate, open)))
                }
                None => (mu0, None),
            };
            dropout = mu;
            let life = Exp::new(mu)
                .map_err(|e| SimError(e.to_string()))?
                .sample(&mut rng);
            death = if first + life <= end {
                first + life
            } else {
                f64::INFINITY
            };
            let stop = (first + life).min(end);
            let mut t = first + gap.sample(&mut rng);
            while t <= stop {
                push(t, &mut rng);
                x += 1.0;
                last = t;
                t += gap.sample(&mut rng);
            }
            if let (Some(e), Some(traits)) = (&events, traits) {
                let times = (first, first + life, end);
                e.customer_events(c as u32, times, lambda, traits, &mut ev_rng, &mut out)?;
            }
        } else {
            unreachable!("every model has a dropout process");
        }
        out.first_purchase.push(first);
        out.lambda.push(lambda);
        out.dropout.push(dropout);
        out.death.push(death);
        out.nu.push(nu);
        out.x.push(x);
        out.t_x.push(last - first);
        out.t.push(end - first);
    }
    Ok(out)
}

/// XORed into the seed for the events' random stream.
const EVENT_STREAM: u64 = 0x9E37_79B9_7F4A_7C15;

/// The event process's distributions, built once.
struct EventDraws {
    spec: EventSpec,
    complaint: Gamma<f64>,
    open: Beta<f64>,
    c_moments: (f64, f64),
    o_moments: (f64, f64),
}

impl EventDraws {
    /// `exp(b_complaint · z(c) + b_open · z(o))`.
    fn multiplier(&self, c: f64, o: f64) -> f64 {
        let zc = (c - self.c_moments.0) / self.c_moments.1;
        let zo = (o - self.o_moments.0) / self.o_moments.1;
        (self.spec.complaint_effect * zc + self.spec.open_effect * zo).exp()
    }

    /// One customer's events, `times` = (first purchase, death, observation end), sorted
    /// by time (a send before its open and click).
    fn customer_events(
        &self,
        customer: u32,
        times: (f64, f64, f64),
        lambda: f64,
        (rate, open): (f64, f64),
        rng: &mut StdRng,
        out: &mut Simulated,
    ) -> Result<(), SimError> {
        let (first, death, end) = times;
        let alive_until = death.min(end);
        let e = &self.spec;
        let mut evs: Vec<(f64, SimEvent)> = Vec::new();
        let mut poisson = |rate: f64, kind: SimEvent, rng: &mut StdRng| -> Result<(), SimError> {
            if rate <= 0.0 {
                return Ok(());
            }
            let gap = Exp::new(rate).map_err(|e| SimError(e.to_string()))?;
            let mut t = first + gap.sample(rng);
            while t <= alive_until {
                evs.push((t, kind));
                t += gap.sample(rng);
            }
            Ok(())
        };
        poisson(rate, SimEvent::Complaint, rng)?;
        poisson(e.logins_per_purchase * lambda, SimEvent::Login, rng)?;
        let mut k = (first / e.send_interval).ceil();
        loop {
            let t = k * e.send_interval;
            if t > end {
                break;
            }
            evs.push((t, SimEvent::EmailSent));
            let p = if t < death { open } else { e.open_after_death };
            if rng.random::<f64>() < p {
                evs.push((t, SimEvent::EmailOpen));
                if rng.random::<f64>() < e.click_given_open {
                    evs.push((t, SimEvent::EmailClick));
                }
            }
            k += 1.0;
        }
        if e.cancellations && death <= end {
            evs.push((death, SimEvent::Cancellation));
        }
        evs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (t, kind) in evs {
            out.ev_customer.push(customer);
            out.ev_time.push(t);
            out.ev_kind.push(kind);
        }
        Ok(())
    }
}

fn beta(a: f64, b: f64) -> Result<Beta<f64>, SimError> {
    Beta::new(a, b).map_err(|e| SimError(format!("Beta({a}, {b}): {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::PurchaseModel;

    fn spec(model: SimModel, n: usize) -> SimSpec {
        SimSpec {
            model,
            spend: None,
            customers: n,
            cohort_length: 0.0,
            observation_end: 39.0,
            seed: 7,
            events: None,
        }
    }

    #[test]
    fn mean_repeat_purchases_match_the_closed_form() {
        // Everyone acquired at 0 and observed for 39 units: mean x estimates E[X(39)].
        let bg = BgNbd {
            r: 0.2426,
            alpha: 4.414,
            a: 0.7929,
            b: 2.426,
        };
        let mbg = MbgNbd {
            r: 0.5248,
            alpha: 6.183,
            a: 0.8914,
            b: 1.614,
        };
        let pn = ParetoNbd {
            r: 0.5533,
            alpha: 10.58,
            s: 0.6062,
            beta: 11.67,
        };
        let n = 200_000;
        for (model, want) in [
            (SimModel::BgNbd(bg), bg.expected_purchases_new(39.0)),
            (SimModel::MbgNbd(mbg), mbg.expected_purchases_new(39.0)),
            (SimModel::ParetoNbd(pn), pn.expected_purchases_new(39.0)),
        ] {
            let s = simulate(&spec(model, n)).unwrap();
            let mean = s.x.iter().sum::<f64>() / n as f64;
            let var = s.x.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            let se = (var / n as f64).sqrt();
            assert!(
                (mean - want).abs() < 4.0 * se,
                "{model:?}: mean {mean} vs {want} (se {se})"
            );
        }
    }

    #[test]
    fn seeded_and_consistent() {
        let bg = BgNbd {
            r: 0.5,
            alpha: 2.0,
            a: 0.8,
            b: 2.4,
        };
        let mut sp = spec(SimModel::BgNbd(bg), 1000);
        sp.cohort_length = 10.0;
        sp.spend = Some(SpendParams {
            p: 6.25,
            q: 3.74,
            gamma: 15.44,
        });
        let a = simulate(&sp).unwrap();
        let b = simulate(&sp).unwrap();
        assert_eq!(a.tx_time, b.tx_time);
        assert_eq!(a.tx_amount, b.tx_amount);
        assert_eq!(a.tx_time.len() as f64, a.x.iter().sum::<f64>() + 1000.0);
        for i in 0..1000 {
            assert!(a.t_x[i] <= a.t[i] && (a.x[i] > 0.0 || a.t_x[i] == 0.0));
        }
        assert!(a.tx_amount.iter().all(|v| *v >= 0.0));
    }

    fn pareto_events(events: EventSpec, n: usize) -> SimSpec {
        SimSpec {
            model: SimModel::ParetoNbd(ParetoNbd {
                r: 0.5533,
                alpha: 10.58,
                s: 0.6062,
                beta: 11.67,
            }),
            spend: None,
            customers: n,
            cohort_length: 20.0,
            observation_end: 60.0,
            seed: 3,
            events: Some(events),
        }
    }

    #[test]
    fn events_shift_the_hazard_by_exactly_the_stated_amounts() {
        let e = EventSpec {
            logins_per_purchase: 2.0,
            cancellations: true,
            ..EventSpec::default()
        };
        let n = 20_000;
        let a = simulate(&pareto_events(e, n)).unwrap();
        let b = simulate(&pareto_events(e, n)).unwrap();
        assert_eq!(a.ev_time, b.ev_time);
        assert_eq!(a.ev_kind, b.ev_kind);
        assert_eq!(a.dropout, b.dropout);
        let ((cm, csd), (om, osd)) = e.moments();
        let (mut zc, mut zo) = (Vec::new(), Vec::new());
        for i in 0..n {
            let (z1, z2) = (
                (a.complaint_rate[i] - cm) / csd,
                (a.open_prob[i] - om) / osd,
            );
            let want = e.complaint_effect * z1 + e.open_effect * z2;
            assert!(((a.dropout[i] / a.base_dropout[i]).ln() - want).abs() < 1e-9);
            zc.push(z1);
            zo.push(z2);
        }
        // z is standardised under the population distribution.
        for z in [&zc, &zo] {
            let m = z.iter().sum::<f64>() / n as f64;
            let v = z.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64;
            assert!(
                m.abs() < 0.04 && (v - 1.0).abs() < 0.05,
                "mean {m}, var {v}"
            );
        }
        // Per customer: events sorted; complaints, logins and cancellations only while
        // alive (a cancellation exactly at death); one send a week from the first
        // purchase to the end; opens and clicks only with a send.
        let (mut opens_alive, mut sends_alive, mut want_opens) = (0.0, 0.0, 0.0);
        let (mut complaints, mut exposure) = (0.0, 0.0);
        let mut j = 0;
        for c in 0..n {
            let (first, life_end) = (a.first_purchase[c], a.death[c]);
            let start = j;
            while j < a.ev_customer.len() && a.ev_customer[j] == c as u32 {
                j += 1;
            }
            let (t, k) = (&a.ev_time[start..j], &a.ev_kind[start..j]);
            assert!(t.windows(2).all(|w| w[0] <= w[1]));
            let sends: Vec<f64> = t
                .iter()
                .zip(k)
                .filter(|(_, k)| **k == SimEvent::EmailSent)
                .map(|(t, _)| *t)
                .collect();
            let want_sends = (60.0f64.floor() - first.ceil() + 1.0) as usize;
            assert_eq!(sends.len(), want_sends, "customer {c}");
            for (i, kind) in k.iter().enumerate() {
                match kind {
                    SimEvent::Complaint | SimEvent::Login => assert!(t[i] <= life_end),
                    SimEvent::Cancellation => assert_eq!(t[i], a.death[c]),
                    SimEvent::EmailOpen => {
                        assert!(sends.contains(&t[i]));
                        if t[i] < life_end {
                            opens_alive += 1.0;
                        }
                    }
                    SimEvent::EmailClick => assert!(sends.contains(&t[i])),
                    SimEvent::EmailSent => {
                        if t[i] < life_end {
                            sends_alive += 1.0;
                            want_opens += a.open_prob[c];
                        }
                    }
                }
            }
            complaints += k.iter().filter(|k| **k == SimEvent::Complaint).count() as f64;
            exposure += a.complaint_rate[c] * (life_end.min(60.0) - first);
            assert_eq!(
                k.iter().filter(|k| **k == SimEvent::Cancellation).count(),
                usize::from(a.death[c].is_finite())
            );
        }
        assert_eq!(j, a.ev_customer.len());
        assert!(sends_alive > 0.0);
        // Counts match their expectations given the latent rates (Poisson: sd = sqrt).
        assert!((complaints - exposure).abs() < 4.0 * exposure.sqrt());
        assert!((opens_alive - want_opens).abs() < 4.0 * want_opens.sqrt());
    }

    #[test]
    fn events_leave_the_purchases_alone_and_need_an_exponential_lifetime() {
        // With no effects μ = μ0, so the purchases are those of a run without events.
        let e = EventSpec {
            complaint_effect: 0.0,
            open_effect: 0.0,
            ..EventSpec::default()
        };
        let with = simulate(&pareto_events(e, 2000)).unwrap();
        let without = simulate(&SimSpec {
            events: None,
            ..pareto_events(e, 2000)
        })
        .unwrap();
        assert_eq!(with.tx_time, without.tx_time);
        assert_eq!(with.dropout, without.dropout);
        assert!(without.ev_time.is_empty() && without.complaint_rate.is_empty());
        assert!(!with.ev_time.is_empty());
        let bg = SimSpec {
            model: SimModel::BgNbd(BgNbd {
                r: 0.5,
                alpha: 2.0,
                a: 0.8,
                b: 2.4,
            }),
            ..pareto_events(e, 10)
        };
        assert!(simulate(&bg).unwrap_err().0.contains("Pareto/NBD"));
        let bad = EventSpec {
            open_after_death: 1.5,
            ..e
        };
        assert!(simulate(&pareto_events(bad, 10)).is_err());
    }

    /// Monte Carlo of one customer alive now with rates (λ, μ): the exponential lifetime
    /// and the Poisson purchases drawn directly, purchases counted in [offset, offset + len).
    fn window_purchases_mc(lambda: f64, mu: f64, offset: f64, len: f64, rng: &mut StdRng) -> f64 {
        let life = Exp::new(mu).unwrap().sample(rng);
        let gap = Exp::new(lambda).unwrap();
        let stop = life.min(offset + len);
        let (mut t, mut k) = (gap.sample(rng), 0.0);
        while t <= stop {
            if t >= offset {
                k += 1.0;
            }
            t += gap.sample(rng);
        }
        k
    }

    #[test]
    fn window_closed_forms_match_monte_carlo() {
        let mut rng = StdRng::seed_from_u64(11);
        let n = 200_000;
        // (λ, μ, offset, len): weekly rates with a one-day offset and a 90-day window, a
        // slow buyer who rarely leaves, a fast one who leaves fast, and no offset.
        for (lambda, mu, offset, len) in [
            (0.2, 0.2, 1.0 / 7.0, 90.0 / 7.0),
            (0.05, 0.01, 1.0 / 7.0, 90.0 / 7.0),
            (1.5, 0.8, 2.0, 3.0),
            (0.7, 0.3, 0.0, 5.0),
        ] {
            let k: Vec<f64> = (0..n)
                .map(|_| window_purchases_mc(lambda, mu, offset, len, &mut rng))
                .collect();
            let any = k.iter().filter(|&&k| k > 0.0).count() as f64 / n as f64;
            let p = p_purchase_in_window(lambda, mu, offset, len);
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!((any - p).abs() < 4.0 * se, "P(>=1) {any} vs {p} (se {se})");
            let mean = k.iter().sum::<f64>() / n as f64;
            let sd = (k.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
            let want = expected_purchases_in_window(lambda, mu, offset, len);
            let se = sd / (n as f64).sqrt();
            assert!(
                (mean - want).abs() < 4.0 * se,
                "E[N] {mean} vs {want} (se {se})"
            );
        }
        // Without dropout: λ · len purchases.
        assert!((expected_purchases_in_window(0.3, 0.0, 1.0, 10.0) - 3.0).abs() < 1e-12);
        assert!((expected_purchases_in_window(0.3, 1e-300, 1.0, 10.0) - 3.0).abs() < 1e-12);
        // Unchanged rates: the switched forms are the plain ones.
        for (lambda, mu, offset, len) in [(0.2, 0.2, 1.0 / 7.0, 90.0 / 7.0), (1.5, 0.8, 2.0, 3.0)] {
            let p = p_purchase_in_window_switched(mu, offset, lambda, mu, len);
            assert!((p - p_purchase_in_window(lambda, mu, offset, len)).abs() < 1e-12);
            let k = expected_purchases_in_window_switched(mu, offset, lambda, mu, len);
            assert!((k - expected_purchases_in_window(lambda, mu, offset, len)).abs() < 1e-12);
        }
    }

    /// Monte Carlo of one customer alive now who switches rates at `offset`: an exponential
    /// lifetime at μ up to `offset`, then (if alive) a fresh one at μ' and Poisson purchases
    /// at λ' from `offset` on, counted in [offset, offset + len).
    fn switched_window_purchases_mc(
        mu: f64,
        offset: f64,
        lambda_after: f64,
        mu_after: f64,
        len: f64,
        rng: &mut StdRng,
    ) -> f64 {
        if Exp::new(mu).unwrap().sample(rng) <= offset {
            return 0.0;
        }
        let stop = Exp::new(mu_after).unwrap().sample(rng).min(len);
        let gap = Exp::new(lambda_after).unwrap();
        let (mut t, mut k) = (gap.sample(rng), 0.0);
        while t <= stop {
            k += 1.0;
            t += gap.sample(rng);
        }
        k
    }

    #[test]
    fn switched_window_closed_forms_match_monte_carlo() {
        let mut rng = StdRng::seed_from_u64(12);
        let n = 200_000;
        // (μ, offset, λ', μ'): a one-day offset at weekly rates, and a long offset with a
        // large drop in the hazard, where surviving the offset at μ' instead of μ (the
        // treatment starting now rather than at the window start) is far off.
        for (mu, offset, lambda_t, mu_t, len, far) in [
            (0.2, 1.0 / 7.0, 0.3, 0.1, 90.0 / 7.0, false),
            (0.8, 2.0, 1.5, 0.2, 3.0, true),
        ] {
            let k: Vec<f64> = (0..n)
                .map(|_| switched_window_purchases_mc(mu, offset, lambda_t, mu_t, len, &mut rng))
                .collect();
            let any = k.iter().filter(|&&k| k > 0.0).count() as f64 / n as f64;
            let p = p_purchase_in_window_switched(mu, offset, lambda_t, mu_t, len);
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!((any - p).abs() < 4.0 * se, "P(>=1) {any} vs {p} (se {se})");
            let mean = k.iter().sum::<f64>() / n as f64;
            let sd = (k.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
            let want = expected_purchases_in_window_switched(mu, offset, lambda_t, mu_t, len);
            let se_k = sd / (n as f64).sqrt();
            assert!(
                (mean - want).abs() < 4.0 * se_k,
                "E[N] {mean} vs {want} (se {se_k})"
            );
            if far {
                // The Monte Carlo tells the two definitions apart.
                let now = p_purchase_in_window(lambda_t, mu_t, offset, len);
                assert!((any - now).abs() > 20.0 * se, "{any} vs {now}");
                let now = expected_purchases_in_window(lambda_t, mu_t, offset, len);
                assert!((mean - now).abs() > 20.0 * se_k, "{mean} vs {now}");
            }
        }
    }

    fn experiment_population(n: usize) -> SimSpec {
        SimSpec {
            model: SimModel::ParetoNbd(ParetoNbd {
                r: 2.0,
                alpha: 10.0,
                s: 4.0,
                beta: 20.0,
            }),
            spend: Some(SpendParams {
                p: 6.25,
                q: 3.74,
                gamma: 15.44,
            }),
            customers: n,
            cohort_length: 4.0,
            observation_end: 40.0,
            seed: 21,
            events: None,
        }
    }

    /// Each customer's purchase times, in log order.
    fn logs(s: &Simulated, n: usize) -> Vec<Vec<f64>> {
        let mut v = vec![Vec::new(); n];
        for (&c, &t) in s.tx_customer.iter().zip(&s.tx_time) {
            v[c as usize].push(t);
        }
        v
    }

    /// Checks what the experiment did to the log against the untreated draw `before`: the
    /// control, and treated customers dead by the end of their assignment day, untouched;
    /// the other treated customers' purchases up to the end of their assignment day (the
    /// treatment start) kept, lifetime redrawn from it. Returns the treated customers with a
    /// purchase during their assignment day (what the check of the kept purchases rests on)
    /// and those whose log changed.
    fn check_redraws(
        before: &Simulated,
        after: &Simulated,
        e: &Experiment,
        exp: &ExperimentSpec,
    ) -> (usize, usize) {
        let n = before.lambda.len();
        let (old, new) = (logs(before, n), logs(after, n));
        let (mut on_the_day, mut changed) = (0, 0);
        for c in 0..n {
            let (a, start) = (e.assigned_at[c], e.assigned_at[c] + exp.window_offset);
            assert_eq!(new[c].len() as f64, after.x[c] + 1.0, "customer {c}");
            let last = new[c][new[c].len() - 1];
            assert!((after.t_x[c] - (last - after.first_purchase[c])).abs() < 1e-9);
            if e.arm[c] == 0 || before.death[c] <= start {
                assert_eq!(old[c], new[c], "customer {c}");
                assert_eq!(before.death[c], after.death[c], "customer {c}");
                continue;
            }
            let keep = |v: &[f64]| {
                v.iter()
                    .copied()
                    .filter(|&t| t <= start)
                    .collect::<Vec<_>>()
            };
            assert_eq!(keep(&old[c]), keep(&new[c]), "customer {c}");
            assert!(new[c].iter().all(|&t| t <= start || t < after.death[c]));
            assert!(after.death[c] > start, "customer {c}");
            on_the_day += old[c]
                .iter()
                .filter(|&&t| t > a && t <= start)
                .count()
                .min(1);
            changed += usize::from(old[c] != new[c]);
        }
        (on_the_day, changed)
    }

    /// Purchases in each customer's own window [a_i + offset, a_i + offset + window).
    fn window_counts(s: &Simulated, e: &Experiment, exp: &ExperimentSpec) -> Vec<f64> {
        let mut count = vec![0.0; e.arm.len()];
        for (&c, &t) in s.tx_customer.iter().zip(&s.tx_time) {
            let a = e.assigned_at[c as usize] + exp.window_offset;
            if t >= a && t < a + exp.window {
                count[c as usize] += 1.0;
            }
        }
        count
    }

    /// Over one arm's complete windows: (realised, truth, standard error) of the retention
    /// and of the purchases in the window, the truth given per customer by `p` and `k`.
    fn arm_against_truth(
        e: &Experiment,
        count: &[f64],
        arm: usize,
        p: &[f64],
        k: &[f64],
    ) -> [(f64, f64, f64); 2] {
        let idx: Vec<usize> = (0..count.len())
            .filter(|&c| e.arm[c] == arm && e.window_complete[c])
            .collect();
        let m = idx.len() as f64;
        let retained = idx.iter().filter(|&&c| count[c] > 0.0).count() as f64 / m;
        let want_p = idx.iter().map(|&c| p[c]).sum::<f64>() / m;
        // Var of a Bernoulli(p_i) mean given the p_i: Σ p_i (1 − p_i) / m².
        let se_p = idx.iter().map(|&c| p[c] * (1.0 - p[c])).sum::<f64>().sqrt() / m;
        let mean = idx.iter().map(|&c| count[c]).sum::<f64>() / m;
        let want_k = idx.iter().map(|&c| k[c]).sum::<f64>() / m;
        let sd = (idx.iter().map(|&c| (count[c] - mean).powi(2)).sum::<f64>() / m).sqrt();
        [(retained, want_p, se_p), (mean, want_k, sd / m.sqrt())]
    }

    fn assert_matches(arm: usize, got: [(f64, f64, f64); 2]) {
        for ((x, want, se), what) in got.into_iter().zip(["retained", "purchases"]) {
            assert!(
                (x - want).abs() < 4.0 * se,
                "arm {arm}: {what} {x} vs {want} (se {se})"
            );
        }
    }

    #[test]
    fn staggered_experiment_with_both_effects_matches_its_truth_per_arm() {
        let n = 60_000;
        let spec = experiment_population(n);
        let mut sim = simulate(&spec).unwrap();
        let before = sim.clone();
        let exp = ExperimentSpec {
            assign_at: 6.0,
            // Days 42..=210 (weeks 6 to 30): a 90-day window from day 197 on ends after the
            // observation end (day 280).
            assign_span: 24.0,
            assign_step: 1.0 / 7.0,
            split: vec![50.0, 50.0],
            dropout_factor: 0.5,
            purchase_factor: 1.5,
            window: 90.0 / 7.0,
            window_offset: 1.0 / 7.0,
        };
        let e = apply_experiment(&mut sim, &spec, &exp).unwrap();
        // Assignment days: on the grid, uniform over the 169 days of the span.
        let mut per_day = vec![0usize; 169];
        for (c, &a) in e.assigned_at.iter().enumerate() {
            let k = (a - 6.0) * 7.0;
            assert!((k - k.round()).abs() < 1e-9 && k > -0.5 && k < 168.5, "{a}");
            per_day[k.round() as usize] += 1;
            // Alive at one's own assignment, judged on the untreated draw.
            assert_eq!(e.alive_at_assignment[c], before.death[c] > a);
            // Complete: the window's last day is day 279 or earlier.
            assert_eq!(e.window_complete[c], 7.0 * a + 1.0 + 90.0 <= 280.0 + 1e-6);
        }
        let expect = n as f64 / 169.0;
        assert!(
            per_day
                .iter()
                .all(|&m| (m as f64 - expect).abs() < 5.0 * expect.sqrt()),
            "{per_day:?}"
        );
        let complete = e.window_complete.iter().filter(|c| **c).count();
        assert!(complete > n / 2 && complete < n, "{complete}");
        // The control's log is untouched; the treated customers' purchases on their
        // assignment day (the last day of the uplift's pre-period) too.
        let (on_the_day, changed) = check_redraws(&before, &sim, &e, &exp);
        assert!(on_the_day > 50 && changed > 2_000, "{on_the_day} {changed}");
        // Per arm, over the complete windows: the realised retention and purchases in each
        // customer's own window against the closed-form truth of that arm.
        let count = window_counts(&sim, &e, &exp);
        assert_matches(
            0,
            arm_against_truth(&e, &count, 0, &e.p_control, &e.purchases_control),
        );
        assert_matches(
            1,
            arm_against_truth(&e, &count, 1, &e.p_treated, &e.purchases_treated),
        );
        // Both effects raise the truth; the summary averages the complete windows only.
        let t = e.truth().unwrap();
        assert_eq!(t.customers, complete);
        assert!(t.uplift > 0.02 && t.purchase_uplift > 0.1, "{t:?}");
        let all = e
            .p_treated
            .iter()
            .zip(&e.p_control)
            .map(|(a, b)| a - b)
            .sum::<f64>()
            / n as f64;
        assert!((all - t.uplift).abs() > 1e-4, "{all} vs {t:?}");
    }

    #[test]
    fn treatment_starts_at_the_end_of_the_assignment_day() {
        // A long "day" (2 weeks before the window and the treatment start) and a strong
        // effect on the hazard, so that treatment from the assignment on would be far off.
        let n = 40_000;
        let spec = experiment_population(n);
        let mut sim = simulate(&spec).unwrap();
        let before = sim.clone();
        let exp = ExperimentSpec {
            assign_at: 6.0,
            assign_span: 0.0,
            assign_step: 0.0,
            split: vec![50.0, 50.0],
            dropout_factor: 0.25,
            purchase_factor: 1.5,
            window: 4.0,
            window_offset: 2.0,
        };
        let e = apply_experiment(&mut sim, &spec, &exp).unwrap();
        assert!(e.window_complete.iter().all(|c| *c));
        let (on_the_day, changed) = check_redraws(&before, &sim, &e, &exp);
        assert!(
            on_the_day > 1_000 && changed > 2_000,
            "{on_the_day} {changed}"
        );
        let count = window_counts(&sim, &e, &exp);
        assert_matches(
            0,
            arm_against_truth(&e, &count, 0, &e.p_control, &e.purchases_control),
        );
        let got = arm_against_truth(&e, &count, 1, &e.p_treated, &e.purchases_treated);
        assert_matches(1, got);
        // The truth of a treatment from the assignment on (surviving the offset at the
        // treated hazard) against the same log: rejected.
        let (o, w) = (exp.window_offset, exp.window);
        let at = |c: usize| {
            let (l, m) = (before.lambda[c] * 1.5, before.dropout[c] * 0.25);
            let alive = e.alive_at_assignment[c];
            (
                if alive {
                    p_purchase_in_window(l, m, o, w)
                } else {
                    0.0
                },
                if alive {
                    expected_purchases_in_window(l, m, o, w)
                } else {
                    0.0
                },
            )
        };
        let (p_now, k_now): (Vec<f64>, Vec<f64>) = (0..n).map(at).unzip();
        let now = arm_against_truth(&e, &count, 1, &p_now, &k_now);
        for ((x, want, se), (x_now, want_now, _)) in got.into_iter().zip(now) {
            assert_eq!(x, x_now);
            assert!(
                (x - want_now).abs() > 8.0 * se,
                "{x} vs {want_now} (ours {want})"
            );
        }
    }

    #[test]
    fn experiment_specs_are_checked() {
        let spec = experiment_population(100);
        let good = ExperimentSpec {
            assign_at: 6.0,
            assign_span: 0.0,
            assign_step: 1.0 / 7.0,
            split: vec![50.0, 50.0],
            dropout_factor: 0.5,
            purchase_factor: 1.0,
            window: 90.0 / 7.0,
            window_offset: 1.0 / 7.0,
        };
        let sim = simulate(&spec).unwrap();
        assert!(apply_experiment(&mut sim.clone(), &spec, &good).is_ok());
        for (bad, needle) in [
            (
                ExperimentSpec {
                    assign_span: 34.0,
                    ..good.clone()
                },
                "assignment times [6, 40]",
            ),
            (
                ExperimentSpec {
                    assign_span: -1.0,
                    ..good.clone()
                },
                "span",
            ),
            (
                ExperimentSpec {
                    assign_span: 2.0,
                    assign_step: 0.0,
                    ..good.clone()
                },
                "step",
            ),
            (
                ExperimentSpec {
                    purchase_factor: 0.0,
                    ..good.clone()
                },
                "purchase factor",
            ),
        ] {
            let err = apply_experiment(&mut sim.clone(), &spec, &bad).unwrap_err();
            assert!(err.0.contains(needle), "{err}");
        }
        // A window that ends after the observation end for everyone: no truth to average.
        let late = ExperimentSpec {
            assign_at: 35.0,
            ..good
        };
        let e = apply_experiment(&mut sim.clone(), &spec, &late).unwrap();
        assert!(e.truth().is_none());
    }
}

/// A randomised retention experiment on simulated Pareto/NBD customers: each customer is
/// assigned at a time `a_i` (time units from the cohort start, after the cohort window: the
/// start of their assignment day) to an arm with probabilities proportional to `split` (arm 0
/// is the control), and a treated customer still alive at the end of the assignment day,
/// `a_i + window_offset` (where the retention window starts), has their dropout rate
/// multiplied by `dropout_factor` and their purchase rate by `purchase_factor` from then on
/// (0.7 and 1.2: a 30% lower hazard and 20% more purchases while alive). The assignment day
/// itself runs at the control rates for everyone, so the purchases on it (the last day of
/// `clvr uplift`'s pre-period, covariate and segment) are not affected by the treatment.
/// Lifetimes and purchases are memoryless, so the treated customers' remaining lifetime and
/// purchases after `a_i + window_offset` are redrawn at the new rates; the control's are
/// untouched. Assignment and redraws use their own random stream.
///
/// `a_i = assign_at` for everyone when `assign_span` is 0 (then the random stream is the one
/// of a single assignment day, draw for draw); otherwise `a_i = assign_at + k · assign_step`
/// with `k` uniform in `0..=round(assign_span / assign_step)` (staggered assignment on a
/// grid of days).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentSpec {
    /// First assignment time (time units from the cohort start).
    pub assign_at: f64,
    /// Assignment times spread over `[assign_at, assign_at + assign_span]` (0: one time).
    #[serde(default)]
    pub assign_span: f64,
    /// Spacing of the assignment times within the span (one day, in time units); only read
    /// when `assign_span > 0`.
    #[serde(default)]
    pub assign_step: f64,
    /// Arm shares; arm 0 is the control.
    pub split: Vec<f64>,
    /// Multiplier of the treated customers' dropout rate μ from the end of the assignment
    /// day (`a_i + window_offset`) on.
    pub dropout_factor: f64,
    /// Multiplier of the treated customers' purchase rate λ from the end of the assignment
    /// day on (1: none).
    #[serde(default = "unit_factor")]
    pub purchase_factor: f64,
    /// Retention window for the truth: purchases in [a_i + window_offset,
    /// a_i + window_offset + window) count (time units).
    pub window: f64,
    /// Start of the retention window and of the treatment after assignment (one day, in
    /// time units: the outcome window `(assigned_at, assigned_at + window]` in days starts
    /// the day after).
    pub window_offset: f64,
}

fn unit_factor() -> f64 {
    1.0
}

/// The realised experiment and its truth, per customer.
///
/// The truth is conditional on each customer's latent rates (λ, μ) and on whether they were
/// alive at their assignment time: `p_*` and `purchases_*` are what the customer's window
/// would hold in expectation without and with treatment, whatever arm they were drawn into.
/// Both go through the assignment day at the control rates (alive at the window start with
/// probability `e^{−μ·window_offset}`); with treatment the window then runs at the treated
/// rates.
#[derive(Debug, Clone, Default)]
pub struct Experiment {
    /// Arm per customer.
    pub arm: Vec<usize>,
    /// Assignment time per customer (time units from the cohort start).
    pub assigned_at: Vec<f64>,
    /// Whether the customer was alive at their assignment.
    pub alive_at_assignment: Vec<bool>,
    /// Whether the customer's retention window ends by the observation end (an analysis
    /// of the simulated log can only use these customers).
    pub window_complete: Vec<bool>,
    /// P(at least one purchase in the window) per customer without treatment, given
    /// their latent rates and their state at assignment.
    pub p_control: Vec<f64>,
    /// The same with treatment.
    pub p_treated: Vec<f64>,
    /// Expected purchases in the window per customer without treatment, given their latent
    /// rates and their state at assignment.
    pub purchases_control: Vec<f64>,
    /// The same with treatment.
    pub purchases_treated: Vec<f64>,
}

/// Means of an experiment's truth over the customers whose window is complete.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ExperimentTruth {
    /// Customers averaged over (complete window).
    pub customers: usize,
    /// Mean P(≥ 1 purchase in the window) without treatment.
    pub retention_control: f64,
    /// Mean P(≥ 1 purchase in the window) with treatment.
    pub retention_treated: f64,
    /// Mean of `p_treated − p_control`: the true absolute retention uplift.
    pub uplift: f64,
    /// Mean expected purchases in the window without treatment.
    pub purchases_control: f64,
    /// Mean expected purchases in the window with treatment.
    pub purchases_treated: f64,
    /// Their difference: the true effect on purchases per customer in the window.
    pub purchase_uplift: f64,
}

impl Experiment {
    /// The truth averaged over the customers whose window is complete (what an analysis
    /// of the simulated log sees); `None` when no window is complete.
    pub fn truth(&self) -> Option<ExperimentTruth> {
        let keep: Vec<usize> = (0..self.p_control.len())
            .filter(|&i| self.window_complete[i])
            .collect();
        if keep.is_empty() {
            return None;
        }
        let n = keep.len() as f64;
        let mean = |v: &[f64]| keep.iter().map(|&i| v[i]).sum::<f64>() / n;
        let diff = |t: &[f64], c: &[f64]| keep.iter().map(|&i| t[i] - c[i]).sum::<f64>() / n;
        Some(ExperimentTruth {
            customers: keep.len(),
            retention_control: mean(&self.p_control),
            retention_treated: mean(&self.p_treated),
            uplift: diff(&self.p_treated, &self.p_control),
            purchases_control: mean(&self.purchases_control),
            purchases_treated: mean(&self.purchases_treated),
            purchase_uplift: diff(&self.purchases_treated, &self.purchases_control),
        })
    }
}

/// XORed into the seed for the experiment's random stream.
const EXPERIMENT_STREAM: u64 = 0x2545_F491_4F6C_DD1D;

/// P(≥ 1 purchase in [offset, offset + len) after now | alive now) for purchase rate λ
/// and dropout rate μ: alive at the window start, then a purchase before death (the first of
/// two competing exponential clocks, λ and μ, rings within `len` and it is λ's).
pub fn p_purchase_in_window(lambda: f64, mu: f64, offset: f64, len: f64) -> f64 {
    (-mu * offset).exp() * lambda / (lambda + mu) * -(-(lambda + mu) * len).exp_m1()
}

/// E[purchases in [offset, offset + len) after now | alive now] for purchase rate λ and
/// dropout rate μ: `λ ∫ P(alive at s) ds` over the window, `e^{−μ·offset} · λ ·
/// (1 − e^{−μ·len}) / μ` (`λ · len` as μ → 0).
pub fn expected_purchases_in_window(lambda: f64, mu: f64, offset: f64, len: f64) -> f64 {
    let exposure = if mu > 0.0 {
        -(-mu * len).exp_m1() / mu
    } else {
        len
    };
    (-mu * offset).exp() * lambda * exposure
}

/// [`p_purchase_in_window`] when the rates switch at the window start: alive now, dropout
/// rate μ until `offset` (the purchases before it do not count), then purchase rate λ' and
/// dropout rate μ' over `[offset, offset + len)`: `e^{−μ·offset} · λ'/(λ'+μ') · (1 −
/// e^{−(λ'+μ')·len})`. A treated customer's window, the treatment starting at its start.
pub fn p_purchase_in_window_switched(
    mu: f64,
    offset: f64,
    lambda_after: f64,
    mu_after: f64,
    len: f64,
) -> f64 {
    (-mu * offset).exp() * p_purchase_in_window(lambda_after, mu_after, 0.0, len)
}

/// [`expected_purchases_in_window`] when the rates switch at the window start (as in
/// [`p_purchase_in_window_switched`]): `e^{−μ·offset} · λ' · (1 − e^{−μ'·len}) / μ'`.
pub fn expected_purchases_in_window_switched(
    mu: f64,
    offset: f64,
    lambda_after: f64,
    mu_after: f64,
    len: f64,
) -> f64 {
    (-mu * offset).exp() * expected_purchases_in_window(lambda_after, mu_after, 0.0, len)
}

/// Applies an experiment to a Pareto/NBD simulation (see [`ExperimentSpec`]).
pub fn apply_experiment(
    sim: &mut Simulated,
    spec: &SimSpec,
    exp: &ExperimentSpec,
) -> Result<Experiment, SimError> {
    if !matches!(spec.model, SimModel::ParetoNbd(_)) {
        return Err(SimError(
            "the experiment multiplies an exponential dropout rate: it needs the Pareto/NBD \
             model"
                .into(),
        ));
    }
    if !(exp.assign_span.is_finite() && exp.assign_span >= 0.0) {
        return Err(SimError(format!(
            "the assignment span must be non-negative and finite, got {}",
            exp.assign_span
        )));
    }
    if exp.assign_span > 0.0 && !(exp.assign_step.is_finite() && exp.assign_step > 0.0) {
        return Err(SimError(format!(
            "a staggered assignment needs a positive step between assignment times, got {}",
            exp.assign_step
        )));
    }
    let last_assign = exp.assign_at + exp.assign_span;
    if !(exp.assign_at >= spec.cohort_length && last_assign < spec.observation_end) {
        return Err(SimError(format!(
            "the assignment times [{}, {}] must be within [cohort length {}, observation end \
             {})",
            exp.assign_at, last_assign, spec.cohort_length, spec.observation_end
        )));
    }
    if exp.split.len() < 2 || exp.split.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
        return Err(SimError(
            "the split needs at least 2 positive shares".into(),
        ));
    }
    if !(exp.dropout_factor.is_finite() && exp.dropout_factor > 0.0) {
        return Err(SimError("the dropout factor must be positive".into()));
    }
    if !(exp.purchase_factor.is_finite() && exp.purchase_factor > 0.0) {
        return Err(SimError("the purchase factor must be positive".into()));
    }
    let mut rng = StdRng::seed_from_u64(spec.seed ^ EXPERIMENT_STREAM);
    let total: f64 = exp.split.iter().sum();
    let cum: Vec<f64> = exp
        .split
        .iter()
        .scan(0.0, |acc, s| {
            *acc += s / total;
            Some(*acc)
        })
        .collect();
    // Staggered: assignment times on the grid assign_at + k · step, k in 0..=steps.
    let steps = if exp.assign_span > 0.0 {
        (exp.assign_span / exp.assign_step).round() as u64
    } else {
        0
    };
    let n = sim.lambda.len();
    let end = spec.observation_end;
    // A window ending exactly at the observation end is complete; the tolerance absorbs
    // the rounding of day counts divided by the days per time unit.
    let complete_by = end + 1e-9 * end.abs().max(1.0);
    let value = spec.spend.map(|s| Ok::<_, SimError>(s.p)).transpose()?;
    let mut out = Experiment::default();
    let (mut tc, mut tt, mut ta) = (Vec::new(), Vec::new(), Vec::new());
    let mut row = 0;
    for c in 0..n {
        let u: f64 = rng.random();
        let arm = cum
            .iter()
            .position(|&x| u < x)
            .unwrap_or(exp.split.len() - 1);
        // Drawn only when staggered, so a single assignment time keeps the stream of old.
        let a = if steps > 0 {
            exp.assign_at + rng.random_range(0..=steps) as f64 * exp.assign_step
        } else {
            exp.assign_at
        };
        let alive = sim.death[c] > a;
        let (lambda, mu) = (sim.lambda[c], sim.dropout[c]);
        let (lambda_t, mu_t) = (lambda * exp.purchase_factor, mu * exp.dropout_factor);
        let (o, w) = (exp.window_offset, exp.window);
        // Treatment starts at the end of the assignment day, where the window starts: the
        // assignment day itself runs at the control rates for everyone.
        let start = a + o;
        let if_alive = |v: f64| if alive { v } else { 0.0 };
        out.arm.push(arm);
        out.assigned_at.push(a);
        out.alive_at_assignment.push(alive);
        out.window_complete.push(start + w <= complete_by);
        out.p_control
            .push(if_alive(p_purchase_in_window(lambda, mu, o, w)));
        out.p_treated.push(if_alive(p_purchase_in_window_switched(
            mu, o, lambda_t, mu_t, w,
        )));
        out.purchases_control
            .push(if_alive(expected_purchases_in_window(lambda, mu, o, w)));
        out.purchases_treated
            .push(if_alive(expected_purchases_in_window_switched(
                mu, o, lambda_t, mu_t, w,
            )));
        // Redrawn only when still alive at the treatment start (a death during the
        // assignment day stands, as in the control); no redraw past the observation end.
        let redraw = arm != 0 && sim.death[c] > start && start < end;
        let first_row = row;
        while row < sim.tx_customer.len() && sim.tx_customer[row] as usize == c {
            if !(redraw && sim.tx_time[row] > start) {
                tc.push(c as u32);
                tt.push(sim.tx_time[row]);
                ta.push(sim.tx_amount[row]);
            }
            row += 1;
        }
        if redraw {
            let removed = (first_row..row).filter(|&r| sim.tx_time[r] > start).count() as f64;
            let life = Exp::new(mu_t)
                .map_err(|e| SimError(e.to_string()))?
                .sample(&mut rng);
            sim.death[c] = if start + life <= end {
                start + life
            } else {
                f64::INFINITY
            };
            let stop = (start + life).min(end);
            let gap = Exp::new(lambda_t).map_err(|e| SimError(e.to_string()))?;
            let spend = match value {
                Some(p) => Some(gamma_rate(p, sim.nu[c])?),
                None => None,
            };
            let mut t = start + gap.sample(&mut rng);
            let mut added = 0.0;
            while t <= stop {
                tc.push(c as u32);
                tt.push(t);
                ta.push(
                    spend
                        .as_ref()
                        .map_or(0.0, |v| (v.sample(&mut rng) * 100.0).round() / 100.0),
                );
                added += 1.0;
                t += gap.sample(&mut rng);
            }
            sim.x[c] += added - removed;
            let last = tt[tt.len() - 1];
            sim.t_x[c] = last - sim.first_purchase[c];
        }
    }
    sim.tx_customer = tc;
    sim.tx_time = tt;
    sim.tx_amount = ta;
    Ok(out)
}
