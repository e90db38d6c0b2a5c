//! A spinner on stderr that names the current stage of a long run. Shown only when stderr
//! is a terminal, the run is not `--quiet`, and `CI` is unset: never in pipes or CI logs.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The stage spinner (a no-op when hidden).
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A spinner if the conditions above hold.
    pub fn new(quiet: bool) -> Self {
        let show = !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bar = show.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Progress { bar }
    }

    /// Names the stage now running.
    pub fn stage(&self, msg: &'static str) {
        if let Some(b) = &self.bar {
            b.set_message(msg);
        }
    }

    /// Removes the spinner.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
