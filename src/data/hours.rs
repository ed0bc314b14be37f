//! A rep's working hours, the reps file's `hours` column:
//! `Mon-Fri 09:00-17:30 America/New_York` — days, a time range, and an
//! IANA time zone (UTC when left out). Outside them the rep takes no lead.

use chrono::{Datelike, TimeZone, Timelike};
use chrono_tz::Tz;

/// Days of the week in order, Monday first, as written in the column.
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

#[derive(Clone, Debug, PartialEq)]
pub struct WorkingHours {
    /// Monday first.
    days: [bool; 7],
    /// Minutes after local midnight: from `start` (included) to `end`.
    start: u32,
    end: u32,
    zone: Tz,
    /// The cell as written, to say why a rep is passed over.
    pub text: String,
}

/// What is wrong with a cell, and how to write it.
#[derive(Debug)]
pub struct HoursError {
    pub message: String,
    pub help: &'static str,
}

const HELP: &str = "write days, a time range and a time zone, e.g. `Mon-Fri 09:00-17:30 America/New_York` or `Mon,Wed,Fri 08:00-12:00` (UTC)";

impl WorkingHours {
    pub fn parse(text: &str) -> Result<Self, HoursError> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let (days, range, zone) = match words[..] {
            [days, range] => (days, range, "UTC"),
            [days, range, zone] => (days, range, zone),
            _ => return Err(error(format!("`{text}` is not working hours"))),
        };
        let days = parse_days(days)?;
        let (start, end) = parse_range(range)?;
        let zone: Tz = zone.parse().map_err(|_| {
            error(format!(
                "`{zone}` is not a time zone (IANA names, e.g. Europe/Paris)"
            ))
        })?;
        Ok(WorkingHours {
            days,
            start,
            end,
            zone,
            text: text.to_string(),
        })
    }

    /// Whether the instant (seconds since 1970) is inside the hours, in
    /// the rep's time zone.
    pub fn open_at(&self, secs: i64) -> bool {
        let Some(local) = self.zone.timestamp_opt(secs, 0).single() else {
            return false;
        };
        let day = local.weekday().num_days_from_monday() as usize;
        let minute = local.hour() * 60 + local.minute();
        self.days[day] && (self.start..self.end).contains(&minute)
    }

    /// Whether a date (`YYYY-MM-DD`) is one of the working days: a run
    /// without a time of day checks no more than that.
    pub fn works_on(&self, date: &str) -> bool {
        let Some(secs) = crate::distribute::date::parse_instant(date) else {
            return true;
        };
        // 1970-01-01 was a Thursday.
        let day = (secs.div_euclid(86_400) + 3).rem_euclid(7) as usize;
        self.days[day]
    }
}

fn error(message: String) -> HoursError {
    HoursError {
        message,
        help: HELP,
    }
}

/// `Mon-Fri`, `Mon,Wed,Fri`, `Sat-Sun,Wed`, `Fri-Mon` (across the weekend).
fn parse_days(text: &str) -> Result<[bool; 7], HoursError> {
    let mut days = [false; 7];
    for part in text.split(',') {
        let (first, last) = part.split_once('-').unwrap_or((part, part));
        let (first, last) = (day_index(first)?, day_index(last)?);
        let mut d = first;
        loop {
            days[d] = true;
            if d == last {
                break;
            }
            d = (d + 1) % 7;
        }
    }
    Ok(days)
}

fn day_index(name: &str) -> Result<usize, HoursError> {
    let lower = name.trim().to_ascii_lowercase();
    let short = lower.get(..3).unwrap_or("");
    let full = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    DAYS.iter()
        .position(|d| *d == short && (lower.len() == 3 || full.contains(&lower.as_str())))
        .ok_or_else(|| {
            error(format!(
                "`{name}` is not a day of the week (Mon, Tue, … Sun)"
            ))
        })
}

/// `09:00-17:30` as minutes; the end may be `24:00`, and must be later.
fn parse_range(text: &str) -> Result<(u32, u32), HoursError> {
    let bad = || error(format!("`{text}` is not a time range like 09:00-17:30"));
    let (start, end) = text.split_once('-').ok_or_else(bad)?;
    let (start, end) = (
        minutes(start).ok_or_else(bad)?,
        minutes(end).ok_or_else(bad)?,
    );
    if start >= end {
        return Err(error(format!(
            "the range `{text}` ends before it starts: hours that run past midnight are not read"
        )));
    }
    Ok((start, end))
}

/// `HH:MM` as minutes after midnight, up to `24:00`.
fn minutes(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    let total = h * 60 + m;
    (m < 60 && total <= 24 * 60).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distribute::date::parse_instant;

    fn at(time: &str) -> i64 {
        parse_instant(time).unwrap()
    }

    #[test]
    fn hours_are_read_in_the_reps_zone() {
        let h = WorkingHours::parse("Mon-Fri 09:00-17:30 America/New_York").unwrap();
        // 2026-11-25 is a Wednesday; New York is UTC-5 in November.
        assert!(!h.open_at(at("2026-11-25T13:59:00Z")));
        assert!(h.open_at(at("2026-11-25T14:00:00Z")));
        assert!(h.open_at(at("2026-11-25T22:29:00Z")));
        assert!(!h.open_at(at("2026-11-25T22:30:00Z")));
        assert!(!h.open_at(at("2026-11-28T15:00:00Z")), "a Saturday");
        assert!(h.works_on("2026-11-27") && !h.works_on("2026-11-29"));
        let weekend = WorkingHours::parse("fri-mon 00:00-24:00").unwrap();
        assert!(weekend.works_on("2026-11-29") && !weekend.works_on("2026-11-25"));
    }

    #[test]
    fn bad_cells_say_what_is_wrong() {
        for bad in [
            "Mon-Fri",
            "Mon-Fry 09:00-17:00",
            "Mon-Fri 9-5",
            "Mon-Fri 17:00-09:00",
            "Mon-Fri 09:00-17:00 Mars/Olympus",
            "Mon-Fri 09:00-25:00",
        ] {
            assert!(WorkingHours::parse(bad).is_err(), "{bad}");
        }
    }
}
