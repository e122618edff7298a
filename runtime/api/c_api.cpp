// c_api.cpp — implements the C API (include/sigmatch/sigmatch.h) on top of the C++ API
// (runtime.hpp). Every entry point catches everything: no exception crosses the C boundary.
// Tested by tests/unit/c_api_test.c and examples/embed_c.
#include "sigmatch/sigmatch.h"

#include <cstddef>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "sigmatch/runtime.hpp"
#include "sigmatch/version.hpp"

// The C enum and the C++ enum come from the same .def; check the numbers anyway.
#define STATUS(name, c_name, num, msg)                                                   \
  static_assert(static_cast<int>(SIGMATCH_##c_name) ==                                   \
                    static_cast<int>(sigmatch::StatusCode::name),                        \
                "C and C++ status numbers differ: " #name);
#include "sigmatch/status_codes.def"
#undef STATUS

namespace {

struct CRule {
  std::string id, title, level;
};

}  // namespace

struct sigmatch_program {
  std::shared_ptr<const sigmatch::Program> program;
  std::vector<std::string> fields;  // NUL-terminated copies for the C accessors
  std::vector<CRule> rules;
};

struct sigmatch_event {
  std::shared_ptr<const sigmatch::Program> program;
  // Owned copies of the values; capacity is kept across clear() so steady state allocates
  // nothing. Views into them are made only at match time (the strings may move until then).
  std::vector<std::string> values;
  std::vector<sigmatch::ValueState> states;
  std::vector<std::string> keyword_values;
  std::size_t keyword_count = 0;
};

struct sigmatch_matcher {
  std::shared_ptr<const sigmatch::Program> program;
  sigmatch::Matcher matcher;
  sigmatch::Event event;  // rebuilt from a sigmatch_event on every match
  std::vector<std::uint32_t> matched;
  explicit sigmatch_matcher(std::shared_ptr<const sigmatch::Program> p)
      : program(p), matcher(p), event(p->field_count()) {}
};

namespace {

void write_error(char* err, std::size_t err_len, const std::string& message) {
  if (err == nullptr || err_len == 0) return;
  std::size_t n = message.size() < err_len - 1 ? message.size() : err_len - 1;
  std::memcpy(err, message.data(), n);
  err[n] = '\0';
}

sigmatch_status to_c(sigmatch::StatusCode code) { return static_cast<sigmatch_status>(code); }

sigmatch_status finish_load(const sigmatch::Status& status,
                            std::shared_ptr<const sigmatch::Program> program,
                            sigmatch_program** out, char* err, std::size_t err_len) {
  if (!status.ok()) {
    write_error(err, err_len, status.message());
    return to_c(status.code());
  }
  auto handle = std::make_unique<sigmatch_program>();
  handle->fields.reserve(program->field_count());
  for (std::size_t i = 0; i < program->field_count(); ++i)
    handle->fields.emplace_back(program->field_name(i));
  handle->rules.reserve(program->rule_count());
  for (std::size_t i = 0; i < program->rule_count(); ++i) {
    sigmatch::RuleInfo info = program->rule(i);
    handle->rules.push_back(
        CRule{std::string(info.id), std::string(info.title), std::string(info.level)});
  }
  handle->program = std::move(program);
  *out = handle.release();
  write_error(err, err_len, "");
  return SIGMATCH_OK;
}

sigmatch_status internal_error(char* err, std::size_t err_len, const char* what) {
  write_error(err, err_len, std::string("internal error: ") + what);
  return SIGMATCH_INVALID_ARGUMENT;
}

// The C options as LoadOptions; false (and a message) when `size` does not cover them.
bool load_options(const sigmatch_load_options* in, sigmatch::LoadOptions* out, char* err, size_t err_len) {
  *out = sigmatch::LoadOptions{};
  if (in == nullptr) return true;
  if (in->size < offsetof(sigmatch_load_options, threads) + sizeof in->threads) {
    write_error(err, err_len, "options->size is smaller than sigmatch_load_options (call sigmatch_load_options_init)");
    return false;
  }
  out->threads = in->threads == 0 ? 1 : in->threads;
  return true;
}

// The load entry points' shared frame: argument checks, options, and no exception escaping.
template <class Load>
sigmatch_status load_program(const sigmatch_load_options* options, sigmatch_program** out, char* err,
                             size_t err_len, Load&& load) {
  try {
    sigmatch::LoadOptions lo;
    if (!load_options(options, &lo, err, err_len)) return SIGMATCH_INVALID_ARGUMENT;
    std::shared_ptr<const sigmatch::Program> program;
    sigmatch::Status s = load(lo, &program);
    return finish_load(s, std::move(program), out, err, err_len);
  } catch (const std::bad_alloc&) {
    write_error(err, err_len, "out of memory");
    return SIGMATCH_TOO_LARGE;
  } catch (const std::exception& e) {
    return internal_error(err, err_len, e.what());
  } catch (...) {
    return internal_error(err, err_len, "unknown exception");
  }
}

}  // namespace

extern "C" {

const char* sigmatch_version(void) { return sigmatch::kLibraryVersion; }

const char* sigmatch_status_message(sigmatch_status status) {
  switch (static_cast<int>(status)) {
#define STATUS(name, c_name, num, msg) case num: return msg;
#include "sigmatch/status_codes.def"
#undef STATUS
    default: return "unknown status";
  }
}

void sigmatch_load_options_init(sigmatch_load_options* options) {
  if (options == nullptr) return;
  *options = sigmatch_load_options{};
  options->size = sizeof(sigmatch_load_options);
  options->threads = 1;
}

sigmatch_status sigmatch_program_load_opts(const void* bytes, size_t n, const sigmatch_load_options* options,
                                           sigmatch_program** out, char* err, size_t err_len) {
  if (out == nullptr) {
    write_error(err, err_len, "out is NULL");
    return SIGMATCH_INVALID_ARGUMENT;
  }
  *out = nullptr;
  if (bytes == nullptr && n != 0) {
    write_error(err, err_len, "bytes is NULL");
    return SIGMATCH_INVALID_ARGUMENT;
  }
  const std::string_view image(static_cast<const char*>(bytes), bytes ? n : 0);
  return load_program(options, out, err, err_len, [&](const sigmatch::LoadOptions& lo, auto* program) {
    return sigmatch::Program::load(image, program, lo);
  });
}

sigmatch_status sigmatch_program_load_file_opts(const char* path, const sigmatch_load_options* options,
                                                sigmatch_program** out, char* err, size_t err_len) {
  if (out == nullptr || path == nullptr) {
    write_error(err, err_len, out == nullptr ? "out is NULL" : "path is NULL");
    if (out != nullptr) *out = nullptr;
    return SIGMATCH_INVALID_ARGUMENT;
  }
  *out = nullptr;
  return load_program(options, out, err, err_len, [&](const sigmatch::LoadOptions& lo, auto* program) {
    return sigmatch::Program::load_file(path, program, lo);
  });
}

sigmatch_status sigmatch_program_load(const void* bytes, size_t n, sigmatch_program** out,
                                      char* err, size_t err_len) {
  return sigmatch_program_load_opts(bytes, n, nullptr, out, err, err_len);
}

sigmatch_status sigmatch_program_load_file(const char* path, sigmatch_program** out, char* err,
                                           size_t err_len) {
  return sigmatch_program_load_file_opts(path, nullptr, out, err, err_len);
}

void sigmatch_program_free(sigmatch_program* program) { delete program; }

size_t sigmatch_program_field_count(const sigmatch_program* program) {
  return program ? program->fields.size() : 0;
}

const char* sigmatch_program_field_name(const sigmatch_program* program, size_t slot) {
  if (program == nullptr || slot >= program->fields.size()) return nullptr;
  return program->fields[slot].c_str();
}

int sigmatch_program_wants_all_values(const sigmatch_program* program) {
  try {
    return program && program->program->wants_all_values() ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

size_t sigmatch_program_rule_count(const sigmatch_program* program) {
  return program ? program->rules.size() : 0;
}

const char* sigmatch_program_rule_id(const sigmatch_program* program, size_t index) {
  if (program == nullptr || index >= program->rules.size()) return nullptr;
  return program->rules[index].id.c_str();
}

const char* sigmatch_program_rule_title(const sigmatch_program* program, size_t index) {
  if (program == nullptr || index >= program->rules.size()) return nullptr;
  return program->rules[index].title.c_str();
}

const char* sigmatch_program_rule_level(const sigmatch_program* program, size_t index) {
  if (program == nullptr || index >= program->rules.size()) return nullptr;
  return program->rules[index].level.c_str();
}

sigmatch_event* sigmatch_event_new(const sigmatch_program* program) {
  if (program == nullptr) return nullptr;
  try {
    auto event = std::make_unique<sigmatch_event>();
    event->program = program->program;
    event->values.resize(program->fields.size());
    event->states.assign(program->fields.size(), sigmatch::ValueState::kMissing);
    return event.release();
  } catch (...) {
    return nullptr;
  }
}

void sigmatch_event_free(sigmatch_event* event) { delete event; }

void sigmatch_event_clear(sigmatch_event* event) {
  if (event == nullptr) return;
  for (auto& s : event->states) s = sigmatch::ValueState::kMissing;
  event->keyword_count = 0;
}

sigmatch_status sigmatch_event_set(sigmatch_event* event, size_t slot, const char* value,
                                   size_t n) {
  if (event == nullptr || slot >= event->states.size() || (value == nullptr && n != 0))
    return SIGMATCH_INVALID_ARGUMENT;
  try {
    event->values[slot].assign(value ? value : "", value ? n : 0);
    event->states[slot] = sigmatch::ValueState::kPresent;
    return SIGMATCH_OK;
  } catch (...) {
    return SIGMATCH_TOO_LARGE;
  }
}

sigmatch_status sigmatch_event_set_null(sigmatch_event* event, size_t slot) {
  if (event == nullptr || slot >= event->states.size()) return SIGMATCH_INVALID_ARGUMENT;
  event->states[slot] = sigmatch::ValueState::kNull;
  return SIGMATCH_OK;
}

sigmatch_status sigmatch_event_add_value(sigmatch_event* event, const char* value, size_t n) {
  if (event == nullptr || (value == nullptr && n != 0)) return SIGMATCH_INVALID_ARGUMENT;
  try {
    if (event->keyword_count == event->keyword_values.size()) event->keyword_values.emplace_back();
    event->keyword_values[event->keyword_count++].assign(value ? value : "", value ? n : 0);
    return SIGMATCH_OK;
  } catch (...) {
    return SIGMATCH_TOO_LARGE;
  }
}

sigmatch_matcher* sigmatch_matcher_new(const sigmatch_program* program) {
  if (program == nullptr) return nullptr;
  try {
    return new sigmatch_matcher(program->program);
  } catch (...) {
    return nullptr;
  }
}

void sigmatch_matcher_free(sigmatch_matcher* matcher) { delete matcher; }

sigmatch_status sigmatch_matcher_stats_get(const sigmatch_matcher* matcher, sigmatch_matcher_stats* out) {
  if (matcher == nullptr || out == nullptr) return SIGMATCH_INVALID_ARGUMENT;
  const sigmatch::MatcherStats st = matcher->matcher.stats();  // (no allocation: cannot throw)
  out->records = st.records;
  out->rules_run = st.rules_run;
  out->cache_lookups = st.cache_lookups;
  out->cache_hits = st.cache_hits;
  return SIGMATCH_OK;
}

sigmatch_status sigmatch_match(sigmatch_matcher* matcher, const sigmatch_event* event,
                               uint32_t* out_rules, size_t cap, size_t* n_matched) {
  if (n_matched != nullptr) *n_matched = 0;
  if (matcher == nullptr || event == nullptr || (out_rules == nullptr && cap != 0))
    return SIGMATCH_INVALID_ARGUMENT;
  if (event->program != matcher->program) return SIGMATCH_INVALID_ARGUMENT;
  try {
    sigmatch::Event& ev = matcher->event;
    ev.clear();
    for (std::size_t i = 0; i < event->states.size(); ++i) {
      if (event->states[i] == sigmatch::ValueState::kPresent)
        ev.set(i, event->values[i]);
      else if (event->states[i] == sigmatch::ValueState::kNull)
        ev.set_null(i);
    }
    for (std::size_t i = 0; i < event->keyword_count; ++i) ev.add_value(event->keyword_values[i]);
    matcher->matched.clear();
    matcher->matcher.match(ev, matcher->matched);
    std::size_t n = matcher->matched.size();
    for (std::size_t i = 0; i < n && i < cap; ++i) out_rules[i] = matcher->matched[i];
    if (n_matched != nullptr) *n_matched = n;
    return SIGMATCH_OK;
  } catch (const std::bad_alloc&) {
    return SIGMATCH_TOO_LARGE;
  } catch (...) {
    return SIGMATCH_INVALID_ARGUMENT;
  }
}

}  // extern "C"
