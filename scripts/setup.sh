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
    apt-get update -qq && apt_updated=1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    log "SKIPPED Debian packages (needs root and apt-get): ${missing[*]}"
    log "  without them notebooks cannot be executed by Jupyter and the full Fashion-MNIST is absent;"
    log "  the library, the claims and their tests run on the shipped subset in data/."
  fi
else
  log "Debian packages present"
fi

# WebGPU on a CPU (the webgpu backend's tests; issue 27): Dawn (npm `webgpu`) needs a Vulkan driver. Mesa's
# lavapipe >= 25 is in bookworm-backports (bookworm's own 22.3.6 is rejected by Dawn); it is unpacked into
# .vulkan/ with a private apt state, not installed over the system's Mesa. Its libraries come from Debian main.
VULKAN_PACKAGES=(libvulkan1 libllvm15 libdrm2 libxcb-dri3-0 libxcb-present0 libxcb-randr0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0
  libxshmfence1 libwayland-client0 libx11-xcb1 libexpat1 libzstd1 patchelf)
vmissing=()
for p in "${VULKAN_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || vmissing+=("$p"); done
if [ ${#vmissing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "apt-get install --no-install-recommends ${vmissing[*]}"
    [ -n "${apt_updated:-}" ] || apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${vmissing[@]}" >/dev/null
  else
    log "SKIPPED Vulkan packages (needs root and apt-get): ${vmissing[*]}; the webgpu tests skip outside CI"
  fi
fi
setup_lavapipe() {
  local dir="$PWD/.vulkan" apt="$PWD/.vulkan/apt" codename suite arch lib
  [ -f "$dir/lvp_icd.json" ] && [ -f "$dir/lib/libvulkan_lvp.so" ] && { echo "present"; return 0; }
  command -v apt-get >/dev/null && command -v patchelf >/dev/null || { echo "needs apt-get and patchelf"; return 1; }
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  suite="$codename"; [ "$codename" = bookworm ] && suite=bookworm-backports
  arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
  rm -rf "$dir" && mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$dir/root" "$dir/lib" || return 1
  echo "deb http://deb.debian.org/debian $suite main" > "$apt/sources.list"
  local opts=(-o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists="$apt/lists"
    -o Dir::Cache="$apt/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)")
  apt-get "${opts[@]}" update -qq >"$apt/log" 2>&1 || { echo "apt-get update ($suite) failed: see $apt/log"; return 1; }
  (cd "$apt/cache/archives" && apt-get "${opts[@]}" download mesa-vulkan-drivers libdrm2 >>"$apt/log" 2>&1) || { echo "apt-get download failed: see $apt/log"; return 1; }
  for deb in "$apt"/cache/archives/*.deb; do dpkg-deb -x "$deb" "$dir/root" || { echo "cannot unpack $deb"; return 1; }; done
  lib="$dir/root/usr/lib/$arch"
  cp -P "$lib/libvulkan_lvp.so" "$lib"/libdrm.so.2* "$dir/lib/" || { echo "lavapipe not in the packages ($lib)"; return 1; }
  # the driver finds the newer libdrm beside it, not the system's
  patchelf --set-rpath '$ORIGIN' "$dir/lib/libvulkan_lvp.so" || { echo "patchelf failed"; return 1; }
  if ldd "$dir/lib/libvulkan_lvp.so" | grep -q 'not found'; then echo "libraries missing: $(ldd "$dir/lib/libvulkan_lvp.so" | grep 'not found' | tr -s ' \t\n' ' ')"; return 1; fi
  # the manifest last (its presence means a usable driver), with the package's own API version
  local api
  api=$(grep -o '"api_version": *"[0-9.]*"' "$dir/root/usr/share/vulkan/icd.d/lvp_icd.json" | grep -o '[0-9][0-9.]*')
  printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "./lib/libvulkan_lvp.so", "api_version": "%s"}}\n' "${api:-1.3.0}" > "$dir/lvp_icd.json"
  rm -rf "$dir/root" "$apt/cache"
  grep -a -o -m1 'Mesa [0-9][0-9.]*' "$dir/lib/libvulkan_lvp.so" | head -1
}
if why=$(setup_lavapipe); then
  log "lavapipe (software Vulkan for the webgpu tests): $why in .vulkan/"
else
  log "lavapipe NOT set up ($why); the webgpu tests skip outside CI"
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

# V8 startup snapshots of warmed type checkers, kept in .kernel-snapshot/ under a key of what each holds: the
# resident checker's (TypeScript, the standard library and Node's types parsed: the first kernel's first result in
# ~0.7 s instead of ~1), and the kernel's own checker process's (noiselab's declarations too; with the resident off).
# Without a current one the resident starts without it, and the kernel's checker warms up on a worker thread.
if out=$(node dist/kernel/snapshot.js 2>&1); then log "$out"; else log "$out (the checkers start without it)"; fi

# The kernel's launcher (src/kernel/launcher.c): it binds the sockets and answers kernel_info within ms while
# Node starts (50-100 ms), then becomes Node. Without a C compiler the kernelspec starts Node directly.
build_launcher() {
  command -v cc >/dev/null || { echo "no C compiler (cc)"; return 1; }
  cc -O2 -Wall -o dist/kernel/launcher.tmp src/kernel/launcher.c >/tmp/noiselab-launcher-build.log 2>&1 \
    || { echo "cc failed: see /tmp/noiselab-launcher-build.log"; return 1; }
  mv dist/kernel/launcher.tmp dist/kernel/launcher
  # its kernel_info answer, dist/kernel/kernel-info.v1.json: what the kernel would answer (a kernel rewrites it
  # when that changes); the file also tells the launcher that this kernel takes the sockets over
  node -e 'require("./dist/kernel/front.cjs").refreshKernelInfo(require("path").resolve("dist/kernel"))'
}
if why=$(build_launcher); then
  log "kernel launcher built (dist/kernel/launcher)"
else
  rm -f dist/kernel/launcher dist/kernel/launcher.tmp
  log "kernel launcher NOT built ($why); the kernel starts on Node alone (kernel_info in ~100 ms, not ~5)"
fi

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
