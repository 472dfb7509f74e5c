//! Chrome trace-event JSON export, for ui.perfetto.dev and chrome://tracing.
//!
//! Layout: one process (`pid` 1, named "edgemoe"); each track is a thread
//! (`tid` = track index + 1, kept in track order by `thread_sort_index`).
//! Spans are complete (`X`) events in category `span`; non-idle state runs are
//! complete events in category `state`; counters are `C` events named
//! `<track>/<counter>` with a single `value` series.
//!
//! Complete events on one thread must nest, and a state run can straddle a
//! span boundary, so state runs are cut at span starts and ends. A state run
//! that crosses an invocation boundary therefore shows as two slices, each
//! sitting under the span it belongs to.
//!
//! Times: `ts` and `dur` are microseconds written with exactly three decimals,
//! from an integer nanosecond count. Perfetto stores nanoseconds, so finer
//! digits would only be rounded again, and rounding start and end separately
//! (rather than adding a rounded duration) keeps nested slices nested.
//! Above 1 GHz several cycles share a nanosecond; the `*_cycle`/`cycles` args
//! carry the exact values.

use std::io::{self, BufWriter, Write};

use crate::trace::{Changes, SpanCursor, Trace, Track, IDLE};

const PID: u32 = 1;

/// Writes `trace` as a `{"traceEvents": [...]}` JSON object.
///
/// Events are written per track rather than in global time order; the viewers
/// sort on load, and this way nothing beyond one track's cursors is held.
pub fn write(trace: &Trace, out: &mut impl Write) -> io::Result<()> {
    trace.validate()?;
    let mut w = EventWriter {
        w: BufWriter::with_capacity(1 << 16, out),
        first: true,
        ns_per_cycle: 1e3 / trace.clock_mhz,
    };
    write!(
        w.w,
        "{{\"displayTimeUnit\":\"ns\",\"otherData\":{{\"generator\":\"edgemoe {}\",\"clock_mhz\":{},\"end_cycle\":{}}},\"traceEvents\":[",
        env!("CARGO_PKG_VERSION"),
        trace.clock_mhz,
        trace.end_cycle
    )?;

    w.begin()?;
    write!(
        w.w,
        "{{\"ph\":\"M\",\"pid\":{PID},\"tid\":0,\"name\":\"process_name\",\"args\":{{\"name\":\"edgemoe\"}}}}"
    )?;
    let state_names: Vec<String> = trace.state_names.iter().map(|s| json_str(s)).collect();
    for (i, track) in trace.tracks.iter().enumerate() {
        let tid = i as u64 + 1;
        let name = json_str(&track.name);
        w.begin()?;
        write!(
            w.w,
            "{{\"ph\":\"M\",\"pid\":{PID},\"tid\":{tid},\"name\":\"thread_name\",\"args\":{{\"name\":{name}}}}}"
        )?;
        w.begin()?;
        write!(
            w.w,
            "{{\"ph\":\"M\",\"pid\":{PID},\"tid\":{tid},\"name\":\"thread_sort_index\",\"args\":{{\"sort_index\":{tid}}}}}"
        )?;
        write_slices(&mut w, tid, track, trace.end_cycle, &state_names)?;
        for c in &track.counters {
            let cname = json_str(&format!("{}/{}", track.name, c.name));
            let mut ch = Changes::new(&c.changes, 0);
            // Anchor the counter at 0 so the viewer draws it from the start of the frame.
            ch.take_at(0);
            w.counter(tid, &cname, 0, ch.current())?;
            for (cycle, v) in ch {
                w.counter(tid, &cname, cycle, v)?;
            }
        }
    }
    w.w.write_all(b"\n]}\n")?;
    w.w.flush()
}

/// Interleaves a track's spans with its non-idle state runs so that each span
/// precedes the state slices inside it, which is the order viewers expect for
/// equal timestamps.
fn write_slices<W: Write>(
    w: &mut EventWriter<W>,
    tid: u64,
    track: &Track,
    end_cycle: u64,
    state_names: &[String],
) -> io::Result<()> {
    let spans = &track.spans;
    let mut next_span = 0;
    let mut bounds = SpanCursor::new(spans);
    let mut emit_run = |w: &mut EventWriter<W>, start: u64, end: u64, code: u8| -> io::Result<()> {
        let mut cur = start;
        while cur < end {
            bounds.advance_to(cur);
            let piece_end = bounds.peek_cycle().map_or(end, |b| b.min(end));
            while next_span < spans.len() && spans[next_span].start <= cur {
                w.span(tid, &spans[next_span])?;
                next_span += 1;
            }
            w.state(tid, &state_names[usize::from(code)], cur, piece_end)?;
            cur = piece_end;
        }
        Ok(())
    };

    let (mut run_start, mut run_code) = (0, IDLE);
    for (cycle, code) in Changes::new(&track.states, IDLE) {
        if run_code != IDLE {
            emit_run(w, run_start, cycle, run_code)?;
        }
        (run_start, run_code) = (cycle, code);
    }
    if run_code != IDLE {
        emit_run(w, run_start, end_cycle, run_code)?;
    }
    for s in &spans[next_span..] {
        w.span(tid, s)?;
    }
    Ok(())
}

struct EventWriter<W: Write> {
    w: BufWriter<W>,
    first: bool,
    ns_per_cycle: f64,
}

impl<W: Write> EventWriter<W> {
    /// Separator before each event; one event per line keeps the file greppable.
    fn begin(&mut self) -> io::Result<()> {
        let sep: &[u8] = if self.first { b"\n" } else { b",\n" };
        self.first = false;
        self.w.write_all(sep)
    }

    fn ns(&self, cycle: u64) -> u64 {
        (cycle as f64 * self.ns_per_cycle).round() as u64
    }

    fn span(&mut self, tid: u64, s: &crate::trace::Span) -> io::Result<()> {
        self.begin()?;
        let (ts, end) = (self.ns(s.start), self.ns(s.end));
        write!(
            self.w,
            "{{\"ph\":\"X\",\"pid\":{PID},\"tid\":{tid},\"cat\":\"span\",\"ts\":{},\"dur\":{},\"name\":",
            Micros(ts),
            Micros(end - ts)
        )?;
        serde_json::to_writer(&mut self.w, &s.label)?;
        self.w.write_all(b",\"args\":{")?;
        for (k, v) in &s.args {
            serde_json::to_writer(&mut self.w, k)?;
            self.w.write_all(b":")?;
            serde_json::to_writer(&mut self.w, v)?;
            self.w.write_all(b",")?;
        }
        write!(
            self.w,
            "\"start_cycle\":{},\"end_cycle\":{}}}}}",
            s.start, s.end
        )
    }

    fn state(&mut self, tid: u64, name: &str, start: u64, end: u64) -> io::Result<()> {
        self.begin()?;
        let (ts, e) = (self.ns(start), self.ns(end));
        write!(
            self.w,
            "{{\"ph\":\"X\",\"pid\":{PID},\"tid\":{tid},\"cat\":\"state\",\"ts\":{},\"dur\":{},\"name\":{name},\"args\":{{\"start_cycle\":{start},\"cycles\":{}}}}}",
            Micros(ts),
            Micros(e - ts),
            end - start
        )
    }

    fn counter(&mut self, tid: u64, name: &str, cycle: u64, v: u64) -> io::Result<()> {
        self.begin()?;
        write!(
            self.w,
            "{{\"ph\":\"C\",\"pid\":{PID},\"tid\":{tid},\"ts\":{},\"name\":{name},\"args\":{{\"value\":{v}}}}}",
            Micros(self.ns(cycle))
        )
    }
}

/// Nanoseconds shown as microseconds with exactly three decimals, so the
/// decimal text is the exact value (no binary float round trip).
struct Micros(u64);

impl std::fmt::Display for Micros {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:03}", self.0 / 1000, self.0 % 1000)
    }
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("serializing a str cannot fail")
}
