// vm.cpp — the dispatch loop and predicate evaluation. The program is verified, so operands
// are trusted here (debug builds assert). Jumps only go forward: the loop terminates.
// Tested by tests/unit/vm_test.cpp and the end-to-end tests (tests/e2e).
#include "runtime/vm/vm.hpp"

#include <cassert>

#include "runtime/bytecode/opcodes.hpp"
#include "runtime/vm/text.hpp"

namespace sigmatch::vm {
namespace {

// The event value as the predicate needs it: folded (case-insensitive, the default) or raw.
std::string_view value_for(const Pred& pr, Scratch& s, std::string_view raw, std::uint32_t field) {
  if (pr.flags & bytecode::kPredCased) return raw;
  if (s.fold_gen_[field] != s.gen_) {
    std::string& f = s.folded_[field];
    f.clear();
    text::fold_case_append(raw, f);
    s.fold_gen_[field] = s.gen_;
  }
  return s.folded_[field];
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

bool eval_keyword(const Pred& pr, Scratch& s, const Event& ev) {
  for (std::string_view raw : ev.values()) {
    std::string_view v = raw;
    if (!(pr.flags & bytecode::kPredCased)) {
      s.kw_folded_.clear();
      text::fold_case_append(raw, s.kw_folded_);
      v = s.kw_folded_;
    }
    if (match_string(pr.kind, v, pr.str)) return true;
  }
  return false;
}

bool eval_uncached(const VerifiedProgram& p, Scratch& s, const Event& ev, const Pred& pr) {
  (void)p;
  if (is_keyword_pred(pr.kind)) return eval_keyword(pr, s, ev);
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
    case PredKind::kRegex: return RE2::PartialMatch(fv.text, *pr.re);
    case PredKind::kCidr: {
      auto ip = text::parse_ip(fv.text);
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

}  // namespace

bool eval_pred(const VerifiedProgram& p, Scratch& s, const Event& ev, std::uint32_t i) {
  assert(i < p.preds.size());
  if (s.memo_gen_[i] == s.gen_) return s.memo_val_[i];
  bool r = eval_uncached(p, s, ev, p.preds[i]);
  s.memo_gen_[i] = s.gen_;
  s.memo_val_[i] = r;
  return r;
}

void run(const VerifiedProgram& p, Scratch& s, const Event& ev, std::vector<std::uint32_t>& out) {
  using bytecode::Op;
  s.next_record();
  const bytecode::Insn* code = p.code.data();
  std::uint32_t pc = 0;
  for (;;) {
    const bytecode::Insn& in = code[pc];
    assert(pc < p.code.size());
    switch (static_cast<Op>(in.op)) {
      case Op::kTest: pc = eval_pred(p, s, ev, in.a) ? in.b : in.c; break;
      case Op::kMatch: out.push_back(in.a); ++pc; break;
      case Op::kJump: pc = in.b; break;
      case Op::kHalt: return;
      default: assert(false && "unverified program"); return;
    }
  }
}

}  // namespace sigmatch::vm
