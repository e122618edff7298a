/* c_api_test.c — tests the C API (include/sigmatch/sigmatch.h, runtime/api/c_api.cpp),
 * compiled as C. Loads the image of rules/windows/security that CMake compiles beforehand
 * (SIGMATCH_SECURITY_SMC), matches a 4692 record and a benign neighbour, and checks that
 * corrupted, truncated and empty buffers are rejected with a message, and that load options
 * (threads) give the same program. Registered as ctest
 * c_api_test in tests/CMakeLists.txt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigmatch/sigmatch.h"

#ifndef SIGMATCH_SECURITY_SMC
#error "SIGMATCH_SECURITY_SMC must name the compiled security rule pack"
#endif

#define BACKUP_ATTEMPT_ID "d06a100f-db58-4fab-8f53-fcab356648b1"

static int g_failures = 0;
static int g_checks = 0;

#define CHECK(cond)                                                   \
  do {                                                                \
    ++g_checks;                                                       \
    if (!(cond)) {                                                    \
      ++g_failures;                                                   \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                 \
  } while (0)

typedef struct {
  const char* name;
  const char* value; /* NULL = JSON null */
} Field;

/* Record 4 of examples/events/sample.flat.jsonl: alice's master key backup. */
static const Field kBackupRecord[] = {
    {"EventID", "4692"},
    {"Channel", "Security"},
    {"Provider_Name", "Microsoft-Windows-Security-Auditing"},
    {"Computer", "WS01.contoso.local"},
    {"SubjectUserSid", "S-1-5-21-1004336348-1177238915-682003330-1108"},
    {"SubjectUserName", "alice"},
    {"SubjectDomainName", "CONTOSO"},
    {"SubjectLogonId", "0x6a8f3e"},
    {"MasterKeyId", "5d0b6a1e-3f2c-4e8a-9b7d-1c4e2f6a8b90"},
    {"RecoveryServer", ""},
    {"RecoveryKeyId", "7416d98c-bb79-4c85-9bfd-ceb5890e1dfe"},
    {"FailureReason", "0x0"},
};

/* Record 1: a 4624 logon, matches nothing. */
static const Field kLogonRecord[] = {
    {"EventID", "4624"},
    {"Channel", "Security"},
    {"SubjectUserSid", "S-1-0-0"},
    {"SubjectUserName", "-"},
};

static void fill(const sigmatch_program* p, sigmatch_event* ev, const Field* fields, size_t n) {
  sigmatch_event_clear(ev);
  for (size_t slot = 0; slot < sigmatch_program_field_count(p); ++slot) {
    const char* name = sigmatch_program_field_name(p, slot);
    for (size_t i = 0; i < n; ++i) {
      if (strcmp(name, fields[i].name) != 0) continue;
      if (fields[i].value == NULL)
        CHECK(sigmatch_event_set_null(ev, slot) == SIGMATCH_OK);
      else
        CHECK(sigmatch_event_set(ev, slot, fields[i].value, strlen(fields[i].value)) == SIGMATCH_OK);
    }
  }
}

static long find_rule(const sigmatch_program* p, const char* id) {
  for (size_t i = 0; i < sigmatch_program_rule_count(p); ++i)
    if (strcmp(sigmatch_program_rule_id(p, i), id) == 0) return (long)i;
  return -1;
}

static int contains(const uint32_t* rules, size_t n, long index) {
  for (size_t i = 0; i < n; ++i)
    if ((long)rules[i] == index) return 1;
  return 0;
}

static unsigned char* read_all(const char* path, size_t* n) {
  FILE* f = fopen(path, "rb");
  unsigned char* buf = NULL;
  long size;
  if (f == NULL) return NULL;
  if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return NULL;
  }
  buf = (unsigned char*)malloc((size_t)size + 1);
  if (buf != NULL && fread(buf, 1, (size_t)size, f) != (size_t)size) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *n = (size_t)size;
  return buf;
}

static void test_status_enum(void) {
  CHECK(SIGMATCH_OK == 0);
  CHECK(SIGMATCH_TRUNCATED == 10);
  CHECK(SIGMATCH_BAD_MAGIC == 11);
  CHECK(SIGMATCH_BAD_CHECKSUM == 14);
  CHECK(SIGMATCH_INVALID_ARGUMENT == 61);
  CHECK(strcmp(sigmatch_status_message(SIGMATCH_BAD_MAGIC), "not a sigmatch image (bad magic)") == 0);
  CHECK(strcmp(sigmatch_status_message((sigmatch_status)9999), "unknown status") == 0);
  CHECK(strlen(sigmatch_version()) > 0);
}

static void test_match(void) {
  char err[256] = "untouched";
  sigmatch_program* p = NULL;
  sigmatch_status s = sigmatch_program_load_file(SIGMATCH_SECURITY_SMC, &p, err, sizeof err);
  if (s != SIGMATCH_OK) fprintf(stderr, "load %s: %s\n", SIGMATCH_SECURITY_SMC, err);
  CHECK(s == SIGMATCH_OK);
  CHECK(p != NULL);
  if (p == NULL) return;
  CHECK(err[0] == '\0');
  CHECK(sigmatch_program_rule_count(p) >= 11);
  CHECK(sigmatch_program_field_count(p) > 0);
  CHECK(sigmatch_program_field_name(p, sigmatch_program_field_count(p)) == NULL);
  CHECK(sigmatch_program_rule_id(p, sigmatch_program_rule_count(p)) == NULL);

  long backup = find_rule(p, BACKUP_ATTEMPT_ID);
  CHECK(backup >= 0);
  if (backup >= 0) {
    CHECK(strcmp(sigmatch_program_rule_title(p, (size_t)backup), "DPAPI Master Key Backup Attempt") == 0);
    CHECK(strcmp(sigmatch_program_rule_level(p, (size_t)backup), "low") == 0);
  }

  sigmatch_event* ev = sigmatch_event_new(p);
  sigmatch_matcher* m = sigmatch_matcher_new(p);
  CHECK(ev != NULL && m != NULL);
  if (ev != NULL && m != NULL) {
    uint32_t rules[64];
    size_t n = 0;

    fill(p, ev, kBackupRecord, sizeof kBackupRecord / sizeof kBackupRecord[0]);
    CHECK(sigmatch_match(m, ev, rules, 64, &n) == SIGMATCH_OK);
    CHECK(n == 1);
    CHECK(contains(rules, n, backup));

    /* cap 0: counts without writing */
    n = 99;
    CHECK(sigmatch_match(m, ev, NULL, 0, &n) == SIGMATCH_OK);
    CHECK(n == 1);

    /* the benign neighbour matches nothing, and clear() really forgets the 4692 values */
    fill(p, ev, kLogonRecord, sizeof kLogonRecord / sizeof kLogonRecord[0]);
    CHECK(sigmatch_match(m, ev, rules, 64, &n) == SIGMATCH_OK);
    CHECK(n == 0);

    /* the event can be matched again after a refill */
    fill(p, ev, kBackupRecord, sizeof kBackupRecord / sizeof kBackupRecord[0]);
    CHECK(sigmatch_match(m, ev, rules, 64, &n) == SIGMATCH_OK);
    CHECK(n == 1 && contains(rules, n, backup));

    /* the matcher's counters: four records so far (the cap-0 call counts too) */
    sigmatch_matcher_stats st;
    memset(&st, 0xff, sizeof st);
    CHECK(sigmatch_matcher_stats_get(m, &st) == SIGMATCH_OK);
    CHECK(st.records == 4);
    CHECK(st.rules_run >= 3 && st.rules_run < 4 * (uint64_t)sigmatch_program_rule_count(p));
    CHECK(st.cache_hits <= st.cache_lookups);
    CHECK(sigmatch_matcher_stats_get(NULL, &st) == SIGMATCH_INVALID_ARGUMENT);
    CHECK(sigmatch_matcher_stats_get(m, NULL) == SIGMATCH_INVALID_ARGUMENT);

    /* misuse is reported, not a crash */
    CHECK(sigmatch_event_set(ev, sigmatch_program_field_count(p), "x", 1) == SIGMATCH_INVALID_ARGUMENT);
    CHECK(sigmatch_event_set_null(NULL, 0) == SIGMATCH_INVALID_ARGUMENT);
    CHECK(sigmatch_match(NULL, ev, rules, 64, &n) == SIGMATCH_INVALID_ARGUMENT);
    CHECK(sigmatch_match(m, ev, NULL, 4, &n) == SIGMATCH_INVALID_ARGUMENT);

    /* an event of another program (even one loaded from the same file) is rejected */
    sigmatch_program* p2 = NULL;
    CHECK(sigmatch_program_load_file(SIGMATCH_SECURITY_SMC, &p2, NULL, 0) == SIGMATCH_OK);
    if (p2 != NULL) {
      sigmatch_event* ev2 = sigmatch_event_new(p2);
      CHECK(sigmatch_match(m, ev2, rules, 64, &n) == SIGMATCH_INVALID_ARGUMENT);
      sigmatch_event_free(ev2);
      sigmatch_program_free(p2);
    }
  }
  sigmatch_matcher_free(m);
  sigmatch_event_free(ev);
  sigmatch_program_free(p);
}

static void expect_rejected(const char* what, const unsigned char* bytes, size_t n) {
  char err[512];
  sigmatch_program* p = (sigmatch_program*)&err; /* must be reset to NULL */
  memset(err, 0, sizeof err);
  sigmatch_status s = sigmatch_program_load(bytes, n, &p, err, sizeof err);
  if (s == SIGMATCH_OK) fprintf(stderr, "%s: accepted\n", what);
  CHECK(s != SIGMATCH_OK);
  CHECK(p == NULL);
  CHECK(strlen(err) > 0);
  if (s == SIGMATCH_OK) sigmatch_program_free(p);
}

static void test_corrupt(void) {
  size_t n = 0;
  unsigned char* image = read_all(SIGMATCH_SECURITY_SMC, &n);
  CHECK(image != NULL && n > 64);
  if (image == NULL || n <= 64) return;

  /* the intact buffer loads */
  sigmatch_program* p = NULL;
  CHECK(sigmatch_program_load(image, n, &p, NULL, 0) == SIGMATCH_OK);
  sigmatch_program_free(p);

  unsigned char* copy = (unsigned char*)malloc(n);
  memcpy(copy, image, n);
  copy[n / 2] ^= 0x5a;
  expect_rejected("flipped byte", copy, n);
  expect_rejected("truncated", image, n / 2);
  expect_rejected("empty", image, 0);
  expect_rejected("NULL empty", NULL, 0);
  for (size_t i = 0; i < n; ++i) copy[i] = (unsigned char)(i * 2654435761u >> 13);
  expect_rejected("random bytes", copy, n);

  /* a short error buffer gets a truncated, still NUL-terminated message */
  char small[8];
  memset(small, 'x', sizeof small);
  p = NULL;
  CHECK(sigmatch_program_load(image, n / 2, &p, small, sizeof small) != SIGMATCH_OK);
  CHECK(memchr(small, '\0', sizeof small) != NULL);
  CHECK(strlen(small) == sizeof small - 1);

  /* a missing file is an I/O error */
  char err[256] = "";
  CHECK(sigmatch_program_load_file("/nonexistent/x.smc", &p, err, sizeof err) == SIGMATCH_IO_ERROR);
  CHECK(p == NULL && strlen(err) > 0);
  CHECK(sigmatch_program_load(image, n, NULL, err, sizeof err) == SIGMATCH_INVALID_ARGUMENT);

  free(copy);
  free(image);
}

/* Load options: a program loaded with threads matches as one loaded without; NULL options
 * are the defaults; a size that does not cover the fields is refused with a message. */
static void test_load_options(void) {
  char err[256];
  sigmatch_load_options o;
  sigmatch_program *one = NULL, *four = NULL, *bad = NULL;
  size_t n_image = 0;
  unsigned char* image = read_all(SIGMATCH_SECURITY_SMC, &n_image);
  CHECK(image != NULL);
  sigmatch_load_options_init(&o);
  CHECK(o.size == sizeof o && o.threads == 1);
  sigmatch_load_options_init(NULL);
  CHECK(sigmatch_program_load_file_opts(SIGMATCH_SECURITY_SMC, NULL, &one, err, sizeof err) == SIGMATCH_OK);
  o.threads = 4;
  CHECK(sigmatch_program_load_file_opts(SIGMATCH_SECURITY_SMC, &o, &four, err, sizeof err) == SIGMATCH_OK);
  if (one != NULL && four != NULL) {
    sigmatch_event* ev1 = sigmatch_event_new(one);
    sigmatch_event* ev4 = sigmatch_event_new(four);
    sigmatch_matcher* m1 = sigmatch_matcher_new(one);
    sigmatch_matcher* m4 = sigmatch_matcher_new(four);
    uint32_t r1[64], r4[64];
    size_t n1 = 0, n4 = 0, i;
    CHECK(sigmatch_program_rule_count(one) == sigmatch_program_rule_count(four));
    fill(one, ev1, kBackupRecord, sizeof kBackupRecord / sizeof kBackupRecord[0]);
    fill(four, ev4, kBackupRecord, sizeof kBackupRecord / sizeof kBackupRecord[0]);
    CHECK(sigmatch_match(m1, ev1, r1, 64, &n1) == SIGMATCH_OK);
    CHECK(sigmatch_match(m4, ev4, r4, 64, &n4) == SIGMATCH_OK);
    CHECK(n1 == 1 && n1 == n4);
    for (i = 0; i < n1 && i < n4; ++i) CHECK(r1[i] == r4[i]);
    sigmatch_matcher_free(m1);
    sigmatch_matcher_free(m4);
    sigmatch_event_free(ev1);
    sigmatch_event_free(ev4);
  }
  sigmatch_program_free(four);
  four = NULL;
  if (image != NULL) {
    CHECK(sigmatch_program_load_opts(image, n_image, &o, &four, err, sizeof err) == SIGMATCH_OK);
    CHECK(four != NULL);
  }
  o.size = sizeof(size_t); /* a caller that never called sigmatch_load_options_init */
  err[0] = '\0';
  CHECK(sigmatch_program_load_file_opts(SIGMATCH_SECURITY_SMC, &o, &bad, err, sizeof err) == SIGMATCH_INVALID_ARGUMENT);
  CHECK(bad == NULL && strstr(err, "sigmatch_load_options_init") != NULL);
  sigmatch_program_free(one);
  sigmatch_program_free(four);
  free(image);
}

int main(void) {
  test_status_enum();
  test_match();
  test_corrupt();
  test_load_options();
  printf("%d checks, %d failed\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
