//! The tests' bench for units with the scalar ports (`x` → `y` with valid/ready): the unit stepped
//! directly, clock edge by clock edge (no testbench threads: the fast way to simulate in rust-hdl), and
//! the checks every such unit must pass: II = 1 at its latency, backpressure, reset.

use golden::rng::SplitMix64;
use rust_hdl::prelude::*;

/// A unit with the contract's scalar ports.
pub(crate) trait ScalarPorts: Block {
    /// Drives `clock`.
    fn set_clock(&mut self, high: bool);
    /// Drives `reset`.
    fn set_reset(&mut self, on: bool);
    /// Offers `x` (or nothing) and sets `y_ready`.
    fn drive(&mut self, x: Option<u64>, y_ready: bool);
    /// `x_ready`.
    fn x_ready(&self) -> bool;
    /// `y` if `y_valid`.
    fn y(&self) -> Option<u32>;
}

/// Implements [`ScalarPorts`] for a unit whose ports have the contract's names.
macro_rules! scalar_ports {
    ($unit:ty) => {
        impl $crate::rtl::bench::ScalarPorts for $unit {
            fn set_clock(&mut self, high: bool) {
                self.clock.next = Clock { clk: high };
            }
            fn set_reset(&mut self, on: bool) {
                self.reset.next = on;
            }
            fn drive(&mut self, x: Option<u64>, y_ready: bool) {
                self.x.next = x.unwrap_or(0).into();
                self.x_valid.next = x.is_some();
                self.y_ready.next = y_ready;
            }
            fn x_ready(&self) -> bool {
                self.x_ready.val()
            }
            fn y(&self) -> Option<u32> {
                self.y_valid.val().then(|| self.y.val().to_u64() as u32)
            }
        }
    };
}

pub(crate) use scalar_ports;

/// What a unit's `x` port takes: an fm_t container (u32), or div's pair (u64, `a` low, `b` high).
pub(crate) trait Input: Copy + Into<u64> + std::fmt::LowerHex {}

impl<T: Copy + Into<u64> + std::fmt::LowerHex> Input for T {}

/// The unit under test, out of reset.
pub(crate) struct Bench<U> {
    pub(crate) uut: U,
}

impl<U: ScalarPorts> Bench<U> {
    pub(crate) fn new(uut: U) -> Bench<U> {
        let mut bench = Bench { uut };
        bench.reset();
        bench
    }

    /// One edge with `reset` high.
    pub(crate) fn reset(&mut self) {
        self.uut.set_reset(true);
        self.edge();
        self.uut.set_reset(false);
    }

    fn edge(&mut self) {
        for high in [false, true] {
            self.uut.set_clock(high);
            assert!(simulate(&mut self.uut, 200), "settles");
        }
    }

    /// One clock cycle as a valid/ready neighbour drives it: offers `x`, sets `y_ready`, and returns
    /// whether `x` was taken and the `y` delivered, both decided before the edge.
    pub(crate) fn cycle<X: Into<u64>>(
        &mut self,
        x: Option<X>,
        y_ready: bool,
    ) -> (bool, Option<u32>) {
        let x = x.map(Into::into);
        self.uut.drive(x, y_ready);
        self.uut.set_clock(false);
        assert!(simulate(&mut self.uut, 200), "settles");
        let taken = x.is_some() && self.uut.x_ready();
        let y = self.uut.y().filter(|_| y_ready);
        self.edge();
        (taken, y)
    }
}

/// Streams `xs` back to back with `y` always ready: every input must be taken at once (II = 1) and its
/// result must come out exactly `latency` cycles later, equal to `want(x)`.
pub(crate) fn stream<U: ScalarPorts, X: Input>(
    uut: U,
    latency: u32,
    xs: &[X],
    want: impl Fn(X) -> u32,
    label: &str,
) {
    let mut bench = Bench::new(uut);
    let mut ys = Vec::new();
    for cycle in 0..xs.len() + latency as usize + 2 {
        let x = xs.get(cycle).copied();
        let (taken, y) = bench.cycle(x, true);
        assert_eq!(
            taken,
            x.is_some(),
            "{label}: input of cycle {cycle} refused"
        );
        ys.extend(y.map(|y| (cycle, y)));
    }
    assert_eq!(ys.len(), xs.len(), "{label}: outputs");
    for (k, (&x, &(cycle, y))) in xs.iter().zip(&ys).enumerate() {
        assert_eq!(cycle, k + latency as usize, "{label}: latency of input {k}");
        let w = want(x);
        assert_eq!(
            y, w,
            "{label}: x = {x:#010x}: rtl {y:#010x}, golden {w:#010x}"
        );
    }
}

/// Streams `xs` while `y_ready` is held low long enough to fill the pipeline, then high one cycle in
/// three: the stall must reach `x_ready`, and every result must come out once, in order.
pub(crate) fn backpressure<U: ScalarPorts, X: Input>(
    uut: U,
    latency: u32,
    xs: &[X],
    want: impl Fn(X) -> u32,
    label: &str,
) {
    let mut rng = SplitMix64::new(3);
    let mut bench = Bench::new(uut);
    let (mut next, mut ys, mut refused) = (0, Vec::new(), 0);
    for cycle in 0..20 * xs.len() {
        if ys.len() == xs.len() {
            break;
        }
        let stall = 20..60 + latency as usize;
        let ready = !stall.contains(&cycle) && rng.below(3) == 0;
        let x = xs.get(next).copied();
        let (taken, y) = bench.cycle(x, ready);
        if taken {
            next += 1;
        } else if x.is_some() {
            refused += 1;
        }
        ys.extend(y);
    }
    assert!(refused >= 40, "{label}: the stall never reached x_ready");
    let want: Vec<u32> = xs.iter().map(|&x| want(x)).collect();
    assert_eq!(ys, want, "{label}: outputs under backpressure");
}

/// Three inputs in flight, then a reset: nothing may come out for twice the latency, and the unit
/// works again afterwards (`x` in, `y` out `latency` cycles later).
pub(crate) fn reset_empties<U: ScalarPorts, X: Input>(uut: U, latency: u32, x: X, y: u32) {
    let mut bench = Bench::new(uut);
    for _ in 0..3 {
        bench.cycle(Some(x), true);
    }
    bench.reset();
    for _ in 0..2 * latency {
        assert_eq!(bench.cycle(None::<X>, true).1, None);
    }
    assert!(bench.cycle(Some(x), true).0, "taken after the reset");
    let ys: Vec<u32> = (0..latency)
        .filter_map(|_| bench.cycle(None::<X>, true).1)
        .collect();
    assert_eq!(ys, [y]);
}
