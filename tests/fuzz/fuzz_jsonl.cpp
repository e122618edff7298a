// fuzz_jsonl.cpp — libFuzzer target: arbitrary bytes -> input::open_buffer, read both as JSON
// Lines (Format::kJsonl) and as JSON documents (Format::kJson: records cut out of arrays and
// multi-line objects), draining every record (good or reported) with a fixed field list and all
// values collected. Seeds: tests/fuzz/corpus/fuzz_jsonl/. Run by run_all.sh.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sigmatch::fuzz::drain_reader(data, size, sigmatch::input::Format::kJsonl);
  return sigmatch::fuzz::drain_reader(data, size, sigmatch::input::Format::kJson);
}
