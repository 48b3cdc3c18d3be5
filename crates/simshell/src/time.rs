//! Broken-down UTC times and `strftime`, for `date`, `ps` and `uptime`.

use sysman_api::calendar::{civil_from_days, days_from_civil, weekday};

pub(crate) const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
pub(crate) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A broken-down UTC time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tm {
    pub(crate) year: i64,
    /// 1–12.
    pub(crate) mon: u32,
    /// 1–31.
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) min: u32,
    pub(crate) sec: u32,
    pub(crate) ms: u32,
    /// 0 = Sunday.
    pub(crate) wday: u32,
    /// 0-based day of the year.
    pub(crate) yday: u32,
    /// Whole seconds since the epoch.
    epoch: i64,
}

pub(crate) fn tm(ms: i64) -> Tm {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (year, mon, day) = civil_from_days(days);
    Tm {
        year,
        mon,
        day,
        hour: (sod / 3600) as u32,
        min: (sod / 60 % 60) as u32,
        sec: (sod % 60) as u32,
        ms: ms.rem_euclid(1000) as u32,
        wday: weekday(days),
        yday: (days - days_from_civil(year, 1, 1)) as u32,
        epoch: secs,
    }
}

/// `strftime` for the UTC zone: the directives `date +FORMAT` users reach for.
pub(crate) fn strftime(fmt: &str, t: &Tm) -> String {
    let mut out = String::new();
    let mut it = fmt.chars().peekable();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // GNU flags: '-' (no padding), '_' (space padding), '0' (zero padding).
        let mut pad: Option<char> = None;
        while let Some(&f) = it.peek() {
            match f {
                '-' => pad = Some('\0'),
                '_' => pad = Some(' '),
                '0' => pad = Some('0'),
                _ => break,
            }
            it.next();
        }
        let num = |n: i64, width: usize, default: char| -> String {
            match pad.unwrap_or(default) {
                '\0' => n.to_string(),
                ' ' => format!("{n:>width$}"),
                _ => format!("{n:0width$}"),
            }
        };
        let hour12 = if t.hour.is_multiple_of(12) {
            12
        } else {
            t.hour % 12
        };
        let Some(d) = it.next() else {
            out.push('%');
            break;
        };
        let piece = match d {
            'a' => WEEKDAYS[t.wday as usize][..3].to_owned(),
            'A' => WEEKDAYS[t.wday as usize].to_owned(),
            'b' | 'h' => MONTHS[t.mon as usize - 1][..3].to_owned(),
            'B' => MONTHS[t.mon as usize - 1].to_owned(),
            'c' => strftime("%a %b %e %H:%M:%S %Y", t),
            'C' => num(t.year / 100, 2, '0'),
            'd' => num(i64::from(t.day), 2, '0'),
            'D' | 'x' => strftime("%m/%d/%y", t),
            'e' => num(i64::from(t.day), 2, ' '),
            'F' => strftime("%Y-%m-%d", t),
            'H' => num(i64::from(t.hour), 2, '0'),
            'I' => num(i64::from(hour12), 2, '0'),
            'j' => num(i64::from(t.yday) + 1, 3, '0'),
            'k' => num(i64::from(t.hour), 2, ' '),
            'l' => num(i64::from(hour12), 2, ' '),
            'm' => num(i64::from(t.mon), 2, '0'),
            'M' => num(i64::from(t.min), 2, '0'),
            'n' => "\n".to_owned(),
            'N' => format!("{:09}", u64::from(t.ms) * 1_000_000),
            'p' => if t.hour < 12 { "AM" } else { "PM" }.to_owned(),
            'P' => if t.hour < 12 { "am" } else { "pm" }.to_owned(),
            'r' => strftime("%I:%M:%S %p", t),
            'R' => strftime("%H:%M", t),
            's' => t.epoch.to_string(),
            'S' => num(i64::from(t.sec), 2, '0'),
            't' => "\t".to_owned(),
            'T' | 'X' => strftime("%H:%M:%S", t),
            'u' => (if t.wday == 0 { 7 } else { t.wday }).to_string(),
            'w' => t.wday.to_string(),
            'y' => num(t.year % 100, 2, '0'),
            'Y' => t.year.to_string(),
            'z' => "+0000".to_owned(),
            ':' if it.peek() == Some(&'z') => {
                it.next();
                "+00:00".to_owned()
            }
            'Z' => "UTC".to_owned(),
            '%' => "%".to_owned(),
            other => format!("%{other}"),
        };
        out.push_str(&piece);
    }
    out
}

/// `Nov11` or `17:31` or `2025`, as ps shows a start time.
pub(crate) fn ps_start(start_ms: i64, now_ms: i64) -> String {
    let s = tm(start_ms);
    let n = tm(now_ms);
    if now_ms - start_ms < 86_400_000 && s.day == n.day {
        format!("{:02}:{:02}", s.hour, s.min)
    } else if s.year == n.year {
        format!("{}{:02}", &MONTHS[s.mon as usize - 1][..3], s.day)
    } else {
        s.year.to_string()
    }
}
