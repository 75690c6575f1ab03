//! Log output: `tracing-subscriber`, human-readable or JSON, filtered by `RUST_LOG` or
//! `log.level`.

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
        .with_target(false);
    let _already_installed = if settings.format == "json" {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init()
    } else {
        builder.try_init()
    };
}
