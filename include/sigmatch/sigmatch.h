/* sigmatch.h — the C API of the sigmatch runtime: load + verify a compiled image (.smc), fill
 * events slot by slot, match them. Pure C (C99), usable from C++ too. Implemented in
 * runtime/api/c_api.cpp (no exception ever crosses this boundary); tested by
 * tests/unit/c_api_test.c (compiled as C) and examples/embed_c.
 *
 * Ownership and lifetimes:
 *  - A sigmatch_program is immutable after load and may be shared between threads.
 *  - Strings returned by the program accessors (field/rule names, ids, titles, levels) are
 *    NUL-terminated and stay valid until sigmatch_program_free.
 *  - A sigmatch_matcher and a sigmatch_event belong to one thread at a time. Both keep their
 *    program alive internally, but freeing the program first is still not recommended.
 *  - sigmatch_event_set copies the value; the caller's buffer may be reused at once.
 */
#ifndef SIGMATCH_SIGMATCH_H
#define SIGMATCH_SIGMATCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes: the same names (SIGMATCH_<C_NAME>) and numbers as sigmatch::StatusCode. */
typedef enum sigmatch_status {
#define STATUS(name, c_name, num, msg) SIGMATCH_##c_name = num,
#include "sigmatch/status_codes.def"
#undef STATUS
  SIGMATCH_STATUS_FORCE_INT_ = 0x7fffffff /* not a status; keeps the enum int-sized */
} sigmatch_status;

typedef struct sigmatch_program sigmatch_program;
typedef struct sigmatch_matcher sigmatch_matcher;
typedef struct sigmatch_event sigmatch_event;

/* Library version, e.g. "0.1.0". */
const char* sigmatch_version(void);
/* One-line meaning of a status ("checksum mismatch"); "unknown status" for other numbers. */
const char* sigmatch_status_message(sigmatch_status status);

/* Loads and verifies an image. On success stores a new program in *out and returns
 * SIGMATCH_OK. On failure *out is set to NULL, and when err is non-NULL and err_len > 0 a
 * NUL-terminated message (truncated to err_len - 1 bytes) naming the offset or instruction at
 * fault is written to err. Never crashes on any byte string. */
sigmatch_status sigmatch_program_load(const void* bytes, size_t n, sigmatch_program** out,
                                      char* err, size_t err_len);
sigmatch_status sigmatch_program_load_file(const char* path, sigmatch_program** out, char* err,
                                           size_t err_len);
void sigmatch_program_free(sigmatch_program* program); /* NULL is allowed */

/* Load options (sigmatch::LoadOptions). Initialise with sigmatch_load_options_init, then set
 * fields: `size` lets later versions add fields without breaking callers built against this
 * one. threads: how many threads compile the image's regexes and build its literal indexes
 * during the load (0 or 1: none is started; the program is the same for any count). */
typedef struct sigmatch_load_options {
  size_t size; /* sizeof(sigmatch_load_options), set by sigmatch_load_options_init */
  uint32_t threads;
} sigmatch_load_options;
void sigmatch_load_options_init(sigmatch_load_options* options); /* NULL is allowed */
/* sigmatch_program_load / _load_file with options; NULL options are the defaults. A `size`
 * smaller than this version's first fields is SIGMATCH_INVALID_ARGUMENT. */
sigmatch_status sigmatch_program_load_opts(const void* bytes, size_t n, const sigmatch_load_options* options,
                                           sigmatch_program** out, char* err, size_t err_len);
sigmatch_status sigmatch_program_load_file_opts(const char* path, const sigmatch_load_options* options,
                                                sigmatch_program** out, char* err, size_t err_len);

/* Fields the program reads: slot i of an event holds field sigmatch_program_field_name(p, i).
 * Out-of-range indices and a NULL program give 0 / NULL. */
size_t sigmatch_program_field_count(const sigmatch_program* program);
const char* sigmatch_program_field_name(const sigmatch_program* program, size_t slot);
/* Nonzero when some rule has keyword (fieldless) detections: the host should then also pass
 * every scalar value of the record with sigmatch_event_add_value. */
int sigmatch_program_wants_all_values(const sigmatch_program* program);

/* Rules, in rule-table order; sigmatch_match reports these indices. level is one of
 * informational|low|medium|high|critical, or "" when unset. */
size_t sigmatch_program_rule_count(const sigmatch_program* program);
const char* sigmatch_program_rule_id(const sigmatch_program* program, size_t index);
const char* sigmatch_program_rule_title(const sigmatch_program* program, size_t index);
const char* sigmatch_program_rule_level(const sigmatch_program* program, size_t index);

/* An event with one slot per program field, all missing. NULL on allocation failure. */
sigmatch_event* sigmatch_event_new(const sigmatch_program* program);
void sigmatch_event_free(sigmatch_event* event); /* NULL is allowed */
/* Marks every slot missing and drops the keyword values; keeps memory for the next record. */
void sigmatch_event_clear(sigmatch_event* event);
/* Sets slot to the n bytes at value (copied; numbers as their decimal text). An empty value
 * (n == 0) is present-and-empty, distinct from missing and from null. */
sigmatch_status sigmatch_event_set(sigmatch_event* event, size_t slot, const char* value, size_t n);
sigmatch_status sigmatch_event_set_null(sigmatch_event* event, size_t slot);
/* Adds one scalar value of the record for keyword rules (copied). */
sigmatch_status sigmatch_event_add_value(sigmatch_event* event, const char* value, size_t n);

/* Per-thread evaluation state for one program. NULL on allocation failure. */
sigmatch_matcher* sigmatch_matcher_new(const sigmatch_program* program);
void sigmatch_matcher_free(sigmatch_matcher* matcher); /* NULL is allowed */

/* Evaluates event; writes the indices of the matching rules (rule-table order) to out_rules,
 * at most cap of them, and the total number of matching rules to *n_matched (which may exceed
 * cap). out_rules may be NULL when cap is 0. The event must come from the matcher's program
 * (SIGMATCH_INVALID_ARGUMENT otherwise). */
sigmatch_status sigmatch_match(sigmatch_matcher* matcher, const sigmatch_event* event,
                               uint32_t* out_rules, size_t cap, size_t* n_matched);

/* What a matcher has done since sigmatch_matcher_new (sigmatch::MatcherStats): records
 * matched; rules executed on them (rules_run / records: how many of the program's rules the
 * prefilter let run per record); scan-cache lookups of field values and their hits. A host
 * can log these to see what its rule set costs per record. */
typedef struct sigmatch_matcher_stats {
  uint64_t records;
  uint64_t rules_run;
  uint64_t cache_lookups;
  uint64_t cache_hits;
} sigmatch_matcher_stats;
/* Fills *out; SIGMATCH_INVALID_ARGUMENT (and *out untouched) when either pointer is NULL. */
sigmatch_status sigmatch_matcher_stats_get(const sigmatch_matcher* matcher, sigmatch_matcher_stats* out);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SIGMATCH_SIGMATCH_H */
