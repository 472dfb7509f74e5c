//! Every rule of the checker fires on a hand-made trace that breaks it by one clock, and the same
//! trace one clock later passes (blocked at t − 1, legal at t). Timing is DDR4-2133:
//! tRCD 15, tRP 15, tRAS 36, tRC 51, CL 15, CWL 11, BL/2 4, tCCD_S/L 4/6, tRRD_S/L 6/7, tFAW 32,
//! tWTR_S/L 3/8, tRTP 8, tWR 16, tRTW 10, tRFC 374, tREFI 8318.

use std::collections::HashSet;

use dram::standard::{DDR4_2133, HBM2};
use dram::{check, Command, CommandKind, Organization, Rule, Timing};

use CommandKind::*;

/// Every rule; the match makes adding a rule without a test here a compile error.
fn all_rules() -> Vec<Rule> {
    let rules = [
        Rule::CommandOrder,
        Rule::CommandBus,
        Rule::OutOfRange,
        Rule::ActToOpenBank,
        Rule::RowNotOpen,
        Rule::Trcd,
        Rule::Tras,
        Rule::Trp,
        Rule::Trc,
        Rule::TrrdS,
        Rule::TrrdL,
        Rule::Tfaw,
        Rule::TccdS,
        Rule::TccdL,
        Rule::TwtrS,
        Rule::TwtrL,
        Rule::Trtp,
        Rule::Twr,
        Rule::Trtw,
        Rule::DataBusOverlap,
        Rule::Trtrs,
        Rule::RefreshWithOpenBank,
        Rule::Trfc,
        Rule::RefreshInterval,
        Rule::PowerDownState,
        Rule::Tcke,
        Rule::Txp,
    ];
    for r in rules {
        match r {
            Rule::CommandOrder
            | Rule::CommandBus
            | Rule::OutOfRange
            | Rule::ActToOpenBank
            | Rule::RowNotOpen
            | Rule::Trcd
            | Rule::Tras
            | Rule::Trp
            | Rule::Trc
            | Rule::TrrdS
            | Rule::TrrdL
            | Rule::Tfaw
            | Rule::TccdS
            | Rule::TccdL
            | Rule::TwtrS
            | Rule::TwtrL
            | Rule::Trtp
            | Rule::Twr
            | Rule::Trtw
            | Rule::DataBusOverlap
            | Rule::Trtrs
            | Rule::RefreshWithOpenBank
            | Rule::Trfc
            | Rule::RefreshInterval
            | Rule::PowerDownState
            | Rule::Tcke
            | Rule::Txp => {}
        }
    }
    rules.to_vec()
}

/// A command: (cycle, kind, rank, bank group, bank, row).
fn c(cycle: u64, kind: CommandKind, rank: u8, bg: u8, bank: u8, row: u32) -> Command {
    Command {
        cycle,
        kind,
        rank,
        bg,
        bank,
        row,
        col: 0,
    }
}

/// Bank-group/bank shorthand on rank 0, row 0.
fn b(cycle: u64, kind: CommandKind, bg: u8, bank: u8) -> Command {
    c(cycle, kind, 0, bg, bank, 0)
}

struct Case {
    name: &'static str,
    rule: Rule,
    timing: Timing,
    org: Organization,
    /// The trace with its last command at the legal clock; the test also moves that command one
    /// clock earlier (or as `bad` says).
    good: Vec<Command>,
    bad: Option<Vec<Command>>,
}

fn ddr4() -> (Timing, Organization) {
    (DDR4_2133.timing, DDR4_2133.org)
}

fn two_ranks() -> (Timing, Organization) {
    let mut o = DDR4_2133.org;
    o.ranks = 2;
    (DDR4_2133.timing, o)
}

fn case(name: &'static str, rule: Rule, good: Vec<Command>) -> Case {
    let (timing, org) = ddr4();
    Case {
        name,
        rule,
        timing,
        org,
        good,
        bad: None,
    }
}

fn cases() -> Vec<Case> {
    let refi = DDR4_2133.timing.refi as u64;
    let mut v = vec![
        case(
            "ACT to RD",
            Rule::Trcd,
            vec![b(0, Act, 0, 0), b(15, Rd, 0, 0)],
        ),
        case(
            "ACT to WR",
            Rule::Trcd,
            vec![b(0, Act, 0, 0), b(15, Wr, 0, 0)],
        ),
        case(
            "ACT to PRE",
            Rule::Tras,
            vec![b(0, Act, 0, 0), b(36, Pre, 0, 0)],
        ),
        case(
            "PRE to ACT",
            Rule::Trp,
            vec![b(0, Act, 0, 0), b(40, Pre, 0, 0), b(55, Act, 0, 0)],
        ),
        case(
            "PREA to ACT",
            Rule::Trp,
            vec![b(0, Act, 0, 0), b(40, PreA, 0, 0), b(55, Act, 0, 0)],
        ),
        case(
            "PRE to REF",
            Rule::Trp,
            vec![b(0, Act, 0, 0), b(40, Pre, 0, 0), b(55, Ref, 0, 0)],
        ),
        // RDA at 15: precharge at max(15 + tRTP, 0 + tRAS) = 36, ACT from 51.
        case(
            "RDA to ACT",
            Rule::Trp,
            vec![b(0, Act, 0, 0), b(15, RdA, 0, 0), b(51, Act, 0, 0)],
        ),
        // WRA at 15: data ends 30, precharge at 30 + tWR = 46, ACT from 61.
        case(
            "WRA to ACT",
            Rule::Trp,
            vec![b(0, Act, 0, 0), b(15, WrA, 0, 0), b(61, Act, 0, 0)],
        ),
        case(
            "ACT to ACT, other group",
            Rule::TrrdS,
            vec![b(0, Act, 0, 0), b(6, Act, 1, 0)],
        ),
        case(
            "ACT to ACT, same group",
            Rule::TrrdL,
            vec![b(0, Act, 0, 0), b(7, Act, 0, 1)],
        ),
        case(
            "fifth ACT inside tFAW",
            Rule::Tfaw,
            vec![
                b(0, Act, 0, 0),
                b(6, Act, 1, 0),
                b(12, Act, 0, 1),
                b(18, Act, 1, 1),
                b(32, Act, 0, 2),
            ],
        ),
        case(
            "RD to RD, other group",
            Rule::TccdS,
            vec![
                b(0, Act, 0, 0),
                b(6, Act, 1, 0),
                b(21, Rd, 0, 0),
                b(25, Rd, 1, 0),
            ],
        ),
        case(
            "WR to WR, other group",
            Rule::TccdS,
            vec![
                b(0, Act, 0, 0),
                b(6, Act, 1, 0),
                b(21, Wr, 0, 0),
                b(25, Wr, 1, 0),
            ],
        ),
        case(
            "RD to RD, same group",
            Rule::TccdL,
            vec![b(0, Act, 0, 0), b(15, Rd, 0, 0), b(21, Rd, 0, 0)],
        ),
        case(
            "WR to WR, same group",
            Rule::TccdL,
            vec![b(0, Act, 0, 0), b(15, Wr, 0, 0), b(21, Wr, 0, 0)],
        ),
        // WR at 21 in group 0: data ends 21 + 11 + 4 = 36; RD in group 1 from 36 + 3.
        case(
            "write data to RD, other group",
            Rule::TwtrS,
            vec![
                b(0, Act, 0, 0),
                b(6, Act, 1, 0),
                b(21, Wr, 0, 0),
                b(39, Rd, 1, 0),
            ],
        ),
        // WR at 15: data ends 30; RD in the same group from 30 + 8.
        case(
            "write data to RD, same group",
            Rule::TwtrL,
            vec![b(0, Act, 0, 0), b(15, Wr, 0, 0), b(38, Rd, 0, 0)],
        ),
        case(
            "RD to PRE",
            Rule::Trtp,
            vec![b(0, Act, 0, 0), b(40, Rd, 0, 0), b(48, Pre, 0, 0)],
        ),
        // WR at 15: data ends 30; PRE from 30 + 16.
        case(
            "write data to PRE",
            Rule::Twr,
            vec![b(0, Act, 0, 0), b(15, Wr, 0, 0), b(46, Pre, 0, 0)],
        ),
        case(
            "RD to WR",
            Rule::Trtw,
            vec![b(0, Act, 0, 0), b(15, Rd, 0, 0), b(25, Wr, 0, 0)],
        ),
        // Bank 1 opens at 6; PREA at 41 would cut its tRAS.
        case(
            "PREA before tRAS of one bank",
            Rule::Tras,
            vec![b(0, Act, 0, 0), b(6, Act, 1, 0), b(42, PreA, 0, 0)],
        ),
        case(
            "REF to ACT",
            Rule::Trfc,
            vec![b(10, Ref, 0, 0), b(384, Act, 0, 0)],
        ),
        case(
            "REF to REF",
            Rule::Trfc,
            vec![b(10, Ref, 0, 0), b(384, Ref, 0, 0)],
        ),
        case(
            "two commands in one clock",
            Rule::CommandBus,
            vec![b(0, Act, 0, 0), b(1, Pre, 1, 1)],
        ),
        // tCKE 6, tXP 7 at 2133 (max(3 nCK, 5 ns), max(4 nCK, 6 ns)).
        case(
            "PDE to PDX",
            Rule::Tcke,
            vec![b(0, Pde, 0, 0), b(6, Pdx, 0, 0)],
        ),
        case(
            "PDX to PDE",
            Rule::Tcke,
            vec![b(0, Pde, 0, 0), b(6, Pdx, 0, 0), b(12, Pde, 0, 0)],
        ),
        case(
            "PDX to ACT",
            Rule::Txp,
            vec![b(0, Pde, 0, 0), b(6, Pdx, 0, 0), b(13, Act, 0, 0)],
        ),
        case(
            "PDX to REF",
            Rule::Txp,
            vec![b(100, Pde, 0, 0), b(200, Pdx, 0, 0), b(207, Ref, 0, 0)],
        ),
    ];
    // Rules that are about state, not a gap: the good trace differs in more than one clock.
    let (timing, org) = ddr4();
    let state = |name, rule, good: Vec<Command>, bad: Vec<Command>| Case {
        name,
        rule,
        timing,
        org,
        good,
        bad: Some(bad),
    };
    // Refresh may be postponed eight times: nine intervals between REFs, and not one clock more.
    v.push(state(
        "first REF later than 9 tREFI",
        Rule::RefreshInterval,
        vec![b(9 * refi, Ref, 0, 0)],
        vec![b(9 * refi + 1, Ref, 0, 0)],
    ));
    v.push(state(
        "any command 9 tREFI after the last REF",
        Rule::RefreshInterval,
        vec![b(100, Ref, 0, 0), b(100 + 9 * refi, Act, 0, 0)],
        vec![b(100, Ref, 0, 0), b(101 + 9 * refi, Act, 0, 0)],
    ));
    v.push(state(
        "ACT to a powered-down rank",
        Rule::PowerDownState,
        vec![b(0, Pde, 0, 0), b(10, Pdx, 0, 0), b(20, Act, 0, 0)],
        vec![b(0, Pde, 0, 0), b(20, Act, 0, 0)],
    ));
    v.push(state(
        "PDX to a rank that is up",
        Rule::PowerDownState,
        vec![b(0, Pde, 0, 0), b(10, Pdx, 0, 0)],
        vec![b(0, Act, 0, 0), b(10, Pdx, 0, 0)],
    ));
    v.push(state(
        "ACT to a bank with a row open",
        Rule::ActToOpenBank,
        vec![b(0, Act, 0, 0), b(36, Pre, 0, 0), b(100, Act, 0, 0)],
        vec![b(0, Act, 0, 0), b(100, Act, 0, 0)],
    ));
    v.push(state(
        "REF with a row open",
        Rule::RefreshWithOpenBank,
        vec![b(0, Act, 0, 0), b(36, Pre, 0, 0), b(100, Ref, 0, 0)],
        vec![b(0, Act, 0, 0), b(100, Ref, 0, 0)],
    ));
    v.push(state(
        "RD to a precharged bank",
        Rule::RowNotOpen,
        vec![b(0, Act, 0, 0), b(15, Rd, 0, 0)],
        vec![b(0, Act, 0, 0), b(15, Rd, 0, 1)],
    ));
    v.push(state(
        "RD to another row",
        Rule::RowNotOpen,
        vec![b(0, Act, 0, 0), c(15, Rd, 0, 0, 0, 0)],
        vec![b(0, Act, 0, 0), c(15, Rd, 0, 0, 0, 1)],
    ));
    v.push(state(
        "RD after RDA",
        Rule::RowNotOpen,
        vec![b(0, Act, 0, 0), b(15, RdA, 0, 0)],
        vec![b(0, Act, 0, 0), b(15, RdA, 0, 0), b(21, Rd, 0, 0)],
    ));
    v.push(state(
        "commands out of order",
        Rule::CommandOrder,
        vec![b(0, Act, 0, 0), b(6, Act, 1, 0)],
        vec![b(6, Act, 1, 0), b(0, Act, 0, 0)],
    ));
    v.push(state(
        "bank beyond the organisation",
        Rule::OutOfRange,
        vec![b(0, Act, 1, 3)],
        vec![b(0, Act, 2, 0)],
    ));
    // HBM2: tRCDWR 6 (shorter than tRCDRD 12), and a row plus a column command may share a clock.
    let hbm = |name, rule, good: Vec<Command>, bad: Option<Vec<Command>>| Case {
        name,
        rule,
        timing: HBM2.timing,
        org: HBM2.org,
        good,
        bad,
    };
    v.push(hbm(
        "HBM2 ACT to WR",
        Rule::Trcd,
        vec![b(0, Act, 0, 0), b(6, Wr, 0, 0)],
        None,
    ));
    v.push(hbm(
        "HBM2 two row commands in one clock",
        Rule::CommandBus,
        vec![b(0, Act, 0, 0), b(12, Rd, 0, 0), b(12, Act, 1, 1)],
        Some(vec![b(0, Act, 0, 0), b(12, Act, 1, 1), b(12, Act, 2, 1)]),
    ));
    // Two ranks: nothing links their commands except the shared data bus.
    let (timing, org) = two_ranks();
    // RD rank 0 at 15: data 30..34. RD rank 1 at 19 would start at 34 with no tRTRS gap.
    v.push(Case {
        name: "bursts of two ranks back to back",
        rule: Rule::Trtrs,
        timing,
        org,
        good: vec![
            c(0, Act, 0, 0, 0, 0),
            c(1, Act, 1, 0, 0, 0),
            c(16, Rd, 1, 0, 0, 0),
            c(21, Rd, 0, 0, 0, 0),
        ],
        bad: None,
    });
    v.push(Case {
        name: "bursts of two ranks overlapping",
        rule: Rule::DataBusOverlap,
        timing,
        org,
        good: vec![
            c(0, Act, 0, 0, 0, 0),
            c(1, Act, 1, 0, 0, 0),
            c(16, Rd, 1, 0, 0, 0),
            c(21, Rd, 0, 0, 0, 0),
        ],
        bad: Some(vec![
            c(0, Act, 0, 0, 0, 0),
            c(1, Act, 1, 0, 0, 0),
            c(16, Rd, 1, 0, 0, 0),
            c(18, Rd, 0, 0, 0, 0),
        ]),
    });
    // tRC only binds when it exceeds tRAS + tRP.
    let mut slow = DDR4_2133.timing;
    slow.rc = 60;
    v.push(Case {
        name: "ACT to ACT, same bank, after PRE",
        rule: Rule::Trc,
        timing: slow,
        org: DDR4_2133.org,
        good: vec![b(0, Act, 0, 0), b(36, Pre, 0, 0), b(60, Act, 0, 0)],
        bad: None,
    });
    v
}

#[test]
fn every_rule_rejects_a_trace_that_breaks_it_by_one_clock() {
    let mut fired = HashSet::new();
    for case in cases() {
        check(&case.good, &case.timing, &case.org)
            .unwrap_or_else(|v| panic!("{}: the legal trace fails: {v}", case.name));
        let bad = case.bad.clone().unwrap_or_else(|| {
            let mut t = case.good.clone();
            t.last_mut().expect("non-empty").cycle -= 1;
            t
        });
        let v = check(&bad, &case.timing, &case.org)
            .expect_err(&format!("{}: the broken trace passes", case.name));
        assert_eq!(v.rule, case.rule, "{}: {v}", case.name);
        assert_eq!(v.command, *bad.last().expect("non-empty"), "{}", case.name);
        if case.bad.is_none() && v.needed > 0 {
            assert_eq!(v.actual + 1, v.needed, "{}: {v}", case.name);
        }
        fired.insert(v.rule);
    }
    let missing: Vec<_> = all_rules()
        .into_iter()
        .filter(|r| !fired.contains(r))
        .collect();
    assert!(missing.is_empty(), "rules never exercised: {missing:?}");
}

#[test]
fn a_violation_names_the_rule_both_commands_and_the_gap() {
    let trace = [b(0, Act, 0, 0), b(14, Rd, 0, 0)];
    let v = check(&trace, &DDR4_2133.timing, &DDR4_2133.org).expect_err("tRCD");
    assert_eq!(v.earlier, Some(trace[0]));
    assert_eq!((v.needed, v.actual), (15, 14));
    assert_eq!(
        v.to_string(),
        "tRCD violated by RD@14 ra0 bg0 ba0 row 0 col 0 after ACT@0 ra0 bg0 ba0 row 0: \
         gap 14 clocks, needs 15"
    );
}
