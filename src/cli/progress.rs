//! The progress bar of the long commands: one bar on standard error (only on a terminal),
//! relabelled when the stage changes; without a terminal, nothing but the study's step lines.

use std::io::IsTerminal;
use std::sync::Mutex;

/// A bar that starts over at each new stage (`calibrate`: multi-start, profiles, MCMC...;
/// `reproduce`: each step's stages).
pub struct StageBar {
    bar: Option<indicatif::ProgressBar>,
    stage: Mutex<Option<String>>,
}

impl StageBar {
    /// A bar drawn with the indicatif `template` (`{msg}` is the stage, `{prefix}` the step).
    pub fn new(template: &str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(1);
            bar.set_style(
                indicatif::ProgressStyle::with_template(template).expect("valid template"),
            );
            bar
        });
        StageBar {
            bar,
            stage: Mutex::new(None),
        }
    }

    /// `done` of `total` in `stage`.
    pub fn update(&self, stage: &str, done: usize, total: usize) {
        if let Some(b) = &self.bar {
            let mut s = self.stage.lock().expect("progress lock");
            if s.as_deref() != Some(stage) {
                *s = Some(stage.to_string());
                b.set_message(stage.to_string());
                b.set_length(total.max(1) as u64);
                b.set_position(0);
            }
            b.set_position(b.position().max(done as u64));
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl pressure::study::Progress for StageBar {
    fn start(&self, i: usize, n: usize, step: &pressure::study::Step) {
        let label = format!("[{i}/{n}] {}", step.name);
        match &self.bar {
            Some(b) => {
                b.enable_steady_tick(std::time::Duration::from_millis(200));
                b.set_prefix(label);
            }
            None => eprintln!("{label}: {} {}", step.kind, step.title),
        }
        *self.stage.lock().expect("progress lock") = None;
    }

    fn update(&self, stage: &str, done: usize, total: usize) {
        StageBar::update(self, stage, done, total);
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some(b) => b.println(text),
            None => eprintln!("{text}"),
        }
    }
}
