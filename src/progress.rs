//! Progress bars for long commands: drawn on a terminal's stderr, silent when stderr is a file or a
//! pipe (indicatif hides its bar when the stream is not a terminal), so logs and CI output stay clean.

use indicatif::{ProgressBar, ProgressStyle};
use sim::{Progress, Stage};

/// A bar for one simulated frame: the golden values layer by layer, then the engine op by op.
pub struct FrameBar {
    bar: ProgressBar,
}

impl FrameBar {
    /// A hidden-until-first-update bar.
    pub fn new() -> Self {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{msg:>8} [{bar:40}] {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        FrameBar { bar }
    }

    /// Takes a step.
    pub fn update(&self, p: Progress) {
        let msg = match p.stage {
            Stage::Values => "values",
            Stage::Cycles => "cycles",
        };
        if self.bar.message() != msg {
            self.bar.set_length(p.total as u64);
            self.bar.set_position(0);
            self.bar.set_message(msg);
        }
        self.bar.set_position(p.done as u64);
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
