// runtime.hpp — the embedding API: load + verify an image into an immutable Program (shareable
// between threads), then evaluate records with a per-thread Matcher. Implemented in
// runtime/api/runtime.cpp; tested by tests/unit/runtime_api_test.cpp and examples/embed_cpp.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sigmatch/event.hpp"
#include "sigmatch/status.hpp"

namespace sigmatch {

namespace vm {
struct VerifiedProgram;
class Scratch;
}  // namespace vm

struct RuleInfo {
  std::string_view id;
  std::string_view title;
  std::string_view level;  // informational|low|medium|high|critical, or "" when unset
  std::vector<std::string_view> tags;
};

// Runtime optimisations, each switchable so benchmarks can measure what it buys. Matches are
// identical either way (tests/unit/vm_test.cpp checks it).
struct LoadOptions {
  bool prefilter = true;  // run only rules one of whose required literals occurs in the record
  bool dispatch = true;   // select rules and fields by the record's Channel/EventID first
  // Remember, per Matcher, which literals each recently seen field value contains, and replay
  // that for a value seen again instead of scanning it (same matches; up to 4 MiB per Matcher,
  // committed as it fills).
  bool scan_cache = true;
  // Let a rule whose only requirement is a regex join the prefilter through literals the regex
  // cannot match without (RE2's prefilter atoms): it runs only on records holding one of them.
  bool regex_guards = true;
  // Require a literal of every clause the compiler found for a rule (up to 3: e.g. one of its
  // images and one of its command-line fragments), not just of the first, before running it.
  bool prefilter_clauses = true;
  // Of a rule with several clauses, leave the one whose literals most rules share (an image
  // name such as powershell.exe) out of the prefilter's index and check it only once the
  // rule's other clauses are found: a common literal then no longer visits every such rule.
  bool defer_clauses = true;
  // Skip a rule that runs on every record of its group (no literal it needs) when the record
  // holds a literal that makes it false whatever else it holds (e.g. the Image suffix a
  // negation-only rule excludes).
  bool kill_lists = true;
  // Threads that compile the program's regexes and build its literal indexes while it loads
  // (`sigmatch scan -j N` uses N). The program is the same for any count; 1 starts no thread.
  unsigned threads = 1;
};

class Program {
 public:
  // Loads and verifies `bytes`. Any byte string yields either a Program or a Status naming the
  // offset or instruction at fault; never a crash.
  static Status load(std::string_view bytes, std::shared_ptr<const Program>* out,
                     const LoadOptions& options = {});
  static Status load_file(const std::string& path, std::shared_ptr<const Program>* out,
                          const LoadOptions& options = {});

  std::size_t field_count() const;
  std::string_view field_name(std::size_t slot) const;
  std::size_t rule_count() const;
  RuleInfo rule(std::size_t index) const;
  bool wants_all_values() const;  // some rule has keyword (fieldless) detections

  ~Program();
  const vm::VerifiedProgram& verified() const { return *impl_; }

 private:
  Program() = default;
  std::unique_ptr<vm::VerifiedProgram> impl_;
};

// Per-thread evaluation state. Not thread-safe itself, the Program is. Create one per thread and
// keep it: its scan cache (LoadOptions::scan_cache) pays off across records.
// What a Matcher has done since it was made (Matcher::stats; `sigmatch scan --stats` prints
// them). rules_run: the rules evaluated, which the prefilter keeps to those a record can still
// match; cache_*: field scans looked up in the per-Matcher scan cache, and found there.
struct MatcherStats {
  std::uint64_t records = 0, rules_run = 0;
  std::uint64_t cache_lookups = 0, cache_hits = 0;
};

class Matcher {
 public:
  explicit Matcher(std::shared_ptr<const Program> program);
  ~Matcher();
  Matcher(Matcher&&) noexcept;
  Matcher& operator=(Matcher&&) noexcept;

  // Appends the indices of all rules matching `event` to `out`, in rule-table order.
  void match(const Event& event, std::vector<std::uint32_t>& out);
  const Program& program() const { return *program_; }
  MatcherStats stats() const;

 private:
  std::shared_ptr<const Program> program_;
  std::unique_ptr<vm::Scratch> scratch_;
};

}  // namespace sigmatch
