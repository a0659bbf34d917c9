# syntax=docker/dockerfile:1
# mutasig in a container, for Nextflow/Snakemake `container:` directives.
#   docker build -t mutasig .
#   docker run --rm -v "$PWD":/data -w /data mutasig extract examples/breast21_wgs_sbs96.tsv -o out
# Untested on our machines (no container engine runs there): see docs/packaging.md.

# --- build: the release binary, completions and man pages ---
FROM rust:1.89-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY reference reference
COPY assets assets
COPY examples examples
COPY benches benches
RUN cargo build --release --locked --bin mutasig \
 && mkdir -p /out/bin /out/share/man/man1 /out/share/bash-completion/completions \
             /out/share/zsh/site-functions /out/share/fish/vendor_completions.d \
 && cp target/release/mutasig /out/bin/ \
 && /out/bin/mutasig completions bash > /out/share/bash-completion/completions/mutasig \
 && /out/bin/mutasig completions zsh > /out/share/zsh/site-functions/_mutasig \
 && /out/bin/mutasig completions fish > /out/share/fish/vendor_completions.d/mutasig.fish \
 && /out/bin/mutasig man > /out/share/man/man1/mutasig.1 \
 && for c in count inspect reference extract merge assign compare report plot export simulate completions man; do \
      /out/bin/mutasig man "$c" > "/out/share/man/man1/mutasig-$c.1"; done

# --- runtime: glibc and libgcc_s (what the binary links), plus bash and ps, which
# Nextflow needs inside a task's container ---
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends procps \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /usr/local/
RUN mutasig --version
ENTRYPOINT ["mutasig"]
