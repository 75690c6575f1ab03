# Latchkey's common recipes. `just --list` shows them.

database_url := env_var_or_default("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")

# Run the server (applies pending migrations first).
run:
    DATABASE_URL={{database_url}} cargo run --bin latchkey -- serve

# Apply pending migrations and exit.
migrate:
    DATABASE_URL={{database_url}} cargo run --bin latchkey -- migrate

# Run every test (needs Postgres at TEST_DATABASE_URL, default the local one).
test:
    cargo nextest run --workspace

# Format the code.
fmt:
    cargo fmt --all

# Lint as CI does.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Everything CI runs.
ci:
    .ci/run
