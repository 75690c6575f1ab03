# Latchkey's common recipes. `just --list` shows them.

# Run the server (applies pending migrations first): on the embedded SQLite store, or on
# the database named by DATABASE_URL when it is set.
run:
    cargo run --bin latchkey -- serve

# Apply pending migrations and exit (same store selection as `run`).
migrate:
    cargo run --bin latchkey -- migrate

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

# Benchmark against the machine's limits (release build, Postgres on 127.0.0.1:5432);
# writes target/bench/report.md. BENCHMARKS.md explains the figures.
bench *ARGS:
    cargo build --release -p latchkey-server -p latchkey-bench
    target/release/latchkey-bench {{ARGS}}
