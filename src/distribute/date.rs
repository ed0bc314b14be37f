//! Run dates as `YYYY-MM-DD`, and instants as seconds since 1970 shown as
//! `YYYY-MM-DDTHH:MM:SSZ`, in UTC, without a date library.

/// Today's date in UTC.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    from_days(i64::try_from(secs / 86_400).unwrap_or(0))
}

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub fn from_days(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Seconds since 1970-01-01T00:00:00Z, now.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

/// The day count since 1970-01-01 of a civil date (the inverse of [`from_days`]).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD` (the start of that day) or `YYYY-MM-DDTHH:MM[:SS][Z]`, in
/// UTC, as seconds since 1970; `None` for anything else.
pub fn parse_instant(text: &str) -> Option<i64> {
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((date, time)) => (date, Some(time.strip_suffix('Z').unwrap_or(time))),
        None => (text, None),
    };
    if !crate::data::reps::is_date(date) {
        return None;
    }
    let number = |s: &str| s.parse::<i64>().ok();
    let days = days_from_civil(
        number(&date[..4])?,
        number(&date[5..7])?,
        number(&date[8..])?,
    );
    let seconds = match time {
        None => 0,
        Some(time) => clock_seconds(time)?,
    };
    Some(days * 86_400 + seconds)
}

/// `HH:MM` or `HH:MM:SS` as seconds after midnight.
fn clock_seconds(time: &str) -> Option<i64> {
    let parts: Vec<&str> = time.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2) {
        return None;
    }
    let values: Vec<i64> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let limits = [24, 60, 60];
    if values
        .iter()
        .zip(limits)
        .any(|(v, limit)| !(0..limit).contains(v))
    {
        return None;
    }
    Some(values[0] * 3600 + values[1] * 60 + values.get(2).copied().unwrap_or(0))
}

/// An instant as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_instant(secs: i64) -> String {
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        from_days(days),
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The date of an instant, `YYYY-MM-DD`.
pub fn day_of(secs: i64) -> String {
    from_days(secs.div_euclid(86_400))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_days() {
        assert_eq!(from_days(0), "1970-01-01");
        assert_eq!(from_days(19_723), "2024-01-01");
        assert_eq!(from_days(19_782), "2024-02-29");
        assert!(crate::data::reps::is_date(&today()));
    }

    #[test]
    fn instants_read_and_print_back() {
        let t = parse_instant("2024-02-29T13:05:09Z").unwrap();
        assert_eq!(format_instant(t), "2024-02-29T13:05:09Z");
        assert_eq!(parse_instant("2024-02-29"), Some(19_782 * 86_400));
        assert_eq!(parse_instant("1969-12-31T23:00"), Some(-3600));
        assert_eq!(day_of(t), "2024-02-29");
        for bad in [
            "2024-02-30",
            "2024-02-29T24:00",
            "2024-02-29T1:00",
            "2024-02-29T",
            "x",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad}");
        }
    }
}
