// fuzz_jsonl.cpp — libFuzzer target: arbitrary bytes -> input::open_buffer(Format::kJsonl), drain every
// record (good or reported) with a fixed field list and all values collected.
// Seeds: tests/fuzz/corpus/fuzz_jsonl/. Run by run_all.sh.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<std::string> kFields = {
      "EventID", "Channel", "Provider_Name", "Operation", "KeyName", "ReturnCode",
      "KeyType", "SubjectUserName", "FailureId", "RecoveryServer"};
  std::size_t sum = 0;
  sigmatch::fuzz::for_each_record(
      std::string(reinterpret_cast<const char*>(data), size), sigmatch::input::Format::kJsonl,
      kFields, /*all_values=*/true, [&](const sigmatch::Event& ev) {
        // Touch every view so ASan sees any dangling or out-of-bounds one.
        for (std::size_t i = 0; i < ev.slot_count(); ++i)
          for (char ch : ev.get(i).text) sum += static_cast<unsigned char>(ch);
        for (auto v : ev.values())
          for (char ch : v) sum += static_cast<unsigned char>(ch);
      });
  static volatile std::size_t sink;
  sink = sum;
  return 0;
}
