//! Exponential backoff with jitter.

use std::time::Duration;

use rand::Rng;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt.
    pub base: Duration,
    /// No wait is longer than this.
    pub max: Duration,
    /// Up to this fraction of the wait is added at random, so retries do not arrive together.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(5),
            max: Duration::from_secs(60 * 60),
            jitter: 0.25,
        }
    }
}

impl RetryPolicy {
    /// The wait before the next attempt after `failed_attempts` failures (1 = the first).
    pub fn delay(&self, failed_attempts: u32, random: &mut impl Rng) -> Duration {
        let doublings = failed_attempts.saturating_sub(1).min(32);
        let exponential = self
            .base
            .saturating_mul(1u32.checked_shl(doublings).unwrap_or(u32::MAX))
            .min(self.max);
        let jitter = if self.jitter > 0.0 {
            exponential.mul_f64(random.random_range(0.0..self.jitter))
        } else {
            Duration::ZERO
        };
        (exponential + jitter).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn waits_double_per_attempt_up_to_the_maximum() {
        let policy = RetryPolicy {
            base: Duration::from_secs(2),
            max: Duration::from_secs(30),
            jitter: 0.0,
        };
        let mut random = rand::rngs::StdRng::seed_from_u64(1);
        let waits: Vec<u64> = (1..=6)
            .map(|attempt| policy.delay(attempt, &mut random).as_secs())
            .collect();
        assert_eq!(waits, vec![2, 4, 8, 16, 30, 30]);
    }

    #[test]
    fn jitter_stays_within_its_fraction() {
        let policy = RetryPolicy {
            base: Duration::from_secs(10),
            max: Duration::from_secs(1000),
            jitter: 0.5,
        };
        let mut random = rand::rngs::StdRng::seed_from_u64(7);
        let waits: Vec<Duration> = (0..200).map(|_| policy.delay(1, &mut random)).collect();
        assert!(waits.iter().all(|wait| *wait >= Duration::from_secs(10)));
        assert!(waits.iter().all(|wait| *wait < Duration::from_secs(15)));
        assert!(
            waits.iter().any(|wait| *wait != waits[0]),
            "no jitter at all"
        );
    }
}
