// embed_cpp — embedding the sigmatch runtime from C++ with the public API only
// (sigmatch/runtime.hpp): load a compiled image, read flat JSON Lines from stdin, print
// "record N: rule_id title" for every (record, matching rule). Built against the installed
// package by examples/CMakeLists.txt; tested by tests/cli/examples_test.sh (ctest examples_test).
//
//   sigmatch compile rules/windows/security -o security.smc
//   embed_cpp security.smc < examples/events/sample.flat.jsonl
//
// The public runtime has no JSON reader (the CLI's readers are internal), so this example
// carries a deliberately tiny parser for FLAT objects: {"Key": "string" | number | true |
// false | null, ...}. Limits: nested objects/arrays are rejected (the record is reported and
// skipped); \uXXXX escapes are decoded to UTF-8 but surrogate pairs are not combined; keys are
// matched to the program's field names exactly (no shipper-shape mapping such as
// winlog.event_data.*). Production hosts should use a real JSON parser and fill the slots the
// same way.
#include <sigmatch/runtime.hpp>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

struct FlatValue {
  std::string key;
  std::string text;  // decoded string, or the number / true / false as written
  bool is_null = false;
};

class FlatJsonParser {
 public:
  explicit FlatJsonParser(std::string_view line) : s_(line) {}

  // Parses one flat object into `out`; on failure returns false and sets error().
  bool parse(std::vector<FlatValue>& out) {
    out.clear();
    skip_ws();
    if (!eat('{')) return fail("expected '{'");
    skip_ws();
    if (eat('}')) return at_end();
    for (;;) {
      FlatValue v;
      skip_ws();
      if (!parse_string(v.key)) return false;
      skip_ws();
      if (!eat(':')) return fail("expected ':'");
      skip_ws();
      if (!parse_value(v)) return false;
      out.push_back(std::move(v));
      skip_ws();
      if (eat(',')) continue;
      if (eat('}')) return at_end();
      return fail("expected ',' or '}'");
    }
  }
  const std::string& error() const { return error_; }

 private:
  bool at_end() {
    skip_ws();
    return pos_ == s_.size() ? true : fail("trailing characters after the object");
  }
  bool fail(const std::string& what) {
    error_ = what + " at column " + std::to_string(pos_ + 1);
    return false;
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r')) ++pos_;
  }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  bool parse_string(std::string& out) {
    if (!eat('"')) return fail("expected a string");
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) break;
      char e = s_[pos_++];
      switch (e) {
        case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (pos_ + 4 > s_.size()) return fail("short \\u escape");
          std::uint32_t cp = 0;
          for (int i = 0; i < 4; ++i) {
            char h = s_[pos_++];
            cp <<= 4;
            if (h >= '0' && h <= '9') cp |= h - '0';
            else if (h >= 'a' && h <= 'f') cp |= h - 'a' + 10;
            else if (h >= 'A' && h <= 'F') cp |= h - 'A' + 10;
            else return fail("bad \\u escape");
          }
          append_utf8(out, cp);
          break;
        }
        default: return fail("bad escape");
      }
    }
    return fail("unterminated string");
  }
  bool parse_value(FlatValue& v) {
    if (pos_ >= s_.size()) return fail("expected a value");
    char c = s_[pos_];
    if (c == '"') return parse_string(v.text);
    if (c == '{' || c == '[') return fail("nested objects/arrays are not supported by this example");
    if (literal("null")) {
      v.is_null = true;
      return true;
    }
    if (literal("true")) {
      v.text = "true";
      return true;
    }
    if (literal("false")) {
      v.text = "false";
      return true;
    }
    std::size_t start = pos_;
    while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) ||
                                s_[pos_] == '-' || s_[pos_] == '+' || s_[pos_] == '.' ||
                                s_[pos_] == 'e' || s_[pos_] == 'E'))
      ++pos_;
    if (pos_ == start) return fail("expected a value");
    v.text.assign(s_.substr(start, pos_ - start));
    return true;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s RULES.smc < events.jsonl\n", argv[0]);
    return 2;
  }
  std::shared_ptr<const sigmatch::Program> program;
  sigmatch::Status status = sigmatch::Program::load_file(argv[1], &program);
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n", argv[1], status.message().c_str());
    return 2;
  }

  // Resolve field names to slots once; per record only the program's fields are filled.
  std::unordered_map<std::string, std::size_t> slot_of;
  for (std::size_t i = 0; i < program->field_count(); ++i)
    slot_of.emplace(std::string(program->field_name(i)), i);
  const bool all_values = program->wants_all_values();

  sigmatch::Matcher matcher(program);
  sigmatch::Event event(program->field_count());
  std::vector<FlatValue> values;  // owns the text the event's string views point into
  std::vector<std::uint32_t> matched;
  std::string line;
  std::uint64_t record = 0, bad = 0;
  while (std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    ++record;
    FlatJsonParser parser(line);
    if (!parser.parse(values)) {
      ++bad;
      std::fprintf(stderr, "record %llu: skipped: %s\n", static_cast<unsigned long long>(record),
                   parser.error().c_str());
      continue;
    }
    event.clear();
    for (const FlatValue& v : values) {
      if (all_values && !v.is_null) event.add_value(v.text);
      auto it = slot_of.find(v.key);
      if (it == slot_of.end()) continue;
      if (v.is_null)
        event.set_null(it->second);
      else
        event.set(it->second, v.text);
    }
    matched.clear();
    matcher.match(event, matched);
    for (std::uint32_t r : matched) {
      sigmatch::RuleInfo info = program->rule(r);
      std::printf("record %llu: %.*s %.*s\n", static_cast<unsigned long long>(record),
                  static_cast<int>(info.id.size()), info.id.data(),
                  static_cast<int>(info.title.size()), info.title.data());
    }
  }
  if (bad != 0) std::fprintf(stderr, "%llu malformed record(s) skipped\n", static_cast<unsigned long long>(bad));
  return 0;
}
