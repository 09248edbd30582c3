#!/usr/bin/env bash
# Install everything noiselab needs, idempotently: Debian packages (as root), npm packages, the
# compiled library, and the Jupyter kernels (noiselab's own, and tslab). Without root it says what it skipped; claims and
# tests still run on the shipped data.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "[setup] $*"; }

# chromium: static PNGs of figures and the report site's browser test (playwright-core drives it; no browser download)
# jupyter-notebook: the kernel's browser test (Debian's classic Notebook on 127.0.0.1, driven in Chromium)
# redis-server: the queue of `reproduce --queue` (the queue tests start their own, on a free port, and stop it)
APT_PACKAGES=(jupyter-nbconvert jupyter-notebook python3-nbclient python3-nbformat dataset-fashion-mnist g++ make libopenblas-dev chromium
  python3-ipykernel python3-jupyter-kernel-test redis-server)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    log "SKIPPED Debian packages (needs root and apt-get): ${missing[*]}"
    log "  without them notebooks cannot be executed by Jupyter and the full Fashion-MNIST is absent;"
    log "  the library, the claims and their tests run on the shipped subset in data/."
  fi
else
  log "Debian packages present"
fi

if [ ! -d node_modules ]; then
  log "npm ci (exactly the lockfile)"
  npm ci --no-audit --no-fund --loglevel=error
elif [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm install (lockfile changed)"
  npm install --no-audit --no-fund --loglevel=error
else
  log "npm packages up to date"
fi

log "build (tsc)"
npm run --silent build

# The native backend (OpenBLAS addon) is optional: without a compiler or OpenBLAS, noiselab runs on wasm.
# npm's bundled node-gyp builds it against the system's Node headers, so nothing is downloaded.
build_native() {
  local gyp headers
  gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  headers="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
  [ -f "$gyp" ] || { echo "npm's node-gyp not found at $gyp"; return 1; }
  [ -f "$headers/include/node/node_api.h" ] || { echo "Node headers not found under $headers/include/node"; return 1; }
  command -v g++ >/dev/null || { echo "no C++ compiler (g++)"; return 1; }
  [ -f /usr/include/x86_64-linux-gnu/cblas.h ] || [ -f /usr/include/cblas.h ] || { echo "OpenBLAS headers missing (libopenblas-dev)"; return 1; }
  (cd native && node "$gyp" rebuild --nodedir="$headers" --loglevel=error >/tmp/noiselab-native-build.log 2>&1) \
    || { echo "node-gyp failed: see /tmp/noiselab-native-build.log"; tail -5 /tmp/noiselab-native-build.log; return 1; }
}
if why=$(build_native); then
  log "native backend built (native/build/Release/noiselab_native.node)"
else
  rm -rf native/build
  log "native backend NOT built ($why); noiselab will run on the wasm backend"
fi

# Each kernelspec starts the kernel of the checkout holding the notebook (found upwards from the kernel's
# working directory, which Jupyter and `noiselab run` set to the notebook's folder), so several checkouts
# share one kernelspec; outside any checkout it falls back to this one. The notebooks run on `noiselab`;
# `tslab` stays registered for notebooks written for it. Written directly: tslab's installer needs IPython.
if /usr/bin/python3 -c 'import jupyter_core' 2>/dev/null; then
  data_dir=$(/usr/bin/python3 -c 'from jupyter_core.paths import jupyter_data_dir; print(jupyter_data_dir())')
else
  data_dir="${HOME}/.local/share/jupyter"
fi
for k in noiselab tslab; do
  kdir="${data_dir}/kernels/$k"
  mkdir -p "$kdir"
  if [ $k = noiselab ]; then entry="$(pwd)/dist/kernel/main.js"; else entry="$(pwd)/node_modules/tslab/bin/tslab"; fi
  node scripts/write-kernelspec.mjs $k "$kdir/kernel.json" "$entry"
  log "$k kernel registered in $kdir"
done
log "done"
