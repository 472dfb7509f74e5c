//! End-to-end tests of the `edgemoe` binary: the real Edge-MoE frame, config and weight errors, `eval`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn edgemoe() -> Command {
    Command::new(env!("CARGO_BIN_EXE_edgemoe"))
}

fn run_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = edgemoe()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn edgemoe");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn weights_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/edge-moe-weights")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("edgemoe-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn the_real_frame_verifies_with_final_mse_below_1e_2_and_dumps_every_tap() {
    let dir = weights_dir();
    if !dir.exists() {
        assert!(
            std::env::var("CI").is_err(),
            "CI needs shared/data/edge-moe-weights beside the checkout"
        );
        eprintln!("skipping: {} not found", dir.display());
        return;
    }
    let out_dir = scratch("frame");
    let json = out_dir.join("verify.json");
    let taps = out_dir.join("taps");
    let out = edgemoe()
        .args(["verify", "--weights"])
        .arg(&dir)
        .arg("--json")
        .arg(&json)
        .arg("--dump-taps")
        .arg(&taps)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("l1_htoh4_weight: not in the weights, filled from seed 2023"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let last = report["taps"].as_array().unwrap().last().unwrap();
    assert_eq!(last["name"], "l11.x");
    assert!(last["mse"].as_f64().unwrap() < 1e-2, "{last}");
    assert_eq!(report["pass"], true);
    let x = std::fs::read_to_string(taps.join("l11.x.txt")).unwrap();
    let lines: Vec<&str> = x.lines().collect();
    assert_eq!(lines.len(), 129);
    assert!(lines.iter().all(|l| l.split(' ').count() == 192));
    assert!(taps.join("l10.mlp_hidden.txt").exists() && taps.join("l9.moe_out.txt").exists());
}

#[test]
fn a_malformed_toml_is_one_located_error_and_a_nonzero_exit() {
    let d = scratch("toml");
    let f = d.join("bad.toml");
    std::fs::write(&f, "[arch]\nattn_lanes = 4\nbeat = \"eight\"\n").unwrap();
    let out = edgemoe()
        .args(["config", "validate"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:3:8: arch.beat:"), "{err}");
    std::fs::write(&f, "[arch]\nattn_lanes = 500\n").unwrap();
    let out = edgemoe()
        .args(["config", "validate"])
        .arg(&f)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:2:14: arch.attn_lanes: 500 query lanes"),
        "{err}"
    );
}

#[test]
fn a_weight_file_of_the_wrong_size_is_named_and_nothing_is_written() {
    let d = scratch("weights");
    let w = d.join("w");
    std::fs::create_dir_all(&w).unwrap();
    for entry in std::fs::read_dir(weights_dir())
        .into_iter()
        .flatten()
        .flatten()
    {
        std::fs::copy(entry.path(), w.join(entry.file_name())).unwrap();
    }
    std::fs::write(w.join("l3_qkv_bias.float32.bin"), [0u8; 10]).unwrap();
    let json = d.join("out.json");
    let out = edgemoe()
        .args(["verify", "--weights"])
        .arg(&w)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("l3_qkv_bias.float32.bin: 10 bytes, expected 2304"),
        "{err}"
    );
    assert!(!json.exists());
}

#[test]
fn eval_rejects_a_non_number_with_its_line_and_column_and_prints_nothing() {
    let out = run_with_stdin(&["eval", "gelu"], "0\n1024\n12x\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("stdin:3:1: `12x` is not a decimal integer"),
        "{err}"
    );
    let out = run_with_stdin(&["eval", "div"], "1 0\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("division by zero"));
}

#[test]
fn eval_speaks_raw_integers_for_every_unit() {
    let out = run_with_stdin(&["eval", "exp"], "0\n-4194304\n");
    // exp(0) is exactly 1; exp(−1) = ⌊e^-1·2^22⌋ = 1542998 (both as the Xilinx header computes them).
    assert_eq!(String::from_utf8_lossy(&out.stdout), "4194304\n1542998\n");
    let out = run_with_stdin(&["eval", "div"], "-7 8388608\n");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "-3\n");
    let out = run_with_stdin(&["eval", "sqrt"], "8388608\n");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "5931642\n");
    let out = run_with_stdin(
        &["eval", "gating"],
        "0 0 8388608 0 0 0 0 4194304 0 0 0 0 0 0 0 0\n",
    );
    let fields: Vec<i64> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(&fields[..2], &[2, 7]);
    let out = run_with_stdin(
        &["eval", "linear"],
        "2 1 0 4194304 -4194304 16384 8192 100\n",
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "2097252\n"); // 1·1 + (−1)·0.5 + 100 LSB
}

#[test]
fn config_validate_rejects_design_points_the_simulator_cannot_run() {
    let d = scratch("simcfg");
    let f = d.join("point.toml");
    let cases = [
        ("[arch.fifo]\nstream = 0\n", "point.toml:2:10: arch.fifo.stream: 0: a FIFO needs at least 1 entry"),
        ("[arch.ii]\nfinalize_attn = 0\n", "point.toml:2:17: arch.ii.finalize_attn: 0: an initiation interval is at least 1 cycle"),
        ("[arch]\nclock_mhz = 0.0\n", "point.toml:2:13: arch.clock_mhz: 0 MHz: a clock must be a positive frequency"),
        ("[arch]\nattn_lanes = 130\n", "point.toml:2:14: arch.attn_lanes: 130 query lanes: must be between 1 and the token count 129"),
        ("[arch]\nlinear_weight_buffer = 36864\n", "point.toml:2:24: arch.linear_weight_buffer: 36864 weights cannot hold the largest linear layer (147456 = 768 x 192)"),
        ("[axi]\nmax_burst_beats = 0\n", "point.toml:2:19: axi.max_burst_beats: 0: an AXI4 burst has 1 to 256 beats"),
        ("[memory]\nmodel = \"dram\"\npreset = \"ddr5-9999\"\n", "point.toml:3:10: memory.preset: \"ddr5-9999\": no such preset"),
        ("[memory]\nmodel = \"dram\"\nmapping = \"ro-zz-co\"\n", "point.toml:3:11: memory.mapping: address mapping piece \"zz\""),
        ("[memory]\nchannels = 3\n", "point.toml:2:12: memory.channels: 3: a power of two"),
        ("[memory]\ninterleave_bytes = 32\n", "point.toml:2:20: memory.interleave_bytes: 32: a power of two from one DRAM burst (64 B)"),
        ("[memory.timing]\ntrcd = 16\n", "point.toml:2:1: memory.timing.trcd: unknown field `trcd`"),
        ("[memory.timing]\nrc = 20\n", "point.toml:2:6: memory.timing.rc: timing rc: 20"),
    ];
    for (text, expected) in cases {
        std::fs::write(&f, text).unwrap();
        let out = edgemoe()
            .args(["config", "validate"])
            .arg(&f)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{text}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{text}: {err}");
    }
}

#[test]
fn simulate_reports_every_layer_and_writes_its_json() {
    let d = scratch("simulate");
    let json = d.join("report.json");
    let (vcd, chrome) = (d.join("frame.vcd"), d.join("frame.trace.json"));
    let out = edgemoe()
        .args(["simulate", "--json"])
        .arg(&json)
        .arg("--trace")
        .arg(&vcd)
        .arg("--trace")
        .arg(&chrome)
        .args(["--trace-window", "0..20000"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("golden_match: true (127 taps bit-identical)"),
        "{text}"
    );
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(r["golden_match"], true);
    assert_eq!(r["layers"].as_array().unwrap().len(), 13);
    let total = r["total_cycles"].as_u64().unwrap();
    let sum: u64 = r["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["cycles"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, total);
    let qk = &r["layers"][1]["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"] == "qk_scores")
        .unwrap();
    assert_eq!(qk["iterations"], 102_168);
    assert!(qk["stalls"]["port_width"].as_u64().unwrap() > 0);
    assert!(r["ports"][2]["bytes_read"].as_u64().unwrap() > 0);
    // Energy: the headline figures at the top, the breakdowns adding up to them.
    assert!(
        text.contains("energy: ") && text.contains("GOPS/W"),
        "{text}"
    );
    let f = |v: &serde_json::Value| v.as_f64().unwrap();
    let e = &r["energy"];
    let (mj, w) = (f(&r["energy_mj"]), f(&r["power_w"]));
    let sum = |m: &serde_json::Value| m.as_object().unwrap().values().map(f).sum::<f64>();
    let near = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
    assert!(near(sum(&e["fpga_breakdown_mj"]), f(&e["fpga_mj"])));
    assert!(near(sum(&e["dram_breakdown_mj"]), f(&e["dram_mj"])));
    assert!(near(f(&e["fpga_mj"]) + f(&e["dram_mj"]), mj));
    assert!(near(f(&r["dram"]["energy_mj"]), f(&e["dram_mj"])));
    assert!(near(w, mj / f(&r["latency_ms"])));
    assert!(near(f(&r["frames_per_j"]), 1e3 / mj));
    assert!(near(f(&r["gops_per_w"]) * w, f(&e["gops"])));
    assert!((2.0..20.0).contains(&w), "{w} W");

    let wave = std::fs::read_to_string(&vcd).unwrap();
    assert!(wave.contains("$timescale 1ps $end"));
    assert!(wave.contains("$scope module patch_embed $end"));
    let t: serde_json::Value = serde_json::from_slice(&std::fs::read(&chrome).unwrap()).unwrap();
    let spans = t["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["cat"] == "span")
        .count();
    let ops: usize = r["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["units"].as_array().unwrap().len())
        .sum();
    assert_eq!(spans, ops);
}

#[test]
fn a_trace_file_of_unknown_format_is_refused_before_simulating() {
    let d = scratch("trace-format");
    let bad = d.join("frame.txt");
    let out = edgemoe()
        .args(["simulate", "--trace"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("frame.txt: --trace: unknown format"), "{err}");
    assert!(!bad.exists());
    let out = edgemoe()
        .args(["simulate", "--trace-window", "9..3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the window is empty"));
}

#[test]
fn memory_measures_sequential_ddr4_reads_near_the_peak_and_explicit_timings_take_effect() {
    let d = scratch("memory");
    let json = d.join("seq.json");
    let out = edgemoe()
        .args(["memory", "--pattern", "seq", "--bytes", "4194304", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("no constraint violated"), "{text}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let peak = v["peak_gbps"].as_f64().unwrap();
    let got = v["achieved_gbps"].as_f64().unwrap();
    assert!((peak - 17.064).abs() < 1e-9, "{v}");
    assert!((0.85..0.97).contains(&(got / peak)), "{got} of {peak}");
    for key in ["p50", "p99"] {
        assert!(v["latency_ns"][key].as_f64().unwrap() > 0.0, "{v}");
    }
    assert!(v["row_hit_rate"].as_f64().unwrap() > 0.9, "{v}");
    let refresh = v["refresh_share"].as_f64().unwrap();
    assert!((0.04..0.05).contains(&refresh), "{refresh}");

    // A slower tRFC, given explicitly, costs bandwidth by its share.
    let cfg = d.join("slow-refresh.toml");
    std::fs::write(&cfg, "[memory.timing]\nrfc = 748\n").unwrap();
    let out = edgemoe()
        .args(["memory", "--pattern", "seq", "--bytes", "4194304", "--json"])
        .arg(&json)
        .arg("--config")
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let slow: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let refresh2 = slow["refresh_share"].as_f64().unwrap();
    assert!(
        (refresh2 / refresh - 2.0).abs() < 0.05,
        "{refresh2} vs {refresh}"
    );
    assert!(slow["achieved_gbps"].as_f64().unwrap() < got);

    // Bad flags name themselves and write nothing.
    let bad = d.join("bad.json");
    for (args, expected) in [
        (vec!["--pattern", "seq", "--bytes", "0"], "--bytes"),
        (vec!["--pattern", "random", "--burst", "48"], "--burst 48"),
        (
            vec!["--pattern", "seq", "--preset", "ddr9"],
            "--preset \"ddr9\"",
        ),
    ] {
        let out = edgemoe()
            .arg("memory")
            .args(&args)
            .arg("--json")
            .arg(&bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!bad.exists());
    }
}

#[test]
fn codegen_writes_a_whole_hls_project_and_refuses_to_replace_a_foreign_folder() {
    let dir = scratch("codegen");
    let project = dir.join("hls");
    let run = |out: &Path| {
        edgemoe()
            .args(["codegen", "hls", "--vectors", "20", "--out"])
            .arg(out)
            .output()
            .unwrap()
    };
    let out = run(&project);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in [
        "README.md",
        "run_hls.tcl",
        "Makefile",
        "include/edgemoe_types.h",
        "src/qk_scores.cpp",
        "tb/tb_linear.cpp",
        "vectors/linear.vec",
        "vectors/frame/manifest.txt",
        "vectors/frame/params.bin",
    ] {
        assert!(project.join(file).is_file(), "{file} missing");
    }
    let tcl = std::fs::read_to_string(project.join("run_hls.tcl")).unwrap();
    assert!(tcl.contains("set_part xczu9eg-ffvb1156-2-e"), "{tcl}");
    assert!(!tcl.contains("{{"), "an unrendered placeholder: {tcl}");
    // Generating again replaces the project.
    assert!(run(&project).status.success());
    // A folder codegen did not write is left alone.
    let foreign = dir.join("mine");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "keep me").unwrap();
    let out = run(&foreign);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not written by edgemoe codegen"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(foreign.join("notes.txt")).unwrap(),
        "keep me"
    );
    assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), 1);
}

#[test]
fn codegen_names_the_field_of_a_design_point_it_cannot_emit() {
    let dir = scratch("codegen-sat");
    let config = dir.join("sat.toml");
    std::fs::write(
        &config,
        "[numerics]\nfm = \"ap_fixed<32,10,AP_TRN,AP_SAT>\"\n",
    )
    .unwrap();
    let out = edgemoe()
        .args(["codegen", "hls", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(dir.join("hls"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("numerics.fm") && stderr.contains("AP_WRAP"),
        "{stderr}"
    );
    assert!(!dir.join("hls").exists());
}

#[test]
fn cosim_of_the_second_design_point_reports_each_unit_in_its_json() {
    let ap_types = Path::new(env!("CARGO_MANIFEST_DIR")).join(".deps/ap_types/ap_fixed.h");
    let gxx = Command::new("g++")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ap_types.is_file() || !gxx {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true needs g++ and the ap_types headers: run ./scripts/setup.sh"
        );
        eprintln!("SKIPPED (not in CI): g++ or {} missing", ap_types.display());
        return;
    }
    let dir = scratch("cosim");
    let json = dir.join("cosim.json");
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/edge-moe-p8-fm24.toml");
    let out = edgemoe()
        .args(["cosim", "hls", "--config"])
        .arg(&config)
        .args(["--unit", "qk_scores", "--unit", "exp", "--unit", "linear"])
        .args(["--no-frame", "--vectors", "300", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("fm_t ap_fixed<24,8>, P = 8, 32x16 linear tile"),
        "{stdout}"
    );
    assert!(stdout.contains("total mismatches: 0"), "{stdout}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["mismatches"], 0);
    let units = report["units"].as_array().unwrap();
    let names: Vec<&str> = units.iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["exp", "linear", "qk_scores"]);
    assert!(units
        .iter()
        .all(|u| u["vectors"] == 300 && u["mismatches"] == 0));
}

#[test]
fn codegen_verilog_writes_the_rtl_project_and_locates_a_depth_it_cannot_meet() {
    let dir = scratch("codegen-verilog");
    let out = edgemoe()
        .args(["codegen", "verilog", "--vectors", "20", "--out"])
        .arg(dir.join("rtl"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "rtl/gelu_axis.v",
        "rtl/gelu_axis.vlt",
        "harness/tb_gelu.cpp",
        "harness/axis.h",
        "harness/vectors.cpp",
        "vectors/gelu.vec",
        "vectors/gelu.cycles",
        "synth/gelu.ys",
        "Makefile",
        "README.md",
    ] {
        assert!(dir.join("rtl").join(f).is_file(), "{f} missing");
    }
    let verilog = std::fs::read_to_string(dir.join("rtl/rtl/gelu_axis.v")).unwrap();
    assert!(verilog.contains("module gelu_axis("), "root module named");

    let config = dir.join("shallow.toml");
    std::fs::write(&config, "[arch.depth]\ngelu = 3\n").unwrap();
    let out = edgemoe()
        .args(["codegen", "verilog", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(dir.join("shallow"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("shallow.toml:2:8") && stderr.contains("arch.depth.gelu"),
        "{stderr}"
    );
    assert!(stderr.contains("needs 6"), "{stderr}");
    assert!(!dir.join("shallow").exists());
}

#[test]
fn cosim_verilog_of_the_second_design_point_checks_bits_and_cycles_in_its_json() {
    let verilator = Command::new("verilator")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !verilator {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true needs Verilator: run ./scripts/setup.sh"
        );
        eprintln!("SKIPPED (not in CI): verilator missing");
        return;
    }
    let dir = scratch("cosim-verilog");
    let json = dir.join("cosim.json");
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/edge-moe-p8-fm24.toml");
    let out = edgemoe()
        .args(["cosim", "verilog", "--config"])
        .arg(&config)
        // Not the 16×32 linear tile: Verilator takes minutes to build it (the unit test runs a small one).
        .args(["--unit", "gelu", "--unit", "sqrt"])
        .args(["--vectors", "500", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("total mismatches: 0, cycle mismatches: 0, lint warnings: 0"),
        "{stdout}"
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["target"], "verilog");
    for u in report["units"].as_array().unwrap() {
        assert_eq!(u["vectors"], 500, "{u}");
        assert_eq!(u["mismatches"], 0, "{u}");
        assert_eq!(u["cycles"]["mismatches"], 0, "{u}");
        assert_eq!(u["cycles"]["measured"], u["cycles"]["model"], "{u}");
    }
}

/// A small space: 6 points over three kinds of field, two fm_t formats (so two golden frames).
const SWEEP_SPACE: &str = "[sweep]\nsample = \"grid\"\n\
    [[axis]]\nfield = \"arch.attn_lanes\"\nvalues = [4, 8]\n\
    [[axis]]\nfield = \"arch.weight_load\"\nvalues = [\"serial\", \"overlapped\"]\n\
    [[axis]]\nfield = \"numerics.fm\"\nvalues = [\"ap_fixed<32,10>\", \"ap_fixed<24,8>\"]\n";

fn sweep(space: &Path, out: &Path, extra: &[&str]) -> Output {
    let o = edgemoe()
        .arg("sweep")
        .arg("--space")
        .arg(space)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

fn results(out: &Path) -> String {
    std::fs::read_to_string(out.join("results.jsonl")).unwrap()
}

/// Panics naming the first line where two results files differ (whole files are too long to print).
fn same_results(got: &str, want: &str, what: &str) {
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        if g != w {
            let at = g.bytes().zip(w.bytes()).take_while(|(a, b)| a == b).count();
            let show = |s: &str| s[at.saturating_sub(60)..(at + 60).min(s.len())].to_string();
            panic!(
                "{what}: line {} differs at byte {at}:\n got {}\nwant {}",
                i + 1,
                show(g),
                show(w)
            );
        }
    }
    assert_eq!(
        got.lines().count(),
        want.lines().count(),
        "{what}: line counts differ"
    );
}

#[test]
fn a_sweep_gives_the_same_results_on_one_thread_or_two_resumed_or_sharded() {
    let d = scratch("sweep");
    let space = d.join("space.toml");
    std::fs::write(&space, SWEEP_SPACE).unwrap();
    let one = d.join("one");
    sweep(&space, &one, &["--jobs", "1"]);
    let reference = results(&one);
    let lines: Vec<serde_json::Value> = reference
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 8);
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["id"], i);
        assert_eq!(l["status"], "ok", "{l}");
        assert!(l["latency_cycles"].as_u64().unwrap() > 1_000_000, "{l}");
        let units: u64 = l["unit_cycles"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(units, l["latency_cycles"].as_u64().unwrap(), "{l}");
        // Energy is part of the line, so the comparisons below hold it to the last bit too.
        let e = &l["energy"];
        assert!(e["energy_mj"].as_f64().unwrap() > 0.0, "{l}");
        assert!(e["dram_mj"].as_f64().unwrap() > 0.0, "{l}");
    }
    // The formats change the error (and the routing, so the experts' cycles), not the attention's
    // cycles (the same memoised segments); the lanes change those.
    assert_ne!(lines[0]["accuracy"]["mse"], lines[1]["accuracy"]["mse"]);
    let qk = |i: usize| lines[i]["unit_cycles"]["qk_scores"].as_u64().unwrap();
    assert_eq!(qk(0), qk(1));
    assert!(qk(4) < qk(0), "8 lanes are faster than 4");

    let two = d.join("two");
    sweep(&space, &two, &["--jobs", "2"]);
    same_results(&results(&two), &reference, "--jobs 2 against --jobs 1");

    // Interrupted after 3 points, with a torn line as a kill mid-write leaves it: the rerun resumes.
    let resumed = d.join("resumed");
    sweep(&space, &resumed, &["--jobs", "2", "--limit", "3"]);
    let partial = results(&resumed);
    assert_eq!(partial.lines().count(), 3);
    std::fs::write(
        resumed.join("results.jsonl"),
        format!("{partial}{{\"id\":7,\"values\":{{\"arch.att"),
    )
    .unwrap();
    let o = sweep(&space, &resumed, &["--jobs", "2"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("3 already done, 5 to run"), "{err}");
    same_results(&results(&resumed), &reference, "the resumed sweep");

    // Three shards as three processes at once, as a Slurm array would run them, then the merge.
    let sharded = d.join("sharded");
    let children: Vec<_> = (0..3)
        .map(|i| {
            edgemoe()
                .arg("sweep")
                .arg("--space")
                .arg(&space)
                .arg("--out")
                .arg(&sharded)
                .args(["--jobs", "1", "--shard", &format!("{i}/3")])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(!sharded.join("results.jsonl").exists());
    let o = edgemoe()
        .args(["sweep", "merge"])
        .arg(&sharded)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    same_results(&results(&sharded), &reference, "the merged shards");

    // A missing shard is named, and nothing is merged.
    std::fs::remove_file(sharded.join("results.jsonl")).unwrap();
    std::fs::remove_file(sharded.join("results.shard-1-of-3.jsonl")).unwrap();
    let o = edgemoe()
        .args(["sweep", "merge"])
        .arg(&sharded)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("3 of 8 points missing"), "{err}");
    assert!(err.contains("no file at all from shards [1] of 3"), "{err}");
    assert!(!sharded.join("results.jsonl").exists());

    // Another space into a folder that holds this sweep is refused.
    let other = d.join("other.toml");
    std::fs::write(&other, SWEEP_SPACE.replace("[4, 8]", "[2, 8]")).unwrap();
    let o = edgemoe()
        .arg("sweep")
        .arg("--space")
        .arg(&other)
        .arg("--out")
        .arg(&one)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("holds another sweep"));
}

#[test]
fn a_bad_space_file_is_located_before_any_point_runs() {
    let d = scratch("badspace");
    let space = d.join("space.toml");
    std::fs::write(
        &space,
        "[[axis]]\nfield = \"arch.attn_lanez\"\nvalues = [2, 4]\n\
         [[axis]]\nfield = \"arch.clock_mhz\"\nvalues = []\n\
         [[axis]]\nfield = \"arch.linear_tile_in\"\nvalues = [16, 0]\n",
    )
    .unwrap();
    let out = d.join("out");
    let o = edgemoe()
        .arg("sweep")
        .arg("--space")
        .arg(&space)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("space.toml:2:9: axis[0]: arch.attn_lanez: no such config field"),
        "{err}"
    );
    assert!(
        err.contains("space.toml:6:10: axis[1]: values is empty"),
        "{err}"
    );
    assert!(
        err.contains("space.toml:9:15: axis[2]: value 1: arch.linear_tile_in"),
        "{err}"
    );
    assert!(!out.exists(), "nothing is written for a bad space");
}
