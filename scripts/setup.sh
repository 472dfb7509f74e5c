#!/usr/bin/env bash
# Installs everything edgemoe needs on a fresh Debian machine. Safe to run again: it skips what is there.
#   - Debian packages: verilator, yosys, iverilog (RTL co-simulation and synthesis), g++ (HLS C-simulation)
#   - the open Xilinx ap_fixed / hls_stream headers from the PyPI wheel hls4ml==1.3.0, unpacked into
#     .deps/ap_types (ignored by git; never committed)
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup: need root (or sudo) to run: $*" >&2; exit 1; fi
}

missing=()
for pkg in verilator yosys iverilog g++; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

headers=.deps/ap_types
if [ ! -f "$headers/ap_fixed.h" ]; then
  echo "setup: fetching the ap_types headers (hls4ml==1.3.0)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --dest "$tmp" hls4ml==1.3.0
  rm -rf "$headers.partial"
  python3 - "$tmp" "$headers.partial" <<'PY'
import glob, os, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "hls4ml-1.3.0-*.whl"))[0]
prefix = "hls4ml/templates/vivado/ap_types/"
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            out = os.path.join(sys.argv[2], name[len(prefix):])
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, "wb") as f:
                f.write(z.read(name))
PY
  mv "$headers.partial" "$headers"
fi

echo "setup: verilator $(verilator --version | awk '{print $2}'), $(yosys -V | awk '{print $1, $2}'), iverilog $(iverilog -V 2>/dev/null | head -1 | awk '{print $4}'), $(g++ --version | head -1), ap_types in $headers"
