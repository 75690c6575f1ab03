# Builds the `latchkey` binary and ships it on a slim Debian image.
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends cmake clang && rm -rf /var/lib/apt/lists/*
WORKDIR /src
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
