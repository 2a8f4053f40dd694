#!/usr/bin/env bash
# Build callcoach's offline bundle: every wheel it needs (the app's own wheel carries the models),
# an exact lock of their versions, their sha256s and an install script. Needs the package index
# (this machine's pip configuration) once; pip's cache makes later builds fast.
#
#   bash installer/build_bundle.sh [OUT_DIR]     # default: dist/callcoach-offline
#
# Wheels are specific to the Python version and platform that build them: build on the same
# OS/architecture and Python minor version (3.11 here) as the target machines.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-dist/callcoach-offline}
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3.11; fi
fi
version=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')

rm -rf "$OUT"
mkdir -p "$OUT/wheels"
echo "bundle: building callcoach $version and fetching every dependency as a wheel" >&2
# the app's wheel (with models, via setup.py) and a wheel of every dependency, resolved together
"$PY" -m pip wheel -q --wheel-dir "$OUT/wheels" .
# the exact versions resolved: the install installs these and nothing else
(cd "$OUT/wheels" && ls -1 -- *.whl) | sed -E 's/^([^-]+)-([^-]+)-.*\.whl$/\1==\2/' > "$OUT/requirements.lock"
(cd "$OUT/wheels" && sha256sum ./*.whl | sed 's#  \./#  #') > "$OUT/SHA256SUMS"
cp installer/install.sh "$OUT/install.sh"
cp installer/BUNDLE_README.md "$OUT/README.md"
chmod +x "$OUT/install.sh"
count=$(wc -l < "$OUT/requirements.lock")
size=$(du -sh "$OUT" | cut -f1)
echo "bundle: $OUT ($count wheels, $size); install with: bash $OUT/install.sh [TARGET_DIR]" >&2
