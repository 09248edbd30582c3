"""PyTorch timings of the same workloads as bench/workloads.ts, same sizes and thread count (JSON on stdout)."""
import json, statistics, sys, time
import torch
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
torch.manual_seed(1)

def timeit(f, reps=25, warmup=5):
    for _ in range(warmup):
        f()
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
print(json.dumps(out))
