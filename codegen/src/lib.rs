//! `codegen`: what edgemoe hands to HLS and RTL engineers: the Vitis-HLS C++ project of a design point,
//! golden vector files for every unit and for a whole frame, and the g++ co-simulation that proves the
//! emitted C++ gives golden's bits.
//!
//! * [`design`]: the design point the emitters read.
//! * [`unit`]: the units, named as golden names them.
//! * [`vectors`]: golden vector files (unit cases and a whole frame's taps).
//! * [`hls`]: the HLS project from the templates under `templates/hls/`.
//! * [`cosim`]: build the benches with g++ and compare.
#![warn(missing_docs)]

pub mod cosim;
pub mod design;
pub mod hls;
pub mod template;
pub mod unit;
pub mod vectors;

#[cfg(test)]
mod cosim_tests;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The marker file that says a folder was written by codegen (and may be replaced by it).
pub const MARKER: &str = ".edgemoe-project";

/// An emitted project, in memory until [`Project::write`].
#[derive(Clone, Debug, Default)]
pub struct Project {
    /// `(path relative to the project root, contents)`, in emission order.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Project {
    /// Adds a file.
    pub fn add(&mut self, path: &str, contents: Vec<u8>) {
        self.files.push((path.to_string(), contents));
    }

    /// The contents of `path`.
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, c)| c.as_slice())
    }

    /// Writes the project to `dir` all at once: into a sibling temporary folder, then renamed into
    /// place, so `dir` is never half-written. An existing `dir` is replaced only if it is empty or was
    /// written by codegen.
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        if dir.exists() {
            let ours = dir.join(MARKER).exists();
            let empty = dir.is_dir() && fs::read_dir(dir)?.next().is_none();
            if !ours && !empty {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!(
                        "{}: exists and was not written by edgemoe codegen; not replacing it",
                        dir.display()
                    ),
                ));
            }
        }
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)?;
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "project".into());
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging)?;
        }
        let result = (|| {
            for (path, contents) in &self.files {
                let target = staging.join(path);
                if let Some(p) = target.parent() {
                    fs::create_dir_all(p)?;
                }
                fs::write(&target, contents)?;
            }
            fs::write(
                staging.join(MARKER),
                "written by edgemoe codegen; the folder is replaced when it is generated again\n",
            )
        })();
        if let Err(e) = result {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
        if dir.exists() {
            let old = parent.join(format!(".{name}.old-{}", std::process::id()));
            fs::rename(dir, &old)?;
            fs::rename(&staging, dir)?;
            fs::remove_dir_all(&old)?;
        } else {
            fs::rename(&staging, dir)?;
        }
        Ok(())
    }
}
