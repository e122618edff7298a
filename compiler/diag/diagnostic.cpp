// diagnostic.cpp — DiagSink, the code table accessors and SourceCache (see diagnostic.hpp).
// Tested by tests/unit/diag_test.cpp and tests/diagnostics/.
#include "compiler/diag/diagnostic.hpp"

#include <algorithm>
#include <cstring>
#include <tuple>

namespace sigmatch::diag {
namespace {
struct CodeInfo {
  std::string_view text, name;
  Severity sev;
};
constexpr CodeInfo kCodes[] = {
#define DIAG(code, sev, name) {#code, name, Severity::sev},
#include "compiler/diag/diag_codes.def"
#undef DIAG
};
}  // namespace

std::string_view code_text(Code c) { return kCodes[static_cast<unsigned>(c)].text; }
std::string_view code_name(Code c) { return kCodes[static_cast<unsigned>(c)].name; }
Severity default_severity(Code c) { return kCodes[static_cast<unsigned>(c)].sev; }

Diagnostic& DiagSink::report(Code code, SourceLoc loc, std::string message) {
  return report(code, default_severity(code), std::move(loc), std::move(message));
}

Diagnostic& DiagSink::report(Code code, Severity sev, SourceLoc loc, std::string message) {
  diags_.push_back(Diagnostic{code, sev, std::move(loc), std::move(message), {}});
  return diags_.back();
}

std::size_t DiagSink::error_count() const {
  return std::count_if(diags_.begin(), diags_.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::kError; });
}
std::size_t DiagSink::warning_count() const {
  return std::count_if(diags_.begin(), diags_.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::kWarning; });
}

void DiagSink::sort() {
  std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.loc.file, a.loc.line, a.loc.col) < std::tie(b.loc.file, b.loc.line, b.loc.col);
  });
}

void SourceCache::add(const std::string& file, std::string text) {
  Entry e{file, std::move(text), {0}};
  // memchr rather than a byte loop: every rule file of a compile passes through here.
  const char* begin = e.text.data();
  const char* end = begin + e.text.size();
  for (const char* p = begin; (p = static_cast<const char*>(std::memchr(p, '\n', end - p))); ++p)
    e.line_starts.push_back(static_cast<std::uint32_t>(p - begin + 1));
  files_.push_back(std::move(e));
}

std::string_view SourceCache::line(const std::string& file, std::uint32_t line) const {
  for (const Entry& e : files_) {
    if (e.file != file) continue;
    if (line == 0 || line > e.line_starts.size()) return {};
    std::uint32_t b = e.line_starts[line - 1];
    std::uint32_t end = line < e.line_starts.size() ? e.line_starts[line] - 1 : e.text.size();
    std::string_view l(e.text.data() + b, end - b);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    return l;
  }
  return {};
}

}  // namespace sigmatch::diag
