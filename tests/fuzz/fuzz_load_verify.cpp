// fuzz_load_verify.cpp — libFuzzer target: arbitrary bytes -> Program::load. Any input must be
// rejected with a located Status or load into a program that runs safely on sample records.
// Each input is loaded as it is, then with its checksum recomputed: a mutation almost never
// keeps the whole-image checksum right, and without the second load the section parsers behind
// it (prefilter clauses included) would hardly be reached.
// Seeds: tests/fuzz/corpus/fuzz_load_verify/ (the shipped rules compiled: format minor 1, with
// prefilter clauses). Run by run_all.sh.
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/bytecode/format.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace {

void load_one(std::string_view bytes) {
  std::shared_ptr<const sigmatch::Program> prog;
  sigmatch::Status s = sigmatch::Program::load(bytes, &prog);
  if (!s.ok()) {
    // The contract: every rejection names where (byte offset or instruction).
    if (s.offset() < 0 && s.pc() < 0) __builtin_trap();
    return;
  }
  sigmatch::fuzz::run_on_samples(prog);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  load_one(in);
  if (size >= sigmatch::bytecode::kHeaderSize + 4) {
    std::string fixed(in);
    const std::uint32_t sum =
        sigmatch::bytecode::fnv1a32(reinterpret_cast<const unsigned char*>(fixed.data()), fixed.size() - 4);
    for (int i = 0; i < 4; ++i) fixed[fixed.size() - 4 + i] = static_cast<char>((sum >> (8 * i)) & 0xff);
    if (fixed != in) load_one(fixed);
  }
  return 0;
}
