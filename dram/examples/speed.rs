//! Simulation speed: requests per second of wall time on one core, for a few traffic shapes.
//! Run with `cargo run --release --example speed`.

use std::time::Instant;

use dram::{Controller, DramConfig, Request};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 16
    }
}

/// Drives `n` requests from `addr(i) -> (address, write)` as fast as the queues take them;
/// returns (wall seconds, DRAM clocks simulated, bus utilisation).
fn run(cfg: &DramConfig, n: u64, mut addr: impl FnMut(u64) -> (u64, bool)) -> (f64, u64, f64) {
    let mut c = Controller::new(cfg).expect("valid preset");
    let mut done = Vec::with_capacity(1024);
    let start = Instant::now();
    let mut i = 0;
    let mut next = addr(0);
    loop {
        while i < n && c.can_accept(next.1) {
            c.enqueue(Request {
                id: i,
                addr: next.0,
                write: next.1,
                arrive: c.now(),
            });
            i += 1;
            next = addr(i);
        }
        if i == n && c.is_idle() {
            break;
        }
        let t = c.next_event().expect("next event");
        c.advance(t + 1, &mut done);
        done.clear();
    }
    (start.elapsed().as_secs_f64(), c.now(), c.utilization())
}

/// Address and direction of request `i`.
type Shape = Box<dyn FnMut(u64) -> (u64, bool)>;

fn main() {
    let n = 2_000_000;
    for name in ["ddr4-2133", "hbm2"] {
        let cfg = DramConfig::preset(name).expect("preset");
        let burst = Controller::new(&cfg).expect("valid").burst_bytes() as u64;
        let mut r = Lcg(1);
        let mut r2 = Lcg(2);
        let shapes: Vec<(&str, Shape)> = vec![
            ("sequential read", Box::new(move |i| (i * burst, false))),
            ("sequential write", Box::new(move |i| (i * burst, true))),
            (
                // Three input streams and one output stream, 256 MB apart, in turn: the shape
                // of an accelerator tile loop.
                "4 streams, 1 write",
                Box::new(move |i| ((i % 4) * (256 << 20) + (i / 4) * burst, i % 4 == 3)),
            ),
            (
                "random read",
                Box::new(move |_| ((r.next() % (1 << 26)) * burst, false)),
            ),
            (
                "random 30% write",
                Box::new(move |_| {
                    let x = r2.next();
                    ((x % (1 << 26)) * burst, x % 10 < 3)
                }),
            ),
        ];
        for (label, f) in shapes {
            let (secs, cycles, util) = run(&cfg, n, f);
            println!(
                "{name:10} {label:18} {:6.2} M requests/s  ({:5.1} M DRAM clocks/s, bus {:4.1}%)",
                n as f64 / secs / 1e6,
                cycles as f64 / secs / 1e6,
                util * 100.0
            );
        }
    }
}
