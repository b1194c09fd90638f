//! `roost:plugin/log`: a step's lines into its run log and tracing, capped, secrets redacted.
//!
//! ```rust,ignore
//! roost_sdk::log::info("fetched 20 mentions");   // stored with the step, shown in the UI
//! ```
//!
//! A step keeps at most [`LOG_MAX_LINES`] lines and [`LOG_MAX_BYTES`] bytes; what is past
//! the caps is counted and reported in one closing line, so a flood costs nothing.

use super::redact::Redactor;
use crate::runtime::bindings::log::{Host, Level};
use crate::runtime::limits::{LOG_LINE_MAX, LOG_MAX_BYTES, LOG_MAX_LINES};
use crate::store::{LogRecord, now_ms};

use super::StepState;

/// The log of one step execution.
#[derive(Debug, Default)]
pub struct LogCap {
    lines: Vec<LogRecord>,
    bytes: usize,
    dropped: u64,
    /// The secret values this step may touch; replaced by `[redacted:NAME]` in every line.
    redact: Redactor,
    plugin: String,
}

impl LogCap {
    pub fn new(plugin: &str, redact: Redactor) -> Self {
        Self { plugin: plugin.to_string(), redact, ..Self::default() }
    }

    /// Adds a line, redacted and cut, unless a cap is reached.
    pub fn push(&mut self, level: &str, message: &str) {
        if self.lines.len() >= LOG_MAX_LINES || self.bytes >= LOG_MAX_BYTES {
            self.dropped += 1;
            return;
        }
        let mut text = self.redact.scrub(message);
        if text.len() > LOG_LINE_MAX {
            text.truncate(text.floor_char_boundary(LOG_LINE_MAX));
            text.push_str(" [cut]");
        }
        tracing::event!(target: "roost::plugin", tracing::Level::DEBUG, plugin = %self.plugin, level, "{text}");
        self.bytes += text.len();
        self.lines.push(LogRecord { level: level.to_string(), message: text, at: now_ms() });
    }

    /// The step's lines, closed by a count of those dropped.
    pub fn finish(mut self) -> Vec<LogRecord> {
        if self.dropped > 0 {
            let note = format!(
                "{} more log lines dropped: a step keeps {LOG_MAX_LINES} lines or {LOG_MAX_BYTES} bytes",
                self.dropped
            );
            self.lines.push(LogRecord { level: "warn".into(), message: note, at: now_ms() });
        }
        self.lines
    }

    /// Adds what the guest wrote to stdout or stderr, one line each.
    pub fn push_stdio(&mut self, level: &str, bytes: &[u8]) {
        for line in String::from_utf8_lossy(bytes).lines().filter(|l| !l.trim().is_empty()) {
            self.push(level, line);
        }
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Trace => "trace",
        Level::Debug => "debug",
        Level::Info => "info",
        Level::Warn => "warn",
        Level::Error => "error",
    }
}

impl Host for StepState {
    async fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        super::calls::HostCalls::count(&mut self.calls.log);
        self.log.push(level_name(level), &message);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_redacted_cut_and_capped() {
        let mut log = LogCap::new("p", Redactor::new([("PASSWORD", "hunter2")]));
        log.push("info", "token is hunter2, again hunter2");
        log.push("info", &"x".repeat(LOG_LINE_MAX + 10));
        for _ in 0..LOG_MAX_LINES + 5 {
            log.push("debug", "more");
        }
        let lines = log.finish();
        assert_eq!(lines[0].message, "token is [redacted:PASSWORD], again [redacted:PASSWORD]");
        assert!(lines[1].message.ends_with(" [cut]") && lines[1].message.len() == LOG_LINE_MAX + 6);
        assert_eq!(lines.len(), LOG_MAX_LINES + 1);
        assert!(lines.last().unwrap().message.starts_with("7 more log lines dropped"));
    }
}
