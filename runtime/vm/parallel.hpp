// parallel.hpp — parallel_for, the load's only concurrency: items [0, n) handed out by one
// atomic counter to `threads` threads, the caller being one of them. A program loaded for
// `scan -j N` compiles its regexes and builds its literal indexes this way (LoadOptions::
// threads); each item writes only its own slot, so the program is the same for any thread
// count. Tested by tests/unit/vm_test.cpp (a load with threads matches like one without) and
// the TSan build's threads_test.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
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

}  // namespace sigmatch::vm
