// fuzz_common.hpp — shared helpers of the libFuzzer targets in tests/fuzz/: the fixed sample
// records every accepted program is run on, and a drain loop over a reader. Only the fuzz
// targets include it (built when SIGMATCH_FUZZ is ON, see tests/fuzz/CMakeLists.txt).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/input/reader.hpp"
#include "sigmatch/runtime.hpp"

namespace sigmatch::fuzz {

// A few records shaped like the shipped sample events (5059, 4692, 4693 and a neighbour),
// plus hostile values (empty, null, non-ASCII, invalid UTF-8) so predicates see edge cases.
inline const char* const kSampleJsonl =
    "{\"EventID\": 5059, \"Channel\": \"Security\", \"Operation\": \"%%2464\", \"KeyName\": "
    "\"TB_Foo\", \"AlgorithmName\": \"RSA\", \"ReturnCode\": \"0x0\", \"ProviderName\": "
    "\"Microsoft Software Key Storage Provider\", \"KeyType\": \"%%2500\", \"SubjectUserSid\": "
    "\"S-1-5-18\", \"SubjectUserName\": \"WS01$\"}\n"
    "{\"EventID\": 4692, \"FailureReason\": \"0x00000000\", \"SubjectUserName\": \"\\u00c9LODIE\"}\n"
    "{\"EventID\": \"4693\", \"FailureId\": null, \"RecoveryServer\": \"\\\\\\\\10.0.0.1\"}\n"
    "{\"EventID\": 4624, \"KeyName\": \"\", \"RecoveryServer\": \"localhost\", \"Operation\": "
    "\"\xff\xfe\xc1\x81\"}\n";

// Reads `data` with `format` for the fields of `fields` and calls fn(event) on every record.
template <class Fn>
void for_each_record(std::string data, input::Format format, const std::vector<std::string>& fields,
                     bool all_values, Fn&& fn) {
  input::ReaderOptions opts;
  opts.collect_all_values = all_values;
  std::string err;
  auto reader = input::open_buffer(std::move(data), format, fields, input::ShapeTable::builtin(),
                                   opts, &err);
  if (!reader) return;
  Event ev(fields.size());
  input::RecordError rerr;
  for (;;) {
    auto n = reader->next(ev, rerr);
    if (n == input::Reader::Next::kEnd) break;
    if (n == input::Reader::Next::kRecord) fn(ev);
  }
}

// The reader targets (fuzz_jsonl, fuzz_xml): drain every record of `data` read as `format` with a
// fixed field list and all values collected, touching every view so ASan sees any dangling or
// out-of-bounds one.
inline int drain_reader(const std::uint8_t* data, std::size_t size, input::Format format) {
  static const std::vector<std::string> kFields = {
      "EventID", "Channel", "Provider_Name", "Operation", "KeyName", "ReturnCode",
      "KeyType", "SubjectUserName", "FailureId", "RecoveryServer"};
  std::size_t sum = 0;
  for_each_record(std::string(reinterpret_cast<const char*>(data), size), format, kFields,
                  /*all_values=*/true, [&](const Event& ev) {
                    for (std::size_t i = 0; i < ev.slot_count(); ++i)
                      for (char ch : ev.get(i).text) sum += static_cast<unsigned char>(ch);
                    for (auto v : ev.values())
                      for (char ch : v) sum += static_cast<unsigned char>(ch);
                  });
  static volatile std::size_t sink;
  sink = sum;
  return 0;
}

// Runs an accepted program on the sample records (what a collector would do next).
inline void run_on_samples(const std::shared_ptr<const Program>& prog) {
  std::vector<std::string> fields;
  for (std::size_t i = 0; i < prog->field_count(); ++i) fields.emplace_back(prog->field_name(i));
  Matcher m(prog);
  std::vector<std::uint32_t> out;
  for_each_record(kSampleJsonl, input::Format::kJsonl, fields, prog->wants_all_values(),
                  [&](const Event& ev) {
                    out.clear();
                    m.match(ev, out);
                    for (auto r : out)
                      if (r >= prog->rule_count()) __builtin_trap();  // VM reported a bad rule
                  });
}

}  // namespace sigmatch::fuzz
