// fuzz_roundtrip.cpp — libFuzzer target: the input bytes drive the random rule and record
// generator of tests/support/roundtrip.hpp; the optimised VM, the unoptimised VM and the
// reference evaluator must agree on every case (abort otherwise).
#include <cstdint>
#include <cstdlib>
#include <cstdio>

#include "tests/support/roundtrip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::size_t pos = 0;
  auto next = [&](std::uint32_t n) -> std::uint32_t {
    if (pos >= size) return 0;
    return data[pos++] % n;
  };
  auto r = sigmatch::testing::roundtrip_once(next);
  if (r.compiled && !r.agree) {
    std::fprintf(stderr, "disagreement\n%s\n%s\n%s\n", r.rules.c_str(), r.records.c_str(), r.detail.c_str());
    std::abort();
  }
  return 0;
}
