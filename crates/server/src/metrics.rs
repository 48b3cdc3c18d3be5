//! Request metrics in the Prometheus text format: counts by operation and
//! outcome, latency histograms by operation, requests in flight (long polls
//! held show as in-flight `Sysman.ReceiveMessages`).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use sysman_api::Operation;
use sysman_api::commands::ReceiveMessages;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 25.0,
];

#[derive(Default)]
struct Latency {
    /// Counts per bucket (not cumulative), plus one for +Inf.
    buckets: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct State {
    /// By operation, then outcome: nested so that counting a request
    /// allocates nothing once its labels were seen.
    requests: BTreeMap<String, BTreeMap<String, u64>>,
    latency: BTreeMap<String, Latency>,
    in_flight: BTreeMap<String, i64>,
}

/// Cheap to clone; every clone counts into the same numbers.
#[derive(Clone, Default)]
pub struct Metrics {
    state: Arc<Mutex<State>>,
}

/// The metrics page, rendered.
pub struct Rendered(pub String);

/// Counts a request as in flight until dropped.
pub struct Held {
    metrics: Metrics,
    target: String,
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(n) = self.metrics.state.lock().in_flight.get_mut(&self.target) {
            *n -= 1;
        }
    }
}

impl Metrics {
    pub fn observe(&self, operation: &str, outcome: &str, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|&b| secs <= b)
            .unwrap_or(BUCKETS.len());
        let mut state = self.state.lock();
        let state = &mut *state;
        let outcomes = match state.requests.get_mut(operation) {
            Some(outcomes) => outcomes,
            None => state.requests.entry(operation.to_owned()).or_default(),
        };
        match outcomes.get_mut(outcome) {
            Some(n) => *n += 1,
            None => {
                outcomes.insert(outcome.to_owned(), 1);
            }
        }
        let latency = match state.latency.get_mut(operation) {
            Some(latency) => latency,
            None => state.latency.entry(operation.to_owned()).or_default(),
        };
        latency.buckets[bucket] += 1;
        latency.sum += secs;
        latency.count += 1;
    }

    pub fn hold(&self, target: &str) -> Held {
        let mut state = self.state.lock();
        match state.in_flight.get_mut(target) {
            Some(n) => *n += 1,
            None => {
                state.in_flight.insert(target.to_owned(), 1);
            }
        }
        drop(state);
        Held {
            metrics: self.clone(),
            target: target.to_owned(),
        }
    }

    /// The request metrics, followed by `gauges`: (name, help, labelled values).
    pub fn render(&self, gauges: &[Gauge]) -> Rendered {
        let state = self.state.lock();
        let mut out = String::new();
        out.push_str("# HELP sysman_requests_total Requests by operation and outcome.\n");
        out.push_str("# TYPE sysman_requests_total counter\n");
        for (op, outcomes) in &state.requests {
            for (outcome, n) in outcomes {
                let _ = writeln!(
                    out,
                    "sysman_requests_total{{operation=\"{op}\",outcome=\"{outcome}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP sysman_request_duration_seconds Time to answer, by operation.\n");
        out.push_str("# TYPE sysman_request_duration_seconds histogram\n");
        for (op, latency) in &state.latency {
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += latency.buckets[i];
                let _ = writeln!(
                    out,
                    "sysman_request_duration_seconds_bucket{{operation=\"{op}\",le=\"{bound}\"}} \
                     {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "sysman_request_duration_seconds_bucket{{operation=\"{op}\",le=\"+Inf\"}} {}",
                latency.count
            );
            let _ = writeln!(
                out,
                "sysman_request_duration_seconds_sum{{operation=\"{op}\"}} {}",
                latency.sum
            );
            let _ = writeln!(
                out,
                "sysman_request_duration_seconds_count{{operation=\"{op}\"}} {}",
                latency.count
            );
        }
        out.push_str("# HELP sysman_requests_in_flight Requests being answered, by operation.\n");
        out.push_str("# TYPE sysman_requests_in_flight gauge\n");
        for (op, n) in &state.in_flight {
            let _ = writeln!(out, "sysman_requests_in_flight{{operation=\"{op}\"}} {n}");
        }
        let polls = state
            .in_flight
            .get(&ReceiveMessages::target().to_string())
            .copied()
            .unwrap_or(0);
        out.push_str("# HELP sysman_long_polls_held Agents waiting in a long poll for work.\n");
        out.push_str("# TYPE sysman_long_polls_held gauge\n");
        let _ = writeln!(out, "sysman_long_polls_held {polls}");
        drop(state);
        for gauge in gauges {
            let _ = writeln!(out, "# HELP {} {}", gauge.name, gauge.help);
            let _ = writeln!(out, "# TYPE {} gauge", gauge.name);
            for (label, value) in &gauge.values {
                let _ = writeln!(out, "{}{{{}=\"{label}\"}} {value}", gauge.name, gauge.label);
            }
        }
        Rendered(out)
    }
}

/// A gauge with one label, as the backend's counts give them.
#[derive(Clone)]
pub struct Gauge {
    pub name: &'static str,
    pub help: &'static str,
    pub label: &'static str,
    pub values: Vec<(String, u64)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_and_timed_by_operation_and_outcome() {
        let m = Metrics::default();
        m.observe(
            "AmazonSSM.GetParameter",
            "Success",
            Duration::from_micros(700),
        );
        m.observe(
            "AmazonSSM.GetParameter",
            "ParameterNotFound",
            Duration::from_millis(3),
        );
        let held = m.hold("Sysman.ReceiveMessages");
        let page = m.render(&[]).0;
        assert!(page.contains(
            "sysman_requests_total{operation=\"AmazonSSM.GetParameter\",outcome=\"Success\"} 1"
        ));
        assert!(page.contains(
            "sysman_request_duration_seconds_bucket{operation=\"AmazonSSM.GetParameter\",le=\"0.001\"} 1"
        ));
        assert!(page.contains(
            "sysman_request_duration_seconds_bucket{operation=\"AmazonSSM.GetParameter\",le=\"0.005\"} 2"
        ));
        assert!(page.contains("sysman_long_polls_held 1"));
        drop(held);
        assert!(m.render(&[]).0.contains("sysman_long_polls_held 0"));
    }
}
