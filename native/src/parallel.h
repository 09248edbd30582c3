// A small persistent thread pool for the kernels' own loops (pooling, elementwise, im2col, per-image
// convolution). OpenBLAS keeps its threads for its own calls; while a parallel region runs, the
// kernels call OpenBLAS single-threaded from each pool thread instead.
#pragma once
#include <algorithm>
#include <cstdint>

namespace nl {

// Threads a parallel region may use (the configured count, see set_threads).
int pool_threads();

// True on a thread that is running part of a parallel region (nested loops then run serially).
bool in_parallel_region();

// Run task(t, n) for t in [0, n) on n threads, the caller being thread 0; returns when all are done.
// When the pool is busy (a nested call, or another JS thread using the addon) the whole task runs on
// the caller, one t after another, so callers must not depend on concurrency.
void run_on_threads(int n, void (*task)(void*, int, int), void* ctx);

template <typename F>
void run_on_threads(int n, F& f) {
  run_on_threads(n, [](void* c, int t, int nt) { (*static_cast<F*>(c))(t, nt); }, &f);
}

// Split [0, total) into one contiguous range per thread and call f(begin, end) for each. Ranges are
// split only when the loop does at least `min_per_thread` items per thread: waking a thread costs
// ~10-50 us, more than a small loop takes.
template <typename F>
void parallel_for(int64_t total, int64_t min_per_thread, F f) {
  const int n = in_parallel_region() ? 1 : static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(pool_threads(), total / std::max<int64_t>(1, min_per_thread))));
  if (n <= 1) {
    if (total > 0) f(int64_t{0}, total);
    return;
  }
  auto body = [&](int t, int nt) {
    const int64_t begin = total * t / nt, end = total * (t + 1) / nt;
    // a local copy: reached through the closure's reference, f's captures could alias what the loop
    // stores to, and GCC would neither vectorise nor hoist them (a branchy Step ran 30x slower)
    F local = f;
    if (begin < end) local(begin, end);
  };
  run_on_threads(n, body);
}

}  // namespace nl
