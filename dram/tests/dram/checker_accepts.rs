//! The independent checker accepts every trace the controller produces, on every preset, both
//! page policies, one and two ranks, and traffic that stresses different rules.

use super::common::*;
use dram::{check, DramConfig, PagePolicy};

/// (name, requests): sequential, random, strided, two interleaved streams, mixed read/write.
fn patterns(burst: u64, seed: u64) -> Vec<(&'static str, Vec<(u64, bool)>)> {
    let n = 1500;
    let mut r = Lcg(seed);
    let two_streams = (0..n)
        .map(|i| {
            let base = if i % 2 == 0 { 0 } else { 3 << 28 };
            (base + (i / 2) * burst, r.below(4) == 0)
        })
        .collect();
    vec![
        ("sequential read", sequential(n, burst, false).collect()),
        ("sequential write", sequential(n, burst, true).collect()),
        (
            "random read",
            random(n, burst, 1 << 28, 0.0, seed).collect(),
        ),
        (
            "random 30% write",
            random(n, burst, 1 << 28, 0.3, seed + 1).collect(),
        ),
        // A stride of one row plus one burst: same bank group pattern, new row every time.
        (
            "strided",
            (0..n)
                .map(|i| (i * (8192 + burst) % (1 << 30), i % 5 == 0))
                .collect(),
        ),
        ("two streams", two_streams),
        // Few rows, many banks: row hits, conflicts and turnarounds all mixed.
        (
            "hot rows",
            (0..n)
                .map(|_| (r.below(1 << 18) / burst * burst, r.below(2) == 0))
                .collect(),
        ),
    ]
}

fn accept(cfg: &DramConfig, label: &str) {
    for (pattern, reqs) in patterns(64, 11) {
        let mut c = controller(cfg);
        let burst = c.burst_bytes() as u64;
        let reqs: Vec<_> = reqs.into_iter().map(|(a, w)| (a / 64 * burst, w)).collect();
        let n = reqs.len();
        let done = drive(&mut c, reqs);
        assert_eq!(done.len(), n);
        let s = c.stats();
        let got = check(c.commands(), c.timing(), c.organization())
            .unwrap_or_else(|v| panic!("{label}, {pattern}: {v}"));
        assert_eq!(got.reads, s.reads, "{label}, {pattern}");
        assert_eq!(got.writes, s.writes, "{label}, {pattern}");
        assert_eq!(got.acts, s.acts, "{label}, {pattern}");
        assert_eq!(got.refreshes, s.refreshes, "{label}, {pattern}");
        assert_eq!(got.data_cycles, s.data_bus_cycles, "{label}, {pattern}");
        assert_eq!(s.reads + s.writes, n as u64);
        assert_eq!(s.row_hits + s.row_misses + s.row_conflicts, n as u64);
    }
}

#[test]
fn the_checker_accepts_every_preset_under_both_page_policies() {
    for name in dram::PRESETS.map(|p| p.name) {
        for policy in [PagePolicy::Open, PagePolicy::Closed] {
            let mut cfg = config(name);
            cfg.policy = policy;
            accept(&cfg, &format!("{name} {policy:?}"));
        }
    }
}

/// Two ranks with the rank bit just above the burst: consecutive bursts switch ranks, so tRTRS
/// and per-rank refresh are exercised.
#[test]
fn the_checker_accepts_two_ranks_switching_every_burst() {
    let mut cfg = config("ddr4-2133");
    cfg.org.ranks = 2;
    cfg.mapping = "ro-ba-co-bg-ra".parse().expect("mapping");
    accept(&cfg, "ddr4-2133 2 ranks");
    cfg.timing.rtrs = 2;
    cfg.policy = PagePolicy::Closed;
    accept(&cfg, "ddr4-2133 2 ranks, tRTRS 2, closed");
}

/// Small queues and a zero row-hit cap (first come, first served per bank) still schedule legally.
#[test]
fn the_checker_accepts_shallow_queues_and_strict_ordering() {
    let mut cfg = config("ddr4-3200");
    cfg.read_queue = 2;
    cfg.write_queue = 3;
    cfg.write_high = 2;
    cfg.write_low = 1;
    cfg.row_hit_cap = 0;
    accept(&cfg, "ddr4-3200 shallow");
}

/// Over many refresh intervals of mixed traffic, refresh keeps pace: one REF per tREFI on
/// average and never much more than tREFI apart.
#[test]
fn refresh_keeps_pace_under_load() {
    let cfg = config("ddr4-2133");
    let mut c = controller(&cfg);
    let done = drive(&mut c, random(30_000, 64, 1 << 30, 0.3, 5));
    let end = done.last().expect("done").at;
    let t = c.timing();
    let s = check(c.commands(), t, c.organization()).expect("legal");
    let expected = end / t.refi as u64;
    assert!(
        s.refreshes.abs_diff(expected) <= 1,
        "{} REF in {end} clocks",
        s.refreshes
    );
    // A REF waits at most for the open rows' tRAS/tWR and its PREA's tRP.
    let slack = (t.ras + t.cwl + t.burst_cycles() + t.wr + t.rp + t.rc) as u64;
    assert!(
        s.max_refresh_gap <= t.refi as u64 + slack,
        "gap {}",
        s.max_refresh_gap
    );
}
