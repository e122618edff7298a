// fuzz_load_verify.cpp — libFuzzer target: arbitrary bytes -> Program::load. Any input must be
// rejected with a located Status or load into a program that runs safely on sample records.
// Seeds: tests/fuzz/corpus/fuzz_load_verify/ (compiled shipped rules). Run by run_all.sh.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::shared_ptr<const sigmatch::Program> prog;
  sigmatch::Status s =
      sigmatch::Program::load(std::string_view(reinterpret_cast<const char*>(data), size), &prog);
  if (!s.ok()) {
    // The contract: every rejection names where (byte offset or instruction).
    if (s.offset() < 0 && s.pc() < 0) __builtin_trap();
    return 0;
  }
  sigmatch::fuzz::run_on_samples(prog);
  return 0;
}
