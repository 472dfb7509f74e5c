//! Refresh cadence of an idle channel.

use super::common::*;
use dram::CommandKind;

/// An idle rank has nothing to wait for: REF k issues exactly at k × tREFI, and nothing else.
#[test]
fn an_idle_channel_refreshes_exactly_every_trefi() {
    for name in ["ddr4-2133", "hbm2"] {
        let cfg = config(name);
        let mut c = controller(&cfg);
        let refi = c.timing().refi as u64;
        let mut done = Vec::new();
        while c.now() < 100 * refi + 1 {
            let t = c.next_event().expect("refresh is always next");
            c.advance(t + 1, &mut done);
        }
        let cycles: Vec<u64> = c.commands().iter().map(|k| k.cycle).collect();
        let want: Vec<u64> = (1..=100).map(|k| k * refi).collect();
        assert_eq!(cycles, want, "{name}");
        assert!(c.commands().iter().all(|k| k.kind == CommandKind::Ref));
        assert_eq!(c.stats().refreshes, 100);
        assert!(done.is_empty());
    }
}

/// A long advance without stepping through events does the same work.
#[test]
fn one_long_advance_equals_stepping_event_by_event() {
    let cfg = config("ddr4-2133");
    let mut stepped = controller(&cfg);
    let mut jumped = controller(&cfg);
    let mut done = Vec::new();
    let end = 1_000_000;
    while stepped.now() < end {
        let t = stepped.next_event().expect("event").min(end - 1);
        stepped.advance(t + 1, &mut done);
    }
    jumped.advance(end, &mut done);
    assert_eq!(stepped.commands(), jumped.commands());
    assert_eq!(jumped.stats().refreshes, end / 8318);
}
