//! What `cosim hls`, `cosim verilog` and `synth` share: an emitted project written where the user
//! keeps it (or to a scratch folder removed afterwards), a batch of tool runs over it behind a
//! spinner, and how many run at once.

use std::path::{Path, PathBuf};

use codegen::Project;

/// Parallel tool runs: `asked`, else the machine's cores.
pub fn jobs(asked: Option<usize>) -> usize {
    asked.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
}

/// Writes `project` to `keep` (or a fresh scratch folder named after `kind`), runs `batch` on it with
/// a spinner on a terminal's stderr showing each step it reports, and removes the scratch folder.
pub fn in_project<T, E>(
    project: &Project,
    keep: Option<&Path>,
    kind: &str,
    batch: impl FnOnce(&Path, &(dyn Fn(&str) + Sync)) -> Result<T, E>,
) -> anyhow::Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let dir = keep.map_or_else(|| scratch(kind), Path::to_path_buf);
    project.write(&dir)?;
    // indicatif draws nothing when stderr is not a terminal.
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let step = |msg: &str| bar.set_message(msg.to_string());
    let result = batch(&dir, &step);
    bar.finish_and_clear();
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(result?)
}

/// A folder for a project the user did not ask to keep.
fn scratch(kind: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    std::env::temp_dir().join(format!("edgemoe-{kind}-{}-{nanos}", std::process::id()))
}
