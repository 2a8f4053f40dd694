#!/usr/bin/env bash
# Install callcoach from this offline bundle, with no network: only the wheels beside this script
# are used (no index, no pip configuration of this machine), then `callcoach selftest` runs.
#
#   bash install.sh [TARGET_DIR]     # default: ~/.local/opt/callcoach; then TARGET_DIR/bin/callcoach
#
# Needs Python 3.11 with venv (Debian: python3 python3-venv) and these system libraries (Debian
# names; install them from your own package mirror): libportaudio2 (audio capture), and for the
# overlay libegl1 libgl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3 (plus, on X11,
# libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TARGET=${1:-$HOME/.local/opt/callcoach}
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3

if command -v dpkg-query >/dev/null; then
  missing=()
  for p in libportaudio2 libegl1 libgl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "install: these system packages are missing: ${missing[*]} (selftest will say what fails)" >&2
  fi
fi

(cd "$HERE/wheels" && sha256sum --quiet -c ../SHA256SUMS) || {
  echo "install: a wheel in $HERE/wheels does not match SHA256SUMS; the bundle is damaged" >&2
  exit 1
}
"$PY" -m venv "$TARGET"
# PIP_CONFIG_FILE=/dev/null: ignore every pip configuration file; --no-index: nothing but the bundle
PIP_CONFIG_FILE=/dev/null "$TARGET/bin/python" -m pip install -q --no-index --disable-pip-version-check \
  --find-links "$HERE/wheels" -r "$HERE/requirements.lock"
echo "install: callcoach installed in $TARGET (run $TARGET/bin/callcoach)" >&2
"$TARGET/bin/callcoach" selftest
