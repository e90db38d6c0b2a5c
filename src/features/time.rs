//! Time units and transaction-merging periods.

use serde::Serialize;

/// The unit in which recency, `T` and durations are expressed (and so the unit of every
/// rate parameter a model fits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// Days.
    Day,
    /// Weeks of 7 days (not rounded: 10 days = 1.4286 weeks). The unit of the papers.
    #[default]
    Week,
    /// Average Gregorian months of 365.25 / 12 = 30.4375 days.
    Month,
}

impl TimeUnit {
    /// Length of one unit in days.
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Day => 1.0,
            TimeUnit::Week => 7.0,
            TimeUnit::Month => 365.25 / 12.0,
        }
    }

    /// `day`, `week` or `month`.
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
            TimeUnit::Month => "month",
        }
    }

    /// Parses `day|week|month` (plural and `d`/`w`/`m` accepted).
    pub fn parse_flag(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "day" | "days" | "d" => Ok(Self::Day),
            "week" | "weeks" | "w" => Ok(Self::Week),
            "month" | "months" | "m" => Ok(Self::Month),
            _ => Err(format!("unknown time unit '{s}': use day, week or month")),
        }
    }
}

/// Purchases by one customer within one such period count as one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MergePeriod {
    /// The calendar day (the default, as in the papers).
    #[default]
    Day,
    /// The ISO week (Monday to Sunday).
    Week,
    /// The calendar month.
    Month,
}

impl MergePeriod {
    /// `day`, `week` or `month`.
    pub fn name(self) -> &'static str {
        match self {
            MergePeriod::Day => "day",
            MergePeriod::Week => "week",
            MergePeriod::Month => "month",
        }
    }

    /// Parses `day|week|month`.
    pub fn parse_flag(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "day" | "days" | "d" => Ok(Self::Day),
            "week" | "weeks" | "w" => Ok(Self::Week),
            "month" | "months" | "m" => Ok(Self::Month),
            _ => Err(format!(
                "unknown merge period '{s}': use day, week or month"
            )),
        }
    }
}
