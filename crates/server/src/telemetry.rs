//! Log output: `tracing-subscriber`, human-readable or JSON, filtered by `RUST_LOG` or
//! `log.level`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::settings::LogSettings;

/// Installs the global subscriber, writing to `writer`. Installing twice is harmless (the
/// second call does nothing), which lets tests start many servers in one process.
pub fn init<W>(settings: &LogSettings, writer: W)
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::stdout().is_terminal())
        .with_target(false);
    let installed = if settings.format == "json" {
        let subscriber = builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .finish();
        tracing::subscriber::set_global_default(subscriber)
    } else {
        tracing::subscriber::set_global_default(builder.finish())
    };
    if installed.is_ok() {
        // Records of crates that log through `log` (actix's server, the pool) are forwarded,
        // except the Postgres driver's: at debug level it logs query parameters, password and
        // token hashes among them, whatever filter the operator sets.
        let _ = tracing_log::LogTracer::builder()
            .ignore_crate("tokio_postgres")
            .init();
    }
}
