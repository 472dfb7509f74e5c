use std::collections::{HashMap, HashSet};

use super::common::{random_trace, tiny};
use crate::trace::{vcd, Counter, Trace, Track};

fn render(t: &Trace) -> String {
    let mut out = Vec::new();
    vcd::write_with_date(t, &mut out, "2026-01-01 00:00:00 UTC").unwrap();
    String::from_utf8(out).unwrap()
}

const TINY: &str = r#"$date
  2026-01-01 00:00:00 UTC
$end
$version
  edgemoe 0.1.0
$end
$timescale 1ps $end
$comment
  clock 250 MHz, period 4000 ps; time = round(cycle * period), end_cycle 10
$end
$comment
  state codes:
  0 idle
  1 busy
  2 stall: fifo empty
$end
$scope module edgemoe $end
  $scope module l3 $end
    $scope module qk_scores $end
      $scope module compute $end
        $comment
          label codes:
          0 (no span)
          1 qk_scores
          2 softmax
        $end
        $var wire 2 ! state [1:0] $end
        $var wire 1 " active $end
        $var wire 2 # label [1:0] $end
        $var wire 4 $ fifo_occ [3:0] $end
      $upscope $end
    $upscope $end
  $upscope $end
  $scope module schedule $end
    $comment
      label codes:
      0 (no span)
      1 frame "0"
    $end
    $var wire 1 % active $end
    $var wire 1 & label $end
  $upscope $end
$upscope $end
$enddefinitions $end
#0
$dumpvars
b0 !
0"
b0 #
b10 $
1%
1&
$end
#4000
1"
b1 #
#8000
b1 !
b11 $
#16000
b10 #
#24000
b10 !
0"
b0 #
b0 $
#28000
b0 !
#32000
1"
b1 #
#36000
0"
b0 #
#40000
0%
0&
"#;

#[test]
fn tiny_snapshot() {
    assert_eq!(render(&tiny()), TINY);
}

/// Minimal reader for what the writer emits: id -> [(time, value)] plus the
/// declared ids, checking on the way that stamps strictly increase.
struct Parsed {
    ids: Vec<String>,
    changes: HashMap<String, Vec<(u64, u64)>>,
    times: Vec<u64>,
}

fn parse(text: &str) -> Parsed {
    let (header, body) = text.split_once("$enddefinitions $end\n").unwrap();
    let ids: Vec<String> = header
        .lines()
        .filter_map(|l| l.trim().strip_prefix("$var wire "))
        .map(|l| l.split(' ').nth(1).unwrap().to_string())
        .collect();
    let mut changes: HashMap<String, Vec<(u64, u64)>> = HashMap::new();
    let mut times = Vec::new();
    let mut now = 0;
    for line in body.lines() {
        if let Some(t) = line.strip_prefix('#') {
            now = t.parse().unwrap();
            if let Some(&prev) = times.last() {
                assert!(now > prev, "time {now} after {prev}");
            }
            times.push(now);
        } else if line.starts_with('$') {
        } else if let Some(rest) = line.strip_prefix('b') {
            let (bits, id) = rest.split_once(' ').unwrap();
            let v = u64::from_str_radix(bits, 2).unwrap();
            changes.entry(id.to_string()).or_default().push((now, v));
        } else {
            let v = u64::from(line.as_bytes()[0] - b'0');
            changes
                .entry(line[1..].to_string())
                .or_default()
                .push((now, v));
        }
    }
    Parsed {
        ids,
        changes,
        times,
    }
}

#[test]
fn identifiers_unique_for_10k_signals() {
    let t = Trace {
        clock_mhz: 100.0,
        end_cycle: 2,
        state_names: vec!["idle".into(), "busy".into()],
        tracks: (0..10_000)
            .map(|i| Track {
                name: format!("p{}/u{}", i / 100, i % 100),
                states: vec![(1, 1)],
                ..Track::default()
            })
            .collect(),
    };
    let p = parse(&render(&t));
    assert_eq!(p.ids.len(), 10_000);
    assert_eq!(p.ids.iter().collect::<HashSet<_>>().len(), 10_000);
    assert!(p.ids.iter().all(|id| id.len() <= 3));
    assert!(p
        .ids
        .iter()
        .all(|id| p.changes[id] == [(0, 0), (10_000, 1)]));
}

/// Value of a run-length list at `cycle`, the slow obvious way.
fn value_at<V: Copy>(list: &[(u64, V)], cycle: u64, initial: V) -> V {
    match list.partition_point(|&(c, _)| c <= cycle) {
        0 => initial,
        n => list[n - 1].1,
    }
}

fn replay(changes: &[(u64, u64)], t: u64) -> u64 {
    value_at(changes, t, u64::MAX)
}

#[test]
fn times_monotone_and_values_round_trip() {
    for (seed, mhz) in [(1, 250.0), (2, 300.0), (3, 333.333)] {
        let t = random_trace(seed, mhz);
        let text = render(&t);
        let p = parse(&text);
        let period = 1e6 / mhz;
        let ps = |c: u64| (c as f64 * period).round() as u64;
        assert_eq!(*p.times.last().unwrap(), ps(t.end_cycle));
        // Each track declares state, active, label, occ, in id order.
        for (ti, track) in t.tracks.iter().enumerate() {
            let id = |k: usize| String::from_utf8(vcd::identifier(ti * 4 + k)).unwrap();
            let (state, active, label, occ) = (
                &p.changes[&id(0)],
                &p.changes[&id(1)],
                &p.changes[&id(2)],
                &p.changes[&id(3)],
            );
            for c in 0..t.end_cycle {
                let at = ps(c);
                assert_eq!(replay(state, at), u64::from(value_at(&track.states, c, 0)));
                assert_eq!(replay(occ, at), value_at(&track.counters[0].changes, c, 0));
                let covering = match track.spans.partition_point(|s| s.start <= c) {
                    0 => None,
                    n => Some(&track.spans[n - 1]).filter(|s| c < s.end),
                };
                assert_eq!(
                    replay(active, at),
                    u64::from(covering.is_some()),
                    "cycle {c}"
                );
                let legend_index = covering.map_or(0, |s| {
                    // Labels are numbered in order of first appearance.
                    let mut seen: Vec<&str> = vec![];
                    for sp in &track.spans {
                        if !seen.contains(&sp.label.as_str()) {
                            seen.push(&sp.label);
                        }
                    }
                    seen.iter().position(|l| *l == s.label).unwrap() as u64 + 1
                });
                assert_eq!(replay(label, at), legend_index);
            }
            // No redundant changes: consecutive values always differ.
            for ch in [state, active, label, occ] {
                assert!(ch.windows(2).all(|w| w[0].1 != w[1].1 && w[0].0 < w[1].0));
            }
        }
    }
}

#[test]
fn duplicate_and_odd_names_get_distinct_scopes() {
    let mut t = tiny();
    t.tracks.push(t.tracks[1].clone());
    t.tracks[2].counters.push(Counter {
        name: "active".into(),
        width_bits: 1,
        changes: vec![],
    });
    let text = render(&t);
    assert!(text.contains("$scope module schedule_1 $end"));
    assert!(text.contains("$var wire 1 ) active_1 $end"));
}

#[test]
fn bad_input_is_rejected_before_writing() {
    let mut t = tiny();
    t.tracks[0].spans[1].start = 3;
    let mut out = Vec::new();
    let err = vcd::write(&t, &mut out).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(out.is_empty());

    let mut t = tiny();
    t.tracks[0].counters[0].changes.push((9, 16));
    assert!(t.validate().is_err());
    let mut t = tiny();
    t.tracks[0].states.push((9, 3));
    assert!(t.validate().is_err());
    let mut t = tiny();
    t.clock_mhz = 2e6;
    assert!(t.validate().is_err());
}

#[test]
fn empty_trace_is_still_a_valid_file() {
    let t = Trace {
        clock_mhz: 200.0,
        end_cycle: 3,
        ..Trace::default()
    };
    let text = render(&t);
    assert!(text.contains("$scope module edgemoe $end\n$upscope $end\n$enddefinitions $end\n"));
    assert!(text.ends_with("#0\n$dumpvars\n$end\n#15000\n"));
}
