// rule_doc.hpp — RuleDoc: one YAML document of a rule file as structure, with the source
// position of every key and value and the YAML typing of every scalar (plain vs quoted), but
// no Sigma semantics. Output of yaml::load_rules, input of sema::check.
// Tested by tests/diagnostics/ and tests/golden/*.ast (the printer).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "compiler/diag/diagnostic.hpp"

namespace sigmatch::yaml {

struct Pos {
  std::uint32_t line = 0;  // 1-based; 0 = unknown
  std::uint32_t col = 0;   // 1-based
};

// A scalar as YAML typed it: plain scalars resolve to null/bool/int/float per the YAML 1.2
// core schema; quoted and block scalars are always strings (so '4692' stays a string).
struct Scalar {
  enum class Kind : std::uint8_t { kNull, kBool, kInt, kFloat, kString };
  Kind kind = Kind::kNull;
  std::string text;     // the decoded text ("" for an empty/implicit null)
  bool quoted = false;  // single- or double-quoted (col points at the quote)
  Pos pos;
};

struct MapEntry;

// A detection definition node: scalar, sequence or mapping (keys kept in file order).
struct Node {
  enum class Kind : std::uint8_t { kScalar, kSeq, kMap };
  Kind kind = Kind::kScalar;
  Pos pos;
  Scalar scalar;                                // kScalar
  std::vector<Node> items;                      // kSeq
  std::vector<MapEntry> entries;                // kMap: key (as scalar) -> value
};

// Defined after Node so that Node is complete here (a std::pair of an incomplete type is
// not allowed, and clang rejects it).
struct MapEntry {
  Scalar first;
  Node second;
};

enum class DocKind : std::uint8_t { kRule, kCorrelation, kFilter };

struct RuleDoc {
  std::string file;
  std::uint32_t doc_index = 0;  // 0-based document number within the file
  DocKind kind = DocKind::kRule;
  Pos pos;                      // the document's top-level mapping
  // Metadata (empty when absent); positions of the values for lint diagnostics.
  Scalar title, id, status, description, level, author, date, modified;
  std::vector<Scalar> tags;
  std::vector<std::pair<Scalar, Scalar>> logsource;  // key -> value (product, category, ...)
  Pos logsource_pos;
  // detection: every search identifier except `condition`, in file order.
  std::vector<std::pair<Scalar, Node>> selections;
  std::vector<Scalar> conditions;  // one or more condition strings (a list means OR)
  Pos detection_pos;
  Node filter;  // kFilter documents: the `filter:` mapping as is
};

// Parses `text` (the contents of `file`) into its documents. Structural problems (YAML syntax,
// duplicate keys, missing title/detection/condition, wrong node kinds) are reported to `sink`
// with positions; a broken document is skipped and the others are still returned.
std::vector<RuleDoc> load_rules(const std::string& file, const std::string& text, diag::DiagSink& sink);

// Deterministic text tree of `doc` and its parsed conditions, every node with its line:col
// (`explain --emit=ast`, tests/golden/*.ast). Implemented in print.cpp.
std::string print(const RuleDoc& doc);

}  // namespace sigmatch::yaml
