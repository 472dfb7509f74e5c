//! `codegen`: what edgemoe hands to HLS and RTL engineers: the Vitis-HLS C++ project of a design point,
//! golden vector files for every unit and for a whole frame, and the g++ co-simulation that proves the
//! emitted C++ gives golden's bits.
//!
//! * [`design`]: the design point the emitters read.
//! * [`unit`]: the units, named as golden names them.
//! * [`vectors`]: golden vector files (unit cases and a whole frame's taps).
//! * [`hls`]: the HLS project from the templates under `templates/hls/`.
//! * [`cosim`]: build the benches with g++ and compare.
//! * [`verilog`]: the RTL project (hw's rust-hdl units behind AXI-Stream tops, Verilator harnesses,
//!   Yosys scripts), its Verilator co-simulation and its synthesis.
#![warn(missing_docs)]

pub mod cosim;
pub mod design;
pub mod hls;
pub mod template;
pub mod unit;
pub mod vectors;
pub mod verilog;

#[cfg(test)]
mod cosim_tests;
#[cfg(test)]
mod snapshot_tests;

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

    /// Writes the project to `dir` all at once: into a sibling staging folder, then renamed into place,
    /// so `dir` holds either the old project or the new one. An existing `dir` is replaced only if it is
    /// empty or holds nothing but the files codegen wrote there (listed in its [`MARKER`]): a Vitis run
    /// or notes of the user's inside it make this an error rather than a deletion.
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        let at = |path: &Path, e: io::Error| {
            io::Error::new(e.kind(), format!("{}: {e}", path.display()))
        };
        if dir.exists() {
            check_replaceable(dir)?;
        }
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| at(&parent, e))?;
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{}: not a folder name", dir.display()),
                )
            })?;
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        let written = (|| -> io::Result<()> {
            if staging.exists() {
                fs::remove_dir_all(&staging).map_err(|e| at(&staging, e))?;
            }
            let mut listing = String::from(MARKER_HEADER);
            for (path, contents) in &self.files {
                let target = staging.join(path);
                if let Some(p) = target.parent() {
                    fs::create_dir_all(p).map_err(|e| at(p, e))?;
                }
                fs::write(&target, contents).map_err(|e| at(&target, e))?;
                listing.push_str(path);
                listing.push('\n');
            }
            fs::write(staging.join(MARKER), listing).map_err(|e| at(&staging, e))
        })();
        if let Err(e) = written {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
        if !dir.exists() {
            return fs::rename(&staging, dir).map_err(|e| {
                let _ = fs::remove_dir_all(&staging);
                at(dir, e)
            });
        }
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        if let Err(e) = fs::rename(dir, &old) {
            let _ = fs::remove_dir_all(&staging);
            return Err(at(dir, e));
        }
        if let Err(e) = fs::rename(&staging, dir) {
            // Put the old project back; the new one is lost, the old one is not.
            let _ = fs::rename(&old, dir);
            let _ = fs::remove_dir_all(&staging);
            return Err(at(dir, e));
        }
        // The new project is in place; a leftover old copy is only disk space.
        let _ = fs::remove_dir_all(&old);
        Ok(())
    }
}

/// The first line of the marker; the files codegen wrote follow, one per line.
const MARKER_HEADER: &str = "# written by edgemoe codegen, which replaces this folder only while it holds nothing but these files\n";

/// An error unless `dir` is an empty folder or one holding only what codegen listed in its marker, and
/// is not the working folder or one of its ancestors (which cannot be renamed away).
fn check_replaceable(dir: &Path) -> io::Result<()> {
    let refuse = |why: String| Err(io::Error::new(io::ErrorKind::AlreadyExists, why));
    if !dir.is_dir() {
        return refuse(format!("{}: exists and is not a folder", dir.display()));
    }
    if let (Ok(target), Ok(cwd)) = (fs::canonicalize(dir), std::env::current_dir()) {
        if cwd.starts_with(&target) {
            return refuse(format!(
                "{}: is the working folder or contains it; choose a new folder for the project",
                dir.display()
            ));
        }
    }
    let mut present = Vec::new();
    list_files(dir, Path::new(""), &mut present)?;
    if present.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = match fs::read_to_string(dir.join(MARKER)) {
        Ok(text) => text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(str::to_string)
            .collect(),
        Err(_) => {
            return refuse(format!(
                "{}: exists and was not written by edgemoe codegen; not replacing it",
                dir.display()
            ))
        }
    };
    if let Some(foreign) = present.iter().find(|p| *p != MARKER && !listed.contains(p)) {
        return refuse(format!(
            "{}: holds {foreign}, which edgemoe codegen did not write; move it out (or choose another \
             folder) before generating the project again",
            dir.display()
        ));
    }
    Ok(())
}

/// Every file under `dir`, as paths relative to it with `/` separators.
fn list_files(root: &Path, rel: &Path, out: &mut Vec<String>) -> io::Result<()> {
    let here = root.join(rel);
    for entry in fs::read_dir(&here)? {
        let entry = entry?;
        let rel = rel.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            list_files(root, &rel, out)?;
        } else {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> Project {
        let mut p = Project::default();
        for (path, text) in files {
            p.add(path, text.as_bytes().to_vec());
        }
        p
    }

    #[test]
    fn a_project_replaces_its_own_files_but_not_a_folder_holding_anything_else() {
        let root = std::env::temp_dir().join(format!("edgemoe-write-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let dir = root.join("hls");
        project(&[("src/a.cpp", "1"), ("README.md", "r")])
            .write(&dir)
            .unwrap();
        project(&[("src/b.cpp", "2")]).write(&dir).unwrap();
        assert!(!dir.join("src/a.cpp").exists(), "a stale file survived");
        assert_eq!(fs::read_to_string(dir.join("src/b.cpp")).unwrap(), "2");
        // A Vitis run inside the project: its output must not be deleted.
        fs::create_dir_all(dir.join("edgemoe_hls/solution1")).unwrap();
        fs::write(
            dir.join("edgemoe_hls/solution1/report.rpt"),
            "hours of work",
        )
        .unwrap();
        let err = project(&[("src/c.cpp", "3")]).write(&dir).unwrap_err();
        assert!(
            err.to_string().contains("edgemoe_hls/solution1/report.rpt"),
            "{err}"
        );
        assert!(dir.join("src/b.cpp").exists() && dir.join("edgemoe_hls").exists());
        // Nothing of the refused write is left beside the project.
        let leftovers: Vec<_> = fs::read_dir(&root).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn the_working_folder_is_never_replaced() {
        let err = project(&[("a", "1")]).write(Path::new(".")).unwrap_err();
        assert!(err.to_string().contains("working folder"), "{err}");
    }
}
