// runtime.cpp — implements include/sigmatch/runtime.hpp and status.hpp on top of the verifier
// and the VM. Tested by tests/unit/runtime_api_test.cpp and examples/embed_cpp.
#include "sigmatch/runtime.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "runtime/load/verifier.hpp"
#include "runtime/vm/parallel.hpp"
#include "runtime/vm/vm.hpp"

namespace sigmatch {

std::string_view status_code_name(StatusCode code) {
  switch (code) {
#define STATUS(name, c_name, num, msg) case StatusCode::name: return #name;
#include "sigmatch/status_codes.def"
#undef STATUS
  }
  return "kUnknown";
}

std::string_view status_code_message(StatusCode code) {
  switch (code) {
#define STATUS(name, c_name, num, msg) case StatusCode::name: return msg;
#include "sigmatch/status_codes.def"
#undef STATUS
  }
  return "unknown status";
}

std::string Status::message() const {
  std::string m(status_code_message(code_));
  if (pc_ >= 0) m += " at instruction " + std::to_string(pc_);
  if (offset_ >= 0) m += (pc_ >= 0 ? " (offset " : " at offset ") + std::to_string(offset_) + (pc_ >= 0 ? ")" : "");
  if (!detail_.empty()) m += ": " + detail_;
  return m;
}

Program::~Program() = default;

namespace {

vm::PrepareOptions prepare_options(const LoadOptions& o) {
  return vm::PrepareOptions{o.prefilter,         o.dispatch,   o.scan_cache, o.regex_guards,
                            o.prefilter_clauses, o.kill_lists, true,         o.threads,
                            o.defer_clauses};
}

}  // namespace

Status Program::load(std::string_view bytes, std::shared_ptr<const Program>* out,
                     const LoadOptions& options) {
  std::unique_ptr<vm::VerifiedProgram> vp;
  Status s = load::verify(bytes, &vp, prepare_options(options));
  if (!s.ok()) return s;
  std::shared_ptr<Program> p(new Program());
  p->impl_ = std::move(vp);
  *out = std::move(p);
  return s;
}

Status Program::load_file(const std::string& path, std::shared_ptr<const Program>* out,
                          const LoadOptions& options) {
  // One buffer, read in large blocks and handed to the verifier, which keeps it as the
  // program's bytes: the stream copies (ifstream -> ostringstream -> string -> the program's
  // copy) were ~10% of a 2-thread load of the all-Windows image (perf). Reading stops one
  // byte past the image size limit, which the verifier then refuses.
  // The load's helper threads start first: reading the file hides their wake-up.
  // (Or the caller's, when it has one in scope: vm::SpinPool::Scope.)
  std::optional<vm::SpinPool> pool;
  vm::PrepareOptions prep = prepare_options(options);
  if (options.threads > 1) {
    prep.pool = vm::SpinPool::current();
    if (!prep.pool) prep.pool = &pool.emplace(options.threads - 1);
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status(StatusCode::kIoError, "cannot open " + path);
  // A regular file is read in one request of its size + 1 (the extra byte sees a file that
  // grew since fstat: reading then goes on in blocks); anything else in 1 MiB blocks.
  constexpr std::size_t kBlock = std::size_t{1} << 20;
  std::size_t want = kBlock;
  struct stat st {};
  if (::fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
    want = std::min<std::size_t>(static_cast<std::size_t>(st.st_size), load::kMaxImageBytes) + 1;
  std::string bytes;
  bool read_error = false;
  while (bytes.size() <= load::kMaxImageBytes) {
    const std::size_t at = bytes.size(), n = std::min(want, load::kMaxImageBytes + 1 - at);
    bytes.resize(at + n);
    const std::size_t got = std::fread(bytes.data() + at, 1, n, f);
    bytes.resize(at + got);
    if (got < n) {
      read_error = std::ferror(f) != 0;
      break;
    }
    want = kBlock;
  }
  std::fclose(f);
  if (read_error) return Status(StatusCode::kIoError, "cannot read " + path);
  std::unique_ptr<vm::VerifiedProgram> vp;
  Status s = load::verify_owned(std::move(bytes), &vp, prep);
  if (!s.ok()) return s;
  std::shared_ptr<Program> p(new Program());
  p->impl_ = std::move(vp);
  *out = std::move(p);
  return s;
}

std::size_t Program::field_count() const { return impl_->fields.size(); }
std::string_view Program::field_name(std::size_t i) const { return impl_->fields.at(i); }
std::size_t Program::rule_count() const { return impl_->rules.size(); }
bool Program::wants_all_values() const { return impl_->wants_all_values(); }

RuleInfo Program::rule(std::size_t i) const {
  const vm::Rule& r = impl_->rules.at(i);
  RuleInfo info{r.id, r.title, r.level, {}};
  std::string_view t = r.tags;
  while (!t.empty()) {
    auto comma = t.find(',');
    info.tags.push_back(t.substr(0, comma));
    if (comma == std::string_view::npos) break;
    t.remove_prefix(comma + 1);
  }
  return info;
}

Matcher::Matcher(std::shared_ptr<const Program> program)
    : program_(std::move(program)), scratch_(std::make_unique<vm::Scratch>(program_->verified())) {}
Matcher::~Matcher() = default;
Matcher::Matcher(Matcher&&) noexcept = default;
Matcher& Matcher::operator=(Matcher&&) noexcept = default;

void Matcher::match(const Event& event, std::vector<std::uint32_t>& out) {
  vm::run(program_->verified(), *scratch_, event, out);
}

MatcherStats Matcher::stats() const {
  MatcherStats st;
  st.records = scratch_->records_;
  st.rules_run = scratch_->rules_run_;
  st.cache_lookups = scratch_->scan_cache_.stats.lookups;
  st.cache_hits = scratch_->scan_cache_.stats.hits;
  return st;
}

}  // namespace sigmatch
