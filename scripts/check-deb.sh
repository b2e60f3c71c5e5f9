#!/usr/bin/env bash
# Builds the .deb and checks what a user gets from it: the app and the `sift` command in
# /usr/bin, the model files beside them, and a `sift` that runs from the package's own
# layout (it finds the model under /usr/lib/Sift/models, as it will once installed).
#
#   scripts/check-deb.sh           release build (what `make bundle` ships; slow: a full
#                                  release build of the app and the CLI)
#   scripts/check-deb.sh --debug   the same package from debug builds (quick; the layout and
#                                  the checks are the same, the binaries just bigger)
#
# Too slow for every CI run (the release build alone takes most of an hour on 2 cores), so
# it is run by hand before a release; see the README.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

profile=release
tauri_flags=()
if [ "${1:-}" = "--debug" ]; then
  profile=debug
  tauri_flags=(--debug)
fi
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"

say() { printf '\033[1mcheck-deb:\033[0m %s\n' "$*" >&2; }
fail() { printf 'check-deb: FAILED: %s\n' "$*" >&2; exit 1; }

say "building the sift CLI ($profile) and the app's .deb"
npm run --silent build
if [ "$profile" = release ]; then cargo build --release --bin sift; else cargo build --bin sift; fi
# tauri.bundle.conf.json takes the CLI from here (a path fixed in the config).
mkdir -p target/bundle-cli
cp "$target_dir/$profile/sift" target/bundle-cli/sift
(cd src-tauri && npx tauri build "${tauri_flags[@]}" --bundles deb --config tauri.bundle.conf.json)

deb=$(ls -t "$target_dir/$profile/bundle/deb/"*.deb | head -n 1)
say "checking $deb"
listing=$(dpkg-deb -c "$deb")
for path in usr/bin/sift usr/bin/sift-app usr/lib/Sift/models/model.onnx \
            usr/lib/Sift/models/tokenizer.json usr/lib/Sift/models/libonnxruntime.so.1.32.0 \
            usr/share/applications/Sift.desktop; do
  grep -Eq " (\./)?$path\$" <<<"$listing" || fail "/$path is not in the package"
done
control=$(dpkg-deb -I "$deb")
grep -q '^ Depends: .*libwebkit2gtk-4.1-0' <<<"$control" || fail "the package does not depend on WebKitGTK"

unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
dpkg-deb -x "$deb" "$unpacked"
sift="$unpacked/usr/bin/sift"
# No overrides: the CLI must find the package's own model, as an installed one would.
version=$(env -u SIFT_MODEL_DIR -u ORT_DYLIB_PATH "$sift" --version) || fail "sift --version did not run"
demo=$(env -u SIFT_MODEL_DIR -u ORT_DYLIB_PATH "$sift" --data-dir "$unpacked/data" demo --json) ||
  fail "sift demo did not run with the packaged model"
grep -q '"recommendations"' <<<"$demo" || fail "sift demo printed no recommendations: $demo"

say "ok: $(basename "$deb") ($(du -h "$deb" | cut -f1)) carries /usr/bin/sift ($version) and /usr/bin/sift-app; the packaged sift runs the demo with the packaged model"
