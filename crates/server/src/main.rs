use clap::Parser;
use latchkey_server::cli::{Cli, Command};
use latchkey_server::{Application, Settings, migrate, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref())?;
    telemetry::init(&settings.log, std::io::stdout);

    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await?
        }
        Command::Migrate => migrate(&settings).await?,
    }
    Ok(())
}
