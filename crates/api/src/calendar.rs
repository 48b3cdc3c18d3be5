//! Proleptic Gregorian calendar arithmetic on days since 1970-01-01 (UTC).
//!
//! One copy for every crate that turns epoch times into dates: timestamps,
//! SigV4 dates, the patch catalogue's release calendar and the simulated
//! shell's `date`.

/// A date to days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
/// `m` is 1–12, `d` is 1–31.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 to `(year, month 1–12, day 1–31)` (Howard
/// Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The weekday of a day since 1970-01-01: 0 = Sunday (1970-01-01 was a
/// Thursday).
pub fn weekday(days: i64) -> u32 {
    (days + 4).rem_euclid(7) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_dates_round_trip() {
        for days in [-719_468, -1, 0, 11_016, 20_780, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(days_from_civil(2026, 11, 23), 20_780);
    }

    #[test]
    fn weekdays_start_on_sunday() {
        assert_eq!(weekday(0), 4);
        assert_eq!(weekday(-4), 0);
        // 2026-11-23 is a Monday.
        assert_eq!(weekday(20_780), 1);
    }
}
