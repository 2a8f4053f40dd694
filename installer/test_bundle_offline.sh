#!/usr/bin/env bash
# CI: install the offline bundle into a fresh venv inside a network namespace (no network at all),
# with an empty HOME, and require `callcoach selftest` to pass there.
#
#   bash installer/test_bundle_offline.sh [BUNDLE_DIR]    # default: dist/callcoach-offline
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE=$(cd "${1:-dist/callcoach-offline}" && pwd)
work=$(mktemp -d /tmp/callcoach-bundle-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home"
netns=()
for prefix in "unshare -n" "unshare -rn"; do
  if $prefix true 2>/dev/null; then read -r -a netns <<< "$prefix"; break; fi
done
if [ "${#netns[@]}" -eq 0 ]; then
  echo "bundle test: FAILED: no network namespace available (unshare -n / -rn)" >&2
  exit 1
fi
# prove the namespace really has no network before trusting it
if "${netns[@]}" python3 -c 'import socket; socket.create_connection(("1.1.1.1", 53), timeout=3)' 2>/dev/null; then
  echo "bundle test: FAILED: the namespace reaches the network" >&2
  exit 1
fi
log="$work/install.log"
set +e
"${netns[@]}" env -i PATH="$PATH" HOME="$work/home" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
  bash "$BUNDLE/install.sh" "$work/venv" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ] || ! grep -q "^selftest: all checks passed" "$log"; then
  echo "bundle test: FAILED (exit $status)" >&2
  exit 1
fi
if [ -e "$work/home/.cache/Microsoft" ]; then
  echo "bundle test: FAILED: onnxruntime telemetry wrote ~/.cache/Microsoft" >&2
  exit 1
fi
echo "bundle test: offline install into a fresh venv with no network, selftest passed" >&2
