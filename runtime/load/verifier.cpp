// verifier.cpp — the only constructor of VerifiedProgram (see verifier.hpp for the checks).
// Every failure returns a Status with the byte offset or the instruction index, and names the
// likeliest cause first: not an image (magic) before truncated, truncated before checksum.
// Tested by tests/unit/verifier_test.cpp.
#include "runtime/load/verifier.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "runtime/bytecode/opcodes.hpp"
#include "runtime/load/reader.hpp"
#include "runtime/vm/text.hpp"
#include "runtime/vm/parallel.hpp"
#include "runtime/vm/prepare.hpp"

namespace sigmatch::load {

using bytecode::SectionId;

struct Verifier {
  std::string_view img;
  std::unique_ptr<vm::VerifiedProgram> p{new vm::VerifiedProgram()};
  std::string_view sections[bytecode::kMaxSectionId + 1];
  std::size_t section_offset[bytecode::kMaxSectionId + 1] = {};
  unsigned threads = 1;  // regex compiles (PrepareOptions::threads)
  vm::SpinPool* pool = nullptr;  // their helper threads, when threads > 1
  // With threads, the checksum (a serial FNV-1a pass over the whole image, ~3 ms for the
  // all-Windows image) is not computed in container() but as one more item beside the regex
  // compiles; verify_owned checks it before reporting anything (checksum_status), so every
  // image gets the status it gets without threads: a bad checksum still comes before the
  // structural faults it explains.
  bool checksum_deferred = false;
  bool checksum_done = false;
  std::uint32_t checksum_actual = 0;
  std::uint32_t checksum_stored = 0;
  std::uint32_t header_sections = 0;

  static Status fail(StatusCode c, std::string d, std::size_t off) {
    return Status(c, std::move(d), static_cast<std::int64_t>(off));
  }

  void compute_checksum() {
    checksum_actual = bytecode::fnv1a32(reinterpret_cast<const unsigned char*>(img.data()), img.size() - 4);
    checksum_done = true;
  }
  // The checksum's verdict (computing it if no thread has): ok, truncated or bad checksum.
  Status checksum_status() {
    if (!checksum_done) compute_checksum();
    if (checksum_stored == checksum_actual) return {};
    // A file cut short fails the checksum too, and "checksum mismatch" hides why: when the
    // section table declares more bytes than the file has, say that. (A matching checksum
    // means the file is whole, so an overlong section there is a malformed table, below.)
    bool exact = false;
    const std::uint64_t declared = declared_size(header_sections, &exact);
    if (declared > img.size())
      return fail(StatusCode::kTruncated,
                  "the file has " + std::to_string(img.size()) + " bytes, its header and sections declare " +
                      (exact ? "" : "at least ") + std::to_string(declared),
                  img.size());
    return fail(StatusCode::kBadChecksum, "stored checksum differs", img.size() - 4);
  }

  Status container() {
    if (img.size() > kMaxImageBytes) return fail(StatusCode::kTooLarge, "image larger than limit", 0);
    // Magic and mangling detector first, on the bytes there are: a short text file is "not a
    // sigmatch image", not a truncated one.
    auto differs = [&](std::size_t at, const char (&want)[4]) {
      const std::size_t n = img.size() > at ? std::min<std::size_t>(img.size() - at, 4) : 0;
      return img.compare(std::min(at, img.size()), n, std::string_view(want, n)) != 0;
    };
    if (differs(0, bytecode::kMagic)) return fail(StatusCode::kBadMagic, "expected \"SGMC\"", 0);
    if (differs(4, bytecode::kMangleDetector))
      return fail(StatusCode::kMangled, "bytes 4..7 should be \\r\\n\\x1a\\n", 4);
    if (img.size() < bytecode::kHeaderSize + 4)
      return fail(StatusCode::kTruncated, "shorter than header + checksum", img.size());
    ByteReader r(img.substr(0, img.size() - 4));
    std::string_view skip;
    r.bytes(8, &skip);
    std::uint16_t major = 0, minor = 0;
    std::uint32_t nsec = 0;
    r.u16(&major);
    r.u16(&minor);
    r.u32(&nsec);
    if (major != 1)
      return fail(StatusCode::kUnsupportedVersion, "format major " + std::to_string(major), 8);
    ByteReader ck(img.substr(img.size() - 4), img.size() - 4);
    ck.u32(&checksum_stored);
    header_sections = nsec;
    if (threads > 1) {
      checksum_deferred = true;
    } else if (Status s = checksum_status(); !s.ok()) {
      return s;
    }
    for (std::uint32_t i = 0; i < nsec; ++i) {
      std::size_t at = r.offset();
      std::uint32_t id = 0, size = 0;
      if (!r.u32(&id) || !r.u32(&size))
        return fail(StatusCode::kBadSection, "section header " + std::to_string(i) + " truncated", at);
      std::string_view payload;
      if (!r.bytes(size, &payload))
        return fail(StatusCode::kBadSection, "section " + std::to_string(id) + " overruns image", at);
      std::size_t pad = (4 - size % 4) % 4;
      std::string_view padding;
      if (!r.bytes(pad, &padding)) return fail(StatusCode::kBadSection, "section padding truncated", at);
      // format.hpp promises zero padding; nonzero bytes there mean a corrupt or forged image.
      if (padding.find_first_not_of('\0') != std::string_view::npos)
        return fail(StatusCode::kBadSection, "section " + std::to_string(id) + " padding not zero",
                    at + 8 + size);
      if (id == 0 || id > bytecode::kMaxSectionId) continue;  // unknown section of a known major
      if (sections[id].data() != nullptr)
        return fail(StatusCode::kDuplicateSection, "section " + std::to_string(id), at);
      sections[id] = payload;
      section_offset[id] = at + 8;
    }
    if (r.remaining() != 0) return fail(StatusCode::kBadSection, "trailing bytes after sections", r.offset());
    for (std::uint32_t id = 1; id <= bytecode::kMaxRequiredSectionId; ++id)
      if (!sections[id].data())
        return fail(StatusCode::kMissingSection, "section " + std::to_string(id), img.size());
    return {};
  }

  // The image size the header and section table declare: header, each section's header,
  // payload and padding, checksum. Read as far as the file goes; a section header past its
  // end counts as its 8 bytes, so a cut inside the table still declares more than there is
  // (*exact = false: the true size is larger).
  std::uint64_t declared_size(std::uint32_t nsec, bool* exact) const {
    std::uint64_t at = bytecode::kHeaderSize;
    std::uint32_t i = 0;
    for (; i < nsec && at + 8 <= img.size(); ++i) {
      ByteReader r(img.substr(static_cast<std::size_t>(at) + 4, 4));
      std::uint32_t size = 0;
      r.u32(&size);
      at += 8 + std::uint64_t{size} + (4 - size % 4) % 4;
    }
    *exact = i == nsec;
    return at + 8 * std::uint64_t{nsec - i} + 4;
  }

  ByteReader section(SectionId id) {
    auto i = static_cast<std::uint32_t>(id);
    return ByteReader(sections[i], section_offset[i]);
  }

  // Reads a count and checks that count * elem_size bytes remain (no huge reservations).
  Status count(ByteReader& r, std::size_t elem, std::uint32_t* n, const char* what) {
    std::size_t at = r.offset();
    if (!r.u32(n)) return fail(StatusCode::kBadSection, std::string(what) + ": count truncated", at);
    if (static_cast<std::uint64_t>(*n) * elem > r.remaining())
      return fail(StatusCode::kBadSection, std::string(what) + ": count exceeds section", at);
    return {};
  }

  Status string_ref(std::uint32_t idx, std::size_t at, std::string_view* out) {
    if (idx >= p->strings.size())
      return fail(StatusCode::kBadString, "string index " + std::to_string(idx), at);
    *out = p->strings[idx];
    return {};
  }

  Status strings() {
    ByteReader r = section(SectionId::kStrings);
    std::uint32_t n = 0;
    if (Status s = count(r, 8, &n, "strings"); !s.ok()) return s;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> spans(n);
    for (auto& [off, len] : spans) {
      r.u32(&off);
      r.u32(&len);
    }
    std::uint32_t blob_size = 0;
    std::size_t at = r.offset();
    std::string_view blob;
    if (!r.u32(&blob_size) || !r.bytes(blob_size, &blob))
      return fail(StatusCode::kBadString, "string blob truncated", at);
    p->strings.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) {
      auto [off, len] = spans[i];
      // Name the span entry itself (after the count), not the blob it points past.
      if (off > blob.size() || len > blob.size() - off)
        return fail(StatusCode::kBadString, "string " + std::to_string(i) + " span outside blob",
                    section_offset[static_cast<std::uint32_t>(SectionId::kStrings)] + 4 + 8 * i);
      p->strings.push_back(blob.substr(off, len));
    }
    return {};
  }

  Status fields() {
    ByteReader r = section(SectionId::kFields);
    std::uint32_t n = 0;
    if (Status s = count(r, 4, &n, "fields"); !s.ok()) return s;
    for (std::uint32_t i = 0; i < n; ++i) {
      std::size_t at = r.offset();
      std::uint32_t s_idx = 0;
      r.u32(&s_idx);
      std::string_view name;
      if (Status s = string_ref(s_idx, at, &name); !s.ok()) return s;
      p->fields.push_back(name);
    }
    return {};
  }

  Status regexes() {
    ByteReader r = section(SectionId::kRegexes);
    std::uint32_t n = 0;
    if (Status s = count(r, 8, &n, "regexes"); !s.ok()) return s;
    p->regexes.resize(n);
    // Entries are read in image order up to the first structural fault (string span, flags);
    // the regexes before it are compiled (in parallel when the load has threads: RE2 compiles
    // are independent, ~10% of loading the all-Windows image), and the first fault in image
    // order is reported, whether a compile error or the structural one.
    std::vector<std::size_t> offsets(n);
    Status structural;
    std::uint32_t readable = 0;
    for (; readable < n; ++readable) {
      vm::RegexEntry& e = p->regexes[readable];
      std::size_t at = offsets[readable] = r.offset();
      std::uint32_t s_idx = 0;
      r.u32(&s_idx);
      r.u32(&e.flags);
      if (Status s = string_ref(s_idx, at, &e.pattern); !s.ok()) {
        structural = s;
        break;
      }
      if (e.flags & ~7u) {
        structural = fail(StatusCode::kBadRegex, "unknown regex flags", at);
        break;
      }
    }
    // (The deferred checksum is item 0, the longest: one thread starts on it while the others
    // compile.)
    const std::size_t first = checksum_deferred && !checksum_done ? 1 : 0;
    vm::parallel_for(pool, readable + first, threads, [&](std::size_t item) {
      if (item < first) {
        compute_checksum();
        return;
      }
      vm::RegexEntry& e = p->regexes[item - first];
      RE2::Options o;
      o.set_log_errors(false);
      o.set_max_mem(kMaxRegexProgramBytes);
      o.set_case_sensitive(!(e.flags & bytecode::kRegexCaseInsensitive));
      o.set_dot_nl(e.flags & bytecode::kRegexDotAll);
      o.set_never_capture(true);
      std::string pat(e.pattern);
      if (e.flags & bytecode::kRegexMultiline) pat = "(?m)" + pat;
      e.re = std::make_unique<RE2>(pat, o);
    });
    for (std::uint32_t i = 0; i < readable; ++i)
      if (!p->regexes[i].re->ok()) return fail(StatusCode::kBadRegex, p->regexes[i].re->error(), offsets[i]);
    return structural;
  }

  Status preds() {
    ByteReader r = section(SectionId::kPreds);
    std::uint32_t n = 0;
    if (Status s = count(r, bytecode::kPredSize, &n, "predicates"); !s.ok()) return s;
    p->preds.resize(n);
    for (auto& pr : p->preds) {
      std::size_t at = r.offset();
      std::uint8_t kind = 0;
      std::uint16_t zero = 0;
      r.u8(&kind);
      r.u8(&pr.flags);
      r.u16(&zero);
      r.u32(&pr.field);
      r.u32(&pr.operand);
      if (kind >= vm::kPredKindCount || zero != 0 || (pr.flags & ~bytecode::kPredCased))
        return fail(StatusCode::kBadPredicate, "kind/flags", at);
      pr.kind = static_cast<vm::PredKind>(kind);
      bool kw = vm::is_keyword_pred(pr.kind);
      if (kw ? pr.field != bytecode::kNoField : pr.field >= p->fields.size())
        return fail(StatusCode::kBadField, "predicate field " + std::to_string(pr.field), at + 4);
      switch (vm::pred_info(pr.kind).operand) {
        case vm::PredOperand::kNone:
          if (pr.operand != 0) return fail(StatusCode::kBadOperand, "operand must be 0", at + 8);
          break;
        case vm::PredOperand::kString:
          if (Status s = string_ref(pr.operand, at + 8, &pr.str); !s.ok()) return s;
          break;
        case vm::PredOperand::kNumber: {
          if (Status s = string_ref(pr.operand, at + 8, &pr.str); !s.ok()) return s;
          auto v = text::parse_number(pr.str);
          if (!v) return fail(StatusCode::kBadPredicate, "operand is not a number", at + 8);
          pr.num = *v;
          break;
        }
        case vm::PredOperand::kCidr: {
          if (Status s = string_ref(pr.operand, at + 8, &pr.str); !s.ok()) return s;
          auto c = text::parse_cidr(pr.str);
          if (!c) return fail(StatusCode::kBadPredicate, "operand is not a CIDR network", at + 8);
          pr.cidr = *c;
          break;
        }
        case vm::PredOperand::kField:
          if (pr.operand >= p->fields.size())
            return fail(StatusCode::kBadField, "operand field " + std::to_string(pr.operand), at + 8);
          break;
        case vm::PredOperand::kRegex:
          if (pr.operand >= p->regexes.size())
            return fail(StatusCode::kBadRegex, "regex index " + std::to_string(pr.operand), at + 8);
          pr.re = p->regexes[pr.operand].re.get();
          break;
      }
      if (pr.kind == vm::PredKind::kHexEq) {
        auto v = text::parse_hex(pr.str);
        if (!v) return fail(StatusCode::kBadPredicate, "hex_eq operand is not 0x-hex", at + 8);
        pr.hex = *v;
      }
    }
    return {};
  }

  Status rules() {
    ByteReader r = section(SectionId::kRules);
    std::uint32_t n = 0;
    if (Status s = count(r, bytecode::kRuleSize, &n, "rules"); !s.ok()) return s;
    if (n > limits::kMaxRules) return fail(StatusCode::kTooLarge, "more rules than the limit", r.offset() - 4);
    p->rules.resize(n);
    for (auto& ru : p->rules) {
      std::string_view* f[] = {&ru.id, &ru.title, &ru.level, &ru.tags,
                               &ru.product, &ru.category, &ru.service};
      for (auto* dst : f) {
        std::size_t at = r.offset();
        std::uint32_t idx = 0;
        r.u32(&idx);
        if (idx >= p->strings.size())
          return fail(StatusCode::kBadRule, "rule string index " + std::to_string(idx), at);
        *dst = p->strings[idx];
      }
    }
    return {};
  }

  Status code() {
    ByteReader r = section(SectionId::kCode);
    std::uint32_t n = 0;
    if (Status s = count(r, bytecode::kInsnSize, &n, "code"); !s.ok()) return s;
    p->code.resize(n);
    for (std::uint32_t pc = 0; pc < n; ++pc) {
      auto& in = p->code[pc];
      std::size_t at = r.offset();
      std::uint8_t pad[3] = {};
      r.u8(&in.op);
      r.u8(&pad[0]);
      r.u8(&pad[1]);
      r.u8(&pad[2]);
      r.u32(&in.a);
      r.u32(&in.b);
      r.u32(&in.c);
      auto fail_pc = [&](StatusCode c, std::string d) {
        return Status(c, std::move(d), static_cast<std::int64_t>(at), pc);
      };
      if (in.op >= bytecode::kOpCount) return fail_pc(StatusCode::kBadOpcode, "opcode " + std::to_string(in.op));
      if (pad[0] | pad[1] | pad[2]) return fail_pc(StatusCode::kBadOperand, "padding bytes not zero");
      const auto& info = bytecode::kOpInfo[in.op];
      const std::uint32_t ops[3] = {in.a, in.b, in.c};
      for (int k = 0; k < 3; ++k) {
        std::uint32_t v = ops[k];
        switch (info.kinds[k]) {
          case bytecode::OperandKind::kNone:
            if (v != 0) return fail_pc(StatusCode::kBadOperand, "unused operand must be 0");
            break;
          case bytecode::OperandKind::kPred:
            if (v >= p->preds.size()) return fail_pc(StatusCode::kBadOperand, "predicate " + std::to_string(v));
            break;
          case bytecode::OperandKind::kRule:
            if (v >= p->rules.size()) return fail_pc(StatusCode::kBadOperand, "rule " + std::to_string(v));
            break;
          case bytecode::OperandKind::kTarget:
            if (v <= pc) return fail_pc(StatusCode::kBackwardJump, "target " + std::to_string(v));
            if (v >= n) return fail_pc(StatusCode::kBadJumpTarget, "target " + std::to_string(v));
            break;
        }
      }
    }
    if (n == 0 || p->code.back().op != static_cast<std::uint8_t>(bytecode::Op::kHalt))
      return Status(StatusCode::kNoHalt, "last instruction", -1, n ? n - 1 : 0);
    return {};
  }

  // One prefilter clause: k predicate indices (the caller checked that k * 4 bytes remain),
  // each naming a predicate of the table.
  Status clause_preds(ByteReader& r, std::uint32_t k, const char* section_name, std::vector<std::uint32_t>& out) {
    out.resize(k);
    for (auto& pr : out) {
      const std::size_t at = r.offset();
      r.u32(&pr);
      if (pr >= p->preds.size())
        return fail(StatusCode::kBadOperand, std::string(section_name) + " predicate " + std::to_string(pr), at);
    }
    return {};
  }

  Status prefilter() {
    auto i = static_cast<std::uint32_t>(SectionId::kPrefilter);
    if (!sections[i].data()) return {};
    ByteReader r = section(SectionId::kPrefilter);
    std::size_t at = r.offset();
    std::uint32_t n = 0;
    if (!r.u32(&n) || n != p->rules.size())
      return fail(StatusCode::kBadSection, "prefilter rule count differs from the rule table", at);
    p->prefilter.resize(n);
    for (auto& set : p->prefilter) {
      at = r.offset();
      std::uint32_t k = 0;
      if (!r.u32(&k)) return fail(StatusCode::kBadSection, "prefilter truncated", at);
      set.always = k == bytecode::kAlwaysRun;
      if (set.always) continue;
      if (static_cast<std::uint64_t>(k) * 4 > r.remaining())
        return fail(StatusCode::kBadSection, "prefilter count exceeds section", at);
      if (Status st = clause_preds(r, k, "prefilter", set.preds); !st.ok()) return st;
    }
    if (r.remaining() != 0) return fail(StatusCode::kBadSection, "trailing bytes in prefilter", r.offset());
    p->has_prefilter = true;
    return {};
  }

  // Further clauses per rule (format.hpp); only next to a prefilter section.
  Status prefilter_more() {
    if (!sections[static_cast<std::uint32_t>(SectionId::kPrefilterMore)].data()) return {};
    ByteReader r = section(SectionId::kPrefilterMore);
    std::size_t at = r.offset();
    if (!p->has_prefilter) return fail(StatusCode::kBadSection, "prefilter-more without a prefilter section", at);
    std::uint32_t n = 0;
    if (!r.u32(&n) || n != p->rules.size())
      return fail(StatusCode::kBadSection, "prefilter-more rule count differs from the rule table", at);
    for (auto& set : p->prefilter) {
      at = r.offset();
      std::uint32_t m = 0;
      if (!r.u32(&m)) return fail(StatusCode::kBadSection, "prefilter-more truncated", at);
      if (m >= bytecode::kMaxPrefilterClauses || (set.always && m != 0))
        return fail(StatusCode::kBadSection, "prefilter-more clause count " + std::to_string(m), at);
      set.more.resize(m);
      for (auto& clause : set.more) {
        at = r.offset();
        std::uint32_t k = 0;
        if (!r.u32(&k)) return fail(StatusCode::kBadSection, "prefilter-more truncated", at);
        if (k == 0 || static_cast<std::uint64_t>(k) * 4 > r.remaining())
          return fail(StatusCode::kBadSection, "prefilter-more clause size " + std::to_string(k), at);
        if (Status st = clause_preds(r, k, "prefilter-more", clause); !st.ok()) return st;
      }
    }
    if (r.remaining() != 0) return fail(StatusCode::kBadSection, "trailing bytes in prefilter-more", r.offset());
    return {};
  }

  Status meta() {
    ByteReader r = section(SectionId::kMeta);
    std::size_t at = r.offset();
    std::uint32_t ver = 0;
    if (!r.u32(&p->meta_flags) || !r.u32(&ver) || !r.u32(&p->schema_hash))
      return fail(StatusCode::kBadSection, "meta truncated", at);
    if (p->meta_flags & ~bytecode::kMetaWantsAllValues)
      return fail(StatusCode::kBadSection, "unknown meta flags", at);
    return string_ref(ver, at + 4, &p->compiler_version);
  }
};

Status verify(std::string_view bytes, std::unique_ptr<vm::VerifiedProgram>* out,
              const vm::PrepareOptions& options) {
  // (An image past the limit is refused before its bytes are copied.)
  if (bytes.size() > kMaxImageBytes) return Verifier::fail(StatusCode::kTooLarge, "image larger than limit", 0);
  return verify_owned(std::string(bytes), out, options);
}

Status verify_owned(std::string&& bytes, std::unique_ptr<vm::VerifiedProgram>* out,
                    const vm::PrepareOptions& options) {
  // The load's helper threads, started first: their wake-up overlaps the serial steps, and they
  // spin between the parallel phases (vm/parallel.hpp, SpinPool).
  // (Program::load_file starts them before it reads the file, and passes them in.)
  std::optional<vm::SpinPool> pool;
  vm::PrepareOptions prep = options;
  if (options.threads > 1 && !prep.pool) {
    prep.pool = vm::SpinPool::current();  // the caller's, when it has one in scope
    if (!prep.pool) prep.pool = &pool.emplace(options.threads - 1);
  }
  Verifier v;
  v.threads = options.threads;
  v.pool = prep.pool;
  v.p->bytes = std::move(bytes);
  v.img = v.p->bytes;
  for (auto step : {&Verifier::container, &Verifier::strings, &Verifier::fields,
                    &Verifier::regexes, &Verifier::preds, &Verifier::rules, &Verifier::code,
                    &Verifier::meta, &Verifier::prefilter, &Verifier::prefilter_more}) {
    if (Status s = (v.*step)(); !s.ok()) {
      if (v.checksum_deferred)
        if (Status c = v.checksum_status(); !c.ok()) return c;  // what a serial load reports
      return s;
    }
  }
  if (v.checksum_deferred)
    if (Status c = v.checksum_status(); !c.ok()) return c;
  if (options.run) vm::prepare(*v.p, prep);  // derived runtime structures (literal index, rule blocks); cannot fail
  *out = std::move(v.p);
  return {};
}

}  // namespace sigmatch::load
