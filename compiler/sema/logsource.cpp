// logsource.cpp — see logsource.hpp.
#include "compiler/sema/logsource.hpp"

#include <yaml-cpp/yaml.h>

#include "compiler/sema/embedded.hpp"

#include <string_view>

#include "runtime/vm/text.hpp"

namespace sigmatch::sema {


namespace {

std::vector<LogsourceAlt> parse_alts(const YAML::Node& n) {
  std::vector<LogsourceAlt> out;
  auto one = [&](const YAML::Node& a) {
    LogsourceAlt alt;
    for (const auto& c : a["channel"]) alt.channels.push_back(c.as<std::string>());
    if (a["event_id"])
      for (const auto& e : a["event_id"]) alt.event_ids.push_back(e.as<std::int64_t>());
    out.push_back(std::move(alt));
  };
  if (n.IsSequence())
    for (const auto& a : n) one(a);
  else
    one(n);
  return out;
}

Expr test(const std::string& field, TestKind kind, const std::string& pattern = {}) {
  Expr e;
  e.kind = ExprKind::kTest;
  e.test.field = field;
  e.test.kind = kind;
  e.test.pattern = pattern;
  return e;
}

Expr node(ExprKind k, std::vector<Expr> kids) {
  if (kids.size() == 1) return std::move(kids[0]);
  Expr e;
  e.kind = k;
  e.children = std::move(kids);
  return e;
}

// field is absent/null, or equals one of the values (case-insensitive).
Expr lenient_in(const std::string& field, const std::vector<std::string>& values) {
  std::vector<Expr> alts;
  alts.push_back(test(field, TestKind::kIsNull));
  for (const std::string& v : values) {
    std::string g;
    text::glob_append_literal(v, g);
    alts.push_back(test(field, TestKind::kGlob, g));
  }
  return node(ExprKind::kOr, std::move(alts));
}

}  // namespace

const LogsourceMap& builtin_logsources() {
  static const LogsourceMap kMap = [] {
    LogsourceMap m;
    for (std::size_t i = 0; i < kEmbeddedSchemaCount; ++i) {
      if (std::string_view(kEmbeddedSchemas[i].path).find("logsources.yml") == std::string_view::npos) continue;
      YAML::Node root = YAML::Load(std::string(kEmbeddedSchemas[i].text));
      for (auto it = root["windows"]["services"].begin(); it != root["windows"]["services"].end(); ++it)
        m.windows_services[it->first.as<std::string>()] = parse_alts(it->second);
      for (auto it = root["windows"]["categories"].begin(); it != root["windows"]["categories"].end(); ++it)
        m.windows_categories[it->first.as<std::string>()] = parse_alts(it->second);
    }
    return m;
  }();
  return kMap;
}

std::optional<Expr> logsource_guard(const RuleMeta& meta, const LogsourceMap& map) {
  if (!meta.product.empty() && meta.product != "windows")
    return test("Channel", TestKind::kIsNull);  // non-Windows records carry no Windows channel
  if (meta.product != "windows" && meta.service.empty() && meta.category.empty()) return std::nullopt;
  const std::vector<LogsourceAlt>* alts = nullptr;
  if (auto it = map.windows_services.find(meta.service); !meta.service.empty() && it != map.windows_services.end())
    alts = &it->second;
  else if (auto c = map.windows_categories.find(meta.category); !meta.category.empty() && c != map.windows_categories.end())
    alts = &c->second;
  if (!alts) return std::nullopt;
  std::vector<Expr> any;
  for (const LogsourceAlt& a : *alts) {
    std::vector<Expr> all;
    all.push_back(lenient_in("Channel", a.channels));
    if (!a.event_ids.empty()) {
      std::vector<std::string> ids;
      for (auto id : a.event_ids) ids.push_back(std::to_string(id));
      all.push_back(lenient_in("EventID", ids));
    }
    any.push_back(node(ExprKind::kAnd, std::move(all)));
  }
  return node(ExprKind::kOr, std::move(any));
}

}  // namespace sigmatch::sema
