//! C co-simulation with g++: compile the emitted project's sources (in parallel, each timed), link one
//! bench per unit and one for the whole frame, run them, and read their PASS/FAIL lines.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;

use crate::hls::{bench_sources, frame_sources};
use crate::unit::Unit;

/// What a bench runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bench {
    /// One unit on `vectors/<unit>.vec`.
    Unit(Unit),
    /// The whole frame on `vectors/frame/`.
    Frame,
}

impl Bench {
    /// The unit's name, or `frame`.
    pub fn name(&self) -> &'static str {
        match self {
            Bench::Unit(u) => u.name(),
            Bench::Frame => "frame",
        }
    }

    fn sources(&self) -> Vec<String> {
        match self {
            Bench::Unit(u) => bench_sources(*u),
            Bench::Frame => frame_sources(),
        }
    }

    fn argument(&self) -> String {
        match self {
            Bench::Unit(u) => format!("vectors/{}.vec", u.name()),
            Bench::Frame => "vectors/frame".into(),
        }
    }
}

/// The compiler and the ap_types headers.
#[derive(Clone, Debug)]
pub struct Toolchain {
    /// The C++ compiler (`$CXX`, else `g++`).
    pub cxx: PathBuf,
    /// The folder holding `ap_fixed.h`.
    pub ap_types: PathBuf,
}

/// Why co-simulation could not run (as opposed to: it ran and found mismatches).
#[derive(Debug, thiserror::Error)]
pub enum CosimError {
    /// No compiler.
    #[error("{cxx}: cannot run the C++ compiler ({reason}); install g++ (./scripts/setup.sh) or set CXX")]
    NoCompiler {
        /// The command tried.
        cxx: String,
        /// The OS error.
        reason: String,
    },
    /// No headers.
    #[error("{0}: no ap_fixed.h there; ./scripts/setup.sh fetches the ap_types headers (hls4ml==1.3.0), or set EDGEMOE_AP_TYPES")]
    NoHeaders(PathBuf),
    /// A source did not compile.
    #[error("{source_file}: g++ failed:\n{stderr}")]
    Compile {
        /// The source, relative to the project.
        source_file: String,
        /// What g++ said (its first lines).
        stderr: String,
    },
    /// A bench did not link.
    #[error("linking tb_{bench} failed:\n{stderr}")]
    Link {
        /// The bench.
        bench: String,
        /// What the linker said.
        stderr: String,
    },
    /// A bench crashed or printed no result line.
    #[error("tb_{bench} did not report (exit {status}):\n{output}")]
    NoReport {
        /// The bench.
        bench: String,
        /// Its exit status.
        status: String,
        /// Its output.
        output: String,
    },
    /// An external tool (Verilator, Yosys) is missing.
    #[error("{tool}: cannot run it ({reason}); ./scripts/setup.sh installs it")]
    NoTool {
        /// The command tried.
        tool: String,
        /// The OS error or exit status.
        reason: String,
    },
    /// An external tool failed on the project's files.
    #[error("{what} failed:\n{stderr}")]
    Tool {
        /// What ran, on what.
        what: String,
        /// What it said (its first lines).
        stderr: String,
    },
    /// File system trouble.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Toolchain {
    /// `$CXX` (or `g++`) and the headers in `$EDGEMOE_AP_TYPES`, else in `default_headers`; both checked.
    pub fn find(default_headers: &Path) -> Result<Self, CosimError> {
        let cxx = PathBuf::from(std::env::var_os("CXX").unwrap_or_else(|| "g++".into()));
        let ap_types = std::env::var_os("EDGEMOE_AP_TYPES")
            .map(PathBuf::from)
            .unwrap_or_else(|| default_headers.to_path_buf());
        match Command::new(&cxx).arg("--version").output() {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                return Err(CosimError::NoCompiler {
                    cxx: cxx.display().to_string(),
                    reason: format!("--version exited with {}", o.status),
                })
            }
            Err(e) => {
                return Err(CosimError::NoCompiler {
                    cxx: cxx.display().to_string(),
                    reason: e.to_string(),
                })
            }
        }
        if !ap_types.join("ap_fixed.h").is_file() {
            return Err(CosimError::NoHeaders(ap_types));
        }
        Ok(Toolchain { cxx, ap_types })
    }

    fn flags(&self) -> Vec<String> {
        [
            "-O2",
            "-std=c++14",
            "-Wall",
            "-Wextra",
            "-Iinclude",
            "-Itb",
            "-isystem",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain(std::iter::once(self.ap_types.display().to_string()))
        .collect()
    }
}

/// One source's compilation.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// Relative to the project.
    pub source: String,
    /// Wall time of its g++ run.
    pub seconds: f64,
    /// Warnings g++ reported in the project's own files (`path:line:col: warning: …`).
    pub own_warnings: Vec<String>,
    /// Warnings located in the ap_types headers (counted, not ours to fix).
    pub header_warnings: usize,
}

/// One bench's result.
#[derive(Clone, Debug)]
pub struct BenchResult {
    /// Unit name or `frame`.
    pub name: String,
    /// Vectors compared (cases; 1 for the frame).
    pub vectors: u64,
    /// Mismatching vectors (for the frame: mismatching tap values).
    pub mismatches: u64,
    /// The first mismatch with its inputs, as the bench printed it.
    pub first: Option<String>,
    /// The clock-edge count against the simulator's model (RTL harnesses only).
    pub cycles: Option<CycleCheck>,
    /// The bench's whole result line.
    pub line: String,
    /// Seconds the bench ran.
    pub seconds: f64,
    /// Everything else the bench printed (stdout and stderr): the ap_types headers print run-time
    /// warnings (e.g. on mixed-width `|=`) that point at code of ours worth fixing.
    pub other_output: Vec<String>,
}

/// An RTL harness's clock edges next to the simulator's model of the same runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CycleCheck {
    /// Runs (vector groups) whose count differs from the model's.
    pub mismatches: u64,
    /// Edges counted over every run.
    pub measured: u64,
    /// The model's edges over the same runs.
    pub model: u64,
}

impl BenchResult {
    /// No value mismatch and no cycle mismatch.
    pub fn passed(&self) -> bool {
        self.mismatches == 0 && self.cycles.is_none_or(|c| c.mismatches == 0)
    }
}

/// Everything a co-simulation found.
#[derive(Clone, Debug)]
pub struct Report {
    /// Per source.
    pub compiled: Vec<Compiled>,
    /// Wall time of all compilation and linking.
    pub compile_seconds: f64,
    /// Per bench.
    pub benches: Vec<BenchResult>,
    /// Wall time of all bench runs.
    pub run_seconds: f64,
}

impl Report {
    /// Mismatches over every bench.
    pub fn mismatches(&self) -> u64 {
        self.benches.iter().map(|b| b.mismatches).sum()
    }
}

/// Builds and runs `benches` in the project at `dir` with `jobs` parallel g++/bench processes.
pub fn run(
    dir: &Path,
    benches: &[Bench],
    toolchain: &Toolchain,
    jobs: usize,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Report, CosimError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut sources: Vec<String> = Vec::new();
    for b in benches {
        for s in b.sources() {
            if !sources.contains(&s) {
                sources.push(s);
            }
        }
    }
    std::fs::create_dir_all(dir.join("build"))?;
    let flags = toolchain.flags();
    let start = Instant::now();
    let done = Mutex::new(0usize);
    let compiled: Vec<Result<Compiled, CosimError>> = pool.install(|| {
        sources
            .par_iter()
            .map(|src| {
                let r = compile(dir, src, toolchain, &flags);
                let mut n = done.lock().unwrap_or_else(|e| e.into_inner());
                *n += 1;
                progress(&format!("compiled {src} ({}/{})", *n, sources.len()));
                r
            })
            .collect()
    });
    let compiled: Vec<Compiled> = compiled.into_iter().collect::<Result<_, _>>()?;
    for b in benches {
        link(dir, b, toolchain)?;
    }
    let compile_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let results: Vec<Result<BenchResult, CosimError>> = pool.install(|| {
        benches
            .par_iter()
            .map(|b| {
                let r = run_bench(dir, b);
                progress(&format!("ran tb_{}", b.name()));
                r
            })
            .collect()
    });
    let benches = results.into_iter().collect::<Result<_, _>>()?;
    Ok(Report {
        compiled,
        compile_seconds,
        benches,
        run_seconds: start.elapsed().as_secs_f64(),
    })
}

fn object(src: &str) -> String {
    format!("build/{}.o", src.trim_end_matches(".cpp"))
}

fn compile(
    dir: &Path,
    src: &str,
    toolchain: &Toolchain,
    flags: &[String],
) -> Result<Compiled, CosimError> {
    let obj = object(src);
    if let Some(p) = dir.join(&obj).parent() {
        std::fs::create_dir_all(p)?;
    }
    let start = Instant::now();
    let out = Command::new(&toolchain.cxx)
        .current_dir(dir)
        .args(flags)
        .args(["-c", "-o", &obj, src])
        .output()?;
    let seconds = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(CosimError::Compile {
            source_file: src.to_string(),
            stderr: stderr.lines().take(40).collect::<Vec<_>>().join("\n"),
        });
    }
    let mut own_warnings = Vec::new();
    let mut header_warnings = 0;
    for line in stderr.lines() {
        if !line.contains(": warning: ") {
            continue;
        }
        // g++ names the project's files relative to the project (we compile from its root) and the
        // headers by their -isystem path.
        let file = line.split(':').next().unwrap_or("");
        if ["src/", "include/", "tb/"]
            .iter()
            .any(|p| file.starts_with(p))
        {
            own_warnings.push(line.to_string());
        } else {
            header_warnings += 1;
        }
    }
    Ok(Compiled {
        source: src.to_string(),
        seconds,
        own_warnings,
        header_warnings,
    })
}

fn link(dir: &Path, bench: &Bench, toolchain: &Toolchain) -> Result<(), CosimError> {
    let objs: Vec<String> = bench.sources().iter().map(|s| object(s)).collect();
    let out = Command::new(&toolchain.cxx)
        .current_dir(dir)
        .args(["-O2", "-o", &format!("build/tb_{}", bench.name())])
        .args(&objs)
        .output()?;
    if !out.status.success() {
        return Err(CosimError::Link {
            bench: bench.name().to_string(),
            stderr: String::from_utf8_lossy(&out.stderr)
                .lines()
                .take(40)
                .collect::<Vec<_>>()
                .join("\n"),
        });
    }
    Ok(())
}

fn run_bench(dir: &Path, bench: &Bench) -> Result<BenchResult, CosimError> {
    run_program(
        dir,
        &dir.join(format!("build/tb_{}", bench.name())),
        &[bench.argument()],
        bench.name(),
    )
}

/// Runs a bench or harness from `dir` and reads its result line, which must name `name` and agree with
/// its exit status.
pub(crate) fn run_program(
    dir: &Path,
    exe: &Path,
    args: &[String],
    name: &str,
) -> Result<BenchResult, CosimError> {
    let start = Instant::now();
    let out = Command::new(exe).current_dir(dir).args(args).output()?;
    let seconds = start.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let parsed = stdout.lines().rev().find_map(parse_line);
    match parsed {
        Some(mut r) if r.name == name && r.passed() == out.status.success() => {
            r.seconds = seconds;
            let stderr = String::from_utf8_lossy(&out.stderr);
            r.other_output = stdout
                .lines()
                .chain(stderr.lines())
                .filter(|l| *l != r.line && !l.trim().is_empty())
                .map(str::to_string)
                .collect();
            Ok(r)
        }
        _ => Err(CosimError::NoReport {
            bench: name.to_string(),
            status: out
                .status
                .code()
                .map_or_else(|| "by a signal".into(), |c| c.to_string()),
            output: format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)),
        }),
    }
}

/// Parses `PASS name: N vectors, M mismatches…` or `FAIL name: N vectors, M mismatches; first: …`, with
/// `, K cycle mismatches (C cycles, model D)` after the mismatches for RTL harnesses.
pub fn parse_line(line: &str) -> Option<BenchResult> {
    let (verdict, rest) = line.split_once(' ')?;
    if verdict != "PASS" && verdict != "FAIL" {
        return None;
    }
    let (name, rest) = rest.split_once(": ")?;
    let (vectors, rest) = rest.split_once(" vectors, ")?;
    let (mismatches, rest) = leading_number(rest)?;
    let (rest, first) = match rest.split_once("; first: ") {
        Some((r, f)) => (r, Some(f.to_string())),
        None => (rest, None),
    };
    // What follows the mismatches: the RTL's cycle check, or a bench's own detail (the frame's taps).
    let rest = rest.strip_prefix(" mismatches")?;
    let cycles = match rest
        .strip_prefix(", ")
        .filter(|c| c.contains(" cycle mismatches ("))
    {
        Some(c) => {
            let (mismatches, c) = leading_number(c)?;
            let c = c.strip_prefix(" cycle mismatches (")?;
            let (measured, c) = leading_number(c)?;
            let (model, c) = leading_number(c.strip_prefix(" cycles, model ")?)?;
            (c == ")").then_some(())?;
            Some(CycleCheck {
                mismatches,
                measured,
                model,
            })
        }
        None => None,
    };
    let r = BenchResult {
        name: name.to_string(),
        vectors: vectors.parse().ok()?,
        mismatches,
        first,
        cycles,
        line: line.to_string(),
        seconds: 0.0,
        other_output: Vec::new(),
    };
    ((verdict == "PASS") == r.passed()).then_some(r)
}

/// The decimal number `s` starts with, and the rest.
fn leading_number(s: &str) -> Option<(u64, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    Some((s[..end].parse().ok()?, &s[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines_parse_and_contradictions_do_not() {
        let r = parse_line("PASS exp: 10000 vectors, 0 mismatches").unwrap();
        assert_eq!(
            (r.name.as_str(), r.vectors, r.mismatches),
            ("exp", 10000, 0)
        );
        let r = parse_line(
            "FAIL gelu: 5 vectors, 2 mismatches; first: case 3 in [1] expected [2] got [3]",
        )
        .unwrap();
        assert_eq!(r.mismatches, 2);
        assert_eq!(
            r.first.as_deref(),
            Some("case 3 in [1] expected [2] got [3]")
        );
        assert!(parse_line("PASS gelu: 5 vectors, 2 mismatches").is_none());
        assert!(parse_line("compiling...").is_none());
        let r =
            parse_line("PASS frame: 1 vectors, 0 mismatches (127 taps, 3591360 values)").unwrap();
        assert_eq!((r.vectors, r.cycles), (1, None));
        let r = parse_line(
            "PASS gelu: 7 vectors, 0 mismatches, 0 cycle mismatches (13 cycles, model 13)",
        )
        .unwrap();
        let want = CycleCheck {
            mismatches: 0,
            measured: 13,
            model: 13,
        };
        assert_eq!(r.cycles, Some(want));
        let r = parse_line(
            "FAIL exp: 7 vectors, 0 mismatches, 1 cycle mismatches (14 cycles, model 13)",
        )
        .unwrap();
        assert_eq!(r.cycles.map(|c| c.mismatches), Some(1));
        assert!(!r.passed());
        assert!(parse_line(
            "PASS exp: 7 vectors, 0 mismatches, 1 cycle mismatches (14 cycles, model 13)"
        )
        .is_none());
    }
}
