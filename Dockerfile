# Stages: `toolchain` (Rust plus the C tools aws-lc needs), `dev` (adds what the tests and
# benchmarks need; docker-compose's `test` and `bench` services use it), `build` (the
# release binary) and the final runtime image with the binary alone.
FROM rust:1.95-bookworm AS toolchain
RUN apt-get update && apt-get install -y --no-install-recommends cmake clang \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src

FROM toolchain AS dev
# The PostgreSQL server binaries let the resilience tests start a private database and the
# benchmarks run pgbench; python3-venv holds the benchmarks' argon2-cffi reference.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-15 python3-venv \
    && rm -rf /var/lib/apt/lists/*
RUN cargo install cargo-nextest --locked
ENV PATH="/usr/lib/postgresql/15/bin:${PATH}"
COPY . .

FROM toolchain AS build
COPY . .
RUN cargo build --release --locked --bin latchkey

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 latchkey
COPY --from=build /src/target/release/latchkey /usr/local/bin/latchkey
USER latchkey
ENV LATCHKEY__SERVER__HOST=0.0.0.0 LATCHKEY__SERVER__PORT=8080
EXPOSE 8080
ENTRYPOINT ["latchkey"]
CMD ["serve"]
