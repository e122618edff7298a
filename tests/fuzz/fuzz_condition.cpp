// fuzz_condition.cpp — libFuzzer target: arbitrary text -> condition::parse (never throws,
// error offsets inside the text, printing a parsed tree does not crash).
// Seeds: tests/fuzz/corpus/fuzz_condition/. Run by run_all.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "compiler/condition/cond_ast.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sigmatch::condition::CondExpr e;
  sigmatch::condition::ParseError err;
  if (sigmatch::condition::parse(text, &e, &err)) {
    (void)sigmatch::condition::print(e);
  } else if (err.offset > size) {
    __builtin_trap();  // an error must point inside (or just past) the condition
  }
  return 0;
}
