//! Working-hour calendars and the arithmetic of working time that service levels run on.
//!
//! A calendar is an IANA time zone, a week of working intervals (`09:00-12:30`, `13:30-17:00`;
//! `00:00-24:00` for a whole day) and holidays (whole local dates). Each interval's ends are
//! turned into instants one by one in the calendar's zone, so a day on which daylight-saving
//! time starts or ends has as many working hours as the clocks say (a `00:00-24:00` day then
//! has 23 or 25). Working time is real elapsed time inside the intervals.
//!
//! The zone comes in resolved (the caller looks its name up in a time zone database): nothing
//! here reads a file.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use time::OffsetDateTime;

use crate::CalendarId;
use crate::validation::FieldError;

/// Minutes in a day: an interval may end at 24:00.
const DAY_MINUTES: u16 = 24 * 60;

/// How many days a computation looks ahead before it gives up: ten years. A calendar with no
/// working time at all is refused when it is made, so only holidays could exhaust this.
const HORIZON_DAYS: usize = 3_660;

/// The longest span whose working time is counted: a hundred years.
const SPAN_DAYS: usize = 36_600;

/// The weekdays' names as the API writes them, Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// One working interval of a day, in local wall-clock minutes: `[start, end)`, `end` up to 24:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    start: u16,
    end: u16,
}

impl Interval {
    /// From `start` to `end`, as hours and minutes; `None` unless `start` is before `end` and
    /// `end` is at most 24:00.
    pub fn new(start: (u8, u8), end: (u8, u8)) -> Option<Interval> {
        let minutes = |(h, m): (u8, u8)| (m < 60).then(|| u16::from(h) * 60 + u16::from(m));
        let (start, end) = (minutes(start)?, minutes(end)?);
        (start < end && end <= DAY_MINUTES).then_some(Interval { start, end })
    }

    /// How long the interval is on a day without a change of the clocks, in minutes.
    pub fn minutes(self) -> u16 {
        self.end - self.start
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        write!(f, "{}-{}", hm(self.start), hm(self.end))
    }
}

impl FromStr for Interval {
    type Err = String;

    /// Reads `HH:MM-HH:MM` (`24:00` only as an end).
    fn from_str(text: &str) -> Result<Interval, String> {
        let shape = || format!("write an interval as HH:MM-HH:MM, such as 09:00-17:00 (not '{text}')");
        let (start, end) = text.split_once('-').ok_or_else(shape)?;
        let clock = |part: &str| -> Option<(u8, u8)> {
            let (h, m) = part.trim().split_once(':')?;
            let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
            if !digits(h) || !digits(m) {
                return None;
            }
            let (h, m) = (h.parse().ok()?, m.parse().ok()?);
            (h < 24 || (h, m) == (24, 0)).then_some((h, m))
        };
        let (start, end) = (clock(start).ok_or_else(shape)?, clock(end).ok_or_else(shape)?);
        if start == (24, 0) {
            return Err(shape());
        }
        Interval::new(start, end).ok_or_else(|| format!("an interval ends after it starts (not '{text}')"))
    }
}

/// The working intervals of each weekday, Monday first, each day's in order and apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Week {
    days: [Vec<Interval>; 7],
}

impl Week {
    /// Monday to Friday, 09:00 to 17:00: the default calendar's week.
    pub fn office_hours() -> Week {
        let day = vec![Interval { start: 9 * 60, end: 17 * 60 }];
        Week { days: [day.clone(), day.clone(), day.clone(), day.clone(), day, vec![], vec![]] }
    }

    /// Every day, all day: the `24x7` calendar's week.
    pub fn always() -> Week {
        Week { days: std::array::from_fn(|_| vec![Interval { start: 0, end: DAY_MINUTES }]) }
    }

    /// A week from each day's intervals as written (`"mon": ["09:00-12:30", "13:30-17:00"]`);
    /// a day not given has no working time. Refused, naming the field (`week.mon`): an unknown
    /// day, an interval that cannot be read or ends before it starts, intervals that overlap,
    /// and a week with no working time at all.
    pub fn parse<'a>(days: impl IntoIterator<Item = (&'a str, &'a [String])>) -> Result<Week, Vec<FieldError>> {
        let mut week = Week { days: Default::default() };
        let mut errors = Vec::new();
        for (name, intervals) in days {
            let field = format!("week.{name}");
            let Some(index) = WEEKDAYS.iter().position(|d| *d == name) else {
                errors.push(FieldError::new(field, "not a day: use mon, tue, wed, thu, fri, sat or sun"));
                continue;
            };
            let mut parsed = Vec::with_capacity(intervals.len());
            for text in intervals {
                match text.parse::<Interval>() {
                    Ok(interval) => parsed.push(interval),
                    Err(message) => errors.push(FieldError::new(field.clone(), message)),
                }
            }
            parsed.sort();
            if let Some(pair) = parsed.windows(2).find(|pair| pair[1].start < pair[0].end) {
                errors.push(FieldError::new(field.clone(), format!("{} and {} overlap", pair[0], pair[1])));
            }
            week.days[index] = parsed;
        }
        if errors.is_empty() && week.days.iter().all(Vec::is_empty) {
            errors.push(FieldError::new("week", "a calendar needs some working time in its week"));
        }
        if errors.is_empty() { Ok(week) } else { Err(errors) }
    }

    /// Each weekday's name and intervals, Monday first.
    pub fn days(&self) -> impl Iterator<Item = (&'static str, &[Interval])> {
        WEEKDAYS.iter().copied().zip(self.days.iter().map(Vec::as_slice))
    }
}

/// A week as the API and the store write it: each weekday's intervals, `HH:MM-HH:MM`
/// (`00:00-24:00` is the whole day), Monday first; a day left out has no working time.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeekHours {
    /// Monday's intervals, such as `["09:00-12:30", "13:30-17:00"]`.
    #[serde(default)]
    #[schema(max_items = 24)]
    pub mon: Vec<String>,
    /// Tuesday's intervals.
    #[serde(default)]
    #[schema(max_items = 24)]
    pub tue: Vec<String>,
    /// Wednesday's intervals.
    #[serde(default)]
    #[schema(max_items = 24)]
    pub wed: Vec<String>,
    /// Thursday's intervals.
    #[serde(default)]
    #[schema(max_items = 24)]
    pub thu: Vec<String>,
    /// Friday's intervals.
    #[serde(default)]
    #[schema(max_items = 24)]
    pub fri: Vec<String>,
    /// Saturday's intervals.
    #[serde(default)]
    #[schema(max_items = 24)]
    pub sat: Vec<String>,
    /// Sunday's intervals.
    #[serde(default)]
    #[schema(max_items = 24)]
    pub sun: Vec<String>,
}

impl WeekHours {
    /// The week these say, or the fields that cannot be read (`week.mon`).
    pub fn week(&self) -> Result<Week, Vec<FieldError>> {
        Week::parse(self.days().into_iter().map(|(day, intervals)| (day, intervals.as_slice())))
    }

    /// As `week` would write itself.
    pub fn of(week: &Week) -> WeekHours {
        let mut hours = WeekHours::default();
        for (day, intervals) in week.days() {
            let texts = intervals.iter().map(Interval::to_string).collect();
            match day {
                "mon" => hours.mon = texts,
                "tue" => hours.tue = texts,
                "wed" => hours.wed = texts,
                "thu" => hours.thu = texts,
                "fri" => hours.fri = texts,
                "sat" => hours.sat = texts,
                _ => hours.sun = texts,
            }
        }
        hours
    }

    fn days(&self) -> [(&'static str, &Vec<String>); 7] {
        [
            ("mon", &self.mon),
            ("tue", &self.tue),
            ("wed", &self.wed),
            ("thu", &self.thu),
            ("fri", &self.fri),
            ("sat", &self.sat),
            ("sun", &self.sun),
        ]
    }
}

/// A working-hour calendar as stored and shown.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct CalendarRecord {
    /// Its id.
    pub id: CalendarId,
    /// Its name, unique.
    pub name: String,
    /// Its IANA time zone (`Europe/Berlin`).
    pub time_zone: String,
    /// Its working week.
    pub week: WeekHours,
    /// Its holidays: whole local dates without working time.
    pub holidays: Vec<time::Date>,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A duration in working time, as written: `30m`, `4h` (working minutes and hours) or `5d`
/// (working days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkingDuration {
    /// Working minutes.
    Minutes(u32),
    /// Working hours.
    Hours(u32),
    /// Working days: the same working offset into the day, N working days later.
    Days(u32),
}

impl WorkingDuration {
    /// The most a duration may say, in each unit: ten years.
    const MOST: [(char, u32); 3] = [('m', 10 * 366 * 24 * 60), ('h', 10 * 366 * 24), ('d', 10 * 366)];

    /// This duration `n` times over, in its own unit.
    pub fn times(self, n: u32) -> WorkingDuration {
        match self {
            WorkingDuration::Minutes(m) => WorkingDuration::Minutes(m.saturating_mul(n)),
            WorkingDuration::Hours(h) => WorkingDuration::Hours(h.saturating_mul(n)),
            WorkingDuration::Days(d) => WorkingDuration::Days(d.saturating_mul(n)),
        }
    }

    /// Whether it is no time at all.
    pub fn is_zero(self) -> bool {
        matches!(self, WorkingDuration::Minutes(0) | WorkingDuration::Hours(0) | WorkingDuration::Days(0))
    }

    /// Whether this is shorter than `other` on any calendar: both in days, or both in minutes
    /// and hours. Days against hours say nothing, for a working day's length is the calendar's.
    pub fn sooner_than(self, other: WorkingDuration) -> bool {
        match (self.minutes(), other.minutes()) {
            (Some(a), Some(b)) => a < b,
            (None, None) => self.days() < other.days(),
            _ => false,
        }
    }

    fn minutes(self) -> Option<u64> {
        match self {
            WorkingDuration::Minutes(m) => Some(u64::from(m)),
            WorkingDuration::Hours(h) => Some(u64::from(h) * 60),
            WorkingDuration::Days(_) => None,
        }
    }

    fn days(self) -> u32 {
        match self {
            WorkingDuration::Days(d) => d,
            _ => 0,
        }
    }
}

impl fmt::Display for WorkingDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkingDuration::Minutes(n) => write!(f, "{n}m"),
            WorkingDuration::Hours(n) => write!(f, "{n}h"),
            WorkingDuration::Days(n) => write!(f, "{n}d"),
        }
    }
}

impl FromStr for WorkingDuration {
    type Err = String;

    fn from_str(text: &str) -> Result<WorkingDuration, String> {
        let shape = || format!("write a duration as a number and m, h or d, such as 30m, 4h or 5d (not '{text}')");
        let text = text.trim();
        let unit = text.chars().last().ok_or_else(shape)?;
        let digits = &text[..text.len() - unit.len_utf8()];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(shape());
        }
        let (_, most) = WorkingDuration::MOST.iter().find(|(u, _)| *u == unit).ok_or_else(shape)?;
        let n: u32 =
            digits.parse().ok().filter(|n| n <= most).ok_or_else(|| format!("'{text}' is more than ten years"))?;
        Ok(match unit {
            'm' => WorkingDuration::Minutes(n),
            'h' => WorkingDuration::Hours(n),
            _ => WorkingDuration::Days(n),
        })
    }
}

/// Why a moment cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The calendar has no working time within ten years of the start.
    #[error("the calendar has no working time within ten years")]
    NoWorkingTime,
    /// The moment lies beyond the dates a calendar can reckon with.
    #[error("the moment is out of the calendar's range")]
    OutOfRange,
}

/// A working-hour calendar: its zone, week and holidays.
#[derive(Debug, Clone)]
pub struct Calendar {
    zone: TimeZone,
    week: Week,
    holidays: BTreeSet<Date>,
}

impl Calendar {
    /// A calendar in `zone` working `week`, except on `holidays`.
    pub fn new(zone: TimeZone, week: Week, holidays: impl IntoIterator<Item = time::Date>) -> Calendar {
        let holidays = holidays.into_iter().filter_map(|d| civil_date(d).ok()).collect();
        Calendar { zone, week, holidays }
    }

    /// The moment `after` of working time has passed since `from`. A start outside working time
    /// counts from the next working moment. Minutes and hours are consumed interval by
    /// interval; `Nd` lands at the same working offset into the day N working days later, or
    /// at that day's end of work when it has less working time than that.
    pub fn due(&self, from: OffsetDateTime, after: WorkingDuration) -> Result<OffsetDateTime, CalendarError> {
        let from = timestamp(from)?;
        let due = match after {
            WorkingDuration::Minutes(n) => self.add(from, SignedDuration::from_mins(i64::from(n)))?,
            WorkingDuration::Hours(n) => self.add(from, SignedDuration::from_hours(i64::from(n)))?,
            WorkingDuration::Days(n) => self.add_days(from, n)?,
        };
        offset_date_time(due)
    }

    /// The moment `working` of working time has passed since `from` (a start outside working
    /// time counts from the next working moment; none or less: that moment).
    pub fn after_working(
        &self,
        from: OffsetDateTime,
        working: time::Duration,
    ) -> Result<OffsetDateTime, CalendarError> {
        let left = SignedDuration::new(working.whole_seconds().max(0), working.subsec_nanoseconds().max(0));
        offset_date_time(self.add(timestamp(from)?, left)?)
    }

    /// The working time between `from` and `to` (none when `to` is not after `from`).
    pub fn working_time(&self, from: OffsetDateTime, to: OffsetDateTime) -> Result<time::Duration, CalendarError> {
        let (from, to) = (timestamp(from)?, timestamp(to)?);
        let mut total = SignedDuration::ZERO;
        let mut date = self.date_of(from);
        for _ in 0..SPAN_DAYS {
            if self.instant(date, 0).is_none_or(|start| start >= to) {
                return Ok(time::Duration::seconds(total.as_secs())
                    + time::Duration::nanoseconds(i64::from(total.subsec_nanos())));
            }
            for (s, e) in self.periods(date) {
                let (s, e) = (s.max(from), e.min(to));
                if s < e {
                    total += e.duration_since(s);
                }
            }
            date = date.tomorrow().map_err(|_| CalendarError::OutOfRange)?;
        }
        Err(CalendarError::OutOfRange)
    }

    /// The working periods of `date` as instants, in order; none on a holiday. An interval that
    /// the clocks skip (02:00-03:00 on the night summer time starts) is empty and left out.
    fn periods(&self, date: Date) -> Vec<(Timestamp, Timestamp)> {
        if self.holidays.contains(&date) {
            return Vec::new();
        }
        let day = usize::try_from(date.weekday().to_monday_zero_offset()).unwrap_or_default();
        self.week.days[day]
            .iter()
            .filter_map(|i| Some((self.instant(date, i.start)?, self.instant(date, i.end)?)))
            .filter(|(s, e)| s < e)
            .collect()
    }

    /// The instant of `minute` (24:00 being the next day's 00:00) on `date` in the calendar's
    /// zone. A wall time the clocks skip is taken as the moment after the gap, one they repeat
    /// as its first occurrence (RFC 5545's rule).
    fn instant(&self, date: Date, minute: u16) -> Option<Timestamp> {
        let (date, minute) = if minute >= DAY_MINUTES { (date.tomorrow().ok()?, 0) } else { (date, minute) };
        let hours = i8::try_from(minute / 60).ok()?;
        let minutes = i8::try_from(minute % 60).ok()?;
        let time = Time::new(hours, minutes, 0, 0).ok()?;
        self.zone.to_timestamp(date.to_datetime(time)).ok()
    }

    /// The local date of `moment` in the calendar's zone.
    fn date_of(&self, moment: Timestamp) -> Date {
        self.zone.to_datetime(moment).date()
    }

    /// `left` of working time after `from`; with none left, the next working moment.
    fn add(&self, from: Timestamp, mut left: SignedDuration) -> Result<Timestamp, CalendarError> {
        let mut date = self.date_of(from);
        for _ in 0..HORIZON_DAYS {
            for (s, e) in self.periods(date) {
                if e <= from {
                    continue;
                }
                let s = s.max(from);
                let length = e.duration_since(s);
                if left <= length {
                    return s.checked_add(left).map_err(|_| CalendarError::OutOfRange);
                }
                left -= length;
            }
            date = date.tomorrow().map_err(|_| CalendarError::OutOfRange)?;
        }
        Err(CalendarError::NoWorkingTime)
    }

    /// `n` working days after `from`: the same working offset into the day (the working time
    /// since the day's first interval began), on the n-th working day after the start's.
    fn add_days(&self, from: Timestamp, n: u32) -> Result<Timestamp, CalendarError> {
        let start = self.add(from, SignedDuration::ZERO)?;
        if n == 0 {
            return Ok(start);
        }
        let mut date = self.date_of(start);
        let offset: SignedDuration = self
            .periods(date)
            .into_iter()
            .filter(|(s, _)| *s < start)
            .map(|(s, e)| e.min(start).duration_since(s))
            .sum();
        let mut counted = 0;
        for _ in 0..HORIZON_DAYS {
            date = date.tomorrow().map_err(|_| CalendarError::OutOfRange)?;
            let periods = self.periods(date);
            if periods.is_empty() {
                continue;
            }
            counted += 1;
            if counted < n {
                continue;
            }
            let mut left = offset;
            for (s, e) in &periods {
                let length = e.duration_since(*s);
                if left <= length {
                    return s.checked_add(left).map_err(|_| CalendarError::OutOfRange);
                }
                left -= length;
            }
            // The day holds less working time than the offset: its end of work.
            return periods.last().map(|(_, e)| *e).ok_or(CalendarError::NoWorkingTime);
        }
        Err(CalendarError::NoWorkingTime)
    }
}

/// The most holidays one list may hold.
pub const MOST_HOLIDAYS: usize = 1_000;

/// The longest event of a holiday list, in days.
const LONGEST_EVENT_DAYS: i64 = 31;

/// Reads a list of holidays pasted as dates (`2026-12-25` or `20261225`, separated by lines,
/// commas or spaces) or as an iCalendar file: each `VEVENT`'s dates from `DTSTART` up to its
/// `DTEND` (exclusive) or through its `DURATION` (`P3D`), one day when it has neither; a yearly
/// rule on a fixed date (`RRULE:FREQ=YEARLY`, with `COUNT` or `UNTIL`) repeats it in each of
/// `years`. Other rules (the 4th Thursday of November) cannot be read on a date alone and are
/// refused, naming their line: paste the dated occurrences instead. Sorted, without repeats.
pub fn parse_holidays(text: &str, years: std::ops::RangeInclusive<i32>) -> Result<Vec<time::Date>, String> {
    let mut dates = if text.contains("BEGIN:VEVENT") { icalendar_dates(text, &years)? } else { plain_dates(text)? };
    dates.sort();
    dates.dedup();
    if dates.len() > MOST_HOLIDAYS {
        return Err(format!("at most {MOST_HOLIDAYS} holidays (this list has {})", dates.len()));
    }
    Ok(dates)
}

fn plain_dates(text: &str) -> Result<Vec<time::Date>, String> {
    text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(|token| {
            let digits: String = token.chars().filter(|c| *c != '-').collect();
            ical_date(&digits).filter(|_| token.len() == 8 || token.len() == 10).ok_or_else(|| {
                format!("'{token}' is not a date: write dates as 2026-12-25, one per line or separated by commas")
            })
        })
        .collect()
}

/// `YYYYMMDD`, or the date of `YYYYMMDDTHHMMSS[Z]`.
fn ical_date(value: &str) -> Option<time::Date> {
    let digits = value.get(..8)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !(value.len() == 8 || value[8..].starts_with('T')) {
        return None;
    }
    let (year, month, day) = (digits[..4].parse().ok()?, digits[4..6].parse::<u8>().ok()?, digits[6..].parse().ok()?);
    time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

fn icalendar_dates(text: &str, years: &std::ops::RangeInclusive<i32>) -> Result<Vec<time::Date>, String> {
    // Lines are folded by a line break followed by a space or a tab (RFC 5545, 3.1).
    let unfolded = text.replace("\r\n", "\n").replace("\n ", "").replace("\n\t", "");
    let mut dates = Vec::new();
    let mut event: Option<Vec<(usize, &str, &str)>> = None;
    for (number, line) in unfolded.lines().enumerate().map(|(n, l)| (n + 1, l.trim_end())) {
        let (name, value) = match line.split_once(':') {
            Some((head, value)) => (head.split(';').next().unwrap_or(head).to_ascii_uppercase(), value),
            None => continue,
        };
        match (name.as_str(), value, event.as_mut()) {
            ("BEGIN", "VEVENT", _) => event = Some(Vec::new()),
            ("END", "VEVENT", Some(_)) => {
                if let Some(properties) = event.take() {
                    dates.extend(event_dates(&properties, years)?);
                }
            }
            (_, _, Some(properties)) => properties.push((number, line, value)),
            _ => {}
        }
        if dates.len() > MOST_HOLIDAYS {
            return Err(format!("at most {MOST_HOLIDAYS} holidays"));
        }
    }
    Ok(dates)
}

/// The dates of one event, from its properties as `(line number, line, value)`.
fn event_dates(
    properties: &[(usize, &str, &str)],
    years: &std::ops::RangeInclusive<i32>,
) -> Result<Vec<time::Date>, String> {
    let named = |name: &str| {
        properties.iter().find(|(_, line, _)| {
            line.get(..name.len()).is_some_and(|n| n.eq_ignore_ascii_case(name))
                && matches!(line.as_bytes().get(name.len()), Some(b':' | b';'))
        })
    };
    let Some(&(number, line, value)) = named("DTSTART") else {
        return Err("an event without DTSTART: each holiday needs its date".to_owned());
    };
    let start = ical_date(value).ok_or_else(|| format!("line {number}: cannot read the date of '{line}'"))?;
    let mut days = 1;
    if let Some(&(number, line, value)) = named("DTEND") {
        let end = ical_date(value).ok_or_else(|| format!("line {number}: cannot read the date of '{line}'"))?;
        days = (end - start).whole_days().max(1);
    } else if let Some(&(number, line, value)) = named("DURATION") {
        let count = |unit: char| value.strip_prefix('P')?.strip_suffix(unit)?.parse::<i64>().ok();
        days = count('D').or(count('W').map(|w| w * 7)).ok_or_else(|| {
            format!("line {number}: a holiday's duration is whole days or weeks, such as P1D (not '{line}')")
        })?;
    }
    if !(1..=LONGEST_EVENT_DAYS).contains(&days) {
        return Err(format!("line {number}: an event of {days} days is longer than a holiday can be"));
    }
    let span = |first: time::Date| (0..days).filter_map(move |d| first.checked_add(time::Duration::days(d)));
    let Some(&(number, line, rule)) = named("RRULE") else {
        return Ok(span(start).collect());
    };
    let refused = || {
        format!(
            "line {number}: only yearly rules on a fixed date can be read ('{line}'); paste the dated occurrences instead"
        )
    };
    let mut count = None;
    let mut until = None;
    let mut yearly = false;
    for part in rule.split(';') {
        match part.split_once('=').map(|(k, v)| (k.to_ascii_uppercase(), v)) {
            Some((key, v)) if key == "FREQ" => yearly = v.eq_ignore_ascii_case("YEARLY"),
            Some((key, v)) if key == "COUNT" => count = Some(v.parse::<i32>().map_err(|_| refused())?),
            Some((key, v)) if key == "UNTIL" => until = Some(ical_date(v).ok_or_else(refused)?),
            Some((key, v)) if key == "INTERVAL" && v == "1" => {}
            Some((key, v)) if key == "BYMONTH" && v.parse::<u8>().ok() == Some(u8::from(start.month())) => {}
            Some((key, v)) if key == "BYMONTHDAY" && v.parse::<u8>().ok() == Some(start.day()) => {}
            _ => return Err(refused()),
        }
    }
    if !yearly {
        return Err(refused());
    }
    let last = count.map_or(i32::MAX, |c| start.year().saturating_add(c - 1));
    let mut dates = Vec::new();
    for year in (*years.start()).max(start.year())..=(*years.end()).min(last) {
        // 29 February repeats only in leap years.
        let Ok(first) = start.replace_year(year) else { continue };
        if until.is_some_and(|u| first > u) {
            break;
        }
        dates.extend(span(first));
    }
    Ok(dates)
}

fn timestamp(moment: OffsetDateTime) -> Result<Timestamp, CalendarError> {
    Timestamp::from_nanosecond(moment.unix_timestamp_nanos()).map_err(|_| CalendarError::OutOfRange)
}

fn offset_date_time(moment: Timestamp) -> Result<OffsetDateTime, CalendarError> {
    OffsetDateTime::from_unix_timestamp_nanos(moment.as_nanosecond()).map_err(|_| CalendarError::OutOfRange)
}

fn civil_date(date: time::Date) -> Result<Date, CalendarError> {
    let month = i8::try_from(u8::from(date.month())).map_err(|_| CalendarError::OutOfRange)?;
    let day = i8::try_from(date.day()).map_err(|_| CalendarError::OutOfRange)?;
    let year = i16::try_from(date.year()).map_err(|_| CalendarError::OutOfRange)?;
    Date::new(year, month, day).map_err(|_| CalendarError::OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> TimeZone {
        // The bundled database, so that the results do not hang on the host's tzdata.
        jiff::tz::TimeZoneDatabase::bundled().get(name).expect("a zone")
    }

    /// `2026-12-04 16:00` in `zone`.
    fn local(zone: &TimeZone, text: &str) -> OffsetDateTime {
        let civil: jiff::civil::DateTime = text.parse().expect("a local date and time");
        let ts = zone.to_timestamp(civil).expect("an instant");
        offset_date_time(ts).expect("in range")
    }

    fn week(days: &[(&str, &[&str])]) -> Week {
        let owned: Vec<(&str, Vec<String>)> =
            days.iter().map(|(d, i)| (*d, i.iter().map(|s| (*s).to_owned()).collect())).collect();
        Week::parse(owned.iter().map(|(d, i)| (*d, i.as_slice()))).expect("a week")
    }

    fn date(text: &str) -> time::Date {
        time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")).expect("a date")
    }

    #[test]
    fn due_moments_follow_the_working_week_holidays_and_the_clocks_of_the_zone() {
        let berlin = zone("Europe/Berlin");
        let office = Calendar::new(berlin.clone(), Week::office_hours(), [date("2026-12-25")]);
        let split_days = ["09:00-12:30", "13:30-17:00"];
        let split = Calendar::new(
            berlin.clone(),
            week(&[("mon", &split_days), ("tue", &split_days), ("wed", &split_days), ("thu", &split_days)]),
            [],
        );
        let short_friday =
            Calendar::new(berlin.clone(), week(&[("thu", &["09:00-17:00"]), ("fri", &["09:00-12:00"])]), []);
        let always = Calendar::new(berlin.clone(), Week::always(), []);
        let night_shift = Calendar::new(berlin.clone(), week(&[("sun", &["01:00-04:00"])]), []);
        let utc_always = Calendar::new(TimeZone::UTC, Week::always(), []);
        // (calendar, start, duration, due; all local to Berlin but the last)
        let cases: &[(&str, &Calendar, &str, &str, &str)] = &[
            ("a day from Friday afternoon", &office, "2026-12-04T16:00", "1d", "2026-12-07T16:00"),
            ("hours across a holiday and a weekend", &office, "2026-12-24T16:00", "2h", "2026-12-28T10:00"),
            ("a day across a holiday and a weekend", &office, "2026-12-24T10:00", "1d", "2026-12-28T10:00"),
            ("a start before hours", &office, "2026-12-07T07:00", "30m", "2026-12-07T09:30"),
            ("a start on a Saturday", &office, "2026-12-05T12:00", "1h", "2026-12-07T10:00"),
            ("an hour over the weekend", &office, "2026-12-04T16:30", "1h", "2026-12-07T09:30"),
            ("a working week", &office, "2026-12-07T10:00", "5d", "2026-12-14T10:00"),
            ("a day in hours", &office, "2026-12-04T16:00", "8h", "2026-12-07T16:00"),
            ("nothing from the end of work", &office, "2026-12-04T17:00", "0m", "2026-12-07T09:00"),
            ("the whole of the last hour", &office, "2026-12-04T16:00", "60m", "2026-12-04T17:00"),
            ("across the lunch break", &split, "2026-12-07T12:00", "1h", "2026-12-07T14:00"),
            ("a start in the lunch break", &split, "2026-12-07T12:45", "30m", "2026-12-07T14:00"),
            ("a day on split days", &split, "2026-12-07T16:00", "1d", "2026-12-08T16:00"),
            ("a day onto a shorter day", &short_friday, "2026-12-03T16:00", "1d", "2026-12-04T12:00"),
            ("over the weekend summer time starts", &office, "2026-03-27T16:30", "1h", "2026-03-30T09:30"),
            ("over the weekend summer time ends", &office, "2026-10-23T16:30", "1h", "2026-10-26T09:30"),
            ("a day over the weekend summer time starts", &office, "2026-03-27T11:00", "1d", "2026-03-30T11:00"),
            // 24x7: the day summer time starts has 23 working hours, the day it ends 25.
            ("24 hours from the night summer time starts", &always, "2026-03-29T00:00", "24h", "2026-03-30T01:00"),
            ("24 hours from the night summer time ends", &always, "2026-10-25T00:00", "24h", "2026-10-25T23:00"),
            // `1d` keeps the working offset (12 working hours since midnight), not the clock time.
            ("a day onto the 23-hour day", &always, "2026-03-28T12:00", "1d", "2026-03-29T13:00"),
            ("a day onto the 25-hour day", &always, "2026-10-24T12:00", "1d", "2026-10-25T11:00"),
            ("hours within one 24x7 day", &always, "2026-12-05T22:00", "90m", "2026-12-05T23:30"),
            // 01:00-04:00 on the night the clocks skip 02:00-03:00 holds two working hours.
            ("an interval the clocks shorten", &night_shift, "2026-03-29T01:00", "2h", "2026-03-29T04:00"),
            ("past the shortened interval", &night_shift, "2026-03-29T01:00", "150m", "2026-04-05T01:30"),
        ];
        for (what, calendar, from, after, due) in cases {
            let from = local(&berlin, from);
            let after: WorkingDuration = after.parse().expect("a duration");
            assert_eq!(calendar.due(from, after), Ok(local(&berlin, due)), "{what}");
        }
        let noon = local(&TimeZone::UTC, "2026-03-29T00:30");
        assert_eq!(
            utc_always.due(noon, WorkingDuration::Minutes(90)),
            Ok(local(&TimeZone::UTC, "2026-03-29T02:00")),
            "UTC knows no change of the clocks"
        );
    }

    #[test]
    fn working_time_counts_only_the_intervals() {
        let berlin = zone("Europe/Berlin");
        let office = Calendar::new(berlin.clone(), Week::office_hours(), [date("2026-12-25")]);
        let always = Calendar::new(berlin.clone(), Week::always(), []);
        let cases: &[(&Calendar, &str, &str, i64)] = &[
            (&office, "2026-12-04T16:00", "2026-12-07T10:00", 2 * 60),
            (&office, "2026-12-24T08:00", "2026-12-28T09:30", 8 * 60 + 30),
            (&office, "2026-12-07T10:00", "2026-12-07T09:00", 0),
            (&office, "2026-12-05T08:00", "2026-12-05T20:00", 0),
            (&always, "2026-03-29T00:00", "2026-03-30T00:00", 23 * 60),
            (&always, "2026-10-25T00:00", "2026-10-26T00:00", 25 * 60),
        ];
        for (calendar, from, to, minutes) in cases {
            let spent = calendar.working_time(local(&berlin, from), local(&berlin, to));
            assert_eq!(spent, Ok(time::Duration::minutes(*minutes)), "{from} to {to}");
        }
    }

    #[test]
    fn working_time_added_lands_where_it_was_counted_to() {
        let berlin = zone("Europe/Berlin");
        let office = Calendar::new(berlin.clone(), Week::office_hours(), [date("2026-12-25")]);
        // (from, working minutes, lands at): a paused clock resumes with what it has left.
        let cases: &[(&str, i64, &str)] = &[
            ("2026-12-04T16:00", 8 * 60, "2026-12-07T16:00"),
            ("2026-12-24T16:00", 2 * 60, "2026-12-28T10:00"),
            ("2026-12-05T12:00", 0, "2026-12-07T09:00"),
            ("2026-12-07T10:00", -30, "2026-12-07T10:00"),
            ("2026-12-04T16:59", 1, "2026-12-04T17:00"),
        ];
        for (from, minutes, lands) in cases {
            let from = local(&berlin, from);
            let at = office.after_working(from, time::Duration::minutes(*minutes));
            assert_eq!(at, Ok(local(&berlin, lands)), "{from} + {minutes} working minutes");
            if *minutes > 0 {
                let counted = office.working_time(from, local(&berlin, lands));
                assert_eq!(counted, Ok(time::Duration::minutes(*minutes)), "and back");
            }
        }
    }

    #[test]
    fn a_calendar_with_nothing_but_holidays_ahead_says_so() {
        let one_day = Calendar::new(TimeZone::UTC, week(&[("mon", &["09:00-10:00"])]), []);
        let all_mondays = (0..600).map(|w| date("2026-12-07") + time::Duration::weeks(w));
        let blocked = Calendar::new(TimeZone::UTC, week(&[("mon", &["09:00-10:00"])]), all_mondays);
        let from = local(&TimeZone::UTC, "2026-12-07T08:00");
        assert_eq!(one_day.due(from, WorkingDuration::Hours(2)), Ok(local(&TimeZone::UTC, "2026-12-14T10:00")));
        assert_eq!(blocked.due(from, WorkingDuration::Hours(2)), Err(CalendarError::NoWorkingTime));
    }

    #[test]
    fn holiday_lists_are_read_as_dates_or_icalendar_events() {
        let years = 2026..=2028;
        let dates = |list: &[&str]| list.iter().map(|d| date(d)).collect::<Vec<_>>();
        let plain = "2026-12-25\n2026-12-26, 20270101; 2026-12-25";
        assert_eq!(parse_holidays(plain, years.clone()), Ok(dates(&["2026-12-25", "2026-12-26", "2027-01-01"])));
        let calendar = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nDTSTART:19700101T000000\r\nEND:VTIMEZONE\r\n\
            BEGIN:VEVENT\r\nSUMMARY:Christmas\r\nDTSTART;VALUE=DATE:20261225\r\nDTEND;VALUE=DATE:20261227\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nSUMMARY:New Year\r\nDTSTART;VALUE=DATE:20270101\r\nRRULE:FREQ=YEARLY;BYMONTH=1;\r\n BYMONTHDAY=1\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nSUMMARY:Retreat\r\nDTSTART:20270310T080000Z\r\nDURATION:P2D\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nSUMMARY:Labour day\r\nDTSTART;VALUE=DATE:20260501\r\nRRULE:FREQ=YEARLY;COUNT=2\r\nEND:VEVENT\r\n\
            END:VCALENDAR\r\n";
        assert_eq!(
            parse_holidays(calendar, years.clone()),
            Ok(dates(&[
                "2026-05-01",
                "2026-12-25",
                "2026-12-26",
                "2027-01-01",
                "2027-03-10",
                "2027-03-11",
                "2027-05-01",
                "2028-01-01",
            ]))
        );
        let refusals: &[(&str, &str)] = &[
            ("2026-13-01", "'2026-13-01' is not a date"),
            ("next friday", "'next' is not a date"),
            (
                "BEGIN:VEVENT\nDTSTART;VALUE=DATE:20261126\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH\nEND:VEVENT",
                "line 3: only yearly rules on a fixed date",
            ),
            ("BEGIN:VEVENT\nDTSTART;VALUE=DATE:20261126\nRRULE:FREQ=WEEKLY\nEND:VEVENT", "line 3: only yearly"),
            ("BEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT", "an event without DTSTART"),
            ("BEGIN:VEVENT\nDTSTART:2026-12-25\nEND:VEVENT", "line 2: cannot read the date"),
            ("BEGIN:VEVENT\nDTSTART:20260101\nDTEND:20270101\nEND:VEVENT", "longer than a holiday can be"),
        ];
        for (text, expected) in refusals {
            let error = parse_holidays(text, years.clone()).expect_err("refused");
            assert!(error.contains(expected), "{error} should say {expected}");
        }
    }

    #[test]
    fn intervals_weeks_and_durations_are_read_or_refused_by_name() {
        let good: &[(&str, &str)] =
            &[("09:00-17:00", "09:00-17:00"), ("00:00-24:00", "00:00-24:00"), (" 13:30 - 17:00 ", "13:30-17:00")];
        for (text, shown) in good {
            assert_eq!(text.parse::<Interval>().map(|i| i.to_string()).as_deref(), Ok(*shown), "{text}");
        }
        for bad in
            ["17:00-09:00", "09:00-09:00", "9:00-17:00", "09:00", "24:00-24:00", "09:60-10:00", "08:00-24:30", ""]
        {
            assert!(bad.parse::<Interval>().is_err(), "{bad}");
        }
        let days = |pairs: &[(&str, &[&str])]| -> Result<Week, Vec<String>> {
            let owned: Vec<(&str, Vec<String>)> =
                pairs.iter().map(|(d, i)| (*d, i.iter().map(|s| (*s).to_owned()).collect())).collect();
            Week::parse(owned.iter().map(|(d, i)| (*d, i.as_slice())))
                .map_err(|errors| errors.into_iter().map(|e| format!("{}: {}", e.field, e.message)).collect())
        };
        type Days<'a> = &'a [(&'a str, &'a [&'a str])];
        let refusals: &[(Days, &str)] = &[
            (&[("mon", &["17:00-09:00"])], "week.mon: an interval ends after it starts"),
            (&[("mon", &["09:00-12:00", "11:00-13:00"])], "week.mon: 09:00-12:00 and 11:00-13:00 overlap"),
            (&[("monday", &["09:00-12:00"])], "week.monday: not a day"),
            (&[("sat", &[])], "week: a calendar needs some working time"),
            (&[], "week: a calendar needs some working time"),
        ];
        for (pairs, expected) in refusals {
            let errors = days(pairs).expect_err("refused");
            assert!(errors.iter().any(|e| e.starts_with(expected)), "{errors:?} should say {expected}");
        }
        assert!(days(&[("mon", &["09:00-12:00", "12:00-13:00"])]).is_ok(), "intervals that touch do not overlap");
        let durations: &[(&str, Result<WorkingDuration, ()>)] = &[
            ("30m", Ok(WorkingDuration::Minutes(30))),
            ("4h", Ok(WorkingDuration::Hours(4))),
            ("5d", Ok(WorkingDuration::Days(5))),
            ("0m", Ok(WorkingDuration::Minutes(0))),
            ("5x", Err(())),
            ("d", Err(())),
            ("-5d", Err(())),
            ("1.5h", Err(())),
            ("5 d", Err(())),
            ("4000d", Err(())),
            ("", Err(())),
        ];
        for (text, expected) in durations {
            assert_eq!(text.parse::<WorkingDuration>().map_err(|_| ()), *expected, "{text}");
        }
        assert_eq!(WorkingDuration::Hours(4).to_string(), "4h");
        let compared = [
            ("30m", "1h", true),
            ("2h", "90m", false),
            ("60m", "1h", false),
            ("1d", "2d", true),
            ("4h", "1d", false),
            ("1d", "4h", false),
        ];
        for (a, b, sooner) in compared {
            let (a, b): (WorkingDuration, WorkingDuration) = (a.parse().expect("a"), b.parse().expect("b"));
            assert_eq!(a.sooner_than(b), sooner, "{a} sooner than {b}");
        }
        assert_eq!(WorkingDuration::Hours(4).times(4), WorkingDuration::Hours(16));
        assert!(WorkingDuration::Days(0).is_zero() && !WorkingDuration::Minutes(1).is_zero());
    }
}
