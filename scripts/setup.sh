#!/usr/bin/env bash
# Set up callcoach on a fresh Debian/Ubuntu machine: system libraries, a venv in .venv, the app.
# Safe to run again. Needs Python 3.11 (Debian 12's python3) and, for apt-get, root or sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

# libportaudio2: sounddevice's audio I/O; the rest: Qt's runtime needs (even offscreen on a
# minimal system); xvfb etc. only when a virtual screen is wanted (CALLCOACH_XVFB=1).
packages=(python3-venv python3-pip libportaudio2 libegl1 libgl1 libxkbcommon0 libfontconfig1
          libglib2.0-0 libdbus-1-3)
if [ "${CALLCOACH_XVFB:-0}" = "1" ]; then
  packages+=(xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
             libxcb-xinerama0 libxcb-randr0 libxcb-shape0 libxcb-cursor0 libxkbcommon-x11-0)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ] && command -v apt-get >/dev/null; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
"$PY" -c 'import sys; assert sys.version_info[:2] >= (3, 11), sys.version' || {
  echo "setup: callcoach needs Python 3.11 or newer" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev,ray]'  # ray: the tests of `analyze --ray`
echo "setup: done (.venv)"
