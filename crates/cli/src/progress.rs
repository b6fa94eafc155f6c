//! A load's progress on standard error: a line per stream that counts its items as pages arrive
//! (`indicatif`), and what Inlet waits for, when standard error is a terminal; nothing when it
//! is piped or with `--quiet`, so scripts read only what they asked for.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use inlet_core::load::{LoadProgress, ProgressFn};

/// Whether progress is drawn: on a terminal, unless `--quiet`.
pub fn wanted(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

/// The bars of one load.
struct Bars {
    multi: MultiProgress,
    streams: HashMap<String, ProgressBar>,
    waiting: Option<ProgressBar>,
}

/// A progress callback that draws each stream of a load as a line of its own.
pub fn bars() -> ProgressFn {
    let bars = Arc::new(Mutex::new(Bars {
        multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
        streams: HashMap::new(),
        waiting: None,
    }));
    Arc::new(move |progress: LoadProgress| {
        let mut bars = bars.lock().unwrap_or_else(|p| p.into_inner());
        show(&mut bars, progress);
    })
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn show(bars: &mut Bars, progress: LoadProgress) {
    if let Some(secs) = progress.waiting_secs {
        let bar = bars.waiting.get_or_insert_with(|| {
            let bar = bars.multi.add(ProgressBar::new_spinner());
            bar.set_style(style("{spinner} {msg}"));
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        bar.set_message(format!(
            "waiting {secs} s for {}'s rate limit",
            progress.integration.display_name()
        ));
        return;
    }
    if let Some(waiting) = bars.waiting.take() {
        waiting.finish_and_clear();
    }
    let multi = bars.multi.clone();
    let bar = bars
        .streams
        .entry(progress.stream.clone())
        .or_insert_with(|| {
            let bar = multi.add(ProgressBar::new_spinner());
            bar.set_style(style("{spinner} {prefix}: {msg}"));
            bar.set_prefix(progress.stream.clone());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
    let items = format!("{} items in {} pages", progress.items, progress.pages);
    if progress.done {
        bar.set_style(style("  {prefix}: {msg}"));
        bar.finish_with_message(items);
    } else {
        bar.set_message(items);
    }
}
