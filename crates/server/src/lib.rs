//! The `latchkey` server: configuration, telemetry, wiring of adapters to use cases, and
//! the command line. The only crate that depends on every other.

pub mod cli;
pub mod keys;
mod maintenance;
mod metrics;
pub mod settings;
mod startup;
mod store;
pub mod telemetry;

pub use settings::Settings;
pub use startup::{Application, migrate};
