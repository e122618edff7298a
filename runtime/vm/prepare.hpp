// prepare.hpp — builds the runtime-only structures of a verified program: the per-field literal
// index (Aho-Corasick over case-folded eq/prefix/suffix/contains literals), the per-rule code
// blocks, and the prefilter tables (predicate -> rules that need it). Runs at the end of
// load::verify on a program that already passed every check; it never rejects a program, it
// only decides whether the prefilter may be used (a program whose code is not laid out as
// one block per rule is run linearly). Tested by tests/unit/vm_test.cpp and the e2e tests.
#pragma once
#include "runtime/vm/program.hpp"

namespace sigmatch::vm {
class SpinPool;
struct PrepareOptions {
  bool prefilter = true;  // use the image's prefilter section (when the code is in rule blocks)
  bool dispatch = true;   // build the Channel/EventID dispatch table (needs the prefilter)
  bool scan_cache = true; // memoise literal-index scans across records (scan_cache.hpp)
  bool regex_guards = true; // regexes join the prefilter through guard literals (regex_guard.hpp)
  bool prefilter_clauses = true;  // all of a rule's prefilter clauses, not only the first
  bool kill_lists = true;  // skip an always-run rule when a literal false on all its paths is found
  bool run = true;        // false: verification only, nothing derived (the compiler's self-check
                          // of its own image never runs it)
  unsigned threads = 1;   // regex compiles and literal index builds in parallel (parallel.hpp)
  bool defer_clauses = true;  // a rule's most shared small clause is checked, not indexed (prepare.cpp)
  SpinPool* pool = nullptr;   // the load's helper threads (threads - 1 of them), if it has any
};
void prepare(VerifiedProgram& p, const PrepareOptions& options = {});
}
