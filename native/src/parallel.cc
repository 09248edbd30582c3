#include "parallel.h"
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#include "kernels.h"

namespace nl {
namespace {

thread_local bool inside_region = false;

// Marks the current thread as inside a region for the lifetime of the guard.
struct RegionGuard {
  bool saved = inside_region;
  RegionGuard() { inside_region = true; }
  ~RegionGuard() { inside_region = saved; }
};

// Spin for up to kSpin before sleeping: kernels of a training step follow each other within tens to
// hundreds of microseconds, and waking a sleeping thread costs as much again (more on a VM, where the
// idle vCPU has to be woken too). After that the thread sleeps and leaves the core to others.
// No PAUSE in the loop: under KVM, pause-loop exiting takes a vCPU that spins on PAUSE as idle and
// deschedules it, and a region then waited ~2 ms for its worker (measured: 2.9 ms vs 0.65 ms).
constexpr auto kSpin = std::chrono::microseconds(1000);

template <typename Ready>
void spin_then_wait(std::mutex& m, std::condition_variable& cv, Ready ready) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0; !ready(); i++) {
    if ((i & 63) == 63 && std::chrono::steady_clock::now() > until) {
      std::unique_lock<std::mutex> lock(m);
      cv.wait(lock, ready);
      return;
    }
  }
}

// Every worker takes part in every region (those with an index beyond the region's thread count do
// nothing), so no worker can still be reading one region's task when the next is published.
// Never destroyed: detached threads outlive static destructors at exit.
class Pool {
 public:
  void run(int n, void (*task)(void*, int, int), void* ctx) {
    RegionGuard guard;
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) {  // another JS thread's region: run this one here, in turn
      for (int t = 0; t < n; t++) task(ctx, t, n);
      return;
    }
    grow(n - 1);
    task_ = task;
    ctx_ = ctx;
    n_ = n;
    pending_.store(static_cast<int>(workers_.load()), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    { std::lock_guard<std::mutex> lock(m_); }  // a worker between its check and its wait sees the new generation
    wake_.notify_all();
    task(ctx, 0, n);
    spin_then_wait(m_, done_, [&] { return pending_.load(std::memory_order_acquire) == 0; });
  }

 private:
  void grow(int workers) {
    while (static_cast<int>(workers_.load()) < workers) {
      const int index = static_cast<int>(workers_.load()) + 1;
      const uint64_t seen = generation_.load();
      std::thread([this, index, seen] { loop(index, seen); }).detach();
      workers_.fetch_add(1);
    }
  }

  void loop(int index, uint64_t seen) {
    inside_region = true;  // a worker only ever runs parts of regions
    for (;;) {
      spin_then_wait(m_, wake_, [&] { return generation_.load(std::memory_order_acquire) != seen; });
      seen = generation_.load(std::memory_order_acquire);
      if (index < n_) task_(ctx_, index, n_);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        { std::lock_guard<std::mutex> lock(m_); }
        done_.notify_one();
      }
    }
  }

  std::mutex busy_;
  std::mutex m_;
  std::condition_variable wake_, done_;
  std::atomic<unsigned> workers_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  void (*task_)(void*, int, int) = nullptr;
  void* ctx_ = nullptr;
  int n_ = 0;
};

Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

}  // namespace

int pool_threads() { return std::max(1, get_threads()); }

bool in_parallel_region() { return inside_region; }

void run_on_threads(int n, void (*task)(void*, int, int), void* ctx) {
  if (n <= 1 || inside_region) {
    for (int t = 0; t < std::max(n, 1); t++) task(ctx, t, std::max(n, 1));
    return;
  }
  pool().run(n, task, ctx);
}

}  // namespace nl
