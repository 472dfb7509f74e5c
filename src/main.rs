//! `edgemoe`: design, simulate and generate Mixture-of-Experts ViT accelerators (Edge-MoE and beyond).
//! See README.md for the commands and their output formats.

mod batch;
mod bench;
mod config;
mod energy;
mod eval;
mod exit;
mod frame;
mod hls;
mod memory;
mod output;
mod plots;
mod progress;
mod rtl;
mod simulate;
mod sweep;
mod verify;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Config;

#[derive(Parser, Debug)]
#[command(
    name = "edgemoe",
    version,
    about = "Design, simulate and generate MoE ViT accelerators (Edge-MoE and beyond)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show or validate a design point (TOML).
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Run a frame in fixed point and in f64; print max |err| and MSE at every tap.
    Verify(verify::VerifyArgs),
    /// Evaluate one unit on raw test vectors from stdin (one case per line).
    Eval(eval::EvalArgs),
    /// Time the fixed-point frame and its hottest units.
    Bench(bench::BenchArgs),
    /// Simulate a frame cycle by cycle: latency, where the cycles go, values checked against golden.
    Simulate(simulate::SimulateArgs),
    /// Drive synthetic read traffic through the memory system: GB/s, latency, row hits, refresh.
    Memory(memory::MemoryArgs),
    /// Emit the design point's Vitis-HLS project or its units' RTL, with golden vectors and benches.
    Codegen(hls::CodegenArgs),
    /// Build the emitted project (g++ for hls, Verilator for verilog) and compare with golden.
    Cosim(hls::CosimArgs),
    /// Synthesise every unit's RTL with Yosys: LUT, FF, DSP, BRAM beside hw's resource model.
    Synth(rtl::SynthArgs),
    /// Simulate many design points (axes over any config field), in parallel or as cluster shards;
    /// results per point, Pareto fronts and an HTML report.
    Sweep(sweep::SweepArgs),
}

#[derive(Subcommand, Debug)]
enum ConfigAction {
    /// Print the effective config (the embedded Edge-MoE ZCU102 default when no file is given).
    Show {
        /// A config file; omitted fields take the default.
        file: Option<PathBuf>,
    },
    /// Check a config file; errors give file, line, column, field and reason.
    Validate {
        /// The config file (the embedded default when absent).
        file: Option<PathBuf>,
    },
}

fn main() {
    // Die quietly when the reader of stdout goes away (`edgemoe simulate | head`), as a Unix tool
    // should, instead of panicking on the failed write.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            let mut msg = format!("error: {e}");
            for cause in e.chain().skip(1) {
                msg.push_str(&format!(": {cause}"));
            }
            eprintln!("{msg}");
            if e.downcast_ref::<std::io::Error>().is_some() {
                exit::IO
            } else {
                exit::BAD_INPUT
            }
        }
    };
    std::process::exit(code);
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Config { action } => match action {
            ConfigAction::Show { file } => {
                match &file {
                    None => print!("{}", config::DEFAULT_TOML),
                    Some(_) => print!("{}", Config::load(file.as_deref())?.to_toml()),
                }
                Ok(exit::OK)
            }
            ConfigAction::Validate { file } => {
                let c = Config::load(file.as_deref())?;
                println!(
                    "{}: valid (fm_t {}, {} query lanes, board {})",
                    c.source, c.numerics.fm, c.raw.arch.attn_lanes, c.raw.board.name
                );
                Ok(exit::OK)
            }
        },
        Command::Verify(args) => verify::run(&args),
        Command::Eval(args) => eval::run(&args).map(|()| exit::OK),
        Command::Bench(args) => bench::run(&args).map(|()| exit::OK),
        Command::Simulate(args) => simulate::run(&args),
        Command::Memory(args) => memory::run(&args),
        Command::Codegen(args) => hls::codegen(&args),
        Command::Cosim(args) => hls::cosim(&args),
        Command::Synth(args) => rtl::synth(&args),
        Command::Sweep(args) => sweep::run(&args),
    }
}
