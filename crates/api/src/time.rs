use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::calendar::{civil_from_days, days_from_civil};

/// A point in time, in milliseconds since the Unix epoch.
///
/// On the wire it is epoch seconds as a JSON number (fractions allowed), as
/// the AWS JSON protocol sends timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub const fn from_secs(secs: i64) -> Self {
        Self(secs * 1000)
    }

    pub const fn millis(self) -> i64 {
        self.0
    }

    pub const fn secs(self) -> i64 {
        self.0.div_euclid(1000)
    }

    pub const fn plus_secs(self, secs: i64) -> Self {
        Self(self.0 + secs * 1000)
    }

    pub const fn plus_millis(self, millis: i64) -> Self {
        Self(self.0 + millis)
    }

    /// Milliseconds from `earlier` to `self`; negative if `earlier` is later.
    pub const fn millis_since(self, earlier: Timestamp) -> i64 {
        self.0 - earlier.0
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, for people and logs.
    pub fn iso8601(self) -> String {
        let secs = self.secs();
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

impl Timestamp {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z` (UTC), as AWS writes policy times.
    pub fn parse_iso8601(text: &str) -> Option<Timestamp> {
        let text = text
            .strip_suffix('Z')
            .or_else(|| text.strip_suffix("+00:00"))?;
        let (date, time) = text.split_once('T')?;
        let mut date_parts = date.split('-');
        let y: i64 = date_parts.next()?.parse().ok()?;
        let m: u32 = date_parts.next()?.parse().ok()?;
        let d: u32 = date_parts.next()?.parse().ok()?;
        let (hms, fraction) = time.split_once('.').unwrap_or((time, ""));
        let mut time_parts = hms.split(':');
        let h: i64 = time_parts.next()?.parse().ok()?;
        let mi: i64 = time_parts.next()?.parse().ok()?;
        let sec: i64 = time_parts.next()?.parse().ok()?;
        let valid = date_parts.next().is_none()
            && time_parts.next().is_none()
            && (1..=12).contains(&m)
            && (1..=31).contains(&d)
            && (0..24).contains(&h)
            && (0..60).contains(&mi)
            && (0..61).contains(&sec)
            && fraction.bytes().all(|b| b.is_ascii_digit());
        if !valid || civil_from_days(days_from_civil(y, m, d)) != (y, m, d) {
            return None;
        }
        let millis: i64 = format!("{fraction:0<3}").get(..3)?.parse().ok()?;
        let secs = days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + sec;
        Some(Timestamp(secs * 1000 + millis))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso8601())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 1000 == 0 {
            s.serialize_i64(self.0 / 1000)
        } else {
            s.serialize_f64(self.0 as f64 / 1000.0)
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let secs = f64::deserialize(d)?;
        if !secs.is_finite() || secs.abs() > 1e13 {
            return Err(serde::de::Error::custom("timestamp out of range"));
        }
        Ok(Timestamp((secs * 1000.0).round() as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_is_epoch_seconds() {
        assert_eq!(
            serde_json::to_string(&Timestamp(1_700_000_000_000)).unwrap(),
            "1700000000"
        );
        assert_eq!(
            serde_json::to_string(&Timestamp(1_700_000_000_250)).unwrap(),
            "1700000000.25"
        );
        let t: Timestamp = serde_json::from_str("1700000000.5").unwrap();
        assert_eq!(t, Timestamp(1_700_000_000_500));
    }

    #[test]
    fn iso8601_parses_what_it_prints() {
        for t in [0, 951_825_600_000, 1_795_435_200_123, 4_102_444_799_000] {
            let ts = Timestamp(t - t % 1000);
            assert_eq!(Timestamp::parse_iso8601(&ts.iso8601()), Some(ts));
        }
        assert_eq!(
            Timestamp::parse_iso8601("2026-11-23T12:00:00.250Z"),
            Some(Timestamp(1_795_435_200_250))
        );
        for bad in [
            "2026-02-30T00:00:00Z",
            "2026-11-23 12:00:00Z",
            "2026-11-23T25:00:00Z",
            "x",
        ] {
            assert_eq!(Timestamp::parse_iso8601(bad), None, "{bad}");
        }
    }

    #[test]
    fn iso8601_matches_known_dates() {
        assert_eq!(Timestamp(0).iso8601(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp::from_secs(1_795_435_200).iso8601(),
            "2026-11-23T12:00:00Z"
        );
        assert_eq!(
            Timestamp::from_secs(951_825_600).iso8601(),
            "2000-02-29T12:00:00Z"
        );
    }
}
