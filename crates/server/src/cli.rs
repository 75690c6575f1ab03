//! `latchkey serve` (the default) and `latchkey migrate`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "latchkey",
    version,
    about = "A self-hosted identity server that speaks Frontegg's API"
)]
pub struct Cli {
    /// Configuration file (TOML). Default: config/latchkey.toml when it exists.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the API (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Manage the token-signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List the published keys, the active one first.
    List,
    /// Make a new key the active one; the old one stays published until its tokens expire.
    Rotate,
}
