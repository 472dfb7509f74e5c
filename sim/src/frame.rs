//! A whole frame: build the program, run the values, run the engine, report.

use golden::model::config::{ModelConfig, Numerics};
use golden::model::taps::Taps;
use golden::model::weights::Weights as ModelWeights;
use golden::units::layernorm::LnEvents;
use golden::units::mac::MacError;
use golden::units::qk_scores::AttnGeometry;
use hw::arch::{ArchConfig, LayerNormTokens, WeightLoad};
use hw::memory::{AxiConfig, MemoryConfig, PORT_NAMES};

use crate::call::Call;
use crate::engine::{run, Deadlock, Launch, Observer, OpTiming, Region, RunOptions};
use crate::memory::layout::{Buf, DdrMap, Geometry};
use crate::memory::ports::PsPorts;
use crate::memory::Channel;
use crate::report::Report;
use crate::schedule::{Op, Program};
use crate::trace::record::Recorder;
use crate::trace::{Trace, TraceWindow};
use crate::units::{self, UnitCx};
use crate::values::Values;

/// A design point.
#[derive(Clone, Copy, Debug)]
pub struct SimSpec<'a> {
    /// Shapes.
    pub model: &'a ModelConfig,
    /// Formats.
    pub numerics: &'a Numerics,
    /// The accelerator.
    pub arch: &'a ArchConfig,
    /// Its AXI masters.
    pub axi: &'a AxiConfig,
    /// The DRAM.
    pub memory: &'a MemoryConfig,
    /// Which task's gate routes the MoE layers.
    pub task: usize,
}

/// Expert queues per MoE layer, in metaqueue order: `(expert, tokens ascending)`.
pub type Routing = Vec<Vec<(usize, Vec<usize>)>>;

/// With values (the real frame, routing from the gates), or timing only (routing given).
pub enum Mode<'a> {
    /// Run every golden kernel on the schedule's buffers.
    Values(&'a ModelWeights<i64>),
    /// No values: the MoE layers follow `routing` (e.g. from an earlier run with values).
    Timing(&'a Routing),
}

/// What a frame produced.
pub struct SimOutput {
    /// Cycles, stalls, bytes.
    pub report: Report,
    /// The taps, with values on.
    pub taps: Option<Taps<i64>>,
    /// The routing used.
    pub routing: Routing,
    /// LayerNorm events, with values on.
    pub ln_events: LnEvents,
    /// The timeline, if asked for.
    pub trace: Option<Trace>,
    /// The DRAM commands per channel, if asked for (bank model only).
    pub dram_commands: Option<Vec<Vec<dram::Command>>>,
}

/// Why a frame could not be simulated.
#[derive(Clone, Debug, thiserror::Error)]
pub enum SimError {
    /// A format the kernels cannot run.
    #[error(transparent)]
    Mac(#[from] MacError),
    /// A unit model deadlocked (a bug).
    #[error(transparent)]
    Deadlock(#[from] Deadlock),
    /// The memory configuration cannot be built.
    #[error("{0}")]
    Memory(golden::model::config::ConfigIssue),
    /// The given routing does not cover every MoE layer.
    #[error("the routing has {given} MoE layers, the model {needed}")]
    Routing {
        /// Layers given.
        given: usize,
        /// Layers needed.
        needed: usize,
    },
}

/// Engine switches.
#[derive(Clone, Copy, Default)]
pub struct SimOptions<'a> {
    /// Step every cycle instead of jumping over idle ones (same counts, slower: for tests).
    pub no_jump: bool,
    /// Record a trace, with per-process detail inside this window.
    pub trace: Option<TraceWindow>,
    /// Told how far the frame has got, for a progress bar.
    pub progress: Option<&'a dyn Fn(Progress)>,
    /// Keep the DRAM controller's command trace (bank model only), for the timing checker.
    pub dram_commands: bool,
}

/// How far a frame has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// What is running.
    pub stage: Stage,
    /// Steps done of `total`.
    pub done: usize,
    /// Steps in this stage.
    pub total: usize,
}

/// The two stages of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The golden kernels on the schedule's buffers, one encoder layer a step.
    Values,
    /// The cycle engine, one invocation a step.
    Cycles,
}

/// What the engine reports to: the trace recorder and the progress callback.
struct Watch<'p, 'a> {
    recorder: Option<Recorder<'p>>,
    progress: Option<&'a dyn Fn(Progress)>,
    ended: usize,
    total: usize,
}

impl Observer for Watch<'_, '_> {
    fn op_started(&mut self, op: usize, region: &Region, now: crate::Cycle) {
        if let Some(r) = self.recorder.as_mut() {
            r.op_started(op, region, now);
        }
    }

    fn op_ended(&mut self, op: usize, region: &Region, now: crate::Cycle) {
        if let Some(r) = self.recorder.as_mut() {
            r.op_ended(op, region, now);
        }
        self.ended += 1;
        if let Some(p) = self.progress {
            p(Progress {
                stage: Stage::Cycles,
                done: self.ended,
                total: self.total,
            });
        }
    }

    fn steps(&mut self, op: usize, region: &Region, now: crate::Cycle, n: u64) {
        if let Some(r) = self.recorder.as_mut() {
            r.steps(op, region, now, n);
        }
    }
}

/// The geometry of a design point.
pub fn geometry(spec: &SimSpec) -> Geometry {
    Geometry {
        tokens: spec.model.tokens(),
        dim: spec.model.embed_dim,
        beat_bytes: spec.axi.data_bits / 8,
        beat: spec.arch.beat,
        lanes: spec.arch.attn_lanes,
        weight_bytes: spec.numerics.wt_linear.width().div_ceil(8) as usize,
    }
}

/// Builds the program, running the values along if `mode` has them.
pub fn program<'a>(
    spec: &SimSpec<'a>,
    mode: &Mode<'a>,
    progress: Option<&dyn Fn(Progress)>,
) -> Result<(Program, Option<Values<'a>>, Routing), SimError> {
    let m = spec.model;
    let wb = spec.numerics.wt_linear.width().div_ceil(8) as u64;
    let mut prog = Program::new(spec.arch.weight_load);
    let mut values = match mode {
        Mode::Values(w) => Some(Values::new(
            m,
            spec.numerics,
            w,
            AttnGeometry {
                heads: m.heads,
                beat: spec.arch.beat,
                lanes: spec.arch.attn_lanes,
            },
            spec.task,
        )),
        Mode::Timing(_) => None,
    };
    let mut routing: Routing = Vec::new();
    let mut done = 0usize;
    let run_values =
        |prog: &Program, values: &mut Option<Values>, done: &mut usize| -> Result<(), SimError> {
            if let Some(v) = values.as_mut() {
                for op in &prog.ops[*done..] {
                    v.exec(op)?;
                }
            }
            *done = prog.ops.len();
            Ok(())
        };
    prog.patch_embed();
    let (mut dense_i, mut moe_i) = (0, 0);
    for l in 0..m.depth {
        let moe = m.moe_layers.contains(&l);
        prog.layer_head(m, l, moe.then_some(moe_i), wb);
        run_values(&prog, &mut values, &mut done)?;
        if moe {
            let queues = match (mode, values.as_ref().and_then(|v| v.queues.as_ref())) {
                (Mode::Timing(r), _) => r.get(moe_i).cloned().ok_or(SimError::Routing {
                    given: r.len(),
                    needed: m.moe_layers.len(),
                })?,
                (_, Some(q)) => q
                    .metaqueue
                    .iter()
                    .map(|&e| (e, q.queues[e].iter().map(|x| x.token).collect()))
                    .collect(),
                _ => Vec::new(),
            };
            prog.moe_tail(m, l, moe_i, &queues, wb);
            routing.push(queues);
            moe_i += 1;
        } else {
            prog.dense_tail(m, l, dense_i, wb);
            dense_i += 1;
        }
        run_values(&prog, &mut values, &mut done)?;
        if let (Some(p), Some(_)) = (progress, values.as_ref()) {
            p(Progress {
                stage: Stage::Values,
                done: l + 1,
                total: m.depth,
            });
        }
    }
    Ok((prog, values, routing))
}

/// The channel model of a design point; `record` keeps the DRAM command trace.
pub fn channel(spec: &SimSpec, record: bool) -> Result<Box<dyn Channel>, SimError> {
    crate::memory::channel(spec.memory, spec.arch.clock_mhz, record).map_err(SimError::Memory)
}

/// Simulates one frame.
pub fn simulate(spec: &SimSpec, mode: Mode, opts: SimOptions) -> Result<SimOutput, SimError> {
    let g = geometry(spec);
    let map = DdrMap::new(spec.model, &g);
    let (prog, values, routing) = program(spec, &mode, opts.progress)?;
    let cx = UnitCx {
        arch: spec.arch,
        axi: spec.axi,
        g,
        heads: spec.model.heads,
        map: &map,
    };
    let launches: Vec<Launch> = prog
        .ops
        .iter()
        .map(|op| Launch {
            region: Call::of(op).region(&cx, spec.model),
            deps: op.deps.clone(),
        })
        .collect();
    let mut mem = PsPorts::new(
        &PORT_NAMES,
        spec.axi.ps_port_bits,
        spec.axi.ps_ports as usize,
        channel(spec, opts.dram_commands)?,
    );
    let mut watch = Watch {
        recorder: opts
            .trace
            .map(|w| Recorder::new(&prog.ops, spec.arch.clock_mhz, w)),
        progress: opts.progress,
        ended: 0,
        total: prog.ops.len(),
    };
    let watched = watch.recorder.is_some() || watch.progress.is_some();
    let (total, timing) = run(
        launches,
        &mut mem,
        RunOptions {
            jump: !opts.no_jump,
        },
        watched.then_some(&mut watch as &mut dyn Observer),
    )?;
    let trace = watch.recorder.map(|r| r.finish(total));
    let ctrls = mem.channel().controllers();
    let dram_report = (!ctrls.is_empty()).then(|| {
        crate::report::DramReport::new(
            &spec.memory.preset,
            ctrls,
            total as f64 / spec.arch.clock_hz(),
        )
    });
    let dram_commands = (opts.dram_commands && !ctrls.is_empty())
        .then(|| ctrls.iter().map(|c| c.commands().to_vec()).collect());
    let mut report = frame_report(
        spec,
        &prog.ops,
        &timing,
        total,
        &mem.channel_name(),
        &routing,
    );
    report.dram = dram_report;
    let (taps, ln_events) = match values {
        Some(v) => (Some(v.taps), v.ln_events),
        None => (None, LnEvents::default()),
    };
    Ok(SimOutput {
        report,
        taps,
        routing,
        ln_events,
        trace,
        dram_commands,
    })
}

/// The report of a frame whose invocations ran as `timing` says, `total` cycles in all.
pub(crate) fn frame_report(
    spec: &SimSpec,
    ops: &[Op],
    timing: &[OpTiming],
    total: crate::Cycle,
    memory: &str,
    routing: &Routing,
) -> Report {
    let mut report = Report::new(
        ops,
        timing,
        total,
        spec.arch.clock_mhz,
        &PORT_NAMES,
        match spec.arch.weight_load {
            WeightLoad::Serial => "serial",
            WeightLoad::Overlapped => "overlapped",
        },
        match spec.arch.layernorm_tokens {
            LayerNormTokens::PerToken => "per_token",
            LayerNormTokens::Streamed => "streamed",
        },
        memory,
    );
    report.routing = spec
        .model
        .moe_layers
        .iter()
        .zip(routing)
        .map(|(&l, q)| {
            let mut lens = vec![0; spec.model.experts];
            for (e, t) in q {
                lens[*e] = t.len();
            }
            (l, lens)
        })
        .collect();
    report
}

/// Compares the simulator's taps with golden's and records the verdict in `report`.
pub fn check_taps(report: &mut Report, sim: &Taps<i64>, golden: &Taps<i64>) {
    let mut mismatched = Vec::new();
    for g in &golden.entries {
        match sim.get(&g.name) {
            Some(s) if s.values == g.values => {}
            _ => mismatched.push(g.name.clone()),
        }
    }
    for s in &sim.entries {
        if golden.get(&s.name).is_none() {
            mismatched.push(s.name.clone());
        }
    }
    report.taps_checked = golden.entries.len();
    report.golden_match = Some(mismatched.is_empty());
    report.taps_mismatched = mismatched;
}

/// One point of the attention scaling sweep.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct LanePoint {
    /// P, the query lanes.
    pub lanes: usize,
    /// Cycles of one layer's QKᵀ region.
    pub cycles: u64,
    /// Bytes it read (Q and K).
    pub bytes_read: u64,
}

/// One layer's QKᵀ alone, timing only, for each P in `lanes` (the rest of `spec` unchanged): the
/// paper's "constant bandwidth whatever the parallelism" as numbers.
pub fn attention_lanes(spec: &SimSpec, lanes: &[usize]) -> Result<Vec<LanePoint>, SimError> {
    let mut points = Vec::new();
    for &p in lanes {
        let mut arch = spec.arch.clone();
        arch.attn_lanes = p;
        let s = SimSpec {
            arch: &arch,
            ..*spec
        };
        let g = geometry(&s);
        let map = DdrMap::new(s.model, &g);
        let cx = UnitCx {
            arch: &arch,
            axi: s.axi,
            g,
            heads: s.model.heads,
            map: &map,
        };
        let region =
            units::qk_scores::qk_scores(&cx, Buf::Tmp2, Buf::Tmp3, Buf::Attn, Buf::AttnSoftmaxInfo);
        let mut mem = PsPorts::new(
            &PORT_NAMES,
            s.axi.ps_port_bits,
            s.axi.ps_ports as usize,
            channel(&s, false)?,
        );
        let (cycles, timing) = run(
            vec![Launch {
                region,
                deps: Vec::new(),
            }],
            &mut mem,
            RunOptions::default(),
            None,
        )?;
        let bytes_read = timing.iter().flat_map(|t| &t.traffic).map(|t| t.1).sum();
        points.push(LanePoint {
            lanes: p,
            cycles,
            bytes_read,
        });
    }
    Ok(points)
}
