// status.hpp — Status returned by every fallible runtime entry point (load, verify).
// Codes come from status_codes.def. Tested by tests/unit/status_test.cpp.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace sigmatch {

enum class StatusCode : std::uint16_t {
#define STATUS(name, c_name, num, msg) name = num,
#include "sigmatch/status_codes.def"
#undef STATUS
};

std::string_view status_code_name(StatusCode code);     // "kBadMagic"
std::string_view status_code_message(StatusCode code);  // "not a sigmatch image (bad magic)"

// A failure names where it happened: a byte offset in the image, or an instruction index.
class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string detail, std::int64_t offset = -1, std::int64_t pc = -1)
      : code_(code), detail_(std::move(detail)), offset_(offset), pc_(pc) {}
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  std::int64_t offset() const { return offset_; }  // byte offset in the image, -1 if none
  std::int64_t pc() const { return pc_; }          // instruction index, -1 if none
  const std::string& detail() const { return detail_; }
  std::string message() const;  // "checksum mismatch at offset 120: ..."

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string detail_;
  std::int64_t offset_ = -1;
  std::int64_t pc_ = -1;
};

}  // namespace sigmatch
