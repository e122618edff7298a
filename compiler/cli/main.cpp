// main.cpp — the `sigmatch` CLI: check | compile | scan | explain | test. The contract (flags,
// output formats, exit codes) is in DESIGN.md "CLI contract"; exit codes: 0 ok, 1 rule errors
// (or failed rule tests, or malformed records with --strict), 2 usage or I/O error.
// Tested by tests/cli/ (ctest cases running the built binary) and tests/e2e.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <exception>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "compiler/pipeline.hpp"
#include "compiler/sema/check.hpp"
#include "runtime/bytecode/disasm.hpp"
#include "runtime/input/reader.hpp"
#include "runtime/vm/parallel.hpp"
#include "sigmatch/runtime.hpp"
#include "sigmatch/version.hpp"

namespace {

using namespace sigmatch;
namespace fs = std::filesystem;

// --placeholders FILE, shared by every subcommand that compiles rules.
std::map<std::string, std::vector<std::string>> g_placeholders;
// Runtime optimisation switches (scan --no-dispatch / --no-prefilter / --no-scan-cache), for
// benchmarks.
LoadOptions g_load_options;

constexpr int kExitOk = 0;
constexpr int kExitRuleErrors = 1;
constexpr int kExitUsage = 2;

using diag::json_str;

void print_diags(diag::DiagSink& sink, const diag::SourceCache& sources, const std::string& format,
                 std::FILE* out) {
  sink.sort();
  std::string text = format == "json"    ? diag::render_json(sink.all())
                     : format == "sarif" ? diag::render_sarif(sink.all())
                                         : diag::render_text(sink.all(), sources);
  std::fwrite(text.data(), 1, text.size(), out);
}

// A compiled image: named .smc, or starting with the magic, or with the mangling detector at
// bytes 4..7 (an image whose magic was damaged: loading it says so and exits 2, where reading
// it as YAML reported a meaningless syntax error as a rule error).
bool is_image_path(const std::string& p) {
  if (fs::path(p).extension() == ".smc") return true;
  std::ifstream in(p, std::ios::binary);
  char head[8] = {};
  in.read(head, 8);
  const std::string_view h(head, static_cast<std::size_t>(in.gcount()));
  return (h.size() >= 4 && h.substr(0, 4) == "SGMC") ||
         (h.size() == 8 && h.substr(4) == "\r\n\x1a\n");
}

// The end of a subcommand's --help: its exit codes (DESIGN.md "CLI contract").
std::string exit_codes(const char* ok, const char* rule_errors, const char* usage) {
  return fmt::format("\nExit codes:\n  {}  {}\n  {}  {}\n  {}  {}\n", kExitOk, ok, kExitRuleErrors,
                     rule_errors, kExitUsage, usage);
}

// Rules for scan/test/explain: .smc images are loaded, rule files/dirs are compiled. Returns
// null on failure (diagnostics already printed). *rule_errors is set when some rules failed.
std::shared_ptr<const Program> load_rules(const std::vector<std::string>& paths, int opt_level,
                                          bool* rule_errors, bool* io_error) {
  std::vector<std::string> sources;
  std::string image_path;
  for (const auto& p : paths) {
    if (!fs::is_directory(p) && is_image_path(p)) {
      if (!image_path.empty() || paths.size() > 1) {
        std::fprintf(stderr, "sigmatch: a compiled image (%s) cannot be combined with other rule paths\n", p.c_str());
        *io_error = true;
        return nullptr;
      }
      image_path = p;
    } else {
      sources.push_back(p);
    }
  }
  std::shared_ptr<const Program> prog;
  if (!image_path.empty()) {
    Status s = Program::load_file(image_path, &prog, g_load_options);
    if (!s.ok()) {
      std::fprintf(stderr, "sigmatch: %s: %s\n", image_path.c_str(), s.message().c_str());
      *io_error = true;
      return nullptr;
    }
    return prog;
  }
  diag::DiagSink sink;
  CompileOptions opts;
  opts.opt_level = opt_level;
  opts.lint = false;
  opts.placeholders = g_placeholders;
  Compilation c = compile_paths(sources, opts, sink);
  print_diags(sink, c.sources, "text", stderr);
  *rule_errors = sink.has_errors();
  for (auto& d : sink.all()) *io_error |= d.code == diag::Code::I0001;
  if (c.image.empty()) return nullptr;
  Status s = Program::load(c.image, &prog, g_load_options);
  if (!s.ok()) {
    std::fprintf(stderr, "sigmatch: internal error: %s\n", s.message().c_str());
    *io_error = true;
    return nullptr;
  }
  return prog;
}

std::vector<std::string> field_names(const Program& p) {
  std::vector<std::string> v;
  for (std::size_t i = 0; i < p.field_count(); ++i) v.emplace_back(p.field_name(i));
  return v;
}

struct ScanStats {
  std::uint64_t records = 0, evaluated = 0, malformed = 0, matches = 0, bytes = 0;
  double parse_s = 0, eval_s = 0;
  MatcherStats vm;  // summed over the Matchers (one per -j thread)
  void add(const ScanStats& o) {
    records += o.records;
    evaluated += o.evaluated;
    malformed += o.malformed;
    matches += o.matches;
    parse_s += o.parse_s;
    eval_s += o.eval_s;
    vm.records += o.vm.records;
    vm.rules_run += o.vm.rules_run;
    vm.cache_lookups += o.vm.cache_lookups;
    vm.cache_hits += o.vm.cache_hits;
  }
};

// The compilation of a `check` or `compile` run is left to the process exit, as clang's
// -disable-free does: freeing a whole corpus's documents, checked rules and IR node by node
// was 5.7% of `compile` over the SigmaHQ corpus (perf samples under ~Compilation), for memory
// the exit returns at once. The pointers stay reachable, so LeakSanitizer reports nothing.
Compilation& keep_until_exit(Compilation* c) {
  static std::vector<Compilation*>* kept = new std::vector<Compilation*>;
  kept->push_back(c);
  return *c;
}

int cmd_check(const std::vector<std::string>& paths, const std::string& format, bool werror, bool lint) {
  diag::DiagSink sink;
  CompileOptions opts;
  opts.lint = lint;
  opts.placeholders = g_placeholders;
  Compilation& c = keep_until_exit(new Compilation(compile_paths(paths, opts, sink)));
  print_diags(sink, c.sources, format, stdout);
  if (format == "text")
    std::fprintf(stderr, "%zu files, %zu rules without errors; %zu errors, %zu warnings\n", c.files.size(),
                 c.rules.size(), sink.error_count(), sink.warning_count());
  for (auto& d : sink.all())
    if (d.code == diag::Code::I0001) return kExitUsage;
  if (sink.has_errors() || (werror && sink.warning_count() > 0)) return kExitRuleErrors;
  return kExitOk;
}

int cmd_compile(const std::vector<std::string>& paths, const std::string& out_path, int opt_level,
                bool werror) {
  diag::DiagSink sink;
  CompileOptions opts;
  opts.opt_level = opt_level;
  opts.placeholders = g_placeholders;
  Compilation& c = keep_until_exit(new Compilation(compile_paths(paths, opts, sink)));
  print_diags(sink, c.sources, "text", stderr);
  for (auto& d : sink.all())
    if (d.code == diag::Code::I0001) return kExitUsage;
  if (c.image.empty()) return kExitRuleErrors;
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  out.write(c.image.data(), static_cast<std::streamsize>(c.image.size()));
  if (!out) {
    std::fprintf(stderr, "sigmatch: cannot write %s\n", out_path.c_str());
    return kExitUsage;
  }
  std::fprintf(stderr, "wrote %s: %zu rules, %zu bytes\n", out_path.c_str(), c.rules.size(), c.image.size());
  if (sink.has_errors() || (werror && sink.warning_count() > 0)) return kExitRuleErrors;
  return kExitOk;
}

// scan's match lines, `path:record: level title [id]` or one JSONL object each. The part after
// the record number depends on the rule alone: it is built once per rule and formatter, for
// the rules that match, and a match appends three pieces. Formatting each match from
// Program::rule (a tags vector and strings per call) with fmt took ~2,670 instructions a match
// (callgrind); the all-Windows bench workload has 63,483 matches in 200,000 records. One
// formatter per thread and file.
class HitFormatter {
 public:
  HitFormatter(const Program& prog, const std::string& format, const std::string& path)
      : prog_(prog), jsonl_(format == "jsonl"), tail_(prog.rule_count()) {
    head_ = jsonl_ ? "{\"source\": " + json_str(path) + ", \"record\": " : path + ":";
  }
  void append(std::string& out, std::uint64_t record, std::uint32_t rule) {
    std::string& tail = tail_.at(rule);
    if (tail.empty()) {  // (a built tail ends in a newline: never empty)
      const RuleInfo ri = prog_.rule(rule);
      tail = jsonl_ ? fmt::format(", \"rule_id\": {}, \"rule_title\": {}, \"level\": {}}}\n", json_str(ri.id),
                                  json_str(ri.title), json_str(ri.level))
                    : fmt::format(": {} {} [{}]\n", ri.level.empty() ? "-" : ri.level, ri.title, ri.id);
    }
    char num[24];
    const auto end = std::to_chars(num, num + sizeof num, record).ptr;
    out.append(head_).append(num, end).append(tail);
  }

 private:
  const Program& prog_;
  bool jsonl_;
  std::string head_;
  std::vector<std::string> tail_;
};

std::string format_malformed(const std::string& path, std::uint64_t record, const std::string& message) {
  return fmt::format("{}:{}: malformed record: {}\n", path, record, message);
}

// Evaluates every record of `reader` with `matcher`: on_hit(record, rule) per match,
// on_error(record, message) per malformed record, record numbers as the reader gives them.
template <class OnHit, class OnError>
void scan_records(input::Reader& reader, Matcher& matcher, Event& ev, bool stats, ScanStats& st, OnHit&& on_hit,
                  OnError&& on_error) {
  using clock = std::chrono::steady_clock;
  std::vector<std::uint32_t> hits;
  input::RecordError rerr;
  for (;;) {
    auto a = stats ? clock::now() : clock::time_point{};
    auto r = reader.next(ev, rerr);
    auto b = stats ? clock::now() : clock::time_point{};
    if (stats) st.parse_s += std::chrono::duration<double>(b - a).count();
    if (r == input::Reader::Next::kEnd) break;
    ++st.records;
    if (r == input::Reader::Next::kError) {
      ++st.malformed;
      on_error(rerr.record, rerr.message);
      continue;
    }
    hits.clear();
    matcher.match(ev, hits);
    if (stats) st.eval_s += std::chrono::duration<double>(clock::now() - b).count();
    ++st.evaluated;
    st.matches += hits.size();
    if (hits.empty()) continue;
    const std::uint64_t record = reader.record_number();  // one virtual call per record, not per hit
    for (std::uint32_t h : hits) on_hit(record, h);
  }
}

// One piece of a `scan -j` file. Its matches and errors are kept as numbers until every piece
// is scanned: only then are the lines before each piece known, and with them the record
// numbers to print.
struct Piece {
  std::uint64_t begin = 0, end = 0;
  std::uint64_t lines = 0;  // lines of the piece, blank ones included
  std::vector<std::pair<std::uint64_t, std::uint32_t>> hits;  // (line within the piece, rule)
  std::vector<std::pair<std::uint64_t, std::string>> errors;  // (line within the piece, message)
  std::string open_error;
  std::string out, err;  // the printed text, formatted in the second phase
};

// Where the pieces of a `scan -j N` file should start (guided self-scheduling): each piece is
// 1/(4N) of what the pieces before it left, and at least 1 MiB (or size/N, so that a small
// file still gets N pieces). The first pieces are large, so few readers are set up; the last
// ones are small, so the threads run out of work within a small piece of each other (with
// equal pieces of size/(8N), one thread could wait up to a whole piece's time for the last
// one). 142 MB at -j 2: 30 pieces, 17.7 MB down to 1 MiB.
std::vector<std::uint64_t> piece_targets(std::uint64_t size, std::size_t jobs) {
  constexpr std::uint64_t kMinPiece = std::uint64_t{1} << 20;
  const std::uint64_t least = std::max<std::uint64_t>(1, std::min<std::uint64_t>(kMinPiece, size / jobs));
  std::vector<std::uint64_t> targets;
  for (std::uint64_t at = 0;;) {
    at += std::max<std::uint64_t>(least, (size - at) / (4 * jobs));
    if (at >= size) break;
    targets.push_back(at);
  }
  return targets;
}

// Where the input's first record ends: just past the first line that is not blank (a BOM
// counts as blank), `size` when that line is the last, 0 when there is none. `scan -j` cuts
// nowhere before it: that record's error may carry the "pretty-printed JSON?" hint, which only
// the reader starting at byte 0 gives, as -j 1 does (jsonl_reader.cpp, hint_).
std::uint64_t first_record_end(int fd, std::uint64_t size, std::vector<char>& buf) {
  bool content = false;
  for (std::uint64_t at = 0; at < size;) {
    const ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(at));
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      const auto c = static_cast<unsigned char>(buf[static_cast<std::size_t>(i)]);
      if (c == '\n' && content) return at + static_cast<std::uint64_t>(i) + 1;
      content |= c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != 0xEF && c != 0xBB && c != 0xBF;
    }
    at += static_cast<std::uint64_t>(n);
  }
  return content ? size : 0;
}

// Where `scan -j` cuts a file (open as fd): the first line start at or after each target,
// found by reading forward from there in 64 KiB blocks (usually one block per target, so no
// pass over the file delays the threads; the previous design counted every line first:
// memchr fell from 3.5% to 1.6% of a -j 2 scan's perf samples without that pass). A target
// inside the line the last cut ended is skipped, so a 100 MiB record is crossed once.
std::vector<std::uint64_t> piece_cuts(int fd, std::uint64_t size, const std::vector<std::uint64_t>& targets) {
  std::vector<std::uint64_t> cuts = {0};
  std::vector<char> buf(64 << 10);
  const std::uint64_t first_end = first_record_end(fd, size, buf);
  if (first_end > 0 && first_end < size && !targets.empty() && targets.front() <= first_end)
    cuts.push_back(first_end);
  for (const std::uint64_t target : targets) {
    if (target < first_end) continue;
    if (target <= cuts.back()) continue;  // inside the line the last cut ended
    std::uint64_t at = target - 1, cut = 0;  // a cut follows a '\n' at or after target - 1
    while (at < size && cut == 0) {
      const ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(at));
      if (n <= 0) break;
      if (const void* q = std::memchr(buf.data(), '\n', static_cast<std::size_t>(n)))
        cut = at + static_cast<std::uint64_t>(static_cast<const char*>(q) - buf.data()) + 1;
      else
        at += static_cast<std::uint64_t>(n);
    }
    if (cut == 0 || cut >= size) break;
    cuts.push_back(cut);
  }
  cuts.push_back(size);
  return cuts;
}

// `scan -j N` of one JSON Lines file: cut into pieces at line starts (piece_targets). The
// pool's workers (the main thread and N - 1 helpers, vm/parallel.hpp) take the next piece from
// a shared counter, so a worker on a slower vCPU takes fewer, and each keeps one Matcher (and
// its warm scan cache) over all the pieces it takes, all sharing the one immutable Program.
// Then they format the pieces' output, which is printed in input order: the same bytes as one
// thread prints. The helpers spin between the two phases (and between files) instead of
// sleeping: a sleeping thread here took ~2 ms to wake (vm::SpinPool).
// Returns false when a piece could not be opened (reported; exit status 2).
bool scan_pieces(const std::string& path, int fd, std::uint64_t size, vm::SpinPool& pool,
                 const std::shared_ptr<const Program>& prog, const std::vector<std::string>& names,
                 const input::ShapeTable& shapes, const input::ReaderOptions& ropts, const std::string& format,
                 bool stats, ScanStats& total) {
  const std::size_t workers = pool.workers();
  const std::vector<std::uint64_t> cuts = piece_cuts(fd, size, piece_targets(size, workers));
  std::vector<Piece> pieces(cuts.size() - 1);
  for (std::size_t k = 0; k < pieces.size(); ++k) pieces[k].begin = cuts[k], pieces[k].end = cuts[k + 1];
  const input::FieldPaths paths(names, shapes);  // resolved once for all the pieces' readers
  // Each worker's own state, made when it takes its first piece, on cache lines of its own:
  // side by side in one vector, the Matchers' and Events' per-record writes shared lines and
  // slowed both workers by ~9% (parse+eval per thread, --stats). (An exception in either phase
  // stops the others taking pieces and reaches main's catch: nothing is printed.)
  struct alignas(256) Worker {
    std::optional<Matcher> matcher;
    std::optional<Event> event;
    std::optional<HitFormatter> formatter;
    ScanStats stats;
  };
  std::vector<Worker> worker(workers);
  pool.run(pieces.size(), [&](std::size_t k, unsigned w) {
    Worker& me = worker[w];
    if (!me.matcher) {
      me.matcher.emplace(prog);
      me.event.emplace(prog->field_count());
    }
    Piece& pc = pieces[k];
    auto reader = input::open_reader_range(fd, path, pc.begin, pc.end, paths, ropts, &pc.open_error);
    if (!reader) return;
    scan_records(
        *reader, *me.matcher, *me.event, stats, me.stats,
        [&](std::uint64_t record, std::uint32_t rule) { pc.hits.emplace_back(record, rule); },
        [&](std::uint64_t record, const std::string& msg) { pc.errors.emplace_back(record, msg); });
    pc.lines = reader->lines_read();
  });
  for (Worker& me : worker)
    if (me.matcher) me.stats.vm = me.matcher->stats();
  // Each piece's first line number, from the line counts of those before.
  std::vector<std::uint64_t> first_line(pieces.size() + 1, 0);
  for (std::size_t k = 0; k < pieces.size(); ++k) first_line[k + 1] = first_line[k] + pieces[k].lines;
  pool.run(pieces.size(), [&](std::size_t k, unsigned w) {
    std::optional<HitFormatter>& formatter = worker[w].formatter;
    if (!formatter) formatter.emplace(*prog, format, path);
    Piece& pc = pieces[k];
    const std::uint64_t base = first_line[k];
    for (const auto& [line, rule] : pc.hits) formatter->append(pc.out, base + line, rule);
    for (const auto& [line, msg] : pc.errors) pc.err += format_malformed(path, base + line, msg);
    pc.hits = {};
  });
  // A piece that could not be opened (the file went away) has no line count: the pieces after
  // it cannot be numbered, so the output stops there, with its error, once.
  bool ok = true;
  for (const Piece& pc : pieces) {
    if (!pc.open_error.empty()) {
      std::fprintf(stderr, "sigmatch: %s\n", pc.open_error.c_str());
      ok = false;
      break;
    }
    std::fwrite(pc.out.data(), 1, pc.out.size(), stdout);
    std::fputs(pc.err.c_str(), stderr);
  }
  for (const Worker& me : worker) total.add(me.stats);
  // How evenly the workers were loaded (their own parse + eval): the rest of the scan's wall
  // is waiting, the cuts and the output.
  if (stats) {
    std::string busy;
    for (const Worker& me : worker) busy += fmt::format(" {:.3f}", me.stats.parse_s + me.stats.eval_s);
    std::fprintf(stderr, "-j %zu: %zu pieces, parse+eval per thread (s):%s\n", workers, pieces.size(), busy.c_str());
  }
  return ok;
}

int cmd_scan(const std::vector<std::string>& rule_paths, std::vector<std::string> inputs,
             const std::string& format, bool stats, bool strict, int opt_level, const std::string& shapes_path,
             int jobs) {
  bool rule_errors = false, io_error = false;
  // -j N: N - 1 helper threads, started before the load so that the load's parallel phases
  // (g_load_options.threads) and then the pieces of each file run on the same spinning helpers.
  std::optional<vm::SpinPool> pool;
  if (jobs > 1) pool.emplace(static_cast<unsigned>(jobs - 1));
  const vm::SpinPool::Scope pool_scope(pool ? &*pool : nullptr);
  const auto load_start = std::chrono::steady_clock::now();
  auto prog = load_rules(rule_paths, opt_level, &rule_errors, &io_error);
  if (!prog) return io_error ? kExitUsage : kExitRuleErrors;
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  input::ShapeTable shapes = input::ShapeTable::builtin();
  if (!shapes_path.empty()) {
    std::ifstream in(shapes_path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string err;
    if (!in || !input::ShapeTable::parse(ss.str(), &shapes, &err)) {
      std::fprintf(stderr, "sigmatch: %s: %s\n", shapes_path.c_str(), in ? err.c_str() : "cannot read");
      return kExitUsage;
    }
  }
  if (inputs.empty()) inputs.push_back("-");
  ScanStats st;
  input::ReaderOptions ropts;
  ropts.collect_all_values = prog->wants_all_values();
  auto names = field_names(*prog);
  auto t0 = std::chrono::steady_clock::now();
  for (const std::string& path : inputs) {
    std::string err;
    std::error_code ec;
    bool regular = path != "-" && fs::is_regular_file(path, ec);
    if (regular) st.bytes += fs::file_size(path, ec);
    // -j N: a JSONL file is cut at line starts into pieces that N threads scan (scan_pieces);
    // the output is printed in input order, so the result is the same as with one thread.
    // Only JSON Lines is split: a JSON document (input::Format::kJson) cut at line ends would
    // hand each thread fragments, so it is read by one reader.
    // The file is opened once: its size, format probe, cut points and every piece's reads go
    // through that descriptor, so a path replaced during the scan (log rotation) cannot mix
    // two files' bytes or cut one file at the other's offsets.
    if (jobs > 1 && regular) {
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      struct stat sb {};
      if (fd >= 0 && ::fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
        std::string head(input::kSniffBytes, '\0');
        const ssize_t got = ::pread(fd, head.data(), head.size(), 0);
        head.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
        if (input::detect_format(head) == input::Format::kJsonl) {
          if (!scan_pieces(path, fd, static_cast<std::uint64_t>(sb.st_size), *pool, prog, names, shapes, ropts,
                           format, stats, st))
            io_error = true;
          ::close(fd);
          continue;
        }
      }
      if (fd >= 0) ::close(fd);  // not JSON Lines (or not readable as one): one reader, below
    }
    auto reader = input::open_reader(path, input::Format::kAuto, names, shapes, ropts, &err);
    if (!reader) {
      // The input layer's message already starts with the path.
      std::fprintf(stderr, "sigmatch: %s\n", err.c_str());
      io_error = true;
      continue;
    }
    // One thread: output and errors go out as they come (a pipe sees matches while a long
    // input is still being read).
    Matcher matcher(prog);
    Event ev(prog->field_count());
    HitFormatter hits(*prog, format, path);
    std::string out;
    ScanStats one;
    scan_records(
        *reader, matcher, ev, stats, one,
        [&](std::uint64_t record, std::uint32_t rule) {
          hits.append(out, record, rule);
          if (out.size() > (1 << 15)) {
            std::fwrite(out.data(), 1, out.size(), stdout);
            out.clear();
          }
        },
        [&](std::uint64_t record, const std::string& msg) {
          std::fputs(format_malformed(path, record, msg).c_str(), stderr);
        });
    one.vm = matcher.stats();
    std::fwrite(out.data(), 1, out.size(), stdout);
    st.add(one);
  }
  std::fflush(stdout);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (st.malformed > 0 || stats)
    std::fprintf(stderr, "%llu records read, %llu evaluated, %llu malformed, %llu matches\n",
                 (unsigned long long)st.records, (unsigned long long)st.evaluated,
                 (unsigned long long)st.malformed, (unsigned long long)st.matches);
  if (stats) {
    std::fprintf(stderr,
                 "rules: %zu  load: %.3f s  wall: %.3f s  %.0f records/s  %.1f MB/s  parse: %.3f s  eval: %.3f s "
                 "(eval %.0f%% of parse+eval)\n",
                 prog->rule_count(), load_s, wall, st.records / (wall > 0 ? wall : 1e-9),
                 st.bytes / 1e6 / (wall > 0 ? wall : 1e-9), st.parse_s, st.eval_s,
                 100.0 * st.eval_s / std::max(1e-9, st.parse_s + st.eval_s));
    // What the optimiser saved: the rules a record ran (of all loaded), and how often a field
    // value's scan was answered by the scan cache.
    const double per_record = st.vm.records ? static_cast<double>(st.vm.rules_run) / st.vm.records : 0;
    std::fprintf(stderr, "prefilter: %.2f of %zu rules run per record", per_record, prog->rule_count());
    if (st.vm.cache_lookups > 0)
      std::fprintf(stderr, "  scan cache: %llu lookups, %.1f%% hits", (unsigned long long)st.vm.cache_lookups,
                   100.0 * static_cast<double>(st.vm.cache_hits) / static_cast<double>(st.vm.cache_lookups));
    std::fputc('\n', stderr);
  }
  if (io_error) return kExitUsage;
  if (rule_errors || (strict && st.malformed > 0)) return kExitRuleErrors;
  return kExitOk;
}

int cmd_explain(const std::vector<std::string>& paths, const std::string& emit, int opt_level) {
  if (emit == "asm" && paths.size() == 1 && !fs::is_directory(paths[0]) && is_image_path(paths[0])) {
    std::shared_ptr<const Program> prog;
    Status s = Program::load_file(paths[0], &prog);
    if (!s.ok()) {
      std::fprintf(stderr, "sigmatch: %s: %s\n", paths[0].c_str(), s.message().c_str());
      return kExitUsage;
    }
    std::fputs(bytecode::disassemble(prog->verified(), true).c_str(), stdout);
    return kExitOk;
  }
  for (const auto& p : paths)
    if (!fs::is_directory(p) && is_image_path(p)) {
      std::fprintf(stderr, "sigmatch: %s: a compiled image can only be shown with --emit=asm, on its own\n",
                   p.c_str());
      return kExitUsage;
    }
  diag::DiagSink sink;
  CompileOptions opts;
  opts.opt_level = emit == "ir" ? 0 : opt_level;
  opts.lint = false;
  opts.placeholders = g_placeholders;
  Compilation c = compile_paths(paths, opts, sink);
  print_diags(sink, c.sources, "text", stderr);
  if (emit == "ast") {
    for (auto& d : c.docs) std::fputs(yaml::print(d).c_str(), stdout);
  } else if (emit == "checked") {
    for (auto& r : c.rules) std::fputs(sema::print(r).c_str(), stdout);
  } else if (emit == "ir" || emit == "ir-opt") {
    std::fputs(ir::print(c.module).c_str(), stdout);
  } else {
    if (c.image.empty()) return kExitRuleErrors;
    std::shared_ptr<const Program> prog;
    Status s = Program::load(c.image, &prog);
    if (!s.ok()) return kExitRuleErrors;
    std::fputs(bytecode::disassemble(prog->verified(), true).c_str(), stdout);
  }
  for (auto& d : sink.all())
    if (d.code == diag::Code::I0001) return kExitUsage;
  return sink.has_errors() ? kExitRuleErrors : kExitOk;
}

// Runs each rule's fixtures: <dir>/tests/<stem>.positive.jsonl (every record must match the
// rule) and <stem>.negative.jsonl (no record may match it).
int cmd_test(const std::vector<std::string>& paths, int opt_level) {
  diag::DiagSink sink;
  auto files = collect_rule_files(paths, sink);
  if (sink.has_errors()) {  // a path that does not exist: nothing was tested, which is no pass
    print_diags(sink, diag::SourceCache{}, "text", stderr);
    return kExitUsage;
  }
  int failures = 0, checked = 0, missing = 0;
  for (const std::string& f : files) {
    fs::path p(f);
    if (p.parent_path().filename() == "tests") continue;
    bool rule_errors = false, io_error = false;
    auto prog = load_rules({f}, opt_level, &rule_errors, &io_error);
    if (!prog) {
      std::printf("FAIL %s: does not compile\n", f.c_str());
      ++failures;
      continue;
    }
    fs::path dir = p.parent_path() / "tests";
    std::string stem = p.stem().string();
    bool any = false;
    for (bool positive : {true, false}) {
      fs::path fx = dir / (stem + (positive ? ".positive.jsonl" : ".negative.jsonl"));
      if (!fs::exists(fx)) continue;
      any = true;
      std::string err;
      input::ReaderOptions ro;
      ro.collect_all_values = prog->wants_all_values();
      auto reader = input::open_reader(fx.string(), input::Format::kAuto, field_names(*prog),
                                       input::ShapeTable::builtin(), ro, &err);
      if (!reader) {
        std::printf("FAIL %s: %s\n", fx.string().c_str(), err.c_str());
        ++failures;
        continue;
      }
      Matcher m(prog);
      Event ev(prog->field_count());
      input::RecordError rerr;
      std::vector<std::uint32_t> hits;
      for (;;) {
        auto r = reader->next(ev, rerr);
        if (r == input::Reader::Next::kEnd) break;
        ++checked;
        if (r == input::Reader::Next::kError) {
          std::printf("FAIL %s:%llu: malformed: %s\n", fx.string().c_str(), (unsigned long long)rerr.record,
                      rerr.message.c_str());
          ++failures;
          continue;
        }
        hits.clear();
        m.match(ev, hits);
        bool matched = !hits.empty();
        if (matched != positive) {
          std::printf("FAIL %s:%llu: rule %s\n", fx.string().c_str(),
                      (unsigned long long)reader->record_number(),
                      positive ? "did not match a positive record" : "matched a negative record");
          ++failures;
        }
      }
    }
    if (!any) {
      ++missing;
      std::printf("NOTE %s: no fixtures in %s\n", f.c_str(), dir.string().c_str());
    }
  }
  std::printf("%d passed, %d failed\n", checked - failures, failures);
  (void)missing;
  return failures ? kExitRuleErrors : kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sigmatch — Sigma rule compiler and matcher"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("sigmatch ") + sigmatch::kLibraryVersion);

  std::vector<std::string> paths, rules, inputs;
  std::string format = "text", out_path, emit = "asm", shapes, placeholders;
  bool werror = false, no_lint = false, stats = false, strict = false;
  int opt_level = 1, jobs = 1;

  auto* check = app.add_subcommand("check", "validate rules (files or directories)");
  check->add_option("paths", paths, "rule files or directories")->required();
  check->add_option("--format", format, "text|json|sarif")->check(CLI::IsMember({"text", "json", "sarif"}));
  check->add_flag("--werror", werror, "treat warnings as errors");
  check->add_flag("--no-lint", no_lint, "skip metadata lint warnings");
  check->footer(exit_codes("no errors (warnings allowed, unless --werror)",
                           "rule errors, or warnings with --werror",
                           "usage or I/O error: bad option, unreadable rule path"));

  auto* compile = app.add_subcommand("compile", "check rules and write a verified image");
  compile->add_option("paths", paths, "rule files or directories")->required();
  compile->add_option("-o,--output", out_path, "output .smc file")->required();
  compile->add_option("-O,--opt-level", opt_level, "0 = no optimisation, 1 = default")->check(CLI::Range(0, 1));
  compile->add_flag("--werror", werror, "treat warnings as errors");
  compile->footer(
      exit_codes("image written, no errors",
                 "rule errors, or warnings with --werror (the rules without errors are\n"
                 "     still written to the image)",
                 "usage or I/O error: bad option, unreadable rule path, image not written"));

  auto* scan = app.add_subcommand("scan", "evaluate rules against event files (JSONL, XML, EVTX)");
  scan->add_option("--rules", rules, "rule file, rule directory or .smc (repeatable)")
      ->required()
      ->allow_extra_args(false);
  scan->add_option("events", inputs, "event files, or - for stdin (default)");
  scan->add_option("--format", format, "text|jsonl")->check(CLI::IsMember({"text", "jsonl"}));
  scan->add_flag("--stats", stats, "print throughput and the parse/eval split to stderr");
  scan->add_flag("--strict", strict, "exit 1 when any record is malformed");
  scan->add_option("-O,--opt-level", opt_level, "0 = no optimisation, 1 = default")->check(CLI::Range(0, 1));
  scan->add_option("--shapes", shapes, "shape mapping JSON (default: built in)");
  scan->add_option("-j,--jobs", jobs, "threads for JSONL files (output order is kept)")->check(CLI::Range(1, 256));
  bool no_dispatch = false, no_prefilter = false, no_scan_cache = false, no_regex_guards = false,
       no_prefilter_clauses = false, no_kill_lists = false, no_defer_clauses = false;
  scan->add_flag("--no-dispatch", no_dispatch, "benchmark switch: no Channel/EventID dispatch (same matches)");
  scan->add_flag("--no-prefilter", no_prefilter, "benchmark switch: run every rule on every record (same matches)");
  scan->add_flag("--no-scan-cache", no_scan_cache, "benchmark switch: scan every value, even one seen before (same matches)");
  scan->add_flag("--no-regex-guards", no_regex_guards,
                 "benchmark switch: rules that need a regex run on every record of their group (same matches)");
  scan->add_flag("--no-prefilter-clauses", no_prefilter_clauses,
                 "benchmark switch: a rule runs when a literal of its first prefilter clause occurs (same matches)");
  scan->add_flag("--no-defer-clauses", no_defer_clauses,
                 "benchmark switch: every prefilter clause of a rule is indexed, none checked afterwards (same matches)");
  scan->add_flag("--no-kill-lists", no_kill_lists,
                 "benchmark switch: rules with no required literal run even where a found literal rules them out (same matches)");
  scan->footer(
      exit_codes("every input scanned, whether or not anything matched (malformed records are\n"
                 "     reported on stderr, counted and skipped)",
                 "some rules did not compile (the others were used), or --strict and a\n"
                 "     malformed record",
                 "usage or I/O error: bad option, unreadable rule path or event input (the\n"
                 "     other inputs are still scanned), or a --rules .smc that does not load\n"
                 "     (corrupt, truncated, not an image, another format version)"));

  auto* explain = app.add_subcommand("explain", "print the compiled forms of rules");
  explain->add_option("paths", paths, "rule files, directories or one .smc")->required();
  explain->add_option("--emit", emit, "ast|checked|ir|ir-opt|asm")
      ->check(CLI::IsMember({"ast", "checked", "ir", "ir-opt", "asm"}));
  explain->add_option("-O,--opt-level", opt_level, "0 = no optimisation, 1 = default")->check(CLI::Range(0, 1));
  explain->footer(exit_codes("printed", "rule errors (what compiled is printed)",
                             "usage or I/O error: bad option, unreadable rule path, or a .smc\n"
                             "     that does not load"));

  auto* test = app.add_subcommand("test", "run rule packs' own fixtures (tests/<rule>.{positive,negative}.jsonl)");
  test->add_option("paths", paths, "rule files or directories")->required();
  test->add_option("-O,--opt-level", opt_level, "0 = no optimisation, 1 = default")->check(CLI::Range(0, 1));
  test->footer(exit_codes("every fixture record matched as expected",
                          "a rule failed a fixture or does not compile",
                          "usage or I/O error: bad option, unreadable rule path"));

  for (CLI::App* sub : {check, compile, scan, explain, test})
    sub->add_option("--placeholders", placeholders, "YAML map of `expand` placeholder values");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  if (!placeholders.empty()) {
    std::string err;
    if (!load_placeholders(placeholders, &g_placeholders, &err)) {
      std::fprintf(stderr, "sigmatch: %s: %s\n", placeholders.c_str(), err.c_str());
      return kExitUsage;
    }
  }
  try {
    if (*check) return cmd_check(paths, format, werror, !no_lint);
    if (*compile) return cmd_compile(paths, out_path, opt_level, werror);
    g_load_options.dispatch = !no_dispatch;
    g_load_options.prefilter = !no_prefilter;
    g_load_options.scan_cache = !no_scan_cache;
    g_load_options.regex_guards = !no_regex_guards;
    g_load_options.prefilter_clauses = !no_prefilter_clauses;
    g_load_options.kill_lists = !no_kill_lists;
    g_load_options.defer_clauses = !no_defer_clauses;
    g_load_options.threads = static_cast<unsigned>(jobs);  // -j N threads also build the program
    if (*scan) return cmd_scan(rules, inputs, format, stats, strict, opt_level, shapes, jobs);
    if (*explain) return cmd_explain(paths, emit, opt_level);
    if (*test) return cmd_test(paths, opt_level);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sigmatch: internal error: %s\n", e.what());
    return kExitUsage;
  }
  return kExitUsage;
}
