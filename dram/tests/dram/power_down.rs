//! Power-down: traffic with idle gaps, so ranks power down, wake for requests and for refresh;
//! the checker replays every trace, and a zero threshold changes nothing.

use super::common::*;
use dram::{check, CommandKind, Completion, Controller, DramConfig, PagePolicy, Request};

/// Bursts of 1 to 40 requests (random addresses, a third writes), each burst after an idle gap
/// of 0 to 3 × tREFI (short gaps more likely); runs until the last completes, then idles a
/// little more than tREFI so the rank powers down and wakes for refresh at the end.
fn gappy(c: &mut Controller, seed: u64, bursts: u32) -> Vec<Completion> {
    let mut r = Lcg(seed);
    let refi = c.timing().refi as u64;
    let burst = c.burst_bytes() as u64;
    let mut done = Vec::new();
    let mut id = 0;
    for _ in 0..bursts {
        let gap = match r.below(4) {
            0 => r.below(8),
            1 => r.below(200),
            2 => r.below(refi),
            _ => r.below(3 * refi),
        };
        let until = c.now() + gap;
        while c.next_event().is_some_and(|t| t < until) {
            let t = c.next_event().expect("event");
            c.advance(t + 1, &mut done);
        }
        c.advance(until, &mut done);
        for _ in 0..=r.below(40) {
            let write = r.below(3) == 0;
            while !c.can_accept(write) {
                let t = c.next_event().expect("event");
                c.advance(t + 1, &mut done);
            }
            let addr = r.below((1 << 28) / burst) * burst;
            c.enqueue(Request {
                id,
                addr,
                write,
                arrive: c.now(),
            });
            id += 1;
        }
    }
    while !c.is_idle() {
        let t = c.next_event().expect("event");
        c.advance(t + 1, &mut done);
    }
    let end = c.now() + refi + 1000;
    c.advance(end, &mut done);
    assert_eq!(done.len() as u64, id);
    done
}

fn accept(cfg: &DramConfig, label: &str) -> Controller {
    let mut c = controller(cfg);
    gappy(&mut c, 7, 60);
    let s = c.stats();
    let got = check(c.commands(), c.timing(), c.organization())
        .unwrap_or_else(|v| panic!("{label}: {v}"));
    assert_eq!(got.reads, s.reads, "{label}");
    assert_eq!(got.writes, s.writes, "{label}");
    assert_eq!(got.refreshes, s.refreshes, "{label}");
    c
}

#[test]
fn the_checker_accepts_power_down_on_every_preset_policy_and_threshold() {
    for name in dram::PRESETS.map(|p| p.name) {
        for policy in [PagePolicy::Open, PagePolicy::Closed] {
            for idle in [1, 16, 64, 1000] {
                let mut cfg = config(name);
                cfg.policy = policy;
                cfg.power_down_idle = idle;
                let c = accept(&cfg, &format!("{name} {policy:?} power_down_idle {idle}"));
                let kinds = |k| c.commands().iter().filter(|c| c.kind == k).count();
                let (pde, pdx) = (kinds(CommandKind::Pde), kinds(CommandKind::Pdx));
                assert!(pde > 10, "{name} {policy:?} {idle}: {pde} PDE");
                // The last power-down may still be open at the end.
                assert!(pde - pdx <= 1, "{name}: {pde} PDE, {pdx} PDX");
                // Open page: some rows stay open over an idle gap, so active power-down occurs.
                let a = c.activity(c.now());
                assert!(
                    a.precharge_power_down_cycles > 0,
                    "{name} {policy:?} {idle}"
                );
                if policy == PagePolicy::Closed {
                    assert_eq!(a.active_power_down_cycles, 0, "{name} closed page");
                } else {
                    assert!(a.active_power_down_cycles > 0, "{name} {idle}: {a:?}");
                }
            }
        }
    }
}

#[test]
fn the_checker_accepts_power_down_with_two_ranks() {
    let mut cfg = config("ddr4-2133");
    cfg.org.ranks = 2;
    cfg.mapping = "ro-ba-co-bg-ra".parse().expect("mapping");
    cfg.power_down_idle = 16;
    accept(&cfg, "ddr4-2133 2 ranks, power_down_idle 16");
    // Rank bit at the top: whole stretches of traffic leave one rank idle while the other works.
    cfg.mapping = "ra-ro-ba-co-bg".parse().expect("mapping");
    let c = accept(&cfg, "ddr4-2133 2 ranks by address half");
    let per_rank = |r| {
        c.commands()
            .iter()
            .filter(|c| c.kind == CommandKind::Pde && c.rank == r)
            .count()
    };
    assert!(per_rank(0) > 0 && per_rank(1) > 0);
}

#[test]
fn a_zero_threshold_gives_the_default_trace_exactly() {
    for name in ["ddr4-2133", "ddr4-3200", "hbm2"] {
        let base = config(name);
        assert_eq!(base.power_down_idle, 0, "the default never powers down");
        let mut zero = config(name);
        zero.power_down_idle = 0;
        let (mut a, mut b) = (controller(&base), controller(&zero));
        let (da, db) = (gappy(&mut a, 3, 40), gappy(&mut b, 3, 40));
        assert_eq!(da, db, "{name}");
        assert_eq!(a.commands(), b.commands(), "{name}");
        assert!(a.commands().iter().all(|c| !c.kind.is_power_down()));
        assert_eq!(a.activity(a.now()), b.activity(b.now()));
    }
}

/// A refresh due while the rank sleeps: PDX at the due clock, REF tXP later, and the rank goes
/// back down once it has been idle for the threshold after tRFC.
#[test]
fn refresh_wakes_a_powered_down_rank_and_it_sleeps_again() {
    let mut cfg = config("ddr4-2133");
    cfg.power_down_idle = 16;
    let mut c = controller(&cfg);
    let t = *c.timing();
    let (refi, rfc, xp) = (t.refi as u64, t.rfc as u64, t.xp as u64);
    c.advance(2 * refi + 1000, &mut Vec::new());
    let got: Vec<_> = c.commands().iter().map(|c| (c.kind, c.cycle)).collect();
    use CommandKind::*;
    assert_eq!(
        got,
        [
            (Pde, 16),
            (Pdx, refi),
            (Ref, refi + xp),
            (Pde, refi + xp + rfc + 16),
            (Pdx, 2 * refi),
            (Ref, 2 * refi + xp),
            (Pde, 2 * refi + xp + rfc + 16),
        ]
    );
    check(c.commands(), c.timing(), c.organization()).expect("legal");
}
