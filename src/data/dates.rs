//! Date parsing for transaction and event logs.
//!
//! Every date becomes a day number: days since 1970-01-01 (the same physical value as a
//! polars `Date`). Time of day is dropped: the models work at day resolution or coarser.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

/// How the date column is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFormat {
    /// Detect from the first values of the column (the default).
    Auto,
    /// `YYYY-MM-DD`.
    Ymd,
    /// `YYYYMMDD`, as in the CDNOW logs.
    Compact,
    /// ISO-8601 date-time: `YYYY-MM-DD[T| ]HH:MM[:SS[.fff]][Z|±HH:MM]`; a bare `YYYY-MM-DD`
    /// is accepted too. The calendar date as written is used (an offset is checked, not
    /// applied), so a purchase at 23:30 local time counts on that local day.
    Timestamp,
    /// Seconds since 1970-01-01T00:00:00Z (integer or decimal); the UTC calendar day.
    EpochSeconds,
    /// A chrono `strftime`-style pattern such as `%d/%m/%Y`.
    Custom(String),
}

impl DateFormat {
    /// Parses the `--date-format` value: `auto`, `ymd` / `YYYY-MM-DD`, `compact` /
    /// `YYYYMMDD`, `timestamp` / `iso8601`, `epoch` / `epoch-seconds`, or a pattern with `%`.
    pub fn parse_flag(s: &str) -> Result<Self, String> {
        let t = s.trim();
        match t.to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "ymd" | "yyyy-mm-dd" | "%y-%m-%d" | "iso-date" => Ok(Self::Ymd),
            "compact" | "yyyymmdd" | "%y%m%d" => Ok(Self::Compact),
            "timestamp" | "iso8601" | "iso-8601" | "datetime" => Ok(Self::Timestamp),
            "epoch" | "epoch-seconds" | "unix" | "epoch_seconds" => Ok(Self::EpochSeconds),
            _ if t.contains('%') => Ok(Self::Custom(t.to_string())),
            _ => Err(format!(
                "unknown date format '{t}': use auto, YYYY-MM-DD, YYYYMMDD, timestamp, epoch, \
                 or a strftime pattern such as %d/%m/%Y"
            )),
        }
    }

    /// A short human name, used in run reports.
    pub fn describe(&self) -> String {
        match self {
            Self::Auto => "auto".into(),
            Self::Ymd => "YYYY-MM-DD".into(),
            Self::Compact => "YYYYMMDD".into(),
            Self::Timestamp => "ISO-8601 timestamp".into(),
            Self::EpochSeconds => "epoch seconds".into(),
            Self::Custom(p) => p.clone(),
        }
    }

    /// Parses one value to a day number, or `None` when it does not fit this format.
    /// `Auto` never parses: resolve it with [`detect_format`] first.
    pub fn parse_day(&self, s: &str) -> Option<i32> {
        let s = s.trim();
        match self {
            Self::Auto => None,
            Self::Ymd => parse_ymd(s.as_bytes()),
            Self::Compact => parse_compact(s.as_bytes()),
            Self::Timestamp => parse_timestamp(s.as_bytes()),
            Self::EpochSeconds => parse_epoch_seconds(s),
            Self::Custom(p) => parse_custom(s, p),
        }
    }
}

/// The formats tried, in order, when the format is `auto`.
const AUTO_CANDIDATES: [DateFormat; 4] = [
    DateFormat::Compact,
    DateFormat::Ymd,
    DateFormat::Timestamp,
    DateFormat::EpochSeconds,
];

/// Picks the format that parses the most of `sample` (ties go to the earlier candidate:
/// `YYYYMMDD`, `YYYY-MM-DD`, timestamp, epoch seconds). `None` when nothing parses.
pub fn detect_format<'a>(sample: impl IntoIterator<Item = &'a str>) -> Option<DateFormat> {
    let values: Vec<&str> = sample
        .into_iter()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    let mut best: Option<(usize, &DateFormat)> = None;
    for fmt in AUTO_CANDIDATES.iter() {
        let hits = values.iter().filter(|v| fmt.parse_day(v).is_some()).count();
        if hits > 0 && best.is_none_or(|(b, _)| hits > b) {
            best = Some((hits, fmt));
        }
    }
    best.map(|(_, f)| f.clone())
}

/// Day number (days since 1970-01-01) of a proleptic Gregorian date, checking that the
/// month and day exist. Howard Hinnant's `days_from_civil`.
pub fn days_from_civil(year: i32, month: u32, day: u32) -> Option<i32> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - 719_468).ok()
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// The `NaiveDate` of a day number.
pub fn date_of_day(day: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day + 719_163).unwrap_or(NaiveDate::MIN)
}

/// The day number of a `NaiveDate`.
pub fn day_of_date(date: NaiveDate) -> i32 {
    use chrono::Datelike;
    date.num_days_from_ce() - 719_163
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut v: u32 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

fn parse_ymd(b: &[u8]) -> Option<i32> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = digits(&b[0..4])?;
    days_from_civil(y as i32, digits(&b[5..7])?, digits(&b[8..10])?)
}

fn parse_compact(b: &[u8]) -> Option<i32> {
    if b.len() != 8 {
        return None;
    }
    let y = digits(&b[0..4])?;
    days_from_civil(y as i32, digits(&b[4..6])?, digits(&b[6..8])?)
}

fn parse_timestamp(b: &[u8]) -> Option<i32> {
    if b.len() < 10 {
        return None;
    }
    let day = parse_ymd(&b[..10])?;
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(day);
    }
    if rest[0] != b'T' && rest[0] != b' ' && rest[0] != b't' {
        return None;
    }
    valid_time_and_offset(&rest[1..]).then_some(day)
}

/// `HH:MM[:SS[.fff]][Z|±HH:MM|±HHMM]`
fn valid_time_and_offset(b: &[u8]) -> bool {
    let two = |s: &[u8], max: u32| s.len() == 2 && digits(s).is_some_and(|v| v <= max);
    if b.len() < 5 || !two(&b[0..2], 23) || b[2] != b':' || !two(&b[3..5], 59) {
        return false;
    }
    let mut i = 5;
    if b.len() >= i + 3 && b[i] == b':' {
        // 60 allows a leap second
        if !two(&b[i + 1..i + 3], 60) {
            return false;
        }
        i += 3;
        if i < b.len() && (b[i] == b'.' || b[i] == b',') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == start {
                return false;
            }
        }
    }
    let off = &b[i..];
    match off {
        [] | [b'Z'] | [b'z'] => true,
        [b'+' | b'-', rest @ ..] => match rest.len() {
            2 => two(rest, 23),
            4 => two(&rest[0..2], 23) && two(&rest[2..4], 59),
            5 => two(&rest[0..2], 23) && rest[2] == b':' && two(&rest[3..5], 59),
            _ => false,
        },
        _ => false,
    }
}

fn parse_epoch_seconds(s: &str) -> Option<i32> {
    let v: f64 = s.parse().ok()?;
    if !v.is_finite()
        || !s
            .bytes()
            .all(|c| c.is_ascii_digit() || c == b'.' || c == b'-')
    {
        return None;
    }
    let day = (v / 86_400.0).floor();
    // Dates between year -9999 and 9999 only.
    (day.abs() < 3_000_000.0).then_some(day as i32)
}

fn parse_custom(s: &str, pattern: &str) -> Option<i32> {
    if let Ok(d) = NaiveDate::parse_from_str(s, pattern) {
        return Some(day_of_date(d));
    }
    NaiveDateTime::parse_from_str(s, pattern)
        .ok()
        .map(|dt| day_of_date(dt.date()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_match_chrono() {
        for (y, m, d) in [
            (1970, 1, 1),
            (1997, 1, 1),
            (2000, 2, 29),
            (1969, 12, 31),
            (2100, 12, 31),
        ] {
            let expect = day_of_date(NaiveDate::from_ymd_opt(y, m, d).unwrap());
            assert_eq!(days_from_civil(y, m, d), Some(expect), "{y}-{m}-{d}");
        }
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(1900, 2, 29), None);
        assert_eq!(days_from_civil(1997, 13, 1), None);
        assert_eq!(days_from_civil(1997, 4, 31), None);
    }

    #[test]
    fn each_format_parses_its_own_and_rejects_others() {
        let d = days_from_civil(1997, 9, 30).unwrap();
        assert_eq!(DateFormat::Ymd.parse_day("1997-09-30"), Some(d));
        assert_eq!(DateFormat::Compact.parse_day("19970930"), Some(d));
        assert_eq!(
            DateFormat::Timestamp.parse_day("1997-09-30T23:59:59Z"),
            Some(d)
        );
        assert_eq!(
            DateFormat::Timestamp.parse_day("1997-09-30 08:00:00.123+02:00"),
            Some(d)
        );
        assert_eq!(DateFormat::Timestamp.parse_day("1997-09-30"), Some(d));
        // 1997-09-30T12:00:00Z
        assert_eq!(DateFormat::EpochSeconds.parse_day("875620800"), Some(d));
        assert_eq!(
            DateFormat::Custom("%d/%m/%Y".into()).parse_day("30/09/1997"),
            Some(d)
        );
        assert_eq!(DateFormat::Ymd.parse_day("19970930"), None);
        assert_eq!(DateFormat::Compact.parse_day("1997-09-30"), None);
        assert_eq!(DateFormat::Timestamp.parse_day("1997-09-30T25:00"), None);
        assert_eq!(DateFormat::Timestamp.parse_day("1997-09-30 nonsense"), None);
        assert_eq!(DateFormat::EpochSeconds.parse_day("1e9"), None);
        assert_eq!(DateFormat::EpochSeconds.parse_day("NaN"), None);
    }

    #[test]
    fn epoch_before_1970_floors_to_the_previous_day() {
        assert_eq!(DateFormat::EpochSeconds.parse_day("-1"), Some(-1));
    }

    #[test]
    fn detection_prefers_the_format_that_parses_most() {
        assert_eq!(
            detect_format(["19970101", "19970102"]),
            Some(DateFormat::Compact)
        );
        assert_eq!(
            detect_format(["2014-03-08 00:00:00", "x"]),
            Some(DateFormat::Timestamp)
        );
        assert_eq!(
            detect_format(["2014-03-08", "2014-03-09"]),
            Some(DateFormat::Ymd)
        );
        assert_eq!(
            detect_format(["1700000000"]),
            Some(DateFormat::EpochSeconds)
        );
        assert_eq!(detect_format(["hello", ""]), None);
    }
}
