#!/usr/bin/env bash
# Bioconda build script: the binary, its third-party licences, completions and man pages.
set -euxo pipefail
cargo-bundle-licenses --format yaml --output THIRDPARTY.yml
cargo install --no-track --locked --root "$PREFIX" --path .
mkdir -p "$PREFIX/share/man/man1" "$PREFIX/share/bash-completion/completions" \
  "$PREFIX/share/zsh/site-functions" "$PREFIX/share/fish/vendor_completions.d"
"$PREFIX/bin/mutasig" completions bash > "$PREFIX/share/bash-completion/completions/mutasig"
"$PREFIX/bin/mutasig" completions zsh > "$PREFIX/share/zsh/site-functions/_mutasig"
"$PREFIX/bin/mutasig" completions fish > "$PREFIX/share/fish/vendor_completions.d/mutasig.fish"
"$PREFIX/bin/mutasig" man > "$PREFIX/share/man/man1/mutasig.1"
for c in count inspect reference extract merge assign compare report plot export simulate completions man; do
  "$PREFIX/bin/mutasig" man "$c" > "$PREFIX/share/man/man1/mutasig-$c.1"
done
