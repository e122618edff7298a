// handwritten.hpp — the "what would a human write" baseline for the benchmark: plain C++ doing
// the checks of the eleven shipped rules in rules/windows/security/ (events 5059, 4692, 4693)
// directly on Event slots, with no bytecode, no memo and no generic glob. It exists only to
// price the VM's generality (issue target: VM within 1.5x of this); tests/bench/bench_main.cpp
// checks that it reports exactly the matches the VM reports on the same records.
// Keep it in step with the rule files: when a shipped rule changes, change its function here.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sigmatch/event.hpp"

namespace sigmatch::bench {

// Slot order the hand-written matcher asks the input layer for.
enum HandSlot : std::size_t {
  kEventId,
  kOperation,
  kKeyName,
  kAlgorithmName,
  kReturnCode,
  kProviderName,
  kKeyType,
  kSubjectUserSid,
  kSubjectUserName,
  kFailureReason,
  kFailureId,
  kRecoveryServer,
  kHandSlotCount
};

// Canonical field names, index = HandSlot.
const std::vector<std::string>& handwritten_fields();

// An Event plus where each HandSlot sits in it: the identity for events read with
// handwritten_fields(), the program's slots when sigmatch_micro_bench hands the matcher the very
// Event objects the VM reads (so both pay the same memory traffic and only the matching differs).
struct HandEvent {
  const Event& ev;
  const std::size_t* slot;  // HandSlot -> Event slot
  const FieldValue& get(std::size_t k) const { return ev.get(slot[k]); }
};

// Appends the `id:` of every shipped rule that matches `ev` (filled with handwritten_fields()).
void handwritten_match(const Event& ev, std::vector<std::string_view>& out);
void handwritten_match(const HandEvent& ev, std::vector<std::string_view>& out);

}  // namespace sigmatch::bench
