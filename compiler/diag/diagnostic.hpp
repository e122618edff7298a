// diagnostic.hpp — Diagnostic (code, severity, position, message, notes) and DiagSink, the one
// place every stage reports problems. Rendering lives in render.cpp (text, JSON, SARIF).
// Tested by tests/diagnostics/ (exact expected output per broken rule file).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sigmatch::diag {

enum class Severity : std::uint8_t { kError, kWarning, kNote };

enum class Code : std::uint16_t {
#define DIAG(code, sev, name) code,
#include "compiler/diag/diag_codes.def"
#undef DIAG
};

std::string_view code_text(Code c);  // "S0006"
std::string_view code_name(Code c);  // "unknown-field"
Severity default_severity(Code c);

// 1-based line and column; line 0 means "no position" (whole file).
struct SourceLoc {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t col = 0;
  std::uint32_t length = 1;  // caret width, in bytes
};

struct Note {
  SourceLoc loc;  // may have line 0 (then printed without a position)
  std::string message;
};

struct Diagnostic {
  Code code{};
  Severity severity = Severity::kError;
  SourceLoc loc;
  std::string message;
  std::vector<Note> notes;
};

class DiagSink {
 public:
  Diagnostic& report(Code code, SourceLoc loc, std::string message);
  Diagnostic& report(Code code, Severity sev, SourceLoc loc, std::string message);
  const std::vector<Diagnostic>& all() const { return diags_; }
  std::size_t error_count() const;
  std::size_t warning_count() const;
  bool has_errors() const { return error_count() > 0; }
  // Stable order for output: by file, line, column, then report order.
  void sort();

 private:
  std::vector<Diagnostic> diags_;
};

// Source text cache for printing the offending line under a diagnostic.
class SourceCache {
 public:
  void add(const std::string& file, std::string text);
  // The line (1-based) of `file`, without its newline; empty when unknown.
  std::string_view line(const std::string& file, std::uint32_t line) const;

 private:
  struct Entry {
    std::string file;
    std::string text;
    std::vector<std::uint32_t> line_starts;
  };
  std::vector<Entry> files_;
};

// "file:line:col: error[S0006]: message" + source line + caret + notes.
std::string render_text(const std::vector<Diagnostic>& diags, const SourceCache& sources);
// A JSON string literal (quotes included) for `s`; the one quoter of every JSON sigmatch prints.
std::string json_str(std::string_view s);
std::string render_json(const std::vector<Diagnostic>& diags);
std::string render_sarif(const std::vector<Diagnostic>& diags);

}  // namespace sigmatch::diag
