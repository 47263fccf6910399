//! Logging for OmniCRM: structured JSON lines in a daily-rotating file in the app's log
//! directory, with secrets redacted before anything reaches the disk.
//!
//! Redaction happens in the writer, on the formatted line, so it covers messages, fields and
//! debug output alike: bearer tokens, `Authorization` headers, OAuth tokens, API keys,
//! passwords and client secrets all become `[REDACTED]`.

mod redaction;

use std::io::Write;
use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;

/// Log lines waiting for the writer thread (see `file_subscriber`).
const LOG_QUEUE_LINES: usize = 16_384;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

pub use redaction::redact;

/// How many daily log files are kept.
pub const KEPT_LOG_FILES: usize = 14;
/// The filter used when `RUST_LOG` is not set. Automerge's INFO spans record its whole
/// change graph as a field, which is costly to format on every load: only its warnings.
pub const DEFAULT_FILTER: &str = "info,automerge=warn";

/// Keeps the background log writer alive; logs are flushed when it is dropped.
pub struct LogGuard {
    _worker: WorkerGuard,
}

/// A subscriber writing redacted JSON lines to `<log_dir>/<file_prefix>.<date>.log`, plus the
/// guard that flushes it.
pub fn file_subscriber(
    log_dir: &Path,
    file_prefix: &str,
) -> std::io::Result<(impl tracing::Subscriber + Send + Sync, LogGuard)> {
    std::fs::create_dir_all(log_dir)?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(file_prefix)
        .filename_suffix("log")
        .max_log_files(KEPT_LOG_FILES)
        .build(log_dir)
        .map_err(std::io::Error::other)?;
    // A queue of 16,384 lines instead of the default 128,000: the default's 4 MB is taken
    // at start by every process (it showed in the CLI's peak memory, issue 20), and a burst
    // of more lines than this between two writes of the file is not how this program logs.
    let (writer, worker) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .finish(appender);
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let subscriber = tracing_subscriber::registry().with(filter).with(
        tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_writer(Redacting(writer)),
    );
    Ok((subscriber, LogGuard { _worker: worker }))
}

/// Installs the file subscriber as the process-wide default.
pub fn init(log_dir: &Path, file_prefix: &str) -> std::io::Result<LogGuard> {
    let (subscriber, guard) = file_subscriber(log_dir, file_prefix)?;
    subscriber.try_init().map_err(std::io::Error::other)?;
    Ok(guard)
}

/// A `MakeWriter` that redacts secrets from every formatted event.
#[derive(Clone)]
pub struct Redacting<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter {
            inner: self.0.make_writer(),
            buffer: Vec::new(),
        }
    }
}

/// Buffers one event and writes it redacted when dropped or flushed.
pub struct RedactingWriter<W: Write> {
    inner: W,
    buffer: Vec<u8>,
}

impl<W: Write> RedactingWriter<W> {
    fn write_out(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&self.buffer);
        let redacted = redact(&text);
        self.inner.write_all(redacted.as_bytes())?;
        self.buffer.clear();
        Ok(())
    }
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.write_out()?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        if let Err(error) = self.write_out() {
            eprintln!("omnicrm: could not write a log line: {error}");
        }
    }
}
