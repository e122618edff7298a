// schema.hpp — field schemas (data in rules/schema/*.yml, embedded at build time): for each
// logsource, the System fields, the `%%` message codes and, per EventID and version, the
// EventData fields in XML order with their types. Used by sema for typed values and for the
// unknown-field / impossible-value checks. Tested by tests/unit/schema_test.cpp.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compiler/diag/diagnostic.hpp"

namespace sigmatch::sema {

enum class FieldType : std::uint8_t { kString, kInt, kHexInt, kSid, kGuid, kTime, kFileTime, kCode };
std::optional<FieldType> parse_field_type(const std::string& s);
const char* field_type_name(FieldType t);

struct SchemaField {
  std::string name;
  FieldType type = FieldType::kString;
  std::vector<std::string> codes;  // kCode: the codes this field may hold
};

struct SchemaEvent {
  std::int64_t event_id = 0;
  std::int64_t version = 0;
  std::string title;
  std::vector<SchemaField> fields;
};

struct Schema {
  std::string file;
  std::string product, category, service, channel, provider;
  std::vector<SchemaField> system;
  std::map<std::string, std::string> codes;  // "%%2500" -> "User key."
  std::vector<SchemaEvent> events;

  bool has_event(std::int64_t id) const;
  // The field named `name` for any version of any of `ids` (or a System field); null if none.
  const SchemaField* find(const std::vector<std::int64_t>& ids, const std::string& name) const;
  // Every field name valid for `ids` (System first), for "did you mean".
  std::vector<std::string> field_names(const std::vector<std::int64_t>& ids) const;
};

// Parses one schema YAML document; problems go to `sink` with positions.
bool parse_schema(const std::string& file, const std::string& text, Schema* out, diag::DiagSink& sink);
// The schemas compiled into the binary from rules/schema/ (parsed once, thread-safe).
const std::vector<Schema>& builtin_schemas();
std::uint32_t builtin_schema_hash();

}  // namespace sigmatch::sema
