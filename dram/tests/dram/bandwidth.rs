//! Bandwidth and latency against the arithmetic of the timing tables.

use super::common::*;
use dram::{Controller, PagePolicy, Request};

/// Sequential 64 B reads on DDR4-2133 (x64, 17.064 GB/s peak) for about 25 refresh intervals.
///
/// With bank groups in the lowest address bits, reads alternate groups and go out every tCCD_S =
/// BL/2 = 4 clocks, so the bus is full except for:
/// - refresh: each REF locks the rank tRFC = 374 of every tREFI = 8318 clocks, 4.50 %;
/// - after each REF the open rows must be re-activated (tRCD + CL before data flows again), and
///   every 16 KB the stream moves to a new bank pair (hidden: the next bank is activated while
///   the current one streams), together under 1 %.
#[test]
fn sequential_reads_on_ddr4_2133_reach_85_to_97_percent_of_peak() {
    let cfg = config("ddr4-2133");
    let mut c = controller(&cfg);
    let n = 50_000;
    let done = drive(&mut c, sequential(n, 64, false));
    let elapsed = done.last().expect("completions").at;
    let s = c.stats();
    let t = c.timing();
    let util = s.data_bus_cycles as f64 / elapsed as f64;
    let refresh = s.refresh_cycles as f64 / elapsed as f64;
    let other = 1.0 - util - refresh;
    let gbs = rate(n * 64, elapsed, t.clock.hz()) / 1e9;
    println!(
        "DDR4-2133 sequential: {gbs:.3} GB/s = {:.2} % of 17.064; refresh {:.2} %, other {:.2} % \
         ({} REF, {} ACT, hit rate {:.4})",
        util * 100.0,
        refresh * 100.0,
        other * 100.0,
        s.refreshes,
        s.acts,
        s.row_hit_rate()
    );
    assert!((0.85..=0.97).contains(&util), "utilization {util}");
    assert_eq!(s.data_bus_cycles, n * 4);
    assert!(
        (refresh - t.rfc as f64 / t.refi as f64).abs() < 0.003,
        "refresh {refresh}"
    );
    assert!((0.0..0.01).contains(&other), "unexplained loss {other}");
    assert!(s.row_hit_rate() > 0.98);
}

/// Random 64 B reads over all 4 GB: nearly every request finds another row open and costs PRE,
/// ACT, RD. A rank takes at most four ACTs per tFAW = 32 clocks (x16 devices, 2 KB pages;
/// tRRD_S = 6 alone would allow 5.3), so it moves at most 4 × 64 B / 32 clocks = 8 B per clock:
/// 50 % of the 16 B/clock peak, 8.532 GB/s. Refresh takes another tRFC/tREFI = 4.5 %, leaving
/// 47.75 % = 8.148 GB/s. Banks are not the limit: 8 banks / tRC 51 = one ACT per 6.4 clocks.
#[test]
fn random_reads_on_ddr4_2133_are_bounded_by_tfaw() {
    let cfg = config("ddr4-2133");
    let mut c = controller(&cfg);
    let n = 20_000;
    let done = drive(&mut c, random(n, 64, 4 << 30, 0.0, 7));
    let elapsed = done.last().expect("completions").at;
    let s = c.stats();
    let t = c.timing();
    let util = s.data_bus_cycles as f64 / elapsed as f64;
    let faw_bound = 4.0 * t.burst_cycles() as f64 / t.faw as f64;
    let bound = faw_bound * (1.0 - t.rfc as f64 / t.refi as f64);
    let gbs = rate(n * 64, elapsed, t.clock.hz()) / 1e9;
    println!(
        "DDR4-2133 random: {gbs:.3} GB/s = {:.2} % of peak, bound {:.2} %; {} ACT for {n} reads; \
         latency mean {:.1}, p50 {}, p99 {} clocks",
        util * 100.0,
        bound * 100.0,
        s.acts,
        s.read_latency.mean(),
        s.read_latency.percentile(0.5),
        s.read_latency.percentile(0.99)
    );
    assert_eq!(faw_bound, 0.5);
    assert!(util <= bound + 0.002, "{util} above the tFAW bound {bound}");
    assert!(
        util >= 0.95 * bound,
        "{util} far below the tFAW bound {bound}"
    );
    assert!(s.acts >= n - 20);
    // First touches of a bank find it precharged; everything else pays at least PRE + ACT.
    assert!(s.read_latency.min() >= (t.rcd + t.cl + t.burst_cycles()) as u64);
    assert!(s.read_latency.percentile(0.01) >= (t.rp + t.rcd + t.cl + t.burst_cycles()) as u64);
}

/// One request at a time with long idle gaps, so only the request's own commands count (refresh
/// pushed out of the run): a row hit takes CL + BL/2 = 19 clocks, a precharged bank tRCD + CL +
/// BL/2 = 34, another open row tRP + tRCD + CL + BL/2 = 49 (45.9 ns at 1066.5 MHz). Every
/// request's latency is exactly its class's, and the classes match the counters.
#[test]
fn an_unloaded_read_takes_exactly_its_row_buffer_cases_latency() {
    for policy in [PagePolicy::Open, PagePolicy::Closed] {
        let mut cfg = config("ddr4-2133");
        cfg.timing.refi = 50_000_000;
        cfg.policy = policy;
        let mut c = controller(&cfg);
        let t = *c.timing();
        let burst = t.burst_cycles() as u64;
        let hit = t.cl as u64 + burst;
        let miss = t.rcd as u64 + hit;
        let conflict = t.rp as u64 + miss;
        let mut r = Lcg(3);
        let mut counts = [0u64; 3];
        let mut done = Vec::new();
        for id in 0..600 {
            // 4 banks × 3 rows × 8 columns: a mix of hits, conflicts and first touches.
            let addr = (r.below(3) << 16) | (r.below(4) << 14) | (r.below(8) << 7);
            let arrive = c.now();
            c.enqueue(Request {
                id,
                addr,
                write: false,
                arrive,
            });
            while done.is_empty() {
                let at = c.next_event().expect("event");
                c.advance(at + 1, &mut done);
            }
            let latency = done.pop().expect("one completion").at - arrive;
            let class = [hit, miss, conflict]
                .iter()
                .position(|&l| l == latency)
                .unwrap_or_else(|| panic!("{policy:?}: latency {latency}"));
            counts[class] += 1;
            c.advance(c.now() + 100, &mut done);
        }
        let s = c.stats();
        assert_eq!(
            counts,
            [s.row_hits, s.row_misses, s.row_conflicts],
            "{policy:?}"
        );
        if policy == PagePolicy::Closed {
            assert_eq!(counts, [0, 600, 0]);
        } else {
            // Only the first touch of each of the 4 banks finds it precharged.
            assert!(
                counts[0] > 100 && counts[1] == 4 && counts[2] > 100,
                "{counts:?}"
            );
        }
    }
}

/// HBM2's burst is BL4 on a DDR bus: 2 clocks, 32 B. Sequential reads alternate the four bank
/// groups (tCCD_S = 2), so one pseudo-channel runs at its 16 GB/s (14.4 GB/s at 900 MHz) less
/// refresh (tRFC 260 ns / tREFI 3.9 us = 6.7 %) and row re-activation. Simulators that count the
/// burst as 4 clocks get half of this.
#[test]
fn hbm2_sequential_reads_reach_90_percent_of_a_pseudo_channel() {
    for name in ["hbm2", "hbm2-900"] {
        let cfg = config(name);
        let mut c = controller(&cfg);
        let n = 50_000;
        let done = drive(&mut c, sequential(n, 32, false));
        let elapsed = done.last().expect("completions").at;
        let t = c.timing();
        let util = c.stats().data_bus_cycles as f64 / elapsed as f64;
        let gbs = rate(n * 32, elapsed, t.clock.hz()) / 1e9;
        let peak = cfg.peak_bytes_per_s() as f64 / 1e9;
        println!(
            "{name} sequential: {gbs:.3} of {peak:.1} GB/s = {:.2} %",
            util * 100.0
        );
        assert_eq!(c.burst_bytes(), 32);
        assert!(util >= 0.90, "{name}: {util}");
        assert!(util <= 1.0 - t.rfc as f64 / t.refi as f64, "{name}: {util}");
    }
}

/// The same stream with the burst spacing doubled (tCCD_S = tCCD_L = 4, the wrong-burst pitfall)
/// drops to half, which the test above would catch.
#[test]
fn a_four_clock_hbm2_burst_would_halve_bandwidth() {
    let mut cfg = config("hbm2");
    cfg.timing.ccd_s = 4;
    cfg.timing.ccd_l = 4;
    let mut c = controller(&cfg);
    let done = drive(&mut c, sequential(20_000, 32, false));
    let util = c.stats().data_bus_cycles as f64 / done.last().expect("done").at as f64;
    assert!(util <= 0.5, "{util}");
}

/// With the column bits lowest, a stream stays in one bank group for a whole 1 KB row and reads
/// are tCCD_L = 3 clocks apart instead of 2: two thirds of the bus at most. This is why the
/// default mapping puts the bank group lowest. (A 32-deep queue hides most of it: its window always
/// reaches into the next row, in the next bank group, and FR-FCFS interleaves the two; a shallow
/// queue shows the limit.)
#[test]
fn a_stream_inside_one_bank_group_is_held_to_tccd_l() {
    let util = |mapping: &str| {
        let mut cfg = config("hbm2");
        cfg.mapping = mapping.parse().expect("mapping");
        cfg.read_queue = 4;
        let mut c = controller(&cfg);
        let done = drive(&mut c, sequential(20_000, 32, false));
        c.stats().data_bus_cycles as f64 / done.last().expect("done").at as f64
    };
    let (interleaved, one_group) = (util("ro-ba-co-bg"), util("ro-ba-bg-co"));
    println!(
        "hbm2, 4-deep queue: bank groups interleaved {interleaved:.3}, one group {one_group:.3}"
    );
    assert!(one_group <= 2.0 / 3.0, "{one_group}");
    assert!(interleaved >= 0.85, "{interleaved}");
}

/// A sequential stream under the closed-page policy pays an ACT per burst: no hits at all, and
/// tFAW-bound bandwidth; open page hits nearly always.
#[test]
fn closed_page_gives_no_row_hits_on_a_sequential_stream() {
    let mut rates = Vec::new();
    for policy in [PagePolicy::Open, PagePolicy::Closed] {
        let mut cfg = config("ddr4-2133");
        cfg.policy = policy;
        let mut c = controller(&cfg);
        let n = 10_000;
        let done = drive(&mut c, sequential(n, 64, false));
        let s = c.stats();
        rates.push((
            s.row_hit_rate(),
            s.data_bus_cycles as f64 / done.last().expect("done").at as f64,
        ));
        if policy == PagePolicy::Closed {
            assert_eq!(
                (s.row_hits, s.row_misses, s.auto_precharges, s.pres),
                (0, n, n, 0)
            );
        }
    }
    let (open, closed) = (rates[0], rates[1]);
    assert!(open.0 > 0.98 && closed.0 == 0.0, "{rates:?}");
    assert!(closed.1 <= 0.5 && open.1 > 0.9, "{rates:?}");
}

/// Writes wait while reads flow, until the write queue reaches its high watermark; then writes
/// drain down to the low watermark before reads resume.
#[test]
fn writes_drain_between_the_watermarks() {
    let mut cfg = config("ddr4-2133");
    cfg.write_high = 24;
    cfg.write_low = 8;
    let mut c = Controller::new(&cfg).expect("config");
    let mut id = 0;
    let mut push = |c: &mut Controller, addr: u64, write: bool| {
        c.enqueue(Request {
            id,
            addr,
            write,
            arrive: 0,
        });
        id += 1;
    };
    for i in 0..32 {
        push(&mut c, i * 64, false);
    }
    for i in 0..10 {
        push(&mut c, (1 << 20) + i * 64, true);
    }
    let mut done = Vec::new();
    c.advance(2_000, &mut done);
    // 10 writes stay below the watermark: every read goes first.
    let order: Vec<bool> = done.iter().map(|d| d.write).collect();
    assert_eq!(order.iter().position(|&w| w), Some(32), "{order:?}");

    let mut c = Controller::new(&cfg).expect("config");
    for i in 0..24 {
        push(&mut c, (1 << 20) + i * 64, true);
    }
    for i in 0..8 {
        push(&mut c, i * 64, false);
    }
    let mut done = Vec::new();
    c.advance(2_000, &mut done);
    let first_cols: Vec<bool> = c
        .commands()
        .iter()
        .filter(|k| k.kind.is_column())
        .map(|k| k.kind.is_write())
        .collect();
    // 24 writes reach the high watermark: 16 drain (down to 8), then the reads, then the rest.
    assert!(first_cols[..16].iter().all(|&w| w), "{first_cols:?}");
    assert!(first_cols[16..24].iter().all(|&w| !w), "{first_cols:?}");
    assert_eq!(c.stats().write_drains, 2);
}
