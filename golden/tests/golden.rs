//! golden's integration tests: ap_fixed semantics against an independent arbitrary-precision model,
//! unit corner cases, and whole frames.

use golden::fixed::{Fixed, FixedType, Fm, Format, Overflow, Quant, Rnd, Sat, UFixed};
use golden::units::mac::Mac;
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------------
// An independent model of ap_fixed assignment: exact rationals v / 2^shift in BigInt, the rounding
// decided by comparing twice the remainder with the denominator, overflow by modular reduction.

fn pow2(n: u32) -> BigInt {
    BigInt::one() << n
}

fn model_quantize(v: &BigInt, frac: i32, f: &Format) -> i64 {
    let shift = frac - f.frac_bits();
    let q = if shift <= 0 {
        v * pow2((-shift) as u32)
    } else {
        let den = pow2(shift as u32);
        let (fl, rem) = v.div_mod_floor(&den);
        let twice = &rem * 2;
        let (above, tie, exact) = (twice > den, twice == den, rem.is_zero());
        let neg = v.is_negative();
        let odd = fl.is_odd();
        let up = match f.quant() {
            Quant::Trn => false,
            Quant::TrnZero => neg && !exact,
            Quant::Rnd => above || tie,
            Quant::RndZero => above || (tie && neg),
            Quant::RndMinInf => above,
            Quant::RndInf => above || (tie && !neg),
            Quant::RndConv => above || (tie && odd),
        };
        if up {
            fl + 1
        } else {
            fl
        }
    };
    let (lo, hi) = (BigInt::from(f.min_raw()), BigInt::from(f.max_raw()));
    let r = match f.overflow() {
        Overflow::Wrap => {
            let m = pow2(f.width());
            (q - &lo).mod_floor(&m) + &lo
        }
        Overflow::Sat => q.clamp(lo, hi),
        Overflow::SatZero => {
            if q < lo || q > hi {
                BigInt::zero()
            } else {
                q
            }
        }
        Overflow::SatSym => {
            // A 1-bit signed ap_fixed keeps −1 as its symmetric minimum (seen in the real headers).
            let lo = if f.is_signed() && f.width() > 1 {
                -hi.clone()
            } else {
                lo
            };
            q.clamp(lo, hi)
        }
    };
    r.to_i64().expect("in range")
}

fn format_strategy() -> impl Strategy<Value = Format> {
    (1u32..=64, -8i32..=40, any::<bool>(), 0usize..7, 0usize..4).prop_filter_map(
        "representable",
        |(w, frac, signed, q, o)| {
            let w = if signed { w } else { w.min(63) };
            Format::new(w, w as i32 - frac, signed, Quant::ALL[q], Overflow::ALL[o]).ok()
        },
    )
}

fn raw_in(f: Format) -> impl Strategy<Value = (Format, i64)> {
    prop_oneof![
        (f.min_raw()..=f.max_raw()),
        Just(f.min_raw()),
        Just(f.max_raw()),
        Just(0i64),
        (-3i64..=3).prop_map(move |v| v.clamp(f.min_raw(), f.max_raw())),
    ]
    .prop_map(move |r| (f, r))
}

fn operand() -> impl Strategy<Value = (Format, i64)> {
    format_strategy().prop_flat_map(raw_in)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn products_match_the_model((fa, a) in operand(), (fb, b) in operand(), dst in format_strategy()) {
        let v = BigInt::from(a) * BigInt::from(b);
        prop_assert_eq!(dst.from_product(a, &fa, b, &fb), model_quantize(&v, fa.frac_bits() + fb.frac_bits(), &dst));
    }

    #[test]
    fn sums_and_differences_match_the_model((fa, a) in operand(), (fb, b) in operand(), dst in format_strategy()) {
        let frac = fa.frac_bits().max(fb.frac_bits());
        let x = BigInt::from(a) << (frac - fa.frac_bits()) as u32;
        let y = BigInt::from(b) << (frac - fb.frac_bits()) as u32;
        prop_assert_eq!(dst.from_sum(a, &fa, b, &fb), model_quantize(&(&x + &y), frac, &dst));
        prop_assert_eq!(dst.from_difference(a, &fa, b, &fb), model_quantize(&(&x - &y), frac, &dst));
    }

    #[test]
    fn quotients_truncate_toward_zero_then_assign((fa, a) in operand(), (fb, b) in operand(), dst in format_strategy()) {
        let fbp = fb.frac_bits().max(0);
        let got = dst.from_quotient(a, &fa, b, &fb);
        if b == 0 {
            prop_assert_eq!(got, None);
        } else {
            let q = (BigInt::from(a) << fbp as u32) / BigInt::from(b); // BigInt `/` truncates toward zero
            prop_assert_eq!(got, Some(model_quantize(&q, fa.frac_bits() + fbp - fb.frac_bits(), &dst)));
        }
    }

    #[test]
    fn doubles_convert_exactly(k in -(1i64 << 53)..(1i64 << 53), e in -80i32..80, dst in format_strategy()) {
        let x = k as f64 * 2f64.powi(-e);
        prop_assert_eq!(dst.from_f64(x), Some(model_quantize(&BigInt::from(k), e, &dst)));
    }

    #[test]
    fn mac_paths_agree_with_one_assignment_per_product(
        acc_f in format_strategy(),
        fa in format_strategy(),
        fb in format_strategy(),
        seeds in prop::collection::vec((any::<u64>(), any::<u64>()), 1..24),
    ) {
        let Ok(mac) = Mac::new(acc_f, fa, fb) else { return Ok(()) };
        // Operands biased to the extremes, where an i64 product or a 2^64 wrap would go wrong.
        let pick = |f: &Format, r: u64| match r % 4 {
            0 => f.min_raw(),
            1 => f.max_raw(),
            _ => f.wrap_raw(r as i64 as i128),
        };
        let a: Vec<i64> = seeds.iter().map(|&(x, _)| pick(&fa, x)).collect();
        let b: Vec<i64> = seeds.iter().map(|&(_, y)| pick(&fb, y)).collect();
        let frac = fa.frac_bits() + fb.frac_bits();
        let mut model = 0i64;
        for (&x, &y) in a.iter().zip(&b) {
            let exact = (BigInt::from(model) << (frac - acc_f.frac_bits()) as u32) + BigInt::from(x) * BigInt::from(y);
            model = model_quantize(&exact, frac, &acc_f);
        }
        prop_assert_eq!(mac.dot(0, &a, &b), model);
        let stepped = a.iter().zip(&b).fold(0, |s, (&x, &y)| mac.step(s, x, y));
        prop_assert_eq!(stepped, model);
        // axpy: the same sum as a one-element row per product, settled once.
        let mut row = [0i64];
        for (&x, &y) in a.iter().zip(&b) {
            mac.axpy(&mut row, &[x], y);
        }
        mac.settle(&mut row);
        prop_assert_eq!(row[0], model);
    }

    #[test]
    fn formats_round_trip_through_text(f in format_strategy()) {
        let text = f.to_string();
        prop_assert_eq!(text.parse::<Format>().unwrap(), f);
    }
}

#[test]
fn huge_and_tiny_doubles_follow_the_modes() {
    let fm: Format = "ap_fixed<32,10>".parse().unwrap();
    let sat: Format = "ap_fixed<32,10,AP_TRN,AP_SAT>".parse().unwrap();
    assert_eq!(fm.from_f64(1e300), Some(0)); // every kept bit of 1e300·2^22 is zero
    assert_eq!(sat.from_f64(1e300), Some(i32::MAX as i64));
    assert_eq!(sat.from_f64(-1e300), Some(i32::MIN as i64));
    assert_eq!(fm.from_f64(-1e-300), Some(-1)); // floor of a tiny negative is −1 LSB
    assert_eq!(fm.from_f64(-0.0), Some(0));
    assert_eq!(fm.from_f64(f64::NAN), None);
    assert_eq!(fm.from_f64(-1e-7), Some(-1)); // Edge-MoE's test bench: −1e-7 → raw −1
}

#[test]
fn fm_wraps_at_plus_and_minus_512() {
    let a = Fm::from_f64(511.5).unwrap();
    let one = Fm::from_f64(1.0).unwrap();
    let s: Fm = a.add_as(one);
    assert_eq!(s.to_f64(), -511.5);
    let b = Fm::from_f64(-512.0).unwrap();
    let d: Fm = b.sub_as(one);
    assert_eq!(d.to_f64(), 511.0);
    // 511.75 + 0.25 = 512 wraps to exactly the minimum
    let e: Fm = Fm::from_f64(511.75)
        .unwrap()
        .add_as(Fm::from_f64(0.25).unwrap());
    assert_eq!(e.to_bits(), i32::MIN as i64);
}

#[test]
fn the_const_generic_type_and_the_runtime_format_agree() {
    type R = Fixed<16, 6, Rnd, Sat>;
    assert_eq!(R::format().to_string(), "ap_fixed<16,6,AP_RND,AP_SAT>");
    assert_eq!(
        <UFixed<8, 0> as FixedType>::FORMAT.to_string(),
        "ap_ufixed<8,0>"
    );
    let a = Fm::from_f64(3.3).unwrap();
    let b = Fixed::<16, 2>::from_f64(-0.7).unwrap();
    let p: R = a.mul_as(b);
    let fm = Fm::format();
    let w = Fixed::<16, 2>::format();
    assert_eq!(
        p.to_bits(),
        R::format().from_product(a.to_bits(), &fm, b.to_bits(), &w)
    );
    assert_eq!(p.to_f64(), -2365.0 / 1024.0); // 3.3·(−0.7) ≈ −2.3100 = −2365.47 steps of 2^-10 → −2365
    let q: Option<Fm> = a.checked_div(Fm::from_f64(0.0).unwrap());
    assert!(q.is_none());
}

#[test]
fn parse_errors_say_what_the_grammar_expected() {
    for (text, needle) in [
        ("ap_fixd<8,3>", "expected ap_fixed"),
        ("ap_fixed<8,3", "expected `>`"),
        ("ap_fixed<0,3>", "width 0"),
        ("ap_fixed<65,3>", "width 65"),
        ("ap_ufixed<64,3>", "width 64"),
        ("ap_fixed<8,3,AP_FOO>", "AP_FOO"),
        ("ap_fixed<8,x>", "not an integer"),
        ("ap_fixed<8,3,AP_TRN,AP_WRAP,2>", "saturation bits"),
    ] {
        let e = text.parse::<Format>().unwrap_err().to_string();
        assert!(e.contains(needle), "{text}: {e}");
    }
    assert_eq!(
        "ap_int<7>".parse::<Format>().unwrap().to_string(),
        "ap_fixed<7,7>"
    );
}

// ---------------------------------------------------------------------------------------------------
// Whole frames (random weights; the real ones are exercised through the CLI tests at the root).

mod frame {
    use golden::model::config::{ModelConfig, Numerics};
    use golden::model::forward::{forward_fixed, FrameSpec};
    use golden::model::taps::layer_tap_names;
    use golden::model::weights::{load, Source};
    use golden::units::qk_scores::{qk_scores, AttnGeometry};

    fn run(task: usize, lanes: usize) -> golden::model::forward::FixedFrame {
        let m = ModelConfig::default();
        let n = Numerics::default();
        let w = load(&m, &Source::Random, 7).unwrap().weights.quantize(&n);
        let spec = FrameSpec {
            model: &m,
            numerics: &n,
            attn_lanes: lanes,
            beat: 8,
            task,
        };
        forward_fixed(&spec, &w).unwrap()
    }

    #[test]
    fn a_random_frame_is_deterministic_and_has_every_tap_in_order() {
        let a = run(0, 4);
        let b = run(0, 4);
        assert_eq!(a.taps, b.taps);
        let m = ModelConfig::default();
        let mut names = vec!["patch_embed".to_string()];
        for l in 0..m.depth {
            names.extend(layer_tap_names(l, m.is_moe(l)));
        }
        let got: Vec<&str> = a.taps.entries.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(got, names.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(a.routing.len(), 6);
        for (_, q) in &a.routing {
            assert_eq!(q.total_len(), 258);
        }
        // The other task routes with the other gate.
        let c = run(1, 4);
        assert_ne!(a.routing[0].1, c.routing[0].1);
    }

    #[test]
    fn query_lanes_change_softmax_bits_but_not_scores() {
        let a = run(0, 4);
        let q = &a.taps.get("l0.q").unwrap().values;
        let k = &a.taps.get("l0.k").unwrap().values;
        let fm = Numerics::default().fm;
        let g = |lanes| AttnGeometry {
            heads: 3,
            beat: 8,
            lanes,
        };
        let p1 = qk_scores(q.view(), k.view(), 1 << 19, g(1), &fm).unwrap();
        let p4 = qk_scores(q.view(), k.view(), 1 << 19, g(4), &fm).unwrap();
        assert_eq!(p1.scores, p4.scores);
        assert_eq!(
            p1.info.row(0),
            p4.info.row(0),
            "row 0 sees keys in natural order for any P"
        );
        assert!(p1
            .info
            .rows()
            .into_iter()
            .zip(p4.info.rows())
            .any(|(x, y)| x != y));
    }
}

// ---------------------------------------------------------------------------------------------------
// Vectors produced by the real ap_fixed headers (hls4ml 1.3.0 copy) compiled with g++.

fn vector_lines(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().filter(|t| *t != "->").collect())
}

#[test]
fn assignment_matches_the_real_ap_fixed_headers() {
    let mut n = 0;
    for f in vector_lines(include_str!("../vectors/fixed/quantize.txt")) {
        let (src, frac): (i64, i32) = (f[0].parse().unwrap(), f[1].parse().unwrap());
        let (w, i, signed): (u32, i32, bool) =
            (f[2].parse().unwrap(), f[3].parse().unwrap(), f[4] == "1");
        let dst = Format::new(
            w,
            i,
            signed,
            Quant::from_name(f[5]).unwrap(),
            Overflow::from_name(f[6]).unwrap(),
        )
        .unwrap();
        assert_eq!(
            dst.quantize(src as i128, frac),
            f[7].parse::<i64>().unwrap(),
            "{f:?}"
        );
        n += 1;
    }
    assert!(n > 5000);
}

#[test]
fn double_conversion_matches_the_real_ap_fixed_headers() {
    let mut n = 0;
    for f in vector_lines(include_str!("../vectors/fixed/from_f64.txt")) {
        let x = f64::from_bits(u64::from_str_radix(f[0], 16).unwrap());
        let (w, i, signed): (u32, i32, bool) =
            (f[1].parse().unwrap(), f[2].parse().unwrap(), f[3] == "1");
        let dst = Format::new(w, i, signed, Quant::Trn, Overflow::Wrap).unwrap();
        assert_eq!(dst.from_f64(x), Some(f[4].parse::<i64>().unwrap()), "{f:?}");
        n += 1;
    }
    assert!(n > 1900);
}
