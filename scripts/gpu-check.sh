#!/usr/bin/env bash
# The GPU machine's check (issue 27), at most ~8 minutes: the webgpu adapter must be a real GPU (not
# llvmpipe/lavapipe), the webgpu equivalence tests must pass on it, and the timings of bench/webgpu.ts
# (sgemm 1024/4096/8192, the MLP and CNN steps, the HVP) and one claim at ci (A9, end to end) are printed
# beside the native CPU backend and, where PyTorch with CUDA is installed, beside PyTorch on the GPU. Needs
# the repository as `npm run setup` left it (node_modules, dist, the native addon) and the Vulkan loader
# (libvulkan1) with the GPU's Vulkan driver.
#   bash scripts/gpu-check.sh [--software]   (--software: run on lavapipe, for trying the script without a GPU)
set -uo pipefail
cd "$(dirname "$0")/.."
software=0; [ "${1:-}" = --software ] && { software=1; export NOISELAB_WEBGPU_SOFTWARE=1; }
status=0
echo "== adapter"
node --import tsx --input-type=module -e '
  const { describeAdapter, registerWebgpuBackend } = await import("./src/engine/webgpu.ts");
  const a = await registerWebgpuBackend({ software: process.argv[1] === "1" });
  console.log(describeAdapter(a));
  if (a.software && process.argv[1] !== "1") { console.error("the adapter is a software one, not the GPU"); process.exit(1); }
  process.exit(0);
' "$software" || { echo "FAILED: no GPU adapter (is the GPU's Vulkan driver installed? in an NVIDIA container NVIDIA_DRIVER_CAPABILITIES must include graphics; vulkaninfo --summary shows what the loader sees)"; exit 1; }
echo "== webgpu equivalence tests (forward, gradients, second order)"
NOISELAB_WEBGPU_TEST=1 timeout 240 npx vitest run test/webgpu.test.ts || status=1
echo "== timings"
timeout 300 node --import tsx bench/webgpu.ts --reps 10 $([ $software = 1 ] && echo --software) || status=1
scale=ci; [ $software = 1 ] && scale=smoke
echo "== one claim end to end (A9 at $scale: two optimizers trained through train()), webgpu beside native"
claims_out=$(mktemp -d)
for backend in webgpu native; do
  # its own records folder: a run at ci writes records, and the committed ones are not this machine's
  NOISELAB_BACKEND=$backend NOISELAB_RECORDS="$claims_out/records" timeout 150 node bin/noiselab.js reproduce --claim A9 --scale $scale --in-process --workers 1 --no-static-figures --out "$claims_out/$backend" >/dev/null 2>&1 || { echo "FAILED: A9 on $backend"; status=1; continue; }
  node -e 'const r = require(process.argv[1]); console.log(`| A9 ${r.scale} | ${r.backend} | ${r.durationSec.toFixed(1)} s | ${r.verdict.status} | ${r.verdict.effects.map((e) => `${e.key} ${e.estimate.toPrecision(4)}`).join("; ")} |`)' "$claims_out/$backend/A9.$scale.json"
done
rm -rf "$claims_out"
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "== PyTorch CUDA"
  python3 - <<'EOF'
import time, torch
d = torch.device('cuda')
for n in (1024, 4096, 8192):
    a, b = torch.randn(n, n, device=d), torch.randn(n, n, device=d)
    for _ in range(2): (a @ b).sum().item()
    ts = []
    for _ in range(10):
        t0 = time.perf_counter(); (a @ b).sum().item(); ts.append((time.perf_counter() - t0) * 1e3)
    ts.sort(); print(f'| sgemm {n} | torch cuda fastest (median) ms | {ts[0]:.2f} ({(ts[4] + ts[5]) / 2:.2f}) |')
EOF
else
  echo "== PyTorch CUDA: not installed here (python3 -c 'import torch; print(torch.cuda.is_available())')"
fi
exit $status
