//! AXI-Stream tops: a unit behind `s_axis`/`m_axis` ports, padded to the latency the design point's
//! architecture gives it.
//!
//! ```text
//!              ┌──────────────────────── <unit>_axis ─────────────────────────┐
//!  s_axis ────►│ unit (natural latency L) ──► LatencyPad (depth − L stages) ──│──► m_axis
//!  aresetn ───►│ (reset = !aresetn)                                           │
//!              └──────────────────────────────────────────────────────────────┘
//! ```
//! The simulator models a unit as a pipeline of the configured depth; a top built from a config has
//! exactly that depth, so a Verilator harness can hold the RTL to the simulator's cycle count. A depth
//! below the unit's natural latency cannot be met and is refused.

use rust_hdl::prelude::*;

use super::RtlError;

/// Most stages a [`LatencyPad`] can add.
pub const MAX_PAD: usize = 48;

/// A valid/ready delay line of `B`-bit data and a run-time number of stages (0 to [`MAX_PAD`]) with the
/// units' flow control: every stage advances together when the last one is empty or being read.
///
/// rust-hdl sizes arrays at compile time, so the line is built [`MAX_PAD`] long and a one-hot constant
/// picks the tap; synthesis removes the stages past it. A second tap, chosen by `alt`, serves units
/// whose configured depth depends on a per-call mode (the linear unit with and without GELU): `alt`
/// must only change while the line is empty, as a mode only changes between calls.
#[derive(LogicBlock)]
pub struct LatencyPad<const B: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: empties the line.
    pub reset: Signal<In, Bit>,
    /// Use the second tap.
    pub alt: Signal<In, Bit>,
    /// Data in.
    pub x: Signal<In, Bits<B>>,
    /// `x` holds a value.
    pub x_valid: Signal<In, Bit>,
    /// The line takes `x` this edge if `x_valid`.
    pub x_ready: Signal<Out, Bit>,
    /// Data out.
    pub y: Signal<Out, Bits<B>>,
    /// `y` holds a value.
    pub y_valid: Signal<Out, Bit>,
    /// The consumer takes `y` this edge if `y_valid`.
    pub y_ready: Signal<In, Bit>,
    /// Bit k set: the output is stage k's (bit 0: no stage, `y = x`).
    tap: Constant<Bits<64>>,
    /// The same when `alt`.
    alt_tap: Constant<Bits<64>>,
    data: [DFF<Bits<B>>; MAX_PAD],
    valid: [DFF<Bit>; MAX_PAD],
    out_valid: Signal<Local, Bit>,
    advance: Signal<Local, Bit>,
}

impl<const B: usize> LatencyPad<B> {
    /// A line of `stages` stages, or `alt_stages` while `alt` is high.
    pub fn new(stages: usize, alt_stages: usize) -> Result<LatencyPad<B>, String> {
        if stages.max(alt_stages) > MAX_PAD {
            return Err(format!(
                "{} padding stages exceed the {MAX_PAD} a pad holds",
                stages.max(alt_stages)
            ));
        }
        Ok(LatencyPad {
            clock: Default::default(),
            reset: Default::default(),
            alt: Default::default(),
            x: Default::default(),
            x_valid: Default::default(),
            x_ready: Default::default(),
            y: Default::default(),
            y_valid: Default::default(),
            y_ready: Default::default(),
            tap: Constant::new((1u64 << stages).into()),
            alt_tap: Constant::new((1u64 << alt_stages).into()),
            data: std::array::from_fn(|_| Default::default()),
            valid: std::array::from_fn(|_| Default::default()),
            out_valid: Default::default(),
            advance: Default::default(),
        })
    }
}

impl<const B: usize> Logic for LatencyPad<B> {
    #[hdl_gen]
    fn update(&mut self) {
        for i in 0..MAX_PAD {
            self.data[i].clock.next = self.clock.val();
            self.data[i].d.next = self.data[i].q.val();
            self.valid[i].clock.next = self.clock.val();
            self.valid[i].d.next = self.valid[i].q.val();
        }
        self.y.next = self.x.val();
        self.out_valid.next = self.x_valid.val();
        for i in 0..MAX_PAD {
            if (!self.alt.val() && self.tap.val().get_bit(i + 1))
                || (self.alt.val() && self.alt_tap.val().get_bit(i + 1))
            {
                self.y.next = self.data[i].q.val();
                self.out_valid.next = self.valid[i].q.val();
            }
        }
        self.y_valid.next = self.out_valid.val();
        self.advance.next = !self.out_valid.val() || self.y_ready.val();
        self.x_ready.next = self.advance.val() && !self.reset.val();
        if self.advance.val() {
            self.data[0].d.next = self.x.val();
            self.valid[0].d.next = self.x_valid.val();
            for i in 1..MAX_PAD {
                self.data[i].d.next = self.data[i - 1].q.val();
                self.valid[i].d.next = self.valid[i - 1].q.val();
            }
        }
        if self.reset.val() {
            for i in 0..MAX_PAD {
                self.valid[i].d.next = false;
            }
        }
    }
}

/// A 32-bit element at its place in a `T`-bit bus: `y = x << 32e`, zero elsewhere.
///
/// rust-hdl's Verilog generator resolves one array index per name (`lanes[o].k[e]` comes out as the
/// undeclared `lanes$0$k[e]`), so a beat cannot be wired element by element into a lane of an array; it
/// travels as one bus, ORed together from these. And `bit_cast` of an array element indexed by a loop
/// variable does not compile in `#[hdl_gen]`, so the widening and shift sit in this block, with the
/// offset a constant.
#[derive(LogicBlock)]
pub struct Place<const T: usize> {
    /// The element.
    pub x: Signal<In, Bits<32>>,
    /// The element at its place in the bus.
    pub y: Signal<Out, Bits<T>>,
    offset: Constant<Bits<32>>,
    wide: Signal<Local, Bits<T>>,
}

impl<const T: usize> Place<T> {
    /// Element `e` (bits 32e .. 32e + 31).
    pub fn new(e: usize) -> Place<T> {
        Place {
            x: Default::default(),
            y: Default::default(),
            offset: Constant::new(((32 * e) as u64).into()),
            wide: Default::default(),
        }
    }
}

impl<const T: usize> Logic for Place<T> {
    #[hdl_gen]
    fn update(&mut self) {
        self.wide.next = bit_cast::<T, 32>(self.x.val());
        self.y.next = self.wide.val() << self.offset.val();
    }
}

/// One lane's place in a packed result bus: `out = acc | y << (L·lane)`. Chained lane by lane (each
/// `acc` the previous lane's `out`), it packs an array of `L`-bit lanes into one `T`-bit AXI-Stream
/// word; a block of its own because `#[hdl_gen]` cannot widen an array element picked by a loop
/// variable.
#[derive(LogicBlock)]
pub struct PackLane<const L: usize, const T: usize> {
    /// The lanes below, packed.
    pub acc: Signal<In, Bits<T>>,
    /// This lane.
    pub y: Signal<In, Bits<L>>,
    /// The lanes up to this one, packed.
    pub out: Signal<Out, Bits<T>>,
    shift: Constant<Bits<32>>,
    wide: Signal<Local, Bits<T>>,
}

impl<const L: usize, const T: usize> PackLane<L, T> {
    /// Lane `lane` (bits L·lane ..).
    pub fn new(lane: usize) -> PackLane<L, T> {
        PackLane {
            acc: Default::default(),
            y: Default::default(),
            out: Default::default(),
            shift: Constant::new(((L * lane) as u64).into()),
            wide: Default::default(),
        }
    }
}

impl<const L: usize, const T: usize> Logic for PackLane<L, T> {
    #[hdl_gen]
    fn update(&mut self) {
        self.wide.next = bit_cast::<T, L>(self.y.val());
        self.out.next = self.acc.val() | (self.wide.val() << self.shift.val());
    }
}

/// The padding a unit of natural latency `natural` needs to take `depth` cycles.
pub fn pad_stages(unit: &'static str, natural: u32, depth: u32) -> Result<usize, RtlError> {
    match depth.checked_sub(natural) {
        Some(pad) if pad as usize <= MAX_PAD => Ok(pad as usize),
        _ => Err(RtlError::Latency {
            unit,
            depth,
            natural,
            most: natural + MAX_PAD as u32,
        }),
    }
}

/// Declares `$top`, the AXI-Stream top of the scalar unit `$unit` (ports `x` → `y`, `x` of `$bits`
/// bits: 32, or 64 for div's two operands), and its constructor `$top::new(unit, pad_stages)`.
///
/// A macro rather than a generic block: `#[hdl_gen]` reaches a sub-block's ports as fields, which a
/// type parameter cannot promise.
macro_rules! scalar_axis {
    ($(#[$doc:meta])* $top:ident, $unit:ty, $bits:literal) => {
        $(#[$doc])*
        #[derive(LogicBlock)]
        pub struct $top {
            /// Clock.
            pub aclk: Signal<In, Clock>,
            /// Synchronous reset, active low (AXI's convention).
            pub aresetn: Signal<In, Bit>,
            /// Operands: fm_t raws in the low W bits of each 32-bit lane.
            pub s_axis_tdata: Signal<In, Bits<$bits>>,
            /// AXI-Stream TVALID of the operands.
            pub s_axis_tvalid: Signal<In, Bit>,
            /// AXI-Stream TREADY of the operands.
            pub s_axis_tready: Signal<Out, Bit>,
            /// Result: an fm_t raw sign-extended to 32 bits.
            pub m_axis_tdata: Signal<Out, Bits<32>>,
            /// AXI-Stream TVALID of the result.
            pub m_axis_tvalid: Signal<Out, Bit>,
            /// AXI-Stream TREADY of the result.
            pub m_axis_tready: Signal<In, Bit>,
            unit: $unit,
            pad: $crate::rtl::axis::LatencyPad<32>,
        }

        impl $top {
            /// `unit` followed by `pad` stages.
            pub fn new(unit: $unit, pad: usize) -> Result<$top, String> {
                let mut top = $top {
                    aclk: Default::default(),
                    aresetn: Default::default(),
                    s_axis_tdata: Default::default(),
                    s_axis_tvalid: Default::default(),
                    s_axis_tready: Default::default(),
                    m_axis_tdata: Default::default(),
                    m_axis_tvalid: Default::default(),
                    m_axis_tready: Default::default(),
                    unit,
                    pad: $crate::rtl::axis::LatencyPad::new(pad, pad)?,
                };
                top.connect_all();
                Ok(top)
            }
        }

        impl Logic for $top {
            #[hdl_gen]
            fn update(&mut self) {
                self.unit.clock.next = self.aclk.val();
                self.unit.reset.next = !self.aresetn.val();
                self.unit.x.next = self.s_axis_tdata.val();
                self.unit.x_valid.next = self.s_axis_tvalid.val();
                self.s_axis_tready.next = self.unit.x_ready.val();
                self.pad.clock.next = self.aclk.val();
                self.pad.reset.next = !self.aresetn.val();
                self.pad.alt.next = false;
                self.pad.x.next = self.unit.y.val();
                self.pad.x_valid.next = self.unit.y_valid.val();
                self.unit.y_ready.next = self.pad.x_ready.val();
                self.m_axis_tdata.next = self.pad.y.val();
                self.m_axis_tvalid.next = self.pad.y_valid.val();
                self.pad.y_ready.next = self.m_axis_tready.val();
            }
        }
    };
}

pub(crate) use scalar_axis;

#[cfg(test)]
mod tests {

    use golden::fixed::Format;
    use golden::units::gelu::Gelu as Golden;

    use super::*;
    use crate::rtl::gelu::{Gelu, GeluAxis, LATENCY};
    use crate::rtl::RtlUnit;

    fn fm() -> Format {
        "ap_fixed<32,10>".parse().expect("a valid format")
    }

    fn edge(top: &mut GeluAxis) {
        for clk in [false, true] {
            top.aclk.next = Clock { clk };
            assert!(simulate(top, 200), "settles");
        }
    }

    /// Streams `n` operands with `m_axis_tready` from `ready(cycle)`; returns (cycle, value) per result.
    fn stream(pad: usize, n: usize, ready: impl Fn(usize) -> bool) -> Vec<(usize, u32)> {
        let mut top = GeluAxis::new(Gelu::new(fm()).expect("supported"), pad).expect("a pad");
        top.aresetn.next = false;
        edge(&mut top);
        top.aresetn.next = true;
        let (mut next, mut out) = (0, Vec::new());
        for cycle in 0..20 * n + 100 {
            if out.len() == n {
                break;
            }
            top.s_axis_tdata.next = ((next as u64) << 18).into();
            top.s_axis_tvalid.next = next < n;
            top.m_axis_tready.next = ready(cycle);
            top.aclk.next = Clock { clk: false };
            assert!(simulate(&mut top, 200), "settles");
            let taken = next < n && top.s_axis_tready.val();
            if top.m_axis_tvalid.val() && ready(cycle) {
                out.push((cycle, top.m_axis_tdata.val().to_u64() as u32));
            }
            next += usize::from(taken);
            edge(&mut top);
        }
        out
    }

    #[test]
    fn the_pad_adds_exactly_its_stages_and_keeps_ii_1() {
        let golden = Golden::new(fm());
        for pad in [0, 1, 5, MAX_PAD] {
            let out = stream(pad, 40, |_| true);
            for (k, &(cycle, y)) in out.iter().enumerate() {
                assert_eq!(cycle, k + LATENCY as usize + pad, "pad {pad}: result {k}");
                assert_eq!(
                    y as i64,
                    golden.apply((k as i64) << 18),
                    "pad {pad}: value {k}"
                );
            }
        }
    }

    #[test]
    fn backpressure_through_the_pad_loses_nothing() {
        let golden = Golden::new(fm());
        let out = stream(3, 200, |c| c % 3 == 0 || (c / 50) % 2 == 1);
        let got: Vec<i64> = out.iter().map(|&(_, y)| y as i64).collect();
        let want: Vec<i64> = (0..200).map(|k| golden.apply(k << 18)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_depth_the_unit_cannot_meet_is_refused_with_both_bounds() {
        let mut arch = crate::arch::ArchConfig::default();
        let numerics = golden::model::config::Numerics::default();
        let model = golden::model::config::ModelConfig::default();
        arch.depth.gelu = LATENCY - 1;
        let err = RtlUnit::Gelu
            .top(&model, &numerics, &arch)
            .expect_err("too shallow");
        assert!(matches!(err, RtlError::Latency { natural: 6, .. }), "{err}");
        arch.depth.gelu = LATENCY + MAX_PAD as u32 + 1;
        assert!(RtlUnit::Gelu.top(&model, &numerics, &arch).is_err());
        arch.depth.gelu = LATENCY + 2;
        let top = RtlUnit::Gelu.top(&model, &numerics, &arch).expect("padded");
        assert_eq!((top.latency, top.natural), (LATENCY + 2, LATENCY));
        assert!(top.verilog.contains("module gelu_axis("));
    }
}
