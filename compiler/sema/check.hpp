// check.hpp — sema::check: RuleDoc -> CheckedRule. Resolves selections and conditions,
// validates modifiers and values, applies the field schema (typed values, unknown fields),
// lints metadata. Every problem goes to the sink with a position; a rule with errors is
// dropped, the others are still returned. Tested by tests/unit/sema_test.cpp and
// tests/diagnostics/.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "compiler/diag/diagnostic.hpp"
#include "compiler/sema/checked_rule.hpp"
#include "compiler/sema/schema.hpp"
#include "compiler/yaml/rule_doc.hpp"

namespace sigmatch::sema {

struct CheckOptions {
  const std::vector<Schema>* schemas = nullptr;  // null: builtin_schemas()
  bool lint = true;                              // metadata warnings (L codes)
  // `expand` placeholders: name -> values (from --placeholders FILE); null = none known.
  const std::map<std::string, std::vector<std::string>>* placeholders = nullptr;
};

std::vector<CheckedRule> check(const std::vector<yaml::RuleDoc>& docs, const CheckOptions& opts,
                               diag::DiagSink& sink);

// Sigma string (YAML-decoded) -> glob pattern per the escape rules of sigma-semantics §2.4.
std::string sigma_to_glob(const std::string& s);

}  // namespace sigmatch::sema
