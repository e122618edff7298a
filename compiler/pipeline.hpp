// pipeline.hpp — the whole compiler as one call: rule files -> RuleDoc -> CheckedRule -> IR ->
// optimised IR -> image bytes -> verified by the runtime's own loader. The CLI, the tests and
// the benchmarks all go through here. Tested by tests/unit/pipeline_test.cpp and tests/e2e.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "compiler/diag/diagnostic.hpp"
#include "compiler/ir/ir.hpp"
#include "compiler/sema/checked_rule.hpp"
#include "compiler/yaml/rule_doc.hpp"

namespace sigmatch {

struct CompileOptions {
  int opt_level = 1;  // 0 = no optimisation passes
  std::set<std::string> disabled_passes;
  bool lint = true;
  std::map<std::string, std::vector<std::string>> placeholders;  // for the `expand` modifier
};

// Reads a placeholder file (YAML mapping: name -> value or list of values).
bool load_placeholders(const std::string& path, std::map<std::string, std::vector<std::string>>* out,
                       std::string* error);

struct Compilation {
  std::vector<std::string> files;
  diag::SourceCache sources;
  std::vector<yaml::RuleDoc> docs;
  std::vector<sema::CheckedRule> rules;
  ir::Module module;  // after optimisation
  std::string image;  // verified .smc bytes (empty if verification failed: a compiler bug)
};

// Expands files and directories (recursively: *.yml, *.yaml) into a sorted file list.
// Unreadable paths are reported as I0001.
std::vector<std::string> collect_rule_files(const std::vector<std::string>& paths, diag::DiagSink& sink);

// Loads `text` under the name `file` (tests and fuzzing: no file system).
Compilation compile_sources(const std::vector<std::pair<std::string, std::string>>& sources,
                            const CompileOptions& opts, diag::DiagSink& sink);
Compilation compile_paths(const std::vector<std::string>& paths, const CompileOptions& opts,
                          diag::DiagSink& sink);

}  // namespace sigmatch
