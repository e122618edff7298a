// event.hpp — how a host hands one parsed record to the VM: one slot per field the program
// reads (Program::field_name(i) names slot i), each missing, null or a string view into the
// host's buffer (no ownership, no per-field allocation). Keyword rules also read every value
// of the record (values()). Tested by tests/unit/vm_test.cpp and the input tests.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sigmatch {

enum class ValueState : std::uint8_t { kMissing = 0, kNull = 1, kPresent = 2 };

struct FieldValue {
  std::string_view text;  // valid only when state == kPresent; numbers as their decimal text
  ValueState state = ValueState::kMissing;
};

class Event {
 public:
  Event() = default;
  explicit Event(std::size_t slot_count) : slots_(slot_count) {}

  void resize(std::size_t slot_count) { slots_.assign(slot_count, FieldValue{}); }
  // Marks every slot missing and forgets all values; keeps capacity (no allocation per record).
  void clear() {
    for (auto& s : slots_) s = FieldValue{};
    values_.clear();
  }
  std::size_t slot_count() const { return slots_.size(); }

  void set(std::size_t slot, std::string_view text) {
    if (slot < slots_.size()) slots_[slot] = FieldValue{text, ValueState::kPresent};
  }
  void set_null(std::size_t slot) {
    if (slot < slots_.size()) slots_[slot] = FieldValue{{}, ValueState::kNull};
  }
  const FieldValue& get(std::size_t slot) const {
    static const FieldValue kMissingValue{};
    return slot < slots_.size() ? slots_[slot] : kMissingValue;
  }

  // Every scalar value of the record (strings, numbers as text), for keyword (fieldless) rules.
  // Readers fill it only when the program asks (Program::wants_all_values()).
  void add_value(std::string_view text) { values_.push_back(text); }
  const std::vector<std::string_view>& values() const { return values_; }

 private:
  std::vector<FieldValue> slots_;
  std::vector<std::string_view> values_;
};

}  // namespace sigmatch
