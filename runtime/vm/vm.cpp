// vm.cpp — the dispatch loop and predicate evaluation. The program is verified, so operands
// are trusted here (debug builds assert). Jumps only go forward: the loop terminates.
// Tested by tests/unit/vm_test.cpp and the end-to-end tests (tests/e2e).
#include "runtime/vm/vm.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <optional>

#include "runtime/bytecode/opcodes.hpp"
#include "runtime/vm/text.hpp"

namespace sigmatch::vm {
namespace {

// The event value as the predicate needs it: folded (case-insensitive, the default) or raw.
std::string_view value_for(const Pred& pr, Scratch& s, std::string_view raw, std::uint32_t field) {
  return (pr.flags & bytecode::kPredCased) ? raw : s.folded(field, raw);
}

bool match_string(PredKind k, std::string_view v, std::string_view lit) {
  switch (k) {
    case PredKind::kEq: return v == lit;
    case PredKind::kPrefix: return v.substr(0, lit.size()) == lit;
    case PredKind::kSuffix: return v.size() >= lit.size() && v.substr(v.size() - lit.size()) == lit;
    case PredKind::kContains:
    case PredKind::kKwContains: return v.find(lit) != std::string_view::npos;
    case PredKind::kGlob:
    case PredKind::kKwGlob: return text::glob_match(lit, v);
    default: return false;
  }
}

// Every value of the record, case-folded once per record (keyword predicates share them), into
// one buffer joined by the program's keyword separator: a byte no keyword literal contains, so
// the keyword index scans the whole record in one pass and no match spans two values.
void fold_values(const VerifiedProgram& p, Scratch& s, const Event& ev) {
  if (s.kw_values_gen_ == s.gen_) return;
  s.kw_values_gen_ = s.gen_;
  const auto& values = ev.values();
  const char sep = static_cast<char>(p.kw_separator >= 0 ? p.kw_separator : 0);
  s.kw_buf_.clear();
  s.kw_ends_.clear();
  for (std::string_view v : values) {
    text::fold_case_append(v, s.kw_buf_);
    s.kw_ends_.push_back(s.kw_buf_.size());
    s.kw_buf_.push_back(sep);
  }
  s.kw_values_.clear();
  std::size_t begin = 0;
  for (std::size_t end : s.kw_ends_) {
    s.kw_values_.emplace_back(s.kw_buf_.data() + begin, end - begin);
    begin = end + 1;
  }
}

bool eval_keyword(const VerifiedProgram& p, const Pred& pr, Scratch& s, const Event& ev) {
  if (pr.flags & bytecode::kPredCased) {
    for (std::string_view raw : ev.values())
      if (match_string(pr.kind, raw, pr.str)) return true;
    return false;
  }
  fold_values(p, s, ev);
  for (std::string_view v : s.kw_values_)
    if (match_string(pr.kind, v, pr.str)) return true;
  return false;
}

template <class Compute>
bool match_memoised(const VerifiedProgram& p, Scratch& s, const Event& ev, std::uint32_t i, std::string_view text,
                    Compute&& compute);

bool eval_uncached(const VerifiedProgram& p, Scratch& s, const Event& ev, std::uint32_t i) {
  const Pred& pr = p.preds[i];
  if (is_keyword_pred(pr.kind)) return eval_keyword(p, pr, s, ev);
  const FieldValue& fv = ev.get(pr.field);
  switch (pr.kind) {
    case PredKind::kIsNull: return fv.state != ValueState::kPresent;
    case PredKind::kExists: return fv.state != ValueState::kMissing;
    default: break;
  }
  if (fv.state != ValueState::kPresent) return false;
  switch (pr.kind) {
    case PredKind::kHexEq: {
      auto v = text::parse_hex(fv.text);
      return v && *v == pr.hex;
    }
    case PredKind::kRegex:
      return match_memoised(p, s, ev, i, fv.text, [&] { return RE2::PartialMatch(fv.text, *pr.re); });
    case PredKind::kGlob:
      // A glob is a pure function of the value too, and costs ~1,400 instructions on a
      // command line (callgrind, Sysmon 1 records): memoised like a regex.
      return match_memoised(p, s, ev, i, fv.text,
                            [&] { return text::glob_match(pr.str, value_for(pr, s, fv.text, pr.field)); });
    case PredKind::kCidr: {
      const std::optional<text::IpAddr>& ip = s.ip(pr.field, fv.text);
      return ip && text::cidr_contains(pr.cidr, *ip);
    }
    case PredKind::kGt:
    case PredKind::kGte:
    case PredKind::kLt:
    case PredKind::kLte: {
      auto v = text::parse_number(fv.text);
      if (!v) return false;
      return pr.kind == PredKind::kGt    ? *v > pr.num
             : pr.kind == PredKind::kGte ? *v >= pr.num
             : pr.kind == PredKind::kLt  ? *v < pr.num
                                         : *v <= pr.num;
    }
    case PredKind::kFieldEq:
    case PredKind::kFieldContains:
    case PredKind::kFieldPrefix:
    case PredKind::kFieldSuffix: {
      const FieldValue& other = ev.get(pr.operand);
      if (other.state != ValueState::kPresent) return false;
      // Image == ParentImage on every process record (a fieldref rule): ASCII values compare
      // without folded copies (two folds were ~250 cycles; most pairs differ in length).
      if (pr.kind == PredKind::kFieldEq && !(pr.flags & bytecode::kPredCased) && text::is_ascii(fv.text) &&
          text::is_ascii(other.text))
        return text::ascii_iequal(fv.text, other.text);
      std::string_view a = value_for(pr, s, fv.text, pr.field);
      std::string_view b = value_for(pr, s, other.text, pr.operand);
      PredKind k = pr.kind == PredKind::kFieldEq         ? PredKind::kEq
                   : pr.kind == PredKind::kFieldContains ? PredKind::kContains
                   : pr.kind == PredKind::kFieldPrefix   ? PredKind::kPrefix
                                                         : PredKind::kSuffix;
      return match_string(k, a, b);
    }
    default: return match_string(pr.kind, value_for(pr, s, fv.text, pr.field), pr.str);
  }
}

// Scans v with field f's literal index, through the per-thread scan cache when it is on: a hit
// replays the predicates the same (field, bytes) scan reported before. Fields only: the cache
// key is the field number, and the keyword index differs from one dispatch group to another.
// `raw`: v is the record's value itself (not a folded copy), so the slot can also memoise
// regex and glob results on it (match_memoised).
// `cached` false: scan without the cache (see scan_field, regex guards).
template <class Hit>
void scan_value(const VerifiedProgram& p, const LiteralIndex& idx, Scratch& s, std::uint32_t f, std::string_view v,
                bool raw, bool cached, Hit& hit) {
  // The field's eq literals (eq_index) and its other literals (the automaton): one result,
  // cached as one. v is raw ASCII or folded, so the eq probe needs no folded copy of its own.
  auto scan = [&](auto&& on_match) {
    if (p.eq_index.has(f)) p.eq_index.find(f, v, [v] { return v; }, on_match);
    idx.scan(v, on_match, &s.scan_retry_[f]);
  };
  ScanCache& cache = s.scan_cache_;
  if (!cached || !cache.use(f, v.size())) {
    scan(hit);
    return;
  }
  const Scratch::KeyHash& pre = s.key_hash_[f];
  const std::uint64_t h = raw && pre.gen == s.gen_ ? pre.hash : ScanCache::hash(f, v);
  ScanCache::Ref ref;
  if (const ScanCache::Found found = cache.find(f, v, h, &ref)) {
    for (std::uint32_t k = 0, n = found.size(); k < n; ++k) hit(found[k]);
    if (raw) {
      s.slot_[f] = {s.gen_, ref};
      // The regex results memoised on this value, into the record's memo now, while the slot
      // is in cache: a rule's regex test is then answered inline (eval_fast) instead of through
      // its Pred and a second visit to the slot (match_memoised).
      cache.memo_each(ref, [&](std::uint32_t pred, bool value) {
        if (pred < s.memo_.size()) s.memo_set(pred, value);
      });
    }
    return;
  }
  std::vector<std::uint32_t>& found = s.scan_found_;
  found.clear();
  scan([&](std::uint32_t pred) {
    found.push_back(pred);
    hit(pred);
  });
  if (cache.store(f, v, h, found, &ref) && raw) s.slot_[f] = {s.gen_, ref};
}

// The record's values joined into buf, each followed by sep, when every one is ASCII (nullopt
// otherwise, buf then holds garbage); buf keeps its size across records (no zero-fill), so the
// joined text is the returned view. A record has ~20 values of ~17 bytes: string appends and
// an is_ascii call per value cost ~1,000 cycles a record (rdtsc), more than the keyword scan
// itself; this copies 8 bytes at a time (the last word overlapping) and checks ASCII as it goes.
// ASCII values shorter than `min_len` (the index's shortest non-empty literal) are left out:
// no literal fits in them, and none spans two values (sep is in no literal). The empty literal,
// if any, is reported whatever the joined text (LiteralIndex::scan).
std::optional<std::string_view> join_ascii(const std::vector<std::string_view>& values, char sep,
                                           std::size_t min_len, std::string& buf) {
  std::size_t total = 0;
  for (std::string_view v : values) total += v.size() + 1;
  if (buf.size() < total) buf.resize(2 * total);
  char* const begin = buf.data();
  char* out = begin;
  std::uint64_t high = 0;
  auto word = [&](const char* src, char* dst) {
    std::uint64_t w;
    std::memcpy(&w, src, 8);
    std::memcpy(dst, &w, 8);
    high |= w;
  };
  for (std::string_view v : values) {
    const char* src = v.data();
    const std::size_t n = v.size();
    if (n < min_len) {  // left out, but still checked: a record with non-ASCII is folded instead
      high |= text::or_bytes(src, n);
      continue;
    }
    if (n >= 8) {
      for (std::size_t i = 0; i + 8 < n; i += 8) word(src + i, out + i);
      word(src + n - 8, out + n - 8);
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        out[i] = src[i];
        high |= static_cast<unsigned char>(src[i]);
      }
    }
    out[n] = sep;
    out += n + 1;
  }
  if (high & 0x8080808080808080ull) return std::nullopt;
  return std::string_view(begin, static_cast<std::size_t>(out - begin));
}

}  // namespace

void scan_field(const VerifiedProgram& p, Scratch& s, const Event& ev, std::uint32_t f);

namespace {

// A regex (or glob) is a pure function of the raw value, so its result (compute()) is memoised
// in the scan cache slot that holds the value (process command lines recur; RE2 costs ~1,000
// cycles on one).
// A field with an automaton gets its slot from its scan (done now if not yet: the scan is
// needed for the slot, and its result is right for this record anyway). A field without one
// (eq literals at most, which eq_index decides uncached) is looked up with no predicates
// stored, which nothing can replay wrongly: that field's scans never use the cache.
template <class Compute>
bool match_memoised(const VerifiedProgram& p, Scratch& s, const Event& ev, std::uint32_t i, std::string_view text,
                    Compute&& compute) {
  const std::uint32_t f = p.preds[i].field;
  ScanCache& cache = s.scan_cache_;
  if (p.use_scan_cache) {
    Scratch::SlotRef& slot = s.slot_[f];
    if (slot.gen != s.gen_) {
      if (p.field_indexed(f)) {
        if (s.scan_gen_[f] != s.gen_) scan_field(p, s, ev, f);
      } else if (cache.use(f, text.size())) {  // (an eq-only field's scan is not cached)
        const std::uint64_t h = ScanCache::hash(f, text);
        ScanCache::Ref ref;
        s.scan_found_.clear();
        if (cache.find(f, text, h, &ref) || cache.store(f, text, h, s.scan_found_, &ref))
          slot = {s.gen_, ref};
      }
    }
    if (slot.gen == s.gen_) {
      const int known = cache.memo_find(slot.ref, i);
      if (known >= 0) return known;
      const bool r = compute();
      cache.memo_store(slot.ref, i, r);
      return r;
    }
  }
  return compute();
}

}  // namespace

// Runs field f's literal index once per record: every literal predicate it finds true is
// memoised as true; the ones it does not find are false (see eval_pred).
void scan_field(const VerifiedProgram& p, Scratch& s, const Event& ev, std::uint32_t f) {
  s.scan_gen_[f] = s.gen_;
  auto hit = [&](std::uint32_t pred) {
    if (s.memo_decided(pred)) return;
    s.memo_set(pred, true);
    if (p.fans_out(pred)) s.matched_.push_back(pred);
  };
  const bool keywords = f == p.fields.size();
  const LiteralIndex& idx = keywords && s.keywords_ ? *s.keywords_ : p.field_index[f];
  if (keywords) {  // the keyword index (the group's): every value of the record
    // No values: nothing to scan (an empty joined buffer would report the empty literal, which
    // no value contains).
    if (ev.values().empty()) return;
    if (p.kw_separator >= 0 && idx.folds_ascii()) {
      // One buffer, one scan; ASCII values are copied as they are (the index folds ASCII), only
      // the others are folded.
      std::string& buf = s.kw_scan_buf_;
      if (auto joined = join_ascii(ev.values(), static_cast<char>(p.kw_separator), idx.min_length(), buf)) {
        idx.scan(*joined, hit, &s.scan_retry_[f]);
        return;
      }
      buf.clear();
      for (std::string_view v : ev.values()) {
        if (text::is_ascii(v)) buf.append(v);
        else text::fold_case_append(v, buf);
        buf.push_back(static_cast<char>(p.kw_separator));
      }
      idx.scan(buf, hit, &s.scan_retry_[f]);
      return;
    }
    fold_values(p, s, ev);
    if (p.kw_separator >= 0) {
      idx.scan(s.kw_buf_, hit, &s.scan_retry_[f]);
    } else {  // every byte value occurs in some keyword literal: value by value
      for (std::string_view v : s.kw_values_) idx.scan(v, hit, &s.scan_retry_[f]);
    }
    return;
  }
  const FieldValue& fv = ev.get(f);
  if (fv.state != ValueState::kPresent) return;
  auto fold = [&] { return s.folded(f, fv.text); };
  if (!p.field_indexed(f)) {  // eq literals only: one probe, cheaper than a cache lookup
    p.eq_index.find(f, fv.text, fold, hit);
    return;
  }
  // (prefetch_slot hashed the value only after finding it ASCII.)
  const bool ascii = s.key_hash_[f].gen == s.gen_ || text::is_ascii(fv.text);
  if (p.field_guarded(f) && !ascii) {
    // Regex guards hold on ASCII text only (regex_guard.hpp): on this value every guard of the
    // field counts as found, and the scan bypasses the cache (its folded key could be an ASCII
    // value's, which must not replay these guards, nor they its).
    for (std::uint32_t g : p.field_guards[f]) hit(g);
    scan_value(p, idx, s, f, s.folded(f, fv.text), false, false, hit);
    return;
  }
  const std::string_view v = p.field_folds_ascii(f) && ascii ? fv.text : s.folded(f, fv.text);
  scan_value(p, idx, s, f, v, v.data() == fv.text.data() && v.size() == fv.text.size(), true, hit);
}

namespace {

// Before run() scans a record's fields: for each field whose scan will look its raw value up
// in the scan cache (scan_field's common case: an automaton that folds ASCII, an ASCII value
// of a cacheable length), hashes the value and starts loading its cache set, so the ~15 slot
// probes of a process record overlap instead of missing the cache one after another (the
// probe's first load was a third of scan_value's samples in perf).
void prefetch_slot(const VerifiedProgram& p, Scratch& s, const Event& ev, std::uint32_t f) {
  if (f >= p.fields.size() || s.scan_gen_[f] == s.gen_) return;  // keywords; decided by dispatch
  if (!p.field_indexed(f) || !p.field_folds_ascii(f)) return;
  const FieldValue& fv = ev.get(f);
  if (fv.state != ValueState::kPresent || !s.scan_cache_.would_use(f, fv.text.size()) || !text::is_ascii(fv.text))
    return;
  const std::uint64_t h = ScanCache::hash(f, fv.text);
  s.key_hash_[f] = {s.gen_, h};
  s.scan_cache_.prefetch(h);
}

// eval_pred past its two common answers: scans the predicate's field now (a field no
// candidate rule's prefilter needed), or evaluates it and memoises the result.
bool eval_slow(const VerifiedProgram& p, Scratch& s, const Event& ev, std::uint32_t i) {
  const std::uint32_t f = p.pred_scan[i];
  if (f != kNotScanned) {  // decided by field f's scan: found (memoised) or false
    if (s.scan_gen_[f] != s.gen_) scan_field(p, s, ev, f);  // (scanned: an exec test's kNoScan)
    return s.memo_decided(i) && s.memo_value(i);
  }
  bool r = eval_uncached(p, s, ev, i);
  s.memo_set(i, r);
  return r;
}

// The two common answers, inline in the VM loop (~90 of a record's ~100 tests on the
// all-Windows set): decided this record (logsource tests dispatch answered, literals a scan
// found), or a literal whose field f was scanned without finding it (f: kNotScanned when
// unknown, as either spelling: pred_scan's kNotScanned or a TEST's 16-bit kNoScan; eval_slow
// then looks it up).
template <class Field, Field kUnknown>
inline bool eval_known(const VerifiedProgram& p, Scratch& s, const Event& ev, std::uint32_t i, Field f) {
  const std::uint32_t m = s.memo_[i];
  if (m >> 1 == s.gen_) return m & 1;
  if (f != kUnknown && s.scan_gen_[f] == s.gen_) return false;
  return eval_slow(p, s, ev, i);
}

inline bool eval_fast(const VerifiedProgram& p, Scratch& s, const Event& ev, std::uint32_t i) {
  return eval_known<std::uint32_t, kNotScanned>(p, s, ev, i, p.pred_scan[i]);
}

// For a TEST instruction: the scan field comes with the instruction (no pred_scan load).
inline bool eval_test(const VerifiedProgram& p, Scratch& s, const Event& ev, const bytecode::Insn& in) {
  return eval_known<std::uint16_t, bytecode::kNoScan>(p, s, ev, in.a, in.scan);
}

}  // namespace

bool eval_pred(const VerifiedProgram& p, Scratch& s, const Event& ev, std::uint32_t i) {
  assert(i < p.preds.size());
  return eval_fast(p, s, ev, i);
}

namespace {

// Executes code from `pc` until `end` or HALT. Jumps only go forward, so this terminates.
void exec(const VerifiedProgram& p, Scratch& s, const Event& ev, std::uint32_t pc, std::uint32_t end,
          std::vector<std::uint32_t>& out) {
  using bytecode::Op;
  const bytecode::Insn* code = p.code.data();
  while (pc < end) {
    const bytecode::Insn& in = code[pc];
    switch (static_cast<Op>(in.op)) {
      case Op::kTest: pc = eval_test(p, s, ev, in) ? in.b : in.c; break;
      case Op::kMatch: out.push_back(in.a); ++pc; break;
      case Op::kJump: pc = in.b; break;
      case Op::kHalt: return;
      default: assert(false && "unverified program"); return;
    }
  }
}

}  // namespace

namespace {

// Whether a predicate of the rule's kill list is known true this record (a scan found it, or
// dispatch decided it), or a field it needs is missing or null: then the rule cannot match. A
// predicate not decided yet counts as not found; the rule's own tests decide it if it runs.
bool killed(const VerifiedProgram& p, const Scratch& s, const Event& ev, const VerifiedProgram::CodeSpan& span) {
  for (std::uint32_t k = span.kill_begin; k < span.kill_end; ++k) {
    const std::uint32_t x = p.rule_kills[k];
    if (x & VerifiedProgram::kKillField) {
      if (ev.get(x & ~VerifiedProgram::kKillField).state != ValueState::kPresent) return true;
    } else if (s.memo_decided(x) && s.memo_value(x)) {
      return true;
    }
  }
  return false;
}

// Whether rule r's deferred clause (if any) has a memo id found this record. Every field of
// the clause was scanned before candidates are collected (its fields are among the group's),
// so an id not decided true was not found.
inline bool deferred_found(const VerifiedProgram& p, const Scratch& s, std::uint32_t r) {
  const std::uint32_t begin = p.rule_defer_begin[r], end = p.rule_defer_begin[r + 1];
  for (std::uint32_t k = begin; k < end; ++k)
    if (s.memo_decided(p.rule_defer[k]) && s.memo_value(p.rule_defer[k])) return true;
  return begin == end;
}

}  // namespace

void run(const VerifiedProgram& p, Scratch& s, const Event& ev, std::vector<std::uint32_t>& out) {
  s.next_record();
  s.matched_.clear();
  ++s.records_;
  if (!p.use_prefilter) {
    s.rules_run_ += p.rules.size();
    exec(p, s, ev, 0, static_cast<std::uint32_t>(p.code.size()), out);
    return;
  }
  // Dispatch: the record's Channel/EventID group says which rules can match it at all and
  // which indexed fields those rules need (dispatch.hpp). Without it: every rule, every field.
  const DispatchGroup* g = p.use_dispatch ? &p.dispatch.route(s, ev) : nullptr;
  if (g && g->none) return;
  if (g) s.keywords_ = g->keywords;
  // Prefilter: scan the indexed fields once, then run only the rules that can still match —
  // those with no literal requirement plus those with a literal of each of their clauses found.
  const std::vector<std::uint32_t>& fields = g ? g->fields : p.prefilter_fields;
  if (p.use_scan_cache)
    for (std::uint32_t f : fields) prefetch_slot(p, s, ev, f);
  for (std::uint32_t f : fields)
    if (s.scan_gen_[f] != s.gen_) scan_field(p, s, ev, f);
  // Candidates: a rule joins the list when the last of its clauses gets a found literal (the
  // entry carries the mask of all its clauses), if the record's group holds it.
  s.candidates_.clear();
  const std::uint16_t stamp = s.clause_stamp();
  for (std::uint32_t pred : s.matched_)
    for (std::uint32_t k = p.pred_rules_begin[pred]; k < p.pred_rules_begin[pred + 1]; ++k) {
      const std::uint32_t e = p.pred_rules[k], r = e >> VerifiedProgram::kEntryRuleShift;
      std::uint16_t& m = s.clauses_[r];
      const std::uint32_t was = (m & ~7u) == stamp ? m : stamp;
      const std::uint32_t now = was | 1u << ((e & 3) - 1);
      if (now == was) continue;  // that clause was found already
      m = static_cast<std::uint16_t>(now);
      if ((now & 7) == ((e >> 2) & 7) && (!g || (g->rules[r / 64] >> (r % 64)) & 1) && deferred_found(p, s, r))
        s.candidates_.push_back(r);
    }
  // In rule order (Matcher::match's contract): the candidates, sorted, merged with the
  // always-run rules (no rule is in both: an always-run rule has no clause).
  std::sort(s.candidates_.begin(), s.candidates_.end());
  const std::vector<std::uint32_t>& always = g ? g->always : p.always_list;
  const std::uint32_t *a = always.data(), *const a_end = a + always.size();
  const std::uint32_t *c = s.candidates_.data(), *const c_end = c + s.candidates_.size();
  while (a != a_end || c != c_end) {
    const std::uint32_t r = c == c_end || (a != a_end && *a < *c) ? *a++ : *c++;
    const VerifiedProgram::CodeSpan& span = p.rule_code[r];
    if (span.kill_begin != span.kill_end && killed(p, s, ev, span)) continue;
    ++s.rules_run_;
    exec(p, s, ev, span.begin, span.end, out);
  }
}

}  // namespace sigmatch::vm
