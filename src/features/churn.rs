//! Behavioural churn features at a cutoff, from transactions and (optionally) events, using
//! only data on or before the cutoff; and churn labels after it.
//!
//! All days are day numbers (days since 1970-01-01); a window of `w` days at cutoff `c` is
//! the half-open interval `(c − w, c]`. Features are plain numbers with `None` where a value
//! is undefined (an inter-purchase gap with one purchase, an open rate with nothing sent):
//! the encoder ([`super::encode`]) imputes those with the training median and adds a
//! `_missing` indicator, so the model sees a defined value and knows it was undefined.

use serde::{Deserialize, Serialize};

use super::encode::RawColumn;
use super::group::group_rows;
use crate::data::{Events, Transactions};
use crate::features::FeatureError;

/// Which event types feed which feature family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventFamilies {
    /// Complaints and their kin.
    pub complaints: Vec<String>,
    /// Marketing sends (the denominator of engagement rates).
    pub sends: Vec<String>,
    /// Opens.
    pub opens: Vec<String>,
    /// Clicks.
    pub clicks: Vec<String>,
    /// Logins, visits: activity.
    pub activity: Vec<String>,
    /// Cancellations (contractual churn).
    pub cancellation: Vec<String>,
}

impl Default for EventFamilies {
    fn default() -> Self {
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect();
        Self {
            complaints: v(&["complaint", "support_ticket", "refund_request"]),
            sends: v(&["email_sent", "email_send"]),
            opens: v(&["email_open"]),
            clicks: v(&["email_click"]),
            activity: v(&["login", "visit"]),
            cancellation: v(&["cancellation", "cancel"]),
        }
    }
}

/// The event families, as stored per event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Family {
    Complaint = 0,
    Send = 1,
    Open = 2,
    Click = 3,
    Activity = 4,
    Cancel = 5,
}

impl EventFamilies {
    fn family_of(&self, t: &str) -> Option<Family> {
        let has = |v: &[String]| v.iter().any(|x| x.eq_ignore_ascii_case(t));
        if has(&self.complaints) {
            Some(Family::Complaint)
        } else if has(&self.sends) {
            Some(Family::Send)
        } else if has(&self.opens) {
            Some(Family::Open)
        } else if has(&self.clicks) {
            Some(Family::Click)
        } else if has(&self.activity) {
            Some(Family::Activity)
        } else if has(&self.cancellation) {
            Some(Family::Cancel)
        } else {
            None
        }
    }
}

/// Contractual (a cancellation event ends the relationship) or not (churn = no purchase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelKind {
    /// Churned = no purchase in (cutoff, cutoff + horizon].
    NonContractual,
    /// Churned = a cancellation event in (cutoff, cutoff + horizon].
    Contractual,
}

/// What features to compute: stored in the model file so scoring recomputes exactly these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnFeatureSpec {
    /// Trailing windows in days (default 30, 90, 180, 365).
    pub windows: Vec<i32>,
    /// Trend window in days: the last `trend` days against the `trend` days before.
    pub trend: i32,
    /// Months (30-day bins) in the least-squares slope of purchase counts.
    pub slope_months: i32,
    /// Event type → family.
    pub families: EventFamilies,
    /// Label horizon in days.
    pub horizon: i32,
    /// Label definition.
    pub label: LabelKind,
    /// Purchase-model features (P(alive), expected purchases over the horizon) from this
    /// model kind (`bgnbd`, `mbgnbd`, `paretonbd`), fitted at each cutoff on data up to it;
    /// `None`: not used. Absent in files written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_model: Option<String>,
}

impl Default for ChurnFeatureSpec {
    fn default() -> Self {
        Self {
            windows: vec![30, 90, 180, 365],
            trend: 90,
            slope_months: 12,
            families: EventFamilies::default(),
            horizon: 90,
            label: LabelKind::NonContractual,
            purchase_model: None,
        }
    }
}

/// Facts about the events that did not become features.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EventReport {
    /// Events read.
    pub events: usize,
    /// Events used.
    pub used: usize,
    /// Events of customers without transactions (ignored).
    pub unknown_customer_events: usize,
    /// Distinct such customers.
    pub unknown_customers: usize,
    /// Event types in no family, with their counts (ignored).
    pub unmapped_types: Vec<(String, usize)>,
}

/// Every customer's purchases and events, sorted by day, in compressed rows.
#[derive(Debug, Clone)]
pub struct CustomerLog {
    /// Customer ids (the transactions' customers, in order of first appearance).
    pub ids: Vec<String>,
    tx_start: Vec<usize>,
    tx_day: Vec<i32>,
    tx_amount: Vec<f64>,
    ev_start: Vec<usize>,
    ev_day: Vec<i32>,
    ev_family: Vec<u8>,
    /// First and last day of all data.
    pub day_range: (i32, i32),
}

/// Sorts each group of `order` (rows `start[c]..start[c + 1]`) by day, stably.
fn sort_groups_by_day(start: &[usize], order: &mut [u32], day_of: impl Fn(u32) -> i32) {
    for w in start.windows(2) {
        order[w[0]..w[1]].sort_by_key(|&r| day_of(r));
    }
}

impl CustomerLog {
    /// Builds the log from validated transactions and optional events. Events of customers
    /// with no transaction and event types in no family are counted and ignored.
    pub fn build(
        tx: &Transactions,
        events: Option<&Events>,
        families: &EventFamilies,
    ) -> Result<(Self, EventReport), FeatureError> {
        let frame = tx.frame();
        let ids_col = frame.column(Transactions::CUSTOMER)?.str()?.clone();
        let days_ca = frame
            .column(Transactions::DATE)?
            .date()?
            .physical()
            .rechunk();
        let days = days_ca.cont_slice()?;
        let amounts: Option<Vec<f64>> = match frame.column(Transactions::AMOUNT) {
            Ok(c) => Some(c.f64()?.into_no_null_iter().collect()),
            Err(_) => None,
        };
        let n = days.len();
        let dense = super::group::dense_ids(&ids_col);
        let ids: Vec<String> = dense.names.iter().map(|s| s.to_string()).collect();
        let cust = &dense.of_row;
        let (tx_start, mut order) = group_rows(ids.len(), cust);
        sort_groups_by_day(&tx_start, &mut order, |r| days[r as usize]);
        let tx_day: Vec<i32> = order.iter().map(|&r| days[r as usize]).collect();
        let tx_amount: Vec<f64> = match &amounts {
            Some(a) => order.iter().map(|&r| a[r as usize]).collect(),
            None => vec![0.0; n],
        };
        let mut lo = days.iter().copied().min().unwrap_or(0);
        let mut hi = days.iter().copied().max().unwrap_or(0);

        let mut report = EventReport::default();
        let (ev_start, ev_day, ev_family) = match events {
            None => (vec![0usize; ids.len() + 1], Vec::new(), Vec::new()),
            Some(ev) => {
                report.events = ev.len();
                let fam: Vec<Option<Family>> = ev
                    .type_names
                    .iter()
                    .map(|t| families.family_of(t))
                    .collect();
                let mut unmapped = vec![0usize; ev.type_names.len()];
                let map_c: Vec<Option<u32>> = ev
                    .customer_names
                    .iter()
                    .map(|c| dense.get(c.as_str()))
                    .collect();
                report.unknown_customers = map_c.iter().filter(|c| c.is_none()).count();
                let mut keys = Vec::with_capacity(ev.len());
                let mut rows = Vec::with_capacity(ev.len());
                for i in 0..ev.len() {
                    let Some(c) = map_c[ev.customer[i] as usize] else {
                        report.unknown_customer_events += 1;
                        continue;
                    };
                    if fam[ev.kind[i] as usize].is_none() {
                        unmapped[ev.kind[i] as usize] += 1;
                        continue;
                    }
                    keys.push(c);
                    rows.push(i as u32);
                }
                report.used = rows.len();
                report.unmapped_types = ev
                    .type_names
                    .iter()
                    .zip(&unmapped)
                    .filter(|(_, n)| **n > 0)
                    .map(|(t, n)| (t.clone(), *n))
                    .collect();
                report
                    .unmapped_types
                    .sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let (start, mut order) = group_rows(ids.len(), &keys);
                sort_groups_by_day(&start, &mut order, |k| ev.day[rows[k as usize] as usize]);
                let day: Vec<i32> = order
                    .iter()
                    .map(|&k| ev.day[rows[k as usize] as usize])
                    .collect();
                let family: Vec<u8> = order
                    .iter()
                    .map(|&k| fam[ev.kind[rows[k as usize] as usize] as usize].unwrap() as u8)
                    .collect();
                if let Some((a, b)) = ev.day_range() {
                    lo = lo.min(a);
                    hi = hi.max(b);
                }
                (start, day, family)
            }
        };
        Ok((
            CustomerLog {
                ids,
                tx_start,
                tx_day,
                tx_amount,
                ev_start,
                ev_day,
                ev_family,
                day_range: (lo, hi),
            },
            report,
        ))
    }

    /// Whether any event (in a feature family) was loaded.
    pub fn has_events(&self) -> bool {
        !self.ev_day.is_empty()
    }

    fn purchases(&self, c: usize) -> (&[i32], &[f64]) {
        let (a, b) = (self.tx_start[c], self.tx_start[c + 1]);
        (&self.tx_day[a..b], &self.tx_amount[a..b])
    }

    fn events(&self, c: usize) -> (&[i32], &[u8]) {
        let (a, b) = (self.ev_start[c], self.ev_start[c + 1]);
        (&self.ev_day[a..b], &self.ev_family[a..b])
    }

    /// Whether customer `c` cancelled on or before `day`.
    fn cancelled_by(&self, c: usize, day: i32) -> bool {
        let (d, f) = self.events(c);
        d.iter()
            .zip(f)
            .any(|(d, f)| *d <= day && *f == Family::Cancel as u8)
    }

    /// Every customer's (x, t_x, T) at `cutoff` in units of `unit_days` days, from the
    /// distinct purchase days on or before it (x = repeat purchase days, t_x = last − first,
    /// T = cutoff − first): the input of a purchase model fitted at the cutoff. `None` for
    /// customers with no purchase by then.
    pub fn rfm_at(
        &self,
        rows: &[u32],
        cutoff: i32,
        unit_days: f64,
    ) -> Vec<Option<(f64, f64, f64)>> {
        rows.iter()
            .map(|&c| {
                let (days, _) = self.purchases(c as usize);
                let days = &days[..days.partition_point(|d| *d <= cutoff)];
                let (first, last) = (*days.first()?, *days.last()?);
                let distinct = 1 + days.windows(2).filter(|w| w[1] != w[0]).count();
                Some((
                    (distinct - 1) as f64,
                    f64::from(last - first) / unit_days,
                    f64::from(cutoff - first) / unit_days,
                ))
            })
            .collect()
    }

    /// The customers at risk at `cutoff`: a first purchase on or before it and, for
    /// contractual labels, no cancellation on or before it.
    pub fn population(&self, cutoff: i32, label: LabelKind) -> Vec<u32> {
        (0..self.ids.len())
            .filter(|&c| {
                let (d, _) = self.purchases(c);
                d.first().is_some_and(|f| *f <= cutoff)
                    && (label == LabelKind::NonContractual || !self.cancelled_by(c, cutoff))
            })
            .map(|c| c as u32)
            .collect()
    }

    /// Labels for `rows` at `cutoff`: churned (true) or not, over `(cutoff, cutoff +
    /// horizon]`. Refuses a window that runs past the data (the labels would be censored).
    pub fn labels(
        &self,
        rows: &[u32],
        cutoff: i32,
        spec: &ChurnFeatureSpec,
    ) -> Result<Vec<bool>, FeatureError> {
        let end = cutoff + spec.horizon;
        if end > self.day_range.1 {
            return Err(FeatureError::Invalid(format!(
                "the label window {} .. {} runs past the last day of data {}: labels would be \
                 censored\n  fix: use an earlier cutoff or a shorter --churn-horizon",
                crate::data::date_of_day(cutoff),
                crate::data::date_of_day(end),
                crate::data::date_of_day(self.day_range.1)
            )));
        }
        Ok(rows
            .iter()
            .map(|&c| {
                let c = c as usize;
                match spec.label {
                    LabelKind::NonContractual => {
                        let (d, _) = self.purchases(c);
                        !d.iter().any(|d| *d > cutoff && *d <= end)
                    }
                    LabelKind::Contractual => {
                        let (d, f) = self.events(c);
                        d.iter()
                            .zip(f)
                            .any(|(d, f)| *d > cutoff && *d <= end && *f == Family::Cancel as u8)
                    }
                }
            })
            .collect())
    }

    /// The feature columns for `rows` at `cutoff`, in a fixed order. Only data on or before
    /// the cutoff is read.
    pub fn features(
        &self,
        rows: &[u32],
        cutoff: i32,
        spec: &ChurnFeatureSpec,
    ) -> Vec<(String, RawColumn)> {
        let mut names: Vec<String> = vec![
            "days_since_last_purchase".into(),
            "tenure_days".into(),
            "purchases_total".into(),
        ];
        for w in &spec.windows {
            names.push(format!("purchases_{w}d"));
            names.push(format!("spend_{w}d"));
        }
        names.extend(
            [
                "purchase_trend",
                "purchase_slope_monthly",
                "gap_mean_days",
                "gap_sd_days",
                "overdue_ratio",
            ]
            .map(String::from),
        );
        for w in &spec.windows {
            names.push(format!("complaints_{w}d"));
        }
        names.push("complaint_trend".into());
        names.push("days_since_last_complaint".into());
        for w in &spec.windows {
            names.push(format!("open_rate_{w}d"));
            names.push(format!("click_rate_{w}d"));
        }
        names.push("open_rate_trend".into());
        for w in &spec.windows {
            names.push(format!("activity_{w}d"));
        }
        names.push("activity_trend".into());

        let mut cols: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(rows.len()); names.len()];
        let mut vals: Vec<Option<f64>> = Vec::with_capacity(names.len());
        for &c in rows {
            vals.clear();
            self.customer_features(c as usize, cutoff, spec, &mut vals);
            for (col, v) in cols.iter_mut().zip(&vals) {
                col.push(*v);
            }
        }
        names
            .into_iter()
            .zip(cols)
            .map(|(n, v)| (n, RawColumn::Numeric(v)))
            .collect()
    }

    fn customer_features(
        &self,
        c: usize,
        cutoff: i32,
        spec: &ChurnFeatureSpec,
        out: &mut Vec<Option<f64>>,
    ) {
        let (days, amounts) = self.purchases(c);
        let upto = days.partition_point(|d| *d <= cutoff);
        let (days, amounts) = (&days[..upto], &amounts[..upto]);
        let f = |x: f64| Some(x);
        // Count and sum in (cutoff − w, cutoff].
        let window = |w: i32| -> (f64, f64) {
            let from = days.partition_point(|d| *d <= cutoff - w);
            ((upto - from) as f64, amounts[from..].iter().sum())
        };
        let between = |lo: i32, hi: i32| -> f64 {
            (days.partition_point(|d| *d <= hi) - days.partition_point(|d| *d <= lo)) as f64
        };
        let last = days.last().copied();
        let first = days.first().copied();
        out.push(last.map(|l| f64::from(cutoff - l)));
        out.push(first.map(|l| f64::from(cutoff - l)));
        out.push(f(days.len() as f64));
        for &w in &spec.windows {
            let (n, s) = window(w);
            out.push(f(n));
            out.push(f(s));
        }
        // Trend: ln((last + 1) / (previous + 1)), symmetric and defined at zero counts.
        let t = spec.trend;
        let recent = between(cutoff - t, cutoff);
        let before = between(cutoff - 2 * t, cutoff - t);
        out.push(f(((recent + 1.0) / (before + 1.0)).ln()));
        // Least-squares slope of counts in 30-day bins over the last months (bins before
        // the first purchase excluded); undefined with fewer than 2 bins.
        let months = spec.slope_months.max(2);
        let first_day = first.unwrap_or(cutoff);
        let bins: Vec<f64> = (0..months)
            .rev()
            .filter(|k| cutoff - 30 * (k + 1) >= first_day - 30)
            .map(|k| between(cutoff - 30 * (k + 1), cutoff - 30 * k))
            .collect();
        out.push(if bins.len() >= 2 {
            let m = bins.len() as f64;
            let xbar = (m - 1.0) / 2.0;
            let ybar = bins.iter().sum::<f64>() / m;
            let (mut sxy, mut sxx) = (0.0, 0.0);
            for (i, y) in bins.iter().enumerate() {
                let dx = i as f64 - xbar;
                sxy += dx * (y - ybar);
                sxx += dx * dx;
            }
            Some(sxy / sxx)
        } else {
            None
        });
        // Gaps between distinct purchase days.
        let mut distinct: Vec<i32> = days.to_vec();
        distinct.dedup();
        if distinct.len() >= 2 {
            let gaps: Vec<f64> = distinct
                .windows(2)
                .map(|w| f64::from(w[1] - w[0]))
                .collect();
            let m = gaps.len() as f64;
            let mean = gaps.iter().sum::<f64>() / m;
            let sd = (gaps.iter().map(|g| (g - mean) * (g - mean)).sum::<f64>() / m).sqrt();
            out.push(f(mean));
            out.push(f(sd));
            out.push(last.map(|l| f64::from(cutoff - l) / mean));
        } else {
            out.extend([None, None, None]);
        }

        // Events on or before the cutoff.
        let (ed, ef) = self.events(c);
        let eupto = ed.partition_point(|d| *d <= cutoff);
        let (ed, ef) = (&ed[..eupto], &ef[..eupto]);
        let count = |fam: Family, lo: i32, hi: i32| -> f64 {
            let a = ed.partition_point(|d| *d <= lo);
            let b = ed.partition_point(|d| *d <= hi);
            ef[a..b].iter().filter(|f| **f == fam as u8).count() as f64
        };
        for &w in &spec.windows {
            out.push(f(count(Family::Complaint, cutoff - w, cutoff)));
        }
        let cr = count(Family::Complaint, cutoff - t, cutoff);
        let cb = count(Family::Complaint, cutoff - 2 * t, cutoff - t);
        out.push(f(((cr + 1.0) / (cb + 1.0)).ln()));
        out.push(
            ed.iter()
                .zip(ef)
                .rev()
                .find(|(_, f)| **f == Family::Complaint as u8)
                .map(|(d, _)| f64::from(cutoff - d)),
        );
        let rate = |num: f64, den: f64| (den > 0.0).then(|| (num / den).min(1.0));
        for &w in &spec.windows {
            let sends = count(Family::Send, cutoff - w, cutoff);
            out.push(rate(count(Family::Open, cutoff - w, cutoff), sends));
            out.push(rate(count(Family::Click, cutoff - w, cutoff), sends));
        }
        let r_now = rate(
            count(Family::Open, cutoff - t, cutoff),
            count(Family::Send, cutoff - t, cutoff),
        );
        let r_before = rate(
            count(Family::Open, cutoff - 2 * t, cutoff - t),
            count(Family::Send, cutoff - 2 * t, cutoff - t),
        );
        out.push(match (r_now, r_before) {
            (Some(a), Some(b)) => Some(a - b),
            _ => None,
        });
        for &w in &spec.windows {
            out.push(f(count(Family::Activity, cutoff - w, cutoff)));
        }
        let ar = count(Family::Activity, cutoff - t, cutoff);
        let ab = count(Family::Activity, cutoff - 2 * t, cutoff - t);
        out.push(f(((ar + 1.0) / (ab + 1.0)).ln()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> (CustomerLog, EventReport) {
        // a: purchases on days 100, 130, 160, 190 (every 30 days); b: once on day 50.
        let tx = Transactions::from_columns(
            &["a", "a", "b", "a", "a", "c"],
            vec![190, 100, 50, 160, 130, 400],
            Some(vec![10.0, 20.0, 5.0, 30.0, 40.0, 1.0]),
        )
        .unwrap();
        let ev = Events::from_columns(
            &["a", "a", "a", "a", "b", "zz", "a", "b"],
            vec![150, 180, 181, 200, 60, 10, 185, 120],
            &[
                "complaint",
                "email_sent",
                "email_open",
                "complaint",
                "email_sent",
                "login",
                "fax",
                "cancellation",
            ],
            vec![None; 8],
        )
        .unwrap();
        CustomerLog::build(&tx, Some(&ev), &EventFamilies::default()).unwrap()
    }

    fn value(cols: &[(String, RawColumn)], name: &str, row: usize) -> Option<f64> {
        match &cols.iter().find(|(n, _)| n == name).unwrap().1 {
            RawColumn::Numeric(v) => v[row],
            RawColumn::Text(_) => panic!(),
        }
    }

    #[test]
    fn features_use_only_data_up_to_the_cutoff() {
        let (log, rep) = log();
        assert_eq!(rep.unknown_customer_events, 1);
        assert_eq!(rep.unmapped_types, [("fax".to_string(), 1)]);
        let spec = ChurnFeatureSpec::default();
        let rows = log.population(190, LabelKind::NonContractual);
        assert_eq!(rows, [0, 1]); // c starts on day 400
        let cols = log.features(&rows, 190, &spec);
        assert_eq!(value(&cols, "days_since_last_purchase", 0), Some(0.0));
        assert_eq!(value(&cols, "tenure_days", 0), Some(90.0));
        assert_eq!(value(&cols, "purchases_30d", 0), Some(1.0)); // (160, 190]
        assert_eq!(value(&cols, "purchases_90d", 0), Some(3.0)); // 130, 160, 190
        assert_eq!(value(&cols, "spend_90d", 0), Some(80.0));
        assert_eq!(value(&cols, "gap_mean_days", 0), Some(30.0));
        assert_eq!(value(&cols, "gap_sd_days", 0), Some(0.0));
        assert_eq!(value(&cols, "overdue_ratio", 0), Some(0.0));
        assert_eq!(value(&cols, "gap_mean_days", 1), None);
        // The complaint on day 200 is after the cutoff.
        assert_eq!(value(&cols, "complaints_365d", 0), Some(1.0));
        assert_eq!(value(&cols, "days_since_last_complaint", 0), Some(40.0));
        assert_eq!(value(&cols, "open_rate_30d", 0), Some(1.0));
        assert_eq!(value(&cols, "open_rate_30d", 1), None); // nothing sent in the window
        // Moving the cutoff to 170 forgets everything after it.
        let at170 = log.features(&[0], 170, &spec);
        assert_eq!(value(&at170, "purchases_total", 0), Some(3.0));
        assert_eq!(value(&at170, "open_rate_30d", 0), None);
    }

    #[test]
    fn labels_and_contractual_population() {
        let (log, _) = log();
        let spec = ChurnFeatureSpec {
            horizon: 60,
            ..Default::default()
        };
        // a buys again on day 190 (within (130, 190]); b never does.
        assert_eq!(log.labels(&[0, 1], 130, &spec).unwrap(), [false, true]);
        let c = ChurnFeatureSpec {
            label: LabelKind::Contractual,
            ..spec.clone()
        };
        assert_eq!(log.labels(&[0, 1], 100, &c).unwrap(), [false, true]);
        // b cancelled on day 120: no longer at risk at 130.
        assert_eq!(log.population(130, LabelKind::Contractual), [0]);
        let e = log.labels(&[0], 380, &spec).unwrap_err().to_string();
        assert!(e.contains("censored"), "{e}");
    }
}
