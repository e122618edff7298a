// program.hpp — VerifiedProgram: the decoded, verified, immutable form of an image. Only
// load::verify() constructs one (private constructor + friend); the VM accepts nothing else.
// Shareable between threads (no mutable state; RE2 objects are thread-safe for matching).
#pragma once
#include <re2/re2.h>

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/bytecode/format.hpp"
#include "runtime/vm/dispatch.hpp"
#include "runtime/vm/eq_index.hpp"
#include "runtime/vm/literal_index.hpp"
#include "runtime/vm/pred_kinds.hpp"
#include "runtime/vm/text.hpp"

namespace sigmatch::load {
struct Verifier;
}
namespace sigmatch::vm {
struct VerifiedProgram;
struct PrepareOptions;
void prepare(VerifiedProgram& p, const PrepareOptions& options);
}  // namespace sigmatch::vm

namespace sigmatch::vm {

inline constexpr std::uint32_t kNotScanned = 0xFFFFFFFFu;

struct Pred {
  PredKind kind{};
  std::uint8_t flags = 0;
  std::uint32_t field = bytecode::kNoField;
  std::uint32_t operand = 0;
  // Resolved operand, filled by the verifier: string view into the image or regex pointer.
  std::string_view str;
  std::uint64_t hex = 0;  // kHexEq: the parsed value of `str`
  double num = 0;         // kGt..kLte
  text::Cidr cidr;        // kCidr
  const RE2* re = nullptr;
};

struct Rule {
  std::string_view id, title, level, tags, product, category, service;
};

struct RegexEntry {
  std::string_view pattern;
  std::uint32_t flags = 0;
  std::unique_ptr<RE2> re;
};

// A rule's prefilter (format.hpp): it can only match when one of `preds` is true, and one of
// each clause of `more` too. always: no such set (the rule runs on every record of its group).
struct PrefilterSet {
  bool always = true;
  std::vector<std::uint32_t> preds;
  std::vector<std::vector<std::uint32_t>> more;
};

inline constexpr std::size_t kMaxRuleClauses = 3;  // tags 1..3 of a pred_rules entry

struct VerifiedProgram {
  std::string bytes;  // owned copy of the image; every string_view below points into it
  std::vector<std::string_view> strings;
  std::vector<std::string_view> fields;
  std::vector<RegexEntry> regexes;
  std::vector<Pred> preds;
  std::vector<Rule> rules;
  std::vector<bytecode::Insn> code;
  std::uint32_t meta_flags = 0;
  std::string_view compiler_version;
  std::uint32_t schema_hash = 0;

  std::vector<PrefilterSet> prefilter;
  bool has_prefilter = false;

  // Derived at load by vm::prepare (see prepare.hpp); not part of the image.
  std::vector<LiteralIndex> field_index;  // per field, + 1 for keyword literals (last)
  // Per field (+ 1, the keyword index): what the per-record paths ask of field_index[f] and
  // field_guards[f], in one byte. A LiteralIndex is ~2 KB, and empty() and folds_ascii() sit
  // on two of its cache lines: asking them of every field a record's group scans cost ~22 D1
  // misses a record (cachegrind, all-Windows rules), a sixth of the VM's.
  enum FieldFlag : std::uint8_t { kFieldIndexed = 1, kFieldFoldsAscii = 2, kFieldGuarded = 4 };
  std::vector<std::uint8_t> field_flags;
  bool field_indexed(std::uint32_t f) const { return field_flags[f] & kFieldIndexed; }
  bool field_folds_ascii(std::uint32_t f) const { return field_flags[f] & kFieldFoldsAscii; }
  bool field_guarded(std::uint32_t f) const { return field_flags[f] & kFieldGuarded; }
  EqIndex eq_index;  // every field's uncased eq literals (field_index holds the other modes)
  // Per predicate: the field whose scan decides it (its literal index and/or eq_index; or
  // fields.size() for the keyword index), or kNotScanned. What eval_pred needs in one load.
  std::vector<std::uint32_t> pred_scan;
  // Per rule: its code block [begin, end), and its kill list rule_kills[kill_begin, kill_end):
  // literal predicates that are false on every path to its MATCH (prepare.cpp, find_kills),
  // so a record where one of them is found true cannot match. Only always-run rules get one
  // (a negation-only rule such as "Image does not end with .exe, .com, ..." runs on every
  // process record of its group, and its first kill, found by the Image scan, skips it).
  struct CodeSpan {
    std::uint32_t begin = 0, end = 0;
    std::uint32_t kill_begin = 0, kill_end = 0;
  };
  std::vector<CodeSpan> rule_code;  // (one load starts a rule)
  // A predicate, or kKillField | a field the rule needs present (a record without it is
  // skipped: "Image does not end with .exe ... and Image is not null" on a 4688 record, which
  // names its image NewProcessName).
  static constexpr std::uint32_t kKillField = 0x80000000u;
  std::vector<std::uint32_t> rule_kills;
  bool use_prefilter = false;                       // blocks well-formed and prefilter present
  bool use_dispatch = false;              // use_prefilter and the dispatch table was built
  bool use_scan_cache = false;            // literal-index scans memoised per thread
  std::vector<std::uint64_t> always_run;  // bitset over rules
  std::vector<std::uint32_t> always_list;  // the same rules, ascending (run() without dispatch)
  // CSR: predicate (or guard) -> the rule clauses it satisfies, each
  // r << kEntryRuleShift | need << 2 | tag: tag is 1 + the clause number, need the mask of all
  // the rule's clauses (clause_full[r], or 1 for a rule with one clause); the rule is a
  // candidate once every clause in need has a predicate found. need rides in the entry: read
  // from its own array it missed the cache on a quarter of a record's ~37 entries (cachegrind).
  static constexpr std::uint32_t kEntryRuleShift = 5;
  std::vector<std::uint32_t> pred_rules_begin, pred_rules;
  std::vector<std::uint8_t> clause_full;  // per rule: bit c set for each of its clauses (if > 1)
  // Per rule (CSR, rules + 1 offsets): the memo ids of its deferred clause, which has no
  // pred_rules entries (prepare.cpp); empty for none. A rule whose indexed clauses are all
  // found is a candidate only if one of these is found too (run()).
  static constexpr std::size_t kMaxDeferredIds = 8;
  std::vector<std::uint32_t> rule_defer_begin, rule_defer;
  // Bitset over predicates and guards: pred_rules lists some rule clause for it. A scan pushes
  // only these onto the record's found list: a Sysmon 1 record finds ~52 literal predicates,
  // ~24 of them in no clause (rules test them, e.g. under a `not`), whose empty pred_rules
  // ranges run() loaded for nothing.
  std::vector<std::uint64_t> pred_fans_out;
  bool fans_out(std::uint32_t i) const { return (pred_fans_out[i / 64] >> (i % 64)) & 1; }
  std::vector<std::uint32_t> prefilter_fields;              // indexed fields to scan first
  Dispatch dispatch;      // Channel/EventID -> group (dispatch.hpp)
  int kw_separator = -1;  // a byte in no keyword literal (joins values for one scan), or -1

  // Regex guards (regex_guard.hpp): ids preds.size() .. memo_size - 1, one per distinct (field,
  // literal), in field_index as contains literals. Never tested by code: they only make rules
  // candidates (pred_rules). field_guards[f]: every guard id of field f, all reported found
  // for a non-ASCII value (the guarantee holds on ASCII text only).
  std::uint32_t memo_size = 0;  // predicates + guards: the per-record memo's size
  std::vector<std::vector<std::uint32_t>> field_guards;
  std::deque<std::string> guard_literals;  // what field_index's guard literals view

  bool pred_indexed(std::uint32_t i) const { return pred_scan[i] != kNotScanned; }
  bool wants_all_values() const { return meta_flags & bytecode::kMetaWantsAllValues; }

 private:
  friend struct load::Verifier;
  VerifiedProgram() = default;
};

}  // namespace sigmatch::vm
