//! External tools for the RTL tests (Verilator, Yosys). A missing tool skips its test with a SKIPPED
//! line, except under `CI=true`, where it fails: CI must never pass without having run them.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether `tool` runs here; if not, panics under `CI=true` and otherwise prints why `test` is skipped.
pub(crate) fn available(tool: &str, test: &str) -> bool {
    match Command::new(tool).arg("--version").output() {
        Ok(out) if out.status.success() => true,
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true and {tool} is missing: {test} cannot run")
        }
        _ => {
            eprintln!("SKIPPED {test}: {tool} not found (scripts/setup.sh installs it)");
            false
        }
    }
}

/// An empty folder for one test's files: removed when the test passes, kept for a look when it fails.
pub(crate) struct Scratch(PathBuf);

impl Scratch {
    pub(crate) fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("edgemoe-hw-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a scratch folder");
        Scratch(dir)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Runs `cmd`, panicking with its output unless it succeeds; returns stdout and stderr.
pub(crate) fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{text}",
        out.status
    );
    text
}
