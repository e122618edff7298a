// verifier_test.cpp — tests of runtime/load/verifier.cpp: the shipped rule pack compiles to an
// image that verifies; hand-crafted bad images are each rejected with the expected StatusCode
// at the expected offset / instruction (checksum recomputed so the check under test fires);
// and >= 20,000 random mutations of the shipped image are either rejected with a located
// Status or, when accepted, run safely on every sample record.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "compiler/pipeline.hpp"
#include "runtime/bytecode/format.hpp"
#include "runtime/bytecode/opcodes.hpp"
#include "runtime/input/reader.hpp"
#include "sigmatch/runtime.hpp"

using namespace sigmatch;
namespace fs = std::filesystem;
using bytecode::SectionId;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The shipped rule pack compiled once (every test mutates a copy).
const std::string& shipped_image() {
  static const std::string image = [] {
    std::vector<std::pair<std::string, std::string>> sources;
    for (const auto& e : fs::directory_iterator(SIGMATCH_TESTS_DIR "/../rules/windows/security"))
      if (e.path().extension() == ".yml") sources.emplace_back(e.path().string(), read_file(e.path()));
    std::sort(sources.begin(), sources.end());
    REQUIRE(sources.size() >= 10);
    diag::DiagSink sink;
    Compilation c = compile_sources(sources, CompileOptions{}, sink);
    REQUIRE_FALSE(sink.has_errors());
    return c.image;
  }();
  return image;
}

std::uint32_t get32(const std::string& b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + i])) << (8 * i);
  return v;
}
void put32(std::string& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void fix_checksum(std::string& b) {
  if (b.size() < 4) return;
  put32(b, b.size() - 4,
        bytecode::fnv1a32(reinterpret_cast<const unsigned char*>(b.data()), b.size() - 4));
}

struct SectionLoc {
  std::uint32_t id = 0;
  std::size_t header = 0;   // offset of {id, size}
  std::size_t payload = 0;  // offset of the payload
  std::uint32_t size = 0;
};

// Parses the section table of a well-formed image (the test's own reading of format.hpp).
std::vector<SectionLoc> sections_of(const std::string& b) {
  std::vector<SectionLoc> out;
  std::uint32_t n = get32(b, 12);
  std::size_t at = bytecode::kHeaderSize;
  for (std::uint32_t i = 0; i < n && at + 8 <= b.size(); ++i) {
    SectionLoc s{get32(b, at), at, at + 8, get32(b, at + 4)};
    out.push_back(s);
    at = s.payload + s.size + (4 - s.size % 4) % 4;
  }
  return out;
}
SectionLoc section(const std::string& b, SectionId id) {
  for (auto& s : sections_of(b))
    if (s.id == static_cast<std::uint32_t>(id)) return s;
  FAIL("section missing");
  return {};
}

Status load(const std::string& b) {
  std::shared_ptr<const Program> p;
  return Program::load(b, &p);
}

// Expects rejection with `code` at byte `offset` (or -1 = any) and instruction `pc` (-1 = none).
void expect_reject(const std::string& b, StatusCode code, std::int64_t offset, std::int64_t pc = -1) {
  Status s = load(b);
  CAPTURE(s.message());
  CHECK(s.code() == code);
  if (offset != -2) CHECK(s.offset() == offset);
  CHECK(s.pc() == pc);
  CHECK((s.offset() >= 0 || s.pc() >= 0));
  CHECK((s.message().find("offset") != std::string::npos ||
         s.message().find("instruction") != std::string::npos));
}

std::size_t insn_at(const std::string& b, std::uint32_t pc) {
  return section(b, SectionId::kCode).payload + 4 + bytecode::kInsnSize * pc;
}

}  // namespace

TEST_CASE("the shipped rule pack compiles to an image that verifies") {
  const std::string& img = shipped_image();
  std::shared_ptr<const Program> p;
  Status s = Program::load(img, &p);
  CAPTURE(s.message());
  REQUIRE(s.ok());
  CHECK(p->rule_count() >= 10);
  CHECK(p->field_count() > 0);
  CHECK(sections_of(img).size() == bytecode::kMaxSectionId);
}

TEST_CASE("container failures name their offset") {
  const std::string good = shipped_image();
  expect_reject("", StatusCode::kTruncated, 0);
  expect_reject("SGM", StatusCode::kTruncated, 3);
  std::string b = good;
  b[0] = 'X';
  expect_reject(b, StatusCode::kBadMagic, 0);

  // A text-mode transfer turns CRLF into LF: the detector at offset 4 catches it.
  b.clear();
  for (std::size_t i = 0; i < good.size(); ++i)
    if (!(good[i] == '\r' && i + 1 < good.size() && good[i + 1] == '\n')) b.push_back(good[i]);
  expect_reject(b, StatusCode::kMangled, 4);
  // 8-bit stripping breaks the detector too (0x1a survives, so flip the high bit elsewhere).
  b = good;
  b[4] = '\n';
  expect_reject(b, StatusCode::kMangled, 4);

  b = good;
  b[8] = 2;
  fix_checksum(b);
  expect_reject(b, StatusCode::kUnsupportedVersion, 8);

  b = good;
  b[good.size() / 2] ^= 0x40;
  expect_reject(b, StatusCode::kBadChecksum, static_cast<std::int64_t>(good.size() - 4));
  b = good + "extra";  // longer than declared: not truncated, the checksum is what breaks
  expect_reject(b, StatusCode::kBadChecksum, static_cast<std::int64_t>(b.size() - 4));
}

TEST_CASE("a file that is not an image says so before it says truncated") {
  // Text given as .smc: bad magic whatever its length, as soon as one byte differs.
  for (const char* text : {"hello\n", "hi", "{", "title: x\nid: y\n", "SGMX"}) {
    INFO(text);
    expect_reject(text, StatusCode::kBadMagic, 0);
  }
  const std::string good = shipped_image();
  // The right magic then a text-mode transfer's LF: mangled, even when short.
  expect_reject("SGMC\n\x1a\n", StatusCode::kMangled, 4);
  // The right first bytes, too few of them: truncated.
  expect_reject(good.substr(0, 6), StatusCode::kTruncated, 6);
  expect_reject(good.substr(0, 19), StatusCode::kTruncated, 19);
}

TEST_CASE("a cut image is reported as truncated, not as a checksum mismatch") {
  const std::string good = shipped_image();
  auto secs = sections_of(good);
  REQUIRE(secs.size() >= 3);
  // Inside the section table, inside a payload, in a padding, and just the checksum missing.
  for (std::size_t size : {std::size_t{20}, std::size_t{21}, secs[1].payload + 3, secs[2].header,
                           good.size() / 2, good.size() - 5, good.size() - 4, good.size() - 1}) {
    INFO("cut at " << size << " of " << good.size());
    const std::string b = good.substr(0, size);
    expect_reject(b, StatusCode::kTruncated, static_cast<std::int64_t>(size));
    const std::string m = load(b).message();
    const std::string head = "image is truncated at offset " + std::to_string(size) + ": the file has " +
                             std::to_string(size) + " bytes, its header and sections declare ";
    REQUIRE(m.rfind(head, 0) == 0);
    if (size >= secs.back().header + 8) {  // every section header is there: the exact size
      CHECK(m.substr(head.size()) == std::to_string(good.size()));
    } else {  // the table itself is cut: a lower bound, still more than the file has
      REQUIRE(m.compare(head.size(), 9, "at least ") == 0);
      CHECK(std::stoull(m.substr(head.size() + 9)) > size);
    }
  }
}

TEST_CASE("container failures name their offset (section table)") {
  const std::string good = shipped_image();
  std::string b;

  auto secs = sections_of(good);
  REQUIRE(secs.size() >= 3);
  b = good;
  put32(b, secs[1].header + 4, 0x7ffffff0u);  // section 1 claims more bytes than the image has
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadSection, static_cast<std::int64_t>(secs[1].header));

  b = good;
  put32(b, secs[2].header, secs[0].id);  // the third section repeats the first one's id
  fix_checksum(b);
  expect_reject(b, StatusCode::kDuplicateSection, static_cast<std::int64_t>(secs[2].header));

  b = good;
  std::uint32_t gone = secs[2].id;
  put32(b, secs[2].header, 99);  // unknown ids are skipped, so section `gone` is now missing
  fix_checksum(b);
  {
    Status s = load(b);
    CHECK(s.code() == StatusCode::kMissingSection);
    CHECK(s.offset() == static_cast<std::int64_t>(b.size()));
    CHECK(s.detail() == "section " + std::to_string(gone));
  }

  b = good;
  b.insert(b.size() - 4, "\0\0\0\0", 4);  // bytes between the last section and the checksum
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadSection, static_cast<std::int64_t>(good.size() - 4));

  b = good;
  put32(b, 12, get32(b, 12) + 1);  // one more section header than present
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadSection, static_cast<std::int64_t>(good.size() - 4));
}

TEST_CASE("a newer minor with an unknown section still loads") {
  std::string b = shipped_image();
  b[10] = 7;  // minor 7
  const char extra[] = {0x2a, 0, 0, 0, 3, 0, 0, 0, 'x', 'y', 'z', 0};  // id 42, 3 bytes + pad
  b.insert(b.size() - 4, extra, sizeof extra);
  put32(b, 12, get32(b, 12) + 1);
  fix_checksum(b);
  Status s = load(b);
  CAPTURE(s.message());
  CHECK(s.ok());
  // ... but its padding must be zero.
  b[b.size() - 5] = 1;
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadSection, static_cast<std::int64_t>(b.size() - 5));
}

TEST_CASE("content failures name their offset or instruction") {
  const std::string good = shipped_image();
  std::string b;

  SectionLoc str = section(good, SectionId::kStrings);
  std::uint32_t nstr = get32(good, str.payload);
  std::size_t blob_size_at = str.payload + 4 + 8 * nstr;
  std::uint32_t blob_size = get32(good, blob_size_at);
  b = good;
  put32(b, str.payload + 4 + 8 * 3, blob_size + 1);  // string 3 starts past the blob
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadString, static_cast<std::int64_t>(str.payload + 4 + 8 * 3));
  b = good;
  put32(b, str.payload + 4 + 8 * 5 + 4, blob_size);  // string 5 is longer than what remains
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadString, static_cast<std::int64_t>(str.payload + 4 + 8 * 5));

  SectionLoc fld = section(good, SectionId::kFields);
  b = good;
  put32(b, fld.payload + 4, nstr);  // field 0's name is string index `count` (one past)
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadString, static_cast<std::int64_t>(fld.payload + 4));

  SectionLoc pr = section(good, SectionId::kPreds);
  REQUIRE(get32(good, pr.payload) > 2);
  const std::size_t p0 = pr.payload + 4, p1 = p0 + bytecode::kPredSize;
  b = good;
  b[p1] = static_cast<char>(200);  // unknown predicate kind
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadPredicate, static_cast<std::int64_t>(p1));
  b = good;
  b[p1 + 1] = 0x10;  // unknown flag bit
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadPredicate, static_cast<std::int64_t>(p1));
  b = good;
  REQUIRE(get32(good, p0 + 4) != bytecode::kNoField);  // p0 is a field predicate
  put32(b, p0 + 4, 9999);
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadField, static_cast<std::int64_t>(p0 + 4));
  // The first predicate with a string operand (the logsource guard's is_null comes first).
  std::size_t ps = p0;
  while (vm::pred_info(static_cast<vm::PredKind>(static_cast<unsigned char>(good[ps]))).operand !=
         vm::PredOperand::kString)
    ps += bytecode::kPredSize;
  b = good;
  put32(b, ps + 8, 0x00ffffff);  // string operand out of range
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadString, static_cast<std::int64_t>(ps + 8));

  // The regex's pattern becomes "(": rewrite its string span to one blob byte set to '('.
  SectionLoc rx = section(good, SectionId::kRegexes);
  REQUIRE(get32(good, rx.payload) >= 1);
  std::uint32_t pat = get32(good, rx.payload + 4);
  std::size_t span = str.payload + 4 + 8 * pat;
  b = good;
  b[blob_size_at + 4 + get32(good, span)] = '(';
  put32(b, span + 4, 1);
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadRegex, static_cast<std::int64_t>(rx.payload + 4));
  {  // Load threads compile the regexes in parallel: the same error, at the same offset.
    std::shared_ptr<const Program> prog;
    LoadOptions threaded;
    threaded.threads = 4;
    Status s = Program::load(b, &prog, threaded);
    CHECK(s.code() == StatusCode::kBadRegex);
    CHECK(s.offset() == static_cast<std::int64_t>(rx.payload + 4));
    CHECK(Program::load(good, &prog, threaded).ok());
  }

  SectionLoc ru = section(good, SectionId::kRules);
  b = good;
  put32(b, ru.payload + 4 + 8, 0xdeadbeef);  // rule 0's level string
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadRule, static_cast<std::int64_t>(ru.payload + 4 + 8));
}

// The image with section `id`'s payload replaced by `payload` (sizes, padding and checksum fixed).
std::string with_payload(const std::string& img, SectionId id, const std::string& payload) {
  SectionLoc loc = section(img, id);
  std::string b = img;
  const std::size_t old_end = loc.payload + loc.size + (4 - loc.size % 4) % 4;
  std::string padded = payload;
  padded.append((4 - payload.size() % 4) % 4, '\0');
  b.replace(loc.payload, old_end - loc.payload, padded);
  put32(b, loc.header + 4, static_cast<std::uint32_t>(payload.size()));
  fix_checksum(b);
  return b;
}

std::string le32s(std::initializer_list<std::uint32_t> words) {
  std::string out(4 * words.size(), '\0');
  std::size_t at = 0;
  for (std::uint32_t w : words) {
    put32(out, at, w);
    at += 4;
  }
  return out;
}

TEST_CASE("prefilter clauses: the section verifies, and its failures name their offset") {
  // The shipped rules plus one with no prefilter set (a negation only): a rule every record of
  // its group runs, which may carry no further clause either.
  const std::string good = [] {
    std::vector<std::pair<std::string, std::string>> sources;
    for (const auto& e : fs::directory_iterator(SIGMATCH_TESTS_DIR "/../rules/windows/security"))
      if (e.path().extension() == ".yml") sources.emplace_back(e.path().string(), read_file(e.path()));
    std::sort(sources.begin(), sources.end());
    sources.emplace_back("always.yml",
                         "title: always\nid: 00000000-0000-4000-8000-0000000000aa\nstatus: test\n"
                         "logsource:\n    product: windows\n    service: security\ndetection:\n"
                         "    filter:\n        SubjectUserName: 'x'\n    condition: not filter\nlevel: low\n");
    diag::DiagSink sink;
    Compilation c = compile_sources(sources, CompileOptions{}, sink);
    REQUIRE_FALSE(sink.has_errors());
    return c.image;
  }();
  const std::uint32_t npreds = get32(good, section(good, SectionId::kPreds).payload);
  // From the prefilter section: the first rule with a set (`first`) and the first without.
  const SectionLoc pf = section(good, SectionId::kPrefilter);
  const std::uint32_t nrules = get32(good, pf.payload);
  std::uint32_t first = nrules, always = nrules;
  for (std::uint32_t r = 0, at = pf.payload + 4; r < nrules; ++r) {
    const std::uint32_t k = get32(good, at);
    if (k == bytecode::kAlwaysRun) {
      always = std::min(always, r);
      at += 4;
    } else {
      first = std::min(first, r);
      at += 4 + 4 * k;
    }
  }
  REQUIRE(first < nrules);
  const SectionLoc more = section(good, SectionId::kPrefilterMore);
  CHECK(get32(good, more.payload) == nrules);

  // Per rule m, then m clauses: every rule 0 clauses except `rule`, which gets `clauses`.
  auto payload = [&](std::uint32_t rule, std::vector<std::vector<std::uint32_t>> clauses,
                     std::uint32_t count) {
    std::string out = le32s({count});
    for (std::uint32_t r = 0; r < nrules; ++r) {
      if (r != rule) {
        out += le32s({0});
        continue;
      }
      out += le32s({static_cast<std::uint32_t>(clauses.size())});
      for (const auto& c : clauses) {
        out += le32s({static_cast<std::uint32_t>(c.size())});
        for (std::uint32_t pr : c) out += le32s({pr});
      }
    }
    return out;
  };
  const std::int64_t base = static_cast<std::int64_t>(more.payload);
  const std::int64_t rule_at = base + 4 + 4 * first;  // rule `first`'s m (every earlier m is 0)

  std::string b = with_payload(good, SectionId::kPrefilterMore, payload(first, {{0}, {1, 2}}, nrules));
  Status s = load(b);
  CAPTURE(s.message());
  CHECK(s.ok());
  expect_reject(with_payload(good, SectionId::kPrefilterMore, payload(first, {}, nrules + 1)),
                StatusCode::kBadSection, base);
  expect_reject(with_payload(good, SectionId::kPrefilterMore, payload(first, {{0}, {1}, {2}}, nrules)),
                StatusCode::kBadSection, rule_at);
  expect_reject(with_payload(good, SectionId::kPrefilterMore, payload(first, {{}}, nrules)),
                StatusCode::kBadSection, rule_at + 4);
  expect_reject(with_payload(good, SectionId::kPrefilterMore, payload(first, {{0, npreds}}, nrules)),
                StatusCode::kBadOperand, rule_at + 12);
  REQUIRE(always < nrules);  // a rule with no first clause can have no others
  expect_reject(with_payload(good, SectionId::kPrefilterMore, payload(always, {{0}}, nrules)),
                StatusCode::kBadSection, base + 4 + 4 * always);
  b = with_payload(good, SectionId::kPrefilterMore, payload(first, {}, nrules) + le32s({7}));
  expect_reject(b, StatusCode::kBadSection, static_cast<std::int64_t>(more.payload + 4 + 4 * nrules));
  // Without the prefilter section (its id made unknown) the clauses mean nothing.
  b = good;
  put32(b, section(good, SectionId::kPrefilter).header, 42);
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadSection, base);
}

TEST_CASE("code failures name their instruction") {
  const std::string good = shipped_image();
  SectionLoc code = section(good, SectionId::kCode);
  const std::uint32_t n = get32(good, code.payload);
  REQUIRE(n > 3);
  std::string b;
  auto at = [&](std::uint32_t pc) { return static_cast<std::int64_t>(insn_at(good, pc)); };

  b = good;
  b[insn_at(b, 1)] = static_cast<char>(200);
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadOpcode, at(1), 1);

  b = good;
  b[insn_at(b, 2) + 2] = 1;  // nonzero padding byte
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadOperand, at(2), 2);

  // First instruction with a jump target in operand b.
  std::uint32_t jpc = n;
  for (std::uint32_t pc = 0; pc < n && jpc == n; ++pc) {
    auto op = static_cast<std::uint8_t>(good[insn_at(good, pc)]);
    if (op < bytecode::kOpCount && bytecode::kOpInfo[op].kinds[1] == bytecode::OperandKind::kTarget) jpc = pc;
  }
  REQUIRE(jpc < n);
  b = good;
  put32(b, insn_at(b, jpc) + 8, jpc);  // target == pc: a loop
  fix_checksum(b);
  expect_reject(b, StatusCode::kBackwardJump, at(jpc), jpc);
  if (jpc > 0) {
    b = good;
    put32(b, insn_at(b, jpc) + 8, 0);
    fix_checksum(b);
    expect_reject(b, StatusCode::kBackwardJump, at(jpc), jpc);
  }
  b = good;
  put32(b, insn_at(b, jpc) + 8, n);  // one past the last instruction
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadJumpTarget, at(jpc), jpc);

  b = good;
  // The final HALT becomes "match 0": every operand is fine, but the code falls off the end.
  b[insn_at(b, n - 1)] = static_cast<char>(bytecode::Op::kMatch);
  fix_checksum(b);
  expect_reject(b, StatusCode::kNoHalt, -2, n - 1);

  b = good;
  put32(b, insn_at(b, n - 1) + 4, 1);  // halt with a nonzero operand
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadOperand, at(n - 1), n - 1);

  b = good;
  put32(b, code.payload, n + 1000);  // count larger than the section
  fix_checksum(b);
  expect_reject(b, StatusCode::kBadSection, static_cast<std::int64_t>(code.payload));
}

namespace {

// A sample record kept by field name, independent of any program's slot numbering, so every
// mutated program (whose field names may differ) can be fed the same data.
struct OwnedRecord {
  std::map<std::string, std::optional<std::string>> fields;  // nullopt = JSON null
  std::vector<std::string> values;
};

const std::vector<OwnedRecord>& sample_records(const Program& prog) {
  static const std::vector<OwnedRecord> records = [&] {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < prog.field_count(); ++i) names.emplace_back(prog.field_name(i));
    input::ReaderOptions opts;
    opts.collect_all_values = true;
    std::string err;
    auto r = input::open_buffer(read_file(SIGMATCH_TESTS_DIR "/../examples/events/sample.flat.jsonl"),
                                input::Format::kJsonl, names, input::ShapeTable::builtin(), opts, &err);
    REQUIRE(r);
    std::vector<OwnedRecord> out;
    Event ev(names.size());
    input::RecordError rerr;
    while (true) {
      auto k = r->next(ev, rerr);
      if (k == input::Reader::Next::kEnd) break;
      REQUIRE(k == input::Reader::Next::kRecord);
      OwnedRecord rec;
      for (std::size_t i = 0; i < names.size(); ++i) {
        const FieldValue& v = ev.get(i);
        if (v.state == ValueState::kPresent) rec.fields[names[i]] = std::string(v.text);
        if (v.state == ValueState::kNull) rec.fields[names[i]] = std::nullopt;
      }
      for (auto v : ev.values()) rec.values.emplace_back(v);
      out.push_back(std::move(rec));
    }
    return out;
  }();
  return records;
}

// Runs `prog` on every sample record; returns the number of matches (checked in range).
std::size_t run_samples(const std::shared_ptr<const Program>& prog,
                        const std::vector<OwnedRecord>& records) {
  Matcher m(prog);
  std::vector<std::uint32_t> out;
  std::size_t matches = 0;
  for (const auto& rec : records) {
    Event ev(prog->field_count());
    for (std::size_t i = 0; i < prog->field_count(); ++i) {
      auto it = rec.fields.find(std::string(prog->field_name(i)));
      if (it == rec.fields.end()) continue;
      if (it->second) ev.set(i, *it->second);
      else ev.set_null(i);
    }
    for (const auto& v : rec.values) ev.add_value(v);
    out.clear();
    m.match(ev, out);
    for (auto r : out) REQUIRE(r < prog->rule_count());
    matches += out.size();
  }
  return matches;
}

}  // namespace

TEST_CASE("shipped image matches sample records") {
  std::shared_ptr<const Program> prog;
  REQUIRE(Program::load(shipped_image(), &prog).ok());
  const auto& records = sample_records(*prog);
  CHECK(records.size() >= 10);
  CHECK(run_samples(prog, records) > 0);  // the sample file has positives for this pack
}

TEST_CASE("load_file reads an image file the way load reads its bytes") {
  // load_file reads the file into one buffer the program then keeps (runtime.cpp): the same
  // program, and the same located faults, as load() of the same bytes.
  const fs::path dir = fs::temp_directory_path() / ("sigmatch_load_file_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& bytes) {
    const fs::path at = dir / name;
    std::ofstream(at, std::ios::binary) << bytes;
    return at.string();
  };
  std::shared_ptr<const Program> from_bytes, from_file;
  REQUIRE(Program::load(shipped_image(), &from_bytes).ok());
  Status s = Program::load_file(write("good.smc", shipped_image()), &from_file);
  CAPTURE(s.message());
  REQUIRE(s.ok());
  CHECK(from_file->rule_count() == from_bytes->rule_count());
  const auto& records = sample_records(*from_bytes);
  CHECK(run_samples(from_file, records) == run_samples(from_bytes, records));

  const std::string cut = shipped_image().substr(0, shipped_image().size() / 2);
  Status want = load(cut);
  Status got = Program::load_file(write("cut.smc", cut), &from_file);
  CHECK(got.code() == want.code());
  CHECK(got.offset() == want.offset());
  CHECK(Program::load_file(write("empty.smc", ""), &from_file).code() == StatusCode::kTruncated);

  CHECK(Program::load_file((dir / "missing.smc").string(), &from_file).code() == StatusCode::kIoError);
  CHECK(Program::load_file(dir.string(), &from_file).code() == StatusCode::kIoError);  // a directory
  fs::remove_all(dir);
}

TEST_CASE("random mutations are rejected with a location or run safely") {
  const std::string good = shipped_image();
  std::shared_ptr<const Program> base;
  REQUIRE(Program::load(good, &base).ok());
  const auto& records = sample_records(*base);
  const auto secs = sections_of(good);
  const SectionLoc code = section(good, SectionId::kCode);
  const std::uint32_t ninsn = get32(good, code.payload);

  std::mt19937 rng(20261125);
  auto pick = [&](std::size_t n) { return n ? static_cast<std::size_t>(rng() % n) : 0; };
  constexpr int kMutations = 24000;
  std::map<std::string, int> rejected;
  int accepted = 0, accepted_changed = 0, unlocated = 0;
  for (int iter = 0; iter < kMutations; ++iter) {
    std::string b = good;
    const int kind = static_cast<int>(rng() % 11);
    switch (kind) {
      case 0: {  // 1-4 bit flips
        for (int k = 1 + pick(4); k > 0; --k) b[pick(b.size())] ^= static_cast<char>(1 << pick(8));
        break;
      }
      case 1:  // set a byte
        b[pick(b.size())] = static_cast<char>(rng());
        break;
      case 2:  // truncate
        b.resize(pick(b.size()));
        break;
      case 3: {  // extend a section's size field
        const auto& s = secs[pick(secs.size())];
        std::uint32_t grow = rng() % 3 ? 1 + pick(16) : static_cast<std::uint32_t>(rng());
        put32(b, s.header + 4, s.size + grow);
        break;
      }
      case 4: {  // shrink a section's size field
        const auto& s = secs[pick(secs.size())];
        put32(b, s.header + 4, s.size ? static_cast<std::uint32_t>(pick(s.size)) : 0);
        break;
      }
      case 5: {  // swap two 4-byte operands in the code section
        std::size_t x = insn_at(good, pick(ninsn)) + 4 + 4 * pick(3);
        std::size_t y = insn_at(good, pick(ninsn)) + 4 + 4 * pick(3);
        std::uint32_t vx = get32(b, x), vy = get32(b, y);
        put32(b, x, vy);
        put32(b, y, vx);
        break;
      }
      case 6: {  // make a jump target point backward (or at itself)
        std::uint32_t pc = static_cast<std::uint32_t>(pick(ninsn));
        put32(b, insn_at(good, pc) + 8 + 4 * pick(2), static_cast<std::uint32_t>(pick(pc + 1)));
        break;
      }
      case 7: {  // insert bytes
        std::string ins(1 + pick(8), '\0');
        for (auto& c : ins) c = static_cast<char>(rng());
        b.insert(pick(b.size() + 1), ins);
        break;
      }
      case 8: {  // delete bytes
        std::size_t at = pick(b.size());
        b.erase(at, 1 + pick(8));
        break;
      }
      case 9: {  // a small value into a random code operand (often still in range)
        put32(b, insn_at(good, pick(ninsn)) + 4 + 4 * pick(3), static_cast<std::uint32_t>(pick(64)));
        break;
      }
      default: {  // a random u32 anywhere in a random section's payload
        const auto& s = secs[pick(secs.size())];
        if (s.size >= 4) put32(b, s.payload + 4 * pick(s.size / 4), rng() % 2 ? rng() : pick(256));
        break;
      }
    }
    if (iter % 2 == 0) fix_checksum(b);  // half reach the checks past the checksum

    std::shared_ptr<const Program> prog;
    Status s = Program::load(b, &prog);
    if (!s.ok()) {
      rejected[std::string(status_code_name(s.code()))]++;
      bool located = (s.offset() >= 0 || s.pc() >= 0) &&
                     (s.message().find("offset") != std::string::npos ||
                      s.message().find("instruction") != std::string::npos);
      if (!located && ++unlocated <= 5) {
        CAPTURE(s.message());
        CHECK(located);
      }
      continue;
    }
    ++accepted;
    if (b != good) ++accepted_changed;
    run_samples(prog, records);
  }
  std::string summary;
  int total_rejected = 0;
  for (auto& [code_name, count] : rejected) {
    summary += " " + code_name + "=" + std::to_string(count);
    total_rejected += count;
  }
  MESSAGE("mutations: " << kMutations << " rejected: " << total_rejected << " (" << summary
                        << " ) accepted: " << accepted << " (changed bytes: " << accepted_changed << ")");
  CHECK(unlocated == 0);
  CHECK(total_rejected + accepted == kMutations);
  // Without the checksum step nearly everything is caught by the checksum; with it, the deep
  // checks must do the rejecting (a verifier that accepted everything would fail here).
  CHECK(rejected["kBadChecksum"] > kMutations / 4);
  CHECK(total_rejected - rejected["kBadChecksum"] > kMutations / 8);
}

// With load threads the regexes compile in parallel; whatever the thread count, the first
// faulty entry in image order is reported: a bad pattern before a later bad flag word, a bad
// flag word before a later bad pattern, the first of two bad patterns.
TEST_CASE("regex faults: the first in image order, with or without load threads") {
  std::vector<std::pair<std::string, std::string>> sources;
  for (int i = 0; i < 10; ++i) {
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", 900 + i);
    sources.emplace_back("r" + std::to_string(i) + ".yml",
                         "title: r" + std::to_string(i) + "\nid: " + id +
                             "\nstatus: test\nlogsource:\n    product: windows\n    service: security\n"
                             "detection:\n    selection:\n        CommandLine|re: 'a" +
                             std::to_string(i) + "b[0-9]+'\n    condition: selection\nlevel: low\n");
  }
  diag::DiagSink sink;
  const std::string good = compile_sources(sources, CompileOptions{}, sink).image;
  REQUIRE_FALSE(sink.has_errors());
  const SectionLoc rx = section(good, SectionId::kRegexes), str = section(good, SectionId::kStrings);
  REQUIRE(get32(good, rx.payload) == 10);
  const std::size_t blob_size_at = str.payload + 4 + 8 * get32(good, str.payload);
  auto entry = [&](int i) { return rx.payload + 4 + 8 * static_cast<std::size_t>(i); };
  auto bad_pattern = [&](std::string& b, int i) {  // the pattern becomes "("
    const std::size_t span = str.payload + 4 + 8 * static_cast<std::size_t>(get32(good, entry(i)));
    b[blob_size_at + 4 + get32(good, span)] = '(';
    put32(b, span + 4, 1);
  };
  auto bad_flags = [&](std::string& b, int i) { put32(b, entry(i) + 4, 0x10); };
  for (unsigned threads : {1u, 4u}) {
    CAPTURE(threads);
    LoadOptions options;
    options.threads = threads;
    auto load_with = [&](std::string b) {
      fix_checksum(b);
      std::shared_ptr<const Program> p;
      return Program::load(b, &p, options);
    };
    std::string b = good;
    bad_pattern(b, 2);
    bad_flags(b, 6);
    Status s = load_with(b);
    CHECK(s.code() == StatusCode::kBadRegex);
    CHECK(s.offset() == static_cast<std::int64_t>(entry(2)));
    CHECK(s.message().find("flags") == std::string::npos);
    b = good;
    bad_pattern(b, 7);
    bad_flags(b, 3);
    s = load_with(b);
    CHECK(s.code() == StatusCode::kBadRegex);
    CHECK(s.offset() == static_cast<std::int64_t>(entry(3)));
    CHECK(s.message().find("unknown regex flags") != std::string::npos);
    b = good;
    bad_pattern(b, 8);
    bad_pattern(b, 5);
    s = load_with(b);
    CHECK(s.offset() == static_cast<std::int64_t>(entry(5)));
    CHECK(load_with(good).ok());
  }
}

// With load threads the checksum is computed beside the regex compiles (verifier.cpp,
// checksum_deferred) and checked before any status is reported: every image, whole, cut, bit
// flipped with or without a fixed checksum, or with a section table that lies, gets the same
// status (code, offset, instruction, message) as a load without threads.
TEST_CASE("a load with threads reports exactly what a serial load reports") {
  const std::string good = shipped_image();
  const auto secs = sections_of(good);
  std::mt19937 rng(20261129);
  auto pick = [&](std::size_t n) { return n ? static_cast<std::size_t>(rng() % n) : 0; };
  LoadOptions serial, threaded;
  threaded.threads = 2;
  std::map<StatusCode, int> seen;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string b = good;
    switch (iter % 5) {
      case 0: b[pick(b.size())] ^= static_cast<char>(1 << pick(8)); break;  // checksum breaks
      case 1:
        b[pick(b.size() - 4)] ^= static_cast<char>(1 << pick(8));
        fix_checksum(b);  // a structural fault, or none, behind a good checksum
        break;
      case 2: b.resize(pick(b.size())); break;
      case 3: {
        const auto& s = secs[pick(secs.size())];
        put32(b, s.header + 4, s.size + 1 + static_cast<std::uint32_t>(pick(64)));
        if (rng() % 2) fix_checksum(b);
        break;
      }
      default: break;  // whole
    }
    std::shared_ptr<const Program> p1, p2;
    const Status a = Program::load(b, &p1, serial), c = Program::load(b, &p2, threaded);
    CAPTURE(iter);
    CAPTURE(a.message());
    CHECK(a.code() == c.code());
    CHECK(a.offset() == c.offset());
    CHECK(a.pc() == c.pc());
    CHECK(a.message() == c.message());
    ++seen[a.code()];
  }
  CHECK(seen[StatusCode::kOk] >= 600);
  CHECK(seen[StatusCode::kBadChecksum] > 100);
  CHECK(seen[StatusCode::kTruncated] > 100);
  CHECK(seen.size() >= 5);  // structural faults too
}
