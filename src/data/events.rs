//! Clean, validated events (complaints, support tickets, email sends and opens, logins, …):
//! one row per event, with customer ids and event types interned to small integers.

use std::collections::HashMap;

use super::DataError;

/// Validated events. Customer ids and event types are stored once each and referred to by
/// index, so ten million events cost a few bytes each.
#[derive(Debug, Clone, Default)]
pub struct Events {
    /// Distinct customer ids, in order of first appearance.
    pub customer_names: Vec<String>,
    /// Distinct event types, in order of first appearance.
    pub type_names: Vec<String>,
    /// Per event: index into `customer_names`.
    pub customer: Vec<u32>,
    /// Per event: day number (days since 1970-01-01).
    pub day: Vec<i32>,
    /// Per event: index into `type_names`.
    pub kind: Vec<u32>,
    /// Per event: the optional numeric value.
    pub value: Vec<Option<f64>>,
}

impl Events {
    /// Builds events from plain columns of equal length (ids and types trimmed by the
    /// caller). Values must be finite when present.
    pub fn from_columns<S: AsRef<str>, T: AsRef<str>>(
        customers: &[S],
        days: Vec<i32>,
        types: &[T],
        values: Vec<Option<f64>>,
    ) -> Result<Self, DataError> {
        let n = customers.len();
        if days.len() != n || types.len() != n || values.len() != n {
            return Err(DataError::Invalid(format!(
                "event columns differ in length: {n} customers, {} dates, {} types, {} values",
                days.len(),
                types.len(),
                values.len()
            )));
        }
        if let Some(i) = values
            .iter()
            .position(|v| v.is_some_and(|v| !v.is_finite()))
        {
            return Err(DataError::Invalid(format!(
                "value of event {} is not finite",
                i + 1
            )));
        }
        let mut ev = Events {
            customer: Vec::with_capacity(n),
            kind: Vec::with_capacity(n),
            day: days,
            value: values,
            ..Default::default()
        };
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut kinds: HashMap<&str, u32> = HashMap::new();
        for (c, t) in customers.iter().zip(types) {
            let c = c.as_ref();
            let next = ev.customer_names.len() as u32;
            let ci = *ids.entry(c).or_insert_with(|| {
                ev.customer_names.push(c.to_string());
                next
            });
            ev.customer.push(ci);
            let t = t.as_ref();
            let next = ev.type_names.len() as u32;
            let ti = *kinds.entry(t).or_insert_with(|| {
                ev.type_names.push(t.to_string());
                next
            });
            ev.kind.push(ti);
        }
        Ok(ev)
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.day.len()
    }

    /// Whether there are no events.
    pub fn is_empty(&self) -> bool {
        self.day.is_empty()
    }

    /// First and last day, if any.
    pub fn day_range(&self) -> Option<(i32, i32)> {
        let lo = self.day.iter().min()?;
        let hi = self.day.iter().max()?;
        Some((*lo, *hi))
    }

    /// Events per type name, most frequent first (ties by name).
    pub fn type_counts(&self) -> Vec<(String, usize)> {
        let mut counts = vec![0usize; self.type_names.len()];
        for &k in &self.kind {
            counts[k as usize] += 1;
        }
        let mut out: Vec<(String, usize)> = self.type_names.iter().cloned().zip(counts).collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_types_are_interned() {
        let e = Events::from_columns(
            &["a", "b", "a"],
            vec![1, 2, 3],
            &["email_open", "complaint", "email_open"],
            vec![None, Some(2.0), None],
        )
        .unwrap();
        assert_eq!(e.customer, [0, 1, 0]);
        assert_eq!(e.kind, [0, 1, 0]);
        assert_eq!(e.customer_names, ["a", "b"]);
        assert_eq!(e.day_range(), Some((1, 3)));
        assert_eq!(
            e.type_counts(),
            [("email_open".to_string(), 2), ("complaint".to_string(), 1)]
        );
        assert!(Events::from_columns(&["a"], vec![1], &["x"], vec![Some(f64::NAN)]).is_err());
    }
}
