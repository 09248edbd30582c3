#!/usr/bin/env bash
# Install everything noiselab needs, idempotently: Debian packages (as root), npm packages, the
# compiled library, and the tslab Jupyter kernel. Without root it says what it skipped; claims and
# tests still run on the shipped data.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "[setup] $*"; }

APT_PACKAGES=(jupyter-nbconvert python3-nbclient python3-nbformat dataset-fashion-mnist)
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

if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  log "npm packages up to date"
else
  log "npm install"
  npm install --no-audit --no-fund --loglevel=error
fi

log "build (tsc)"
npm run --silent build

# The kernelspec points at this checkout's tslab by absolute path, so the kernel starts without
# node_modules/.bin on PATH. Written directly: tslab's own installer needs IPython.
if /usr/bin/python3 -c 'import jupyter_core' 2>/dev/null; then
  data_dir=$(/usr/bin/python3 -c 'from jupyter_core.paths import jupyter_data_dir; print(jupyter_data_dir())')
else
  data_dir="${HOME}/.local/share/jupyter"
fi
kdir="${data_dir}/kernels/tslab"
mkdir -p "$kdir"
tslab_bin="$(pwd)/node_modules/.bin/tslab"
cat > "$kdir/kernel.json.tmp" <<JSON
{
  "argv": ["${tslab_bin}", "kernel", "--config-path", "{connection_file}"],
  "display_name": "TypeScript (noiselab)",
  "language": "typescript"
}
JSON
mv "$kdir/kernel.json.tmp" "$kdir/kernel.json"
log "tslab kernel registered in $kdir"
log "done"
