// roundtrip_test.cpp — seeded random rules x random records (tests/support/roundtrip.hpp):
// optimised VM == unoptimised VM == reference evaluator on every generated case.
#include <doctest/doctest.h>

#include <random>

#include "tests/support/roundtrip.hpp"

TEST_CASE("random rules agree three ways") {
  std::mt19937 rng(20261125);
  int compiled = 0, with_matches = 0;
  for (int i = 0; i < 1500; ++i) {
    auto r = sigmatch::testing::roundtrip_once([&](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); });
    if (!r.compiled) continue;
    ++compiled;
    with_matches += r.matches > 0;
    INFO(r.rules);
    INFO(r.records);
    INFO(r.detail);
    REQUIRE(r.agree);
  }
  MESSAGE(compiled << " random rule sets compiled, " << with_matches << " with matches");
  CHECK(compiled > 1000);
  CHECK(with_matches > 300);
}
