use clap::Parser;
use latchkey_server::cli::{Cli, Command, KeysCommand};
use latchkey_server::{Application, Settings, keys, migrate, telemetry};

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
        Command::Keys(KeysCommand::List) => keys::list(&settings, &mut std::io::stdout()).await?,
        Command::Keys(KeysCommand::Rotate) => {
            keys::rotate(&settings, &mut std::io::stdout()).await?
        }
    }
    Ok(())
}
