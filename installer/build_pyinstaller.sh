#!/usr/bin/env bash
# Build the one-folder app with PyInstaller and run its selftest from the built folder.
#
#   bash installer/build_pyinstaller.sh          # -> dist/callcoach/callcoach (+ _internal/)
#
# Uses a build venv (build/pyinstaller-venv) with the app's dependencies and PyInstaller; reuses
# pip's cache, and the offline bundle's wheelhouse when dist/callcoach-offline exists.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
VENV=build/pyinstaller-venv
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
links=()
[ -d dist/callcoach-offline/wheels ] && links=(--find-links dist/callcoach-offline/wheels)
"$VENV/bin/python" -m pip install -q "${links[@]}" . 'pyinstaller>=6.10,<7'
# the checkout's app/ is what gets frozen (pathex in the spec); the installed copy only brings deps
"$VENV/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller installer/pyinstaller/callcoach.spec
install -m 0644 installer/linux/callcoach.desktop dist/callcoach/callcoach.desktop
echo "pyinstaller: built dist/callcoach ($(du -sh dist/callcoach | cut -f1)); selftest:" >&2
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
# from another folder, with an empty HOME and no checkout on the path: only the frozen app counts;
# in a network namespace (no network at all) where this machine allows one
netns=()
for prefix in "unshare -n" "unshare -rn"; do
  if $prefix true 2>/dev/null; then read -r -a netns <<< "$prefix"; break; fi
done
[ "${#netns[@]}" -gt 0 ] || echo "pyinstaller: no network namespace here; selftest with the network up" >&2
app=$PWD/dist/callcoach/callcoach
(cd "$home" && "${netns[@]}" env -i PATH=/usr/bin:/bin HOME="$home" LANG=C.UTF-8 \
  QT_QPA_PLATFORM=offscreen "$app" selftest)
if [ -e "$home/.cache/Microsoft" ]; then
  echo "pyinstaller: FAILED: onnxruntime telemetry wrote ~/.cache/Microsoft" >&2
  exit 1
fi
