// format.hpp — the .smc image layout (the runtime owns it; the compiler's writer and the
// loader both include this file). Tested by tests/unit/verifier_test.cpp,
// tests/unit/roundtrip_test.cpp and the fuzz_load_verify target.
//
//   offset  size  field
//   0       4     magic "SGMC"
//   4       4     mangling detector "\r\n\x1a\n" (CRLF/LF translation or 8-bit stripping breaks it)
//   8       2     format major (a different major is rejected)
//   10      2     format minor (newer minors may add sections; unknown section ids are skipped)
//   12      4     section count N
//   16      ...   N sections: { u32 id, u32 size, size bytes of payload, zero padding to 4 }
//   end-4   4     checksum: FNV-1a 32 over every byte before it
//
// All integers little-endian. Section payloads (u32 = 4 bytes LE):
//   kStrings : u32 count, count x {u32 offset, u32 length} into the blob, u32 blob size, blob
//   kFields  : u32 count, count x {u32 name string}
//   kRegexes : u32 count, count x {u32 pattern string, u32 flags (kRegex* bits)}
//   kPreds   : u32 count, count x {u8 kind, u8 flags, u16 zero, u32 field, u32 operand}
//              field = 0xFFFFFFFF for keyword (all values) predicates
//   kRules   : u32 count, count x {u32 id, title, level, tags, product, category, service} strings
//   kCode    : u32 count, count x 16-byte instructions (opcodes.def)
//   kMeta    : u32 flags (kMetaWantsAllValues), u32 compiler version string, u32 schema hash
//   kPrefilter (optional): u32 rule count, then per rule u32 n + n predicate indices: the
//              rule can only match when one of them is true; n = kAlwaysRun: no such set.
//              The runtime uses it only for predicates its literal index decides.
//   kPrefilterMore (optional, with kPrefilter): u32 rule count, then per rule u32 m (at most
//              kMaxPrefilterClauses - 1; 0 for a kAlwaysRun rule) and m clauses {u32 n >= 1,
//              n predicate indices}: further sets of which the rule also needs one true each.
//              Added in minor 1; older runtimes skip it (their prefilter is then only looser).
#pragma once
#include <cstddef>
#include <cstdint>

namespace sigmatch::bytecode {

inline constexpr char kMagic[4] = {'S', 'G', 'M', 'C'};
inline constexpr char kMangleDetector[4] = {'\r', '\n', '\x1a', '\n'};
inline constexpr std::size_t kHeaderSize = 16;

enum class SectionId : std::uint32_t {
  kStrings = 1,
  kFields = 2,
  kRegexes = 3,
  kPreds = 4,
  kRules = 5,
  kCode = 6,
  kMeta = 7,
  kPrefilter = 8,      // optional (absent at -O0)
  kPrefilterMore = 9,  // optional (absent at -O0)
};
inline constexpr std::uint32_t kMaxSectionId = 9;
inline constexpr std::uint32_t kMaxRequiredSectionId = 7;
inline constexpr std::uint32_t kAlwaysRun = 0xFFFFFFFFu;
inline constexpr std::size_t kMaxPrefilterClauses = 3;  // kPrefilter's set + 2 in kPrefilterMore

inline constexpr std::uint32_t kNoField = 0xFFFFFFFFu;
inline constexpr std::uint32_t kRegexCaseInsensitive = 1u << 0;
inline constexpr std::uint32_t kRegexMultiline = 1u << 1;
inline constexpr std::uint32_t kRegexDotAll = 1u << 2;
inline constexpr std::uint32_t kMetaWantsAllValues = 1u << 0;
inline constexpr std::uint8_t kPredCased = 1u << 0;

inline constexpr std::size_t kInsnSize = 16;
inline constexpr std::size_t kPredSize = 12;
inline constexpr std::size_t kRuleSize = 28;

inline constexpr std::uint16_t kNoScan = 0xFFFF;

struct Insn {
  std::uint8_t op = 0;
  // Not in the image (kInsnSize counts op and the three operands; it sits in what would be
  // padding): for kTest, the field whose literal scan decides predicate a, filled in by
  // vm::prepare (kNoScan: none, or a field number past 16 bits), so the VM's test needs no
  // load of pred_scan[a] (a cache miss on ~9 of a record's tests, cachegrind).
  std::uint16_t scan = kNoScan;
  std::uint32_t a = 0, b = 0, c = 0;
};
static_assert(sizeof(Insn) == 16);

inline std::uint32_t fnv1a32(const unsigned char* p, std::size_t n) {
  std::uint32_t h = 2166136261u;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
  return h;
}

}  // namespace sigmatch::bytecode
