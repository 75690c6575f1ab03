//! The benchmark's own database: created fresh, inspected for its backends, dropped.

use anyhow::Context;
use tokio_postgres::{Client, NoTls};

/// A connection to the server's maintenance database, for creating and watching others.
pub struct Admin {
    client: Client,
    server_url: String,
}

/// A database created for one run; [`Admin::drop_database`] removes it.
#[derive(Debug, Clone)]
pub struct BenchDatabase {
    pub name: String,
    pub url: String,
}

impl Admin {
    /// `server_url` names the server and a database to connect to
    /// (`postgres://postgres@127.0.0.1:5432/postgres`).
    pub async fn connect(server_url: &str) -> anyhow::Result<Self> {
        let (client, connection) = tokio_postgres::connect(server_url, NoTls)
            .await
            .with_context(|| "connecting to Postgres (is it running on the URL given?)")?;
        tokio::spawn(connection);
        Ok(Self {
            client,
            server_url: server_url.to_owned(),
        })
    }

    pub async fn create_database(&self, name: &str) -> anyhow::Result<BenchDatabase> {
        self.drop_database(name).await?;
        self.client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await?;
        Ok(BenchDatabase {
            name: name.to_owned(),
            url: with_database(&self.server_url, name),
        })
    }

    pub async fn drop_database(&self, name: &str) -> anyhow::Result<()> {
        let statement = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        self.client.batch_execute(&statement).await?;
        Ok(())
    }

    /// The pids of the backends serving connections to `database` (optionally only those
    /// of one application), which run on this machine since the server is local.
    pub async fn backend_pids(
        &self,
        database: &str,
        application: Option<&str>,
    ) -> anyhow::Result<Vec<u32>> {
        let rows = self
            .client
            .query(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 \
                 AND ($2::text IS NULL OR application_name = $2) AND pid <> pg_backend_pid()",
                &[&database, &application],
            )
            .await?;
        let pids = rows
            .iter()
            .filter_map(|row| u32::try_from(row.get::<_, i32>(0)).ok())
            .collect();
        Ok(pids)
    }

    /// Runs statements in `database` (for seeding), on a connection of its own.
    pub async fn execute_in(&self, database: &BenchDatabase, sql: &str) -> anyhow::Result<()> {
        let (client, connection) = tokio_postgres::connect(&database.url, NoTls).await?;
        let connection = tokio::spawn(connection);
        client.batch_execute(sql).await?;
        drop(client);
        connection.await??;
        Ok(())
    }
}

/// The URL with its database (the last path segment) replaced.
fn with_database(url: &str, database: &str) -> String {
    let (without_query, query) = url
        .split_once('?')
        .map_or((url, None), |(u, q)| (u, Some(q)));
    let base = match without_query.rsplit_once('/') {
        Some((base, _)) if base.contains("://") => base,
        _ => without_query,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_segment_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "b"),
            "postgres://postgres@127.0.0.1:5432/b"
        );
        assert_eq!(
            with_database("postgres://u@h/postgres?sslmode=disable", "b"),
            "postgres://u@h/b?sslmode=disable"
        );
    }
}
