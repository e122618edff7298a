// logsource.hpp — the logsource -> record mapping (data: rules/schema/logsources.yml, embedded
// with the schemas) and the guard expression sema puts in front of each rule's condition, so
// a rule only meets records its logsource can produce (a `service: security` rule never fires
// on a Sysmon record). Tested by tests/unit/sema_test.cpp and the e2e/corpus tests.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compiler/sema/checked_rule.hpp"

namespace sigmatch::sema {

struct LogsourceAlt {
  std::vector<std::string> channels;
  std::vector<std::int64_t> event_ids;  // empty: any
};

struct LogsourceMap {
  std::map<std::string, std::vector<LogsourceAlt>> windows_services, windows_categories;
};

const LogsourceMap& builtin_logsources();

// The guard for a rule's logsource, or nullopt when the logsource does not restrict records.
std::optional<Expr> logsource_guard(const RuleMeta& meta, const LogsourceMap& map);

}  // namespace sigmatch::sema
