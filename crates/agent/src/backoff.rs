//! Exponential backoff with full jitter: how long to wait before trying the
//! server again. Full jitter (a uniform pick below the ceiling) keeps a
//! fleet that lost its server together from coming back in lockstep.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The first ceiling.
pub const FIRST: Duration = Duration::from_millis(500);
/// The ceiling never grows past this.
pub const MAX: Duration = Duration::from_secs(60);

/// Delays 0.5 s, 1 s, 2 s, ... up to a maximum, each drawn below its
/// ceiling; [`Backoff::reset`] after a success starts over.
#[derive(Debug)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    attempt: u32,
    rng: SplitMix,
}

impl Backoff {
    pub fn new(max: Duration) -> Backoff {
        Backoff {
            first: FIRST.min(max),
            max,
            attempt: 0,
            rng: SplitMix::seeded(),
        }
    }

    /// The ceiling of the next delay.
    pub fn ceiling(&self) -> Duration {
        let factor = 1u32.checked_shl(self.attempt.min(31)).unwrap_or(u32::MAX);
        self.first.saturating_mul(factor).min(self.max)
    }

    /// The next delay: uniform in `[0, ceiling]`.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(self.rng.below(nanos.saturating_add(1)))
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(MAX)
    }
}

/// SplitMix64: enough randomness for jitter, and no dependency for it.
#[derive(Debug)]
struct SplitMix(u64);

impl SplitMix {
    /// Seeded from the clock, the process id and a counter, so agents
    /// started at the same moment, and backoffs within one agent, differ.
    fn seeded() -> SplitMix {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        SplitMix(nanos ^ (u64::from(std::process::id()) << 32) ^ count.wrapping_mul(0x9E37))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, bound)`; 0 when `bound` is 0.
    fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            return 0;
        }
        // Multiply-shift: bias below 2^-64 per value, irrelevant for jitter.
        ((u128::from(self.next()) * u128::from(bound)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_from_half_a_second_up_to_a_minute() {
        let mut b = Backoff::default();
        let mut ceilings = Vec::new();
        for _ in 0..12 {
            let ceiling = b.ceiling();
            let delay = b.next_delay();
            assert!(delay <= ceiling, "{delay:?} above {ceiling:?}");
            ceilings.push(ceiling.as_millis());
        }
        assert_eq!(
            ceilings,
            [
                500, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000, 60000
            ]
        );
        // Far past the cap the ceiling stays there, without overflow.
        for _ in 0..100 {
            assert!(b.next_delay() <= MAX);
        }
        b.reset();
        assert_eq!(b.ceiling(), FIRST);
    }

    #[test]
    fn delays_are_spread_below_the_ceiling() {
        let mut b = Backoff::default();
        let delays: Vec<Duration> = (0..200)
            .map(|_| {
                b.reset();
                b.next_delay()
            })
            .collect();
        assert!(delays.iter().all(|d| *d <= FIRST));
        let low = delays.iter().filter(|d| **d < FIRST / 2).count();
        assert!(
            (40..=160).contains(&low),
            "{low} of 200 below half: not uniform"
        );
    }

    #[test]
    fn a_lower_maximum_caps_the_first_ceiling_too() {
        let mut b = Backoff::new(Duration::from_millis(100));
        assert_eq!(b.ceiling(), Duration::from_millis(100));
        b.next_delay();
        assert_eq!(b.ceiling(), Duration::from_millis(100));
    }
}
