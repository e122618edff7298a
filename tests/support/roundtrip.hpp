// roundtrip.hpp — random Sigma rules x random records, evaluated three ways (optimised VM,
// unoptimised VM, reference evaluator); any disagreement is a bug. The random stream is a
// callback so the same generator serves a seeded ctest (tests/unit/roundtrip_test.cpp) and the
// libFuzzer target (tests/fuzz/fuzz_roundtrip.cpp), whose input bytes drive the choices.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

namespace sigmatch::testing {

// next(n) returns a choice in [0, n).
using Choice = std::function<std::uint32_t(std::uint32_t)>;

struct RoundtripResult {
  bool compiled = false;  // the generated rules compiled (generator may make invalid combos)
  bool agree = true;
  std::string rules, records, detail;  // the case, for a failure message
  std::size_t matches = 0;
};

RoundtripResult roundtrip_once(const Choice& next);

}  // namespace sigmatch::testing
