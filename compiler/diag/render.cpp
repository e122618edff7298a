// render.cpp — diagnostics as text (file:line:col: error[CODE]: msg + source line + caret),
// JSON (one array) and SARIF 2.1.0. Deterministic. Tested by tests/diagnostics/.
#include <fmt/format.h>

#include "compiler/diag/diagnostic.hpp"

namespace sigmatch::diag {
namespace {

std::string_view sev_text(Severity s) {
  return s == Severity::kError ? "error" : s == Severity::kWarning ? "warning" : "note";
}


// Control bytes (a NUL from yaml-cpp's "unknown escape character: \0", a binary file passed
// as a rule) must not reach the terminal raw: a NUL would end the C string the CLI prints and
// swallow every later diagnostic of the batch.
std::string printable(std::string_view s) {
  std::string o;
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) o += fmt::format("\\x{:02x}", c);
    else o += static_cast<char>(c);
  }
  return o;
}

std::string where(const SourceLoc& l) {
  if (l.file.empty()) return "";
  if (l.line == 0) return l.file + ": ";
  return fmt::format("{}:{}:{}: ", l.file, l.line, l.col);
}

void excerpt(std::string& out, const SourceLoc& l, const SourceCache& src) {
  if (l.line == 0) return;
  std::string_view line = src.line(l.file, l.line);
  if (line.empty()) return;
  std::string shown(line);
  for (char& c : shown)  // same width, so the caret still lines up
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) c = '?';
  out += fmt::format("  {} | {}\n", l.line, shown);
  std::string pad(fmt::format("  {} | ", l.line).size(), ' ');
  // Keep tabs so the caret lines up under tab-indented text.
  for (std::uint32_t i = 0; i + 1 < l.col && i < line.size(); ++i) pad += line[i] == '\t' ? '\t' : ' ';
  std::uint32_t width = std::max<std::uint32_t>(1, l.length);
  if (l.col - 1 < line.size()) width = std::min<std::uint32_t>(width, line.size() - (l.col - 1));
  out += pad + "^" + std::string(width > 1 ? width - 1 : 0, '~') + "\n";
}

}  // namespace

std::string json_str(std::string_view s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      case '\r': o += "\\r"; break;
      default:
        if (c < 0x20) o += fmt::format("\\u{:04x}", c);
        else o += static_cast<char>(c);
    }
  }
  return o + "\"";
}

std::string render_text(const std::vector<Diagnostic>& diags, const SourceCache& src) {
  std::string out;
  for (const Diagnostic& d : diags) {
    out += fmt::format("{}{}[{}]: {}\n", where(d.loc), sev_text(d.severity), code_text(d.code), printable(d.message));
    excerpt(out, d.loc, src);
    for (const Note& n : d.notes) {
      out += fmt::format("{}note: {}\n", where(n.loc), printable(n.message));
      excerpt(out, n.loc, src);
    }
  }
  return out;
}

std::string render_json(const std::vector<Diagnostic>& diags) {
  std::string out = "[";
  bool first = true;
  for (const Diagnostic& d : diags) {
    out += first ? "\n" : ",\n";
    first = false;
    out += fmt::format(
        "  {{\"file\": {}, \"line\": {}, \"column\": {}, \"length\": {}, \"severity\": \"{}\", "
        "\"code\": \"{}\", \"name\": \"{}\", \"message\": {}, \"notes\": [",
        json_str(d.loc.file), d.loc.line, d.loc.col, d.loc.length, sev_text(d.severity),
        code_text(d.code), code_name(d.code), json_str(d.message));
    for (std::size_t i = 0; i < d.notes.size(); ++i)
      out += fmt::format("{}{{\"file\": {}, \"line\": {}, \"column\": {}, \"message\": {}}}",
                         i ? ", " : "", json_str(d.notes[i].loc.file), d.notes[i].loc.line,
                         d.notes[i].loc.col, json_str(d.notes[i].message));
    out += "]}";
  }
  return out + (first ? "]\n" : "\n]\n");
}

std::string render_sarif(const std::vector<Diagnostic>& diags) {
  std::string rules;
  {
    bool first = true;
#define DIAG(code, sev, name)                                                                  \
  rules += fmt::format("{}\n          {{\"id\": \"{}\", \"name\": \"{}\", "                    \
                       "\"defaultConfiguration\": {{\"level\": \"{}\"}}}}",                     \
                       first ? "" : ",", #code, name,                                          \
                       Severity::sev == Severity::kError ? "error" : "warning");               \
  first = false;
#include "compiler/diag/diag_codes.def"
#undef DIAG
  }
  std::string results;
  bool first = true;
  for (const Diagnostic& d : diags) {
    std::string msg = d.message;
    for (const Note& n : d.notes) msg += "\nnote: " + n.message;
    results += fmt::format(
        "{}\n        {{\"ruleId\": \"{}\", \"level\": \"{}\", \"message\": {{\"text\": {}}}, "
        "\"locations\": [{{\"physicalLocation\": {{\"artifactLocation\": {{\"uri\": {}}}",
        first ? "" : ",", code_text(d.code), d.severity == Severity::kError ? "error" : d.severity == Severity::kWarning ? "warning" : "note",
        json_str(msg), json_str(d.loc.file));
    if (d.loc.line > 0)
      results += fmt::format(", \"region\": {{\"startLine\": {}, \"startColumn\": {}, \"endColumn\": {}}}",
                             d.loc.line, d.loc.col, d.loc.col + std::max<std::uint32_t>(1, d.loc.length));
    results += "}}]}";
    first = false;
  }
  return fmt::format(
      "{{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n"
      "  \"runs\": [\n    {{\n      \"tool\": {{\"driver\": {{\"name\": \"sigmatch\", \"informationUri\": "
      "\"https://github.com/sigmatch/sigmatch\", \"version\": \"0.1.0\", \"rules\": [{}\n        ]}}}},\n"
      "      \"results\": [{}\n      ]\n    }}\n  ]\n}}\n",
      rules, results);
}

}  // namespace sigmatch::diag
