// parallel.hpp — the load's only concurrency: parallel_for hands items [0, n) out by one atomic
// counter to the caller and a pool's helpers. A program loaded for `scan -j N` compiles its
// regexes and builds its literal indexes this way (LoadOptions::threads); each item writes only
// its own slot, so the program is the same for any thread count. SpinPool's helpers spin
// between parallel phases instead of sleeping: on the 2-vCPU guest measured here a sleeping
// thread started 0.02 to 4.1 ms after it was asked to (a new one 0.8-4.1 ms in 8 tries, one
// woken through a condition variable 0.02-3.4 ms in 6), which each phase of a ~35 ms load paid
// again. Tested by tests/unit/vm_test.cpp (a load with threads matches like one without), the
// verifier_test thread cases, and the TSan build's threads_test (SpinPool's own case too).
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace sigmatch::vm {

// The first exception an item throws is rethrown to the caller once every thread has stopped
// (the others take no new items), as a serial loop would throw it; a thread the system cannot
// start leaves its share to the threads that did start.
template <class Fn>
void parallel_for(std::size_t n, unsigned threads, Fn&& fn) {
  const std::size_t t = std::min<std::size_t>(threads, n);
  if (t <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    try {
      for (std::size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) fn(i);
    } catch (...) {
      const std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      next.store(n, std::memory_order_relaxed);
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(t - 1);
  for (std::size_t k = 1; k < t; ++k) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error&) {
      break;
    }
  }
  work();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

// Helper threads that spin between parallel phases instead of sleeping. A load with threads
// makes one (started first, so their wake-up overlaps its serial start), unless the thread
// loading has one in scope already (Scope): `sigmatch scan -j N` starts one before loading and
// runs the load's phases and then its own (scanning the pieces, formatting them) on the same
// helpers. A helper that finds no work for kSpinMs sleeps on a condition variable until the
// next phase (or the pool's end). One phase at a time, from the thread that owns the pool.
class SpinPool {
 public:
  static constexpr int kSpinMs = 20;
  // helpers: threads besides the caller's; a thread the system cannot start is left out.
  explicit SpinPool(unsigned helpers) {
    threads_.reserve(helpers);
    for (unsigned k = 0; k < helpers; ++k) {
      try {
        threads_.emplace_back([this, k] { helper(k + 1); });
      } catch (const std::system_error&) {
        break;
      }
    }
  }
  ~SpinPool() {
    stop_.store(true, std::memory_order_seq_cst);
    { const std::lock_guard<std::mutex> lock(sleep_mutex_); }
    wake_.notify_all();
    for (auto& th : threads_) th.join();
  }
  SpinPool(const SpinPool&) = delete;
  SpinPool& operator=(const SpinPool&) = delete;
  unsigned helpers() const { return static_cast<unsigned>(threads_.size()); }
  unsigned workers() const { return helpers() + 1; }
  // Phases handed to the helpers so far (each run() of more than one item that has helpers).
  std::uint64_t phases() const { return epoch_.load(std::memory_order_relaxed); }

  // fn(i, w) for every i in [0, n), w being the worker that runs it (0 the caller, 1.. the
  // helpers, each running its items one after another); the first exception an item throws is
  // rethrown here once every worker is done (the others take no new items).
  template <class Fn>
  void run(std::size_t n, Fn&& fn) {
    if (threads_.empty() || n <= 1) {
      for (std::size_t i = 0; i < n; ++i) fn(i, 0u);
      return;
    }
    n_ = n;
    next_.store(0, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    error_ = nullptr;
    job_ = [&fn](std::size_t i, unsigned w) { fn(i, w); };
    epoch_.fetch_add(1, std::memory_order_seq_cst);  // the helpers see job_ and n_ after this
    { const std::lock_guard<std::mutex> lock(sleep_mutex_); }  // a helper going to sleep saw it
    wake_.notify_all();
    work(0);
    while (done_.load(std::memory_order_acquire) != threads_.size()) pause();
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

  // The pool a load run on this thread uses instead of starting its own (see above).
  class Scope {
   public:
    explicit Scope(SpinPool* pool) : saved_(current_) { current_ = pool; }
    ~Scope() { current_ = saved_; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    SpinPool* saved_;
  };
  static SpinPool* current() { return current_; }

 private:
  static void pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
  }
  void work(unsigned w) {
    try {
      for (std::size_t i; (i = next_.fetch_add(1, std::memory_order_relaxed)) < n_;) job_(i, w);
    } catch (...) {
      const std::lock_guard<std::mutex> lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
      next_.store(n_, std::memory_order_relaxed);
    }
  }
  void helper(unsigned w) {
    std::uint64_t seen = 0;
    for (;;) {
      std::uint64_t e = epoch_.load(std::memory_order_acquire);
      const auto spin_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(kSpinMs);
      for (unsigned k = 0; e == seen; e = epoch_.load(std::memory_order_acquire)) {
        if (stop_.load(std::memory_order_acquire)) return;
        pause();
        if (++k % 1024 == 0 && std::chrono::steady_clock::now() > spin_until) {
          std::unique_lock<std::mutex> lock(sleep_mutex_);
          wake_.wait(lock, [&] {
            return epoch_.load(std::memory_order_seq_cst) != seen || stop_.load(std::memory_order_seq_cst);
          });
        }
      }
      seen = e;
      work(w);
      done_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  std::vector<std::thread> threads_;
  std::atomic<std::uint64_t> epoch_{0};
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> next_{0}, done_{0};
  std::size_t n_ = 0;
  std::function<void(std::size_t, unsigned)> job_;
  std::exception_ptr error_;
  std::mutex error_mutex_, sleep_mutex_;
  std::condition_variable wake_;
  static inline thread_local SpinPool* current_ = nullptr;
};

// parallel_for on a pool when there is one (the load's), else on `threads` new threads.
template <class Fn>
void parallel_for(SpinPool* pool, std::size_t n, unsigned threads, Fn&& fn) {
  if (pool) pool->run(n, [&fn](std::size_t i, unsigned) { fn(i); });
  else parallel_for(n, threads, fn);
}

}  // namespace sigmatch::vm
