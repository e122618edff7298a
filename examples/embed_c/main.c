/* embed_c — embedding the sigmatch runtime from C with the C API (sigmatch/sigmatch.h): load a
 * compiled image, read flat JSON Lines from stdin, print "record N: rule_id title" for every
 * (record, matching rule) — the same output as examples/embed_cpp. Built against the installed
 * package by examples/CMakeLists.txt; tested by tests/cli/examples_test.sh (ctest
 * examples_test).
 *
 *   sigmatch compile rules/windows/security -o security.smc
 *   embed_c security.smc < examples/events/sample.flat.jsonl
 *
 * The input parser is deliberately tiny and only handles FLAT objects whose values are strings,
 * numbers, true/false or null, one object per line (at most 64 KiB). Limits: nested
 * objects/arrays are rejected (the record is reported and skipped); string escapes \" \\ \/
 * \b \f \n \r \t are decoded, \uXXXX only for code points below 0x80 (others are rejected);
 * keys must equal the program's field names (no shipper-shape mapping). A real host would use
 * its own JSON parser and call sigmatch_event_set the same way. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sigmatch/sigmatch.h>

#define MAX_LINE (64 * 1024)
#define MAX_MATCHES 256

typedef struct {
  char* p; /* cursor; strings are decoded in place */
  const char* error;
} Parser;

static void skip_ws(Parser* ps) {
  while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n') ++ps->p;
}

/* Parses a JSON string at ps->p, decoding it in place; *out and *len receive the decoded text. */
static int parse_string(Parser* ps, char** out, size_t* len) {
  char* w;
  if (*ps->p != '"') return ps->error = "expected a string", 0;
  w = *out = ++ps->p;
  for (;;) {
    char c = *ps->p++;
    if (c == '\0') return ps->error = "unterminated string", 0;
    if (c == '"') break;
    if (c == '\\') {
      char e = *ps->p++;
      switch (e) {
        case '"': case '\\': case '/': c = e; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u': {
          unsigned cp = 0;
          int i;
          for (i = 0; i < 4; ++i) {
            char h = *ps->p++;
            cp <<= 4;
            if (h >= '0' && h <= '9') cp |= (unsigned)(h - '0');
            else if (h >= 'a' && h <= 'f') cp |= (unsigned)(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') cp |= (unsigned)(h - 'A' + 10);
            else return ps->error = "bad \\u escape", 0;
          }
          if (cp >= 0x80) return ps->error = "non-ASCII \\u escape not supported by this example", 0;
          c = (char)cp;
          break;
        }
        default: return ps->error = "bad escape", 0;
      }
    }
    *w++ = c;
  }
  *len = (size_t)(w - *out);
  return 1;
}

static int set_field(const sigmatch_program* prog, sigmatch_event* ev, const char* key,
                     const char* value, size_t len, int is_null) {
  size_t slot;
  if (!is_null && sigmatch_program_wants_all_values(prog)) sigmatch_event_add_value(ev, value, len);
  for (slot = 0; slot < sigmatch_program_field_count(prog); ++slot) {
    if (strcmp(sigmatch_program_field_name(prog, slot), key) != 0) continue;
    return (is_null ? sigmatch_event_set_null(ev, slot) : sigmatch_event_set(ev, slot, value, len)) == SIGMATCH_OK;
  }
  return 1; /* a key the program does not read */
}

/* Fills ev from one flat JSON object; returns 0 and sets ps->error on malformed input. */
static int parse_record(Parser* ps, const sigmatch_program* prog, sigmatch_event* ev) {
  skip_ws(ps);
  if (*ps->p++ != '{') return ps->error = "expected '{'", 0;
  skip_ws(ps);
  if (*ps->p == '}') {
    ++ps->p;
  } else {
    for (;;) {
      char *key, *value;
      size_t key_len, len = 0;
      int is_null = 0;
      skip_ws(ps);
      if (!parse_string(ps, &key, &key_len)) return 0;
      skip_ws(ps);
      if (*ps->p++ != ':') return ps->error = "expected ':'", 0;
      skip_ws(ps);
      if (*ps->p == '"') {
        if (!parse_string(ps, &value, &len)) return 0;
      } else if (*ps->p == '{' || *ps->p == '[') {
        return ps->error = "nested objects/arrays are not supported by this example", 0;
      } else if (strncmp(ps->p, "null", 4) == 0) {
        value = ps->p;
        ps->p += 4;
        is_null = 1;
      } else {
        value = ps->p; /* number, true or false: kept as written */
        while (isalnum((unsigned char)*ps->p) || *ps->p == '-' || *ps->p == '+' || *ps->p == '.') ++ps->p;
        len = (size_t)(ps->p - value);
        if (len == 0) return ps->error = "expected a value", 0;
      }
      skip_ws(ps);
      {
        char sep = *ps->p++;
        key[key_len] = '\0'; /* safe: the key's closing quote or later is overwritten */
        if (!set_field(prog, ev, key, value, len, is_null)) return ps->error = "cannot set field", 0;
        if (sep == '}') break;
        if (sep != ',') return ps->error = "expected ',' or '}'", 0;
      }
    }
  }
  skip_ws(ps);
  if (*ps->p != '\0') return ps->error = "trailing characters after the object", 0;
  return 1;
}

int main(int argc, char** argv) {
  char err[512];
  sigmatch_program* prog = NULL;
  sigmatch_event* ev;
  sigmatch_matcher* m;
  static char line[MAX_LINE];
  uint32_t rules[MAX_MATCHES];
  unsigned long record = 0, bad = 0;
  sigmatch_status s;

  if (argc != 2) {
    fprintf(stderr, "usage: %s RULES.smc < events.jsonl\n", argv[0]);
    return 2;
  }
  s = sigmatch_program_load_file(argv[1], &prog, err, sizeof err);
  if (s != SIGMATCH_OK) {
    fprintf(stderr, "%s: %s (status %d)\n", argv[1], err, (int)s);
    return 2;
  }
  ev = sigmatch_event_new(prog);
  m = sigmatch_matcher_new(prog);
  if (ev == NULL || m == NULL) {
    fprintf(stderr, "out of memory\n");
    return 2;
  }

  while (fgets(line, sizeof line, stdin) != NULL) {
    Parser ps;
    size_t n, i;
    size_t line_len = strlen(line);
    if (line_len == sizeof line - 1 && line[line_len - 1] != '\n') {
      int c;
      while ((c = getchar()) != EOF && c != '\n') {} /* discard the rest of an overlong line */
      ++record;
      ++bad;
      fprintf(stderr, "record %lu: skipped: line longer than %d bytes\n", record, MAX_LINE - 2);
      continue;
    }
    ps.p = line;
    skip_ws(&ps);
    if (*ps.p == '\0') continue; /* blank line */
    ++record;
    sigmatch_event_clear(ev);
    ps.error = NULL;
    if (!parse_record(&ps, prog, ev)) {
      ++bad;
      fprintf(stderr, "record %lu: skipped: %s\n", record, ps.error);
      continue;
    }
    if (sigmatch_match(m, ev, rules, MAX_MATCHES, &n) != SIGMATCH_OK) {
      fprintf(stderr, "record %lu: match failed\n", record);
      continue;
    }
    for (i = 0; i < n && i < MAX_MATCHES; ++i)
      printf("record %lu: %s %s\n", record, sigmatch_program_rule_id(prog, rules[i]),
             sigmatch_program_rule_title(prog, rules[i]));
  }
  if (bad != 0) fprintf(stderr, "%lu malformed record(s) skipped\n", bad);
  sigmatch_matcher_free(m);
  sigmatch_event_free(ev);
  sigmatch_program_free(prog);
  return 0;
}
