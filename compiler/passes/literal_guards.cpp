// literal_guards.cpp — gives regex and wildcard predicates a literal guard the prefilter and the
// literal index can use.
//
// Wildcards: glob(F, *foo*bar*) becomes and(contains(F, "foo"), glob(...)) with the longest
// literal run of the pattern (a match contains every run; globs compare folded text with a
// folded pattern unless cased, and cased globs keep no guard since the index scans folded text).
// Keyword globs get a keyword-contains guard the same way.
//
// Regexes: re(F, R) becomes
// and(or(contains(F, a1), ..., contains(F, an)), re(F, R)), where a1..an are the atoms RE2's
// FilteredRE2 extracts from R. RE2 guarantees a regex whose prefilter rejects the atoms present
// in the lower-cased text cannot match, and its prefilter is monotone, so every match contains
// at least one atom: the rewrite keeps every match. The guard is a literal predicate: the
// prefilter can require it and the field's literal index decides it in its one scan, so the
// regex-only SigmaHQ rules stop running RE2 on every CommandLine (all-Windows rule set, 200k
// generated records: 11.0 -> 3.4 regex and 8.9 -> 0.4 glob evaluations per record).
//
// Only where lower-casing the text is exactly what our case folding does: case-sensitive
// patterns whose atoms and source are ASCII. Case-insensitive matching (flag i, inline (?i))
// also matches U+212A (Kelvin sign) for k and U+017F (long s) for s, which our folding keeps, so
// those regexes keep no guard; so do patterns with \x{...} or \p classes (non-ASCII runes).
// Tested by tests/unit/passes_test.cpp and every differential test (the reference evaluator
// knows nothing of guards).
#include <re2/filtered_re2.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "compiler/passes/pass.hpp"
#include "runtime/bytecode/format.hpp"

namespace sigmatch::passes {
namespace {

constexpr std::size_t kMinAtomLength = 3;  // shorter atoms occur in nearly every value

bool ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Whether an inline flag group ("(?i)", "(?si)", "(?s-m:...)", "(?-i)") mentions 'i'. Any
// mention disqualifies the pattern (conservative: "(?-i)" would be fine, but is rare).
bool has_inline_i(const std::string& pat) {
  for (std::size_t at = pat.find("(?"); at != std::string::npos; at = pat.find("(?", at + 2)) {
    std::size_t k = at + 2;
    bool i = false;
    while (k < pat.size() && (std::isalpha(static_cast<unsigned char>(pat[k])) || pat[k] == '-')) i |= pat[k++] == 'i';
    if (i && k < pat.size() && (pat[k] == ')' || pat[k] == ':')) return true;
  }
  return false;
}

// The atoms at least one of which every match of `pattern` contains; empty when there are none
// we can use.
std::vector<std::string> atoms_of(const ir::Pred& p) {
  if (p.regex_flags & bytecode::kRegexCaseInsensitive) return {};
  const std::string& pat = p.operand;
  if (!ascii(pat) || has_inline_i(pat) || pat.find("\\x{") != std::string::npos ||
      pat.find("\\p") != std::string::npos || pat.find("\\P") != std::string::npos)
    return {};
  re2::FilteredRE2 f(static_cast<int>(kMinAtomLength));
  RE2::Options o;
  o.set_log_errors(false);
  o.set_dot_nl(p.regex_flags & bytecode::kRegexDotAll);
  o.set_never_capture(true);
  int id = 0;
  std::string full = (p.regex_flags & bytecode::kRegexMultiline) ? "(?m)" + pat : pat;
  if (f.Add(full, o, &id) != RE2::NoError) return {};
  std::vector<std::string> atoms;
  f.Compile(&atoms);
  if (atoms.empty()) return {};
  std::vector<int> potentials;
  f.AllPotentials({}, &potentials);
  if (!potentials.empty()) return {};  // passes the filter with no atom at all: unfiltered
  for (const std::string& a : atoms)
    if (!ascii(a) || a.empty()) return {};
  return atoms;
}

// The longest literal run of a glob pattern (`\\x` is a literal x; `*` and `?` end a run).
std::string longest_run(const std::string& glob) {
  std::string best, cur;
  for (std::size_t i = 0; i < glob.size(); ++i) {
    char c = glob[i];
    if (c == '*' || c == '?') {
      if (cur.size() > best.size()) best = cur;
      cur.clear();
      continue;
    }
    if (c == '\\' && i + 1 < glob.size()) c = glob[++i];
    cur.push_back(c);
  }
  return cur.size() > best.size() ? cur : best;
}

ir::NodeId leaf(ir::Module& m, const std::string& field, vm::PredKind kind, const std::string& literal) {
  ir::Pred c;
  c.field = field;
  c.kind = kind;
  c.operand = literal;
  ir::Node n;
  n.kind = ir::NodeKind::kPred;
  n.pred = m.pred(c);
  return m.node(n);
}

ir::NodeId guard(ir::Module& m, ir::NodeId id, std::unordered_map<ir::NodeId, ir::NodeId>& memo) {
  if (auto it = memo.find(id); it != memo.end()) return it->second;
  ir::Node n = m.node_at(id);  // copy: node() may grow the table
  ir::NodeId result = id;
  if (n.kind == ir::NodeKind::kPred) {
    ir::Pred p = m.pred_at(n.pred);
    if (p.kind == vm::PredKind::kRegex && !p.field.empty()) {
      std::vector<std::string> atoms = atoms_of(p);
      if (!atoms.empty()) {
        std::vector<ir::NodeId> alts;
        // RE2 atoms are lower-case: already folded.
        for (const std::string& a : atoms) alts.push_back(leaf(m, p.field, vm::PredKind::kContains, a));
        ir::NodeId any = alts.size() == 1 ? alts[0] : m.op(ir::NodeKind::kOr, std::move(alts));
        result = m.op(ir::NodeKind::kAnd, {any, id});
      }
    } else if ((p.kind == vm::PredKind::kGlob || p.kind == vm::PredKind::kKwGlob) &&
               !(p.flags & bytecode::kPredCased)) {
      std::string run = longest_run(p.operand);
      if (run.size() >= kMinAtomLength) {
        bool kw = p.kind == vm::PredKind::kKwGlob;
        ir::NodeId g = leaf(m, p.field, kw ? vm::PredKind::kKwContains : vm::PredKind::kContains, run);
        result = m.op(ir::NodeKind::kAnd, {g, id});
      }
    }
  } else if (!n.kids.empty()) {
    std::vector<ir::NodeId> kids;
    bool changed = false;
    for (ir::NodeId k : n.kids) {
      kids.push_back(guard(m, k, memo));
      changed |= kids.back() != k;
    }
    if (changed) result = m.op(n.kind, std::move(kids));
  }
  memo[id] = result;
  return result;
}

}  // namespace

bool literal_guards(ir::Module& m) { return rewrite_roots(m, guard); }

}  // namespace sigmatch::passes
