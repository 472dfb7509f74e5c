//! The checker catches a controller that under-waits any one timing by a single clock: the
//! controller runs with the shortened value, its trace is checked against the true one.

use super::common::*;
use dram::{check, Rule, Timing};

/// Traffic that makes every rule bind somewhere: random mixed reads and writes (row conflicts,
/// tFAW, turnarounds), a few hot rows (back-to-back hits in one bank group) and refreshes.
fn traffic() -> Vec<(u64, bool)> {
    let mut r = Lcg(99);
    let mut v: Vec<(u64, bool)> = random(3000, 64, 1 << 28, 0.3, 4).collect();
    v.extend((0..3000).map(|_| (r.below(1 << 16) / 64 * 64, r.below(3) == 0)));
    v.extend(random(3000, 64, 1 << 28, 0.5, 8));
    v
}

/// A timing field, how to shorten it, and the rule that must then fire.
type Cut = (&'static str, fn(&mut Timing), Rule);

#[test]
fn a_controller_one_clock_short_on_any_timing_is_caught() {
    let cuts: [Cut; 14] = [
        ("rcd", |t| t.rcd -= 1, Rule::Trcd),
        ("rcd_wr", |t| t.rcd_wr -= 1, Rule::Trcd),
        ("rp", |t| t.rp -= 1, Rule::Trp),
        ("ras", |t| t.ras -= 1, Rule::Tras),
        ("rrd_s", |t| t.rrd_s -= 1, Rule::TrrdS),
        ("rrd_l", |t| t.rrd_l -= 1, Rule::TrrdL),
        ("faw", |t| t.faw -= 1, Rule::Tfaw),
        ("ccd_l", |t| t.ccd_l -= 1, Rule::TccdL),
        ("wtr_s", |t| t.wtr_s -= 1, Rule::TwtrS),
        ("wtr_l", |t| t.wtr_l -= 1, Rule::TwtrL),
        ("rtp", |t| t.rtp -= 1, Rule::Trtp),
        ("wr", |t| t.wr -= 1, Rule::Twr),
        ("rtw", |t| t.rtw -= 1, Rule::Trtw),
        ("rfc", |t| t.rfc -= 1, Rule::Trfc),
    ];
    let truth = config("ddr4-2133");
    for (field, cut, rule) in cuts {
        let mut cfg = truth.clone();
        cut(&mut cfg.timing);
        let mut c = controller(&cfg);
        drive(&mut c, traffic());
        let v = check(c.commands(), &truth.timing, &truth.org)
            .expect_err(&format!("{field} one clock short went unnoticed"));
        assert_eq!(v.rule, rule, "{field}: {v}");
        assert_eq!(v.actual + 1, v.needed, "{field}: {v}");
    }
}
