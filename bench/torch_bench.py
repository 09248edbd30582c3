"""PyTorch timings of the same workloads as bench/workloads.ts, same sizes and thread count (JSON on stdout)."""
import json, statistics, sys, time
import torch
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
torch.manual_seed(1)

# warm-up as bench/workloads.ts's: at least WARMUP_RUNS runs or WARMUP_S of them, whichever comes first
# (never fewer than a workload's own minimum)
WARMUP_RUNS, WARMUP_S = 100, 3.0

def timeit(f, reps=25, warmup=5):
    started, i = time.perf_counter(), 0
    while i < warmup or (warmup > 0 and i < WARMUP_RUNS and time.perf_counter() - started < WARMUP_S):
        f()
        i += 1
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); ts.append((time.perf_counter() - t0) * 1000)
    return {'min': min(ts), 'median': statistics.median(ts)}

out = {}
a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
out['sgemm 1024'] = timeit(lambda: a @ b, 15, 3)

def mlp():
    return torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))

def cnn():
    return torch.nn.Sequential(torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                               torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                               torch.nn.Flatten(), torch.nn.Linear(7 * 7 * 64, 10))

def step(model, x, y, lr=0.01):
    loss = F.cross_entropy(model(x), y)
    grads = torch.autograd.grad(loss, list(model.parameters()))
    with torch.no_grad():
        for p, g in zip(model.parameters(), grads):
            p.sub_(lr * g)

m, x, y = mlp(), torch.randn(128, 784), torch.randint(0, 10, (128,))
out['MLP step 784-256-256-10, batch 128'] = timeit(lambda: step(m, x, y))
c, xc, yc = cnn(), torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
out['CNN step conv32-pool-conv64-pool-dense, batch 64'] = timeit(lambda: step(c, xc, yc))

params = list(m.parameters())
v = [torch.randn_like(p) for p in params]
def hvp():
    loss = F.cross_entropy(m(x), y)
    g = torch.autograd.grad(loss, params, create_graph=True)
    return torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(g, v)), params)
out['HVP of the MLP loss, batch 128'] = timeit(hvp)

def top_eigenvalue(iters=20):
    v = [torch.randn_like(p) for p in params]
    for _ in range(iters):
        norm = torch.sqrt(sum((vi * vi).sum() for vi in v))
        v = [vi / norm for vi in v]
        loss = F.cross_entropy(m(x), y)
        g = torch.autograd.grad(loss, params, create_graph=True)
        hv = torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(g, v)), params)
        lam = sum((h * vi).sum() for h, vi in zip(hv, v)).item()
        v = [h.detach() for h in hv]
    return lam
out['top Hessian eigenvalue of the MLP, 20 power iterations'] = timeit(top_eigenvalue, reps=5, warmup=1)

x1 = torch.randn(1, 1, 28, 28)
def smoothgrad():
    noisy = (x1.repeat(50, 1, 1, 1) + 0.15 * torch.randn(50, 1, 28, 28)).requires_grad_(True)
    score = c(noisy)[:, 3].sum()
    return torch.autograd.grad(score, noisy)[0].mean(0)
out['SmoothGrad n=50 on the CNN, 1 image'] = timeit(smoothgrad)

# issue 28: the shapes the claims train
LOOP_STEPS = 50
def a1_mlp():
    layers, width = [], 784
    for _ in range(20):
        layers += [torch.nn.Linear(width, 50), torch.nn.ReLU()]
        width = 50
    return torch.nn.Sequential(*layers, torch.nn.Linear(width, 10))

a1, xa, ya = a1_mlp(), torch.randn(128, 784), torch.randint(0, 10, (128,))
out['A1 MLP step 784-50x20-10, batch 128'] = timeit(lambda: step(a1, xa, ya))
small = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
xs, ys = torch.randn(64, 2), torch.randint(0, 2, (64,))
out['MLP step 2-64-64-2, batch 64'] = timeit(lambda: step(small, xs, ys))

points = torch.randn(1000, 2)
sigmas = torch.tensor([0.1, 0.3, 1.0])
def score_net_steps():
    # as src/techniques/score/dsm.ts: a fresh 3-128-128-2 net, Adam, denoising score matching at random levels
    net = torch.nn.Sequential(torch.nn.Linear(3, 128), torch.nn.ReLU(), torch.nn.Linear(128, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(LOOP_STEPS):
        idx = torch.randint(0, 1000, (128,))
        sigma = sigmas[torch.randint(0, 3, (128,))].unsqueeze(1)
        z = torch.randn(128, 2)
        noisy = points[idx] + sigma * z
        loss = 0.5 * ((net(torch.cat([noisy, sigma.log()], 1)) + z) ** 2).sum(1).mean()
        opt.zero_grad(); loss.backward(); opt.step()
out[f'score network 3-128-128-2, {LOOP_STEPS} DSM steps (Adam) on 2-D data, batch 128'] = timeit(score_net_steps, reps=9, warmup=2)

images, image_labels = torch.randn(5000, 784), torch.randint(0, 10, (5000,))
a1_loop = a1_mlp()
a1_initial = {k: v.clone() for k, v in a1_loop.state_dict().items()}
noise_step = [0]
def train_with_noise():
    # as train() with chain(addNoise(0.01), sgd(0.01)): shuffled batches, annealed Gaussian gradient noise, SGD;
    # every repetition from the same weights and the noise schedule's start, as bench/workloads.ts does
    a1_loop.load_state_dict(a1_initial)
    noise_step[0] = 0
    perm = torch.randperm(5000)
    for i in range(LOOP_STEPS):
        idx = perm[(i * 128) % 4992:(i * 128) % 4992 + 128]
        loss = F.cross_entropy(a1_loop(images[idx]), image_labels[idx])
        grads = torch.autograd.grad(loss, list(a1_loop.parameters()))
        std = (0.01 / (1 + noise_step[0]) ** 0.55) ** 0.5
        noise_step[0] += 1
        with torch.no_grad():
            for p, g in zip(a1_loop.parameters(), grads):
                p.sub_(0.01 * (g + std * torch.randn_like(g)))
out[f'train() with gradient noise, A1 MLP, {LOOP_STEPS} steps, batch 128'] = timeit(train_with_noise, reps=9, warmup=2)
# per-kernel dispatch cost, as bench/workloads.ts DISPATCH_OPS: 1000 calls, so ms = microseconds a call
DISPATCH_CALLS = 1000
for op, shapes in [("add", [[64], [64]]), ("relu", [[128, 64], [128, 64]]), ("matMul", [[128, 64], [64, 64]])]:
    a, b = (torch.randn(*s) for s in shapes)
    def dispatch(op=op, a=a, b=b):
        with torch.no_grad():
            z = a
            for _ in range(DISPATCH_CALLS):
                z = torch.add(z, b) if op == "add" else torch.relu(z) if op == "relu" else torch.matmul(a, b)
            return float(z.reshape(-1)[0])
    name = f"dispatch: {DISPATCH_CALLS} x {op} of {', '.join('[' + ','.join(map(str, s)) + ']' for s in shapes)} (ms = us a call)"
    out[name] = timeit(dispatch)
print(json.dumps(out))
