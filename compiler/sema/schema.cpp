// schema.cpp — loads rules/schema/*.yml (see schema.hpp). The embedded copies come from the
// generated builtin_schemas.cpp (compiler/sema/embed_schemas.cmake).
// Tested by tests/unit/schema_test.cpp.
#include "compiler/sema/schema.hpp"

#include <yaml-cpp/yaml.h>

#include "compiler/sema/embedded.hpp"

#include <mutex>
#include <string_view>

#include "runtime/bytecode/format.hpp"

namespace sigmatch::sema {


std::optional<FieldType> parse_field_type(const std::string& s) {
  static const std::pair<const char*, FieldType> kNames[] = {
      {"string", FieldType::kString}, {"int", FieldType::kInt},   {"hexint", FieldType::kHexInt},
      {"sid", FieldType::kSid},       {"guid", FieldType::kGuid}, {"time", FieldType::kTime},
      {"filetime", FieldType::kFileTime}, {"code", FieldType::kCode}};
  for (auto& [n, t] : kNames)
    if (s == n) return t;
  return std::nullopt;
}

const char* field_type_name(FieldType t) {
  switch (t) {
    case FieldType::kString: return "string";
    case FieldType::kInt: return "int";
    case FieldType::kHexInt: return "hexint";
    case FieldType::kSid: return "sid";
    case FieldType::kGuid: return "guid";
    case FieldType::kTime: return "time";
    case FieldType::kFileTime: return "filetime";
    case FieldType::kCode: return "code";
  }
  return "?";
}

bool Schema::has_event(std::int64_t id) const {
  for (auto& e : events)
    if (e.event_id == id) return true;
  return false;
}

const SchemaField* Schema::find(const std::vector<std::int64_t>& ids, const std::string& name) const {
  for (auto& f : system)
    if (f.name == name) return &f;
  for (auto& e : events) {
    bool wanted = false;
    for (auto id : ids) wanted |= id == e.event_id;
    if (!wanted) continue;
    for (auto& f : e.fields)
      if (f.name == name) return &f;
  }
  return nullptr;
}

std::vector<std::string> Schema::field_names(const std::vector<std::int64_t>& ids) const {
  std::vector<std::string> out;
  for (auto& f : system) out.push_back(f.name);
  for (auto& e : events)
    for (auto id : ids)
      if (id == e.event_id)
        for (auto& f : e.fields) out.push_back(f.name);
  return out;
}

namespace {

bool parse_fields(const YAML::Node& list, const std::string& file, std::vector<SchemaField>* out,
                  diag::DiagSink& sink) {
  if (!list.IsSequence()) {
    sink.report(diag::Code::Y0004, {file, static_cast<std::uint32_t>(list.Mark().line + 1),
                                    static_cast<std::uint32_t>(list.Mark().column + 1), 1},
                "schema field list must be a sequence");
    return false;
  }
  for (const auto& f : list) {
    SchemaField sf;
    sf.name = f["name"].as<std::string>("");
    auto t = parse_field_type(f["type"].as<std::string>(""));
    if (sf.name.empty() || !t) {
      sink.report(diag::Code::Y0004, {file, static_cast<std::uint32_t>(f.Mark().line + 1),
                                      static_cast<std::uint32_t>(f.Mark().column + 1), 1},
                  "schema field needs a name and a known type");
      return false;
    }
    sf.type = *t;
    if (f["codes"])
      for (const auto& c : f["codes"]) sf.codes.push_back(c.as<std::string>());
    out->push_back(std::move(sf));
  }
  return true;
}

}  // namespace

bool parse_schema(const std::string& file, const std::string& text, Schema* out, diag::DiagSink& sink) {
  try {
    YAML::Node root = YAML::Load(text);
    out->file = file;
    if (auto ls = root["logsource"]) {
      out->product = ls["product"].as<std::string>("");
      out->category = ls["category"].as<std::string>("");
      out->service = ls["service"].as<std::string>("");
    }
    out->channel = root["channel"].as<std::string>("");
    out->provider = root["provider"].as<std::string>("");
    if (root["system"] && !parse_fields(root["system"], file, &out->system, sink)) return false;
    if (auto codes = root["codes"])
      for (auto it = codes.begin(); it != codes.end(); ++it)
        out->codes[it->first.as<std::string>()] = it->second.as<std::string>();
    if (auto evs = root["events"]) {
      for (const auto& e : evs) {
        SchemaEvent se;
        se.event_id = e["event_id"].as<std::int64_t>(0);
        se.version = e["version"].as<std::int64_t>(0);
        se.title = e["title"].as<std::string>("");
        if (e["fields"] && !parse_fields(e["fields"], file, &se.fields, sink)) return false;
        out->events.push_back(std::move(se));
      }
    }
    return true;
  } catch (const YAML::Exception& e) {
    sink.report(diag::Code::Y0001, {file, static_cast<std::uint32_t>(e.mark.line + 1),
                                    static_cast<std::uint32_t>(e.mark.column + 1), 1},
                "invalid schema: " + e.msg);
    return false;
  }
}

const std::vector<Schema>& builtin_schemas() {
  static const std::vector<Schema> kSchemas = [] {
    std::vector<Schema> v;
    diag::DiagSink sink;
    for (std::size_t i = 0; i < kEmbeddedSchemaCount; ++i) {
      if (std::string_view(kEmbeddedSchemas[i].path).find("logsources.yml") != std::string_view::npos) continue;
      Schema s;
      if (parse_schema(kEmbeddedSchemas[i].path, std::string(kEmbeddedSchemas[i].text), &s, sink))
        v.push_back(std::move(s));
    }
    return v;
  }();
  return kSchemas;
}

std::uint32_t builtin_schema_hash() {
  std::uint32_t h = 0;
  for (std::size_t i = 0; i < kEmbeddedSchemaCount; ++i)
    h ^= bytecode::fnv1a32(reinterpret_cast<const unsigned char*>(kEmbeddedSchemas[i].text.data()),
                           kEmbeddedSchemas[i].text.size()) + static_cast<std::uint32_t>(i);
  return h;
}

}  // namespace sigmatch::sema
