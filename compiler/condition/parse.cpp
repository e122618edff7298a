// parse.cpp — condition::parse and condition::print: runs the PEGTL grammar in grammar.hpp,
// builds CondExpr with actions, and turns the grammar's err_* tags into ParseError messages.
// Tested by tests/unit/condition_test.cpp.
//
// Node positions: kRef/kOneOf/kAllOf point at the identifier / pattern / `them` token. kAnd and
// kOr point at the first occurrence of their operator keyword in the chain, kNot at its `not`
// keyword; length is the keyword length. That lets diagnostics underline the operator.
#include <cstdint>
#include <exception>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "compiler/condition/cond_ast.hpp"
#include "compiler/condition/grammar.hpp"

namespace sigmatch::condition {
namespace {

namespace pegtl = tao::pegtl;
namespace g = grammar;

// Thrown by actions and Control::raise, caught in parse(). Never escapes this file.
struct ConditionError {
  std::uint32_t offset;
  std::string message;
};

// One open and/or/not frame: where its children start on the node stack and the keyword
// position (kNoOffset until the first operator of the chain is seen).
inline constexpr std::uint32_t kNoOffset = std::numeric_limits<std::uint32_t>::max();
struct Frame {
  std::size_t first_child = 0;
  std::uint32_t op_offset = kNoOffset;
};

struct BuildState {
  const char* base = nullptr;  // start of the condition text; offsets are relative to it
  std::string_view text;
  std::vector<CondExpr> nodes;
  std::vector<Frame> frames;
  std::vector<std::uint32_t> open_parens;  // offsets of unclosed '(' (for the error message)
  std::size_t depth = 0;                   // current nesting of '(' and 'not'
  CondExpr target;                         // selector target, filled before `selector` applies
};

std::uint32_t offset_of(const BuildState& st, const char* p) {
  return static_cast<std::uint32_t>(p - st.base);
}

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '*';
}
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The token starting at `pos`: a run of name/pattern characters, or one other byte.
std::string_view token_at(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return {};
  std::size_t end = pos;
  while (end < text.size() && is_word_char(text[end])) ++end;
  if (end == pos) end = pos + 1;
  return text.substr(pos, end - pos);
}

std::size_t skip_space(std::string_view text, std::size_t pos) {
  while (pos < text.size() && is_space(text[pos])) ++pos;
  return pos;
}

// ", found 'x'" suffix for "expected ..." messages.
std::string found(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return ", found end of condition";
  std::string_view tok = token_at(text, pos);
  const auto c = static_cast<unsigned char>(tok[0]);
  if (tok.size() == 1 && (c < 0x21 || c > 0x7e)) {
    static constexpr char kHex[] = "0123456789abcdef";
    return std::string(", found byte 0x") + kHex[c >> 4] + kHex[c & 15];
  }
  return ", found '" + std::string(tok) + "'";
}

// If the token at `pos` is an and/or/not/of/... keyword in the wrong case, the lowercase hint.
bool wrong_case_keyword(std::string_view tok, std::string* message) {
  const std::string low = lower(tok);
  if (low == tok) return false;
  if (low == "and" || low == "or" || low == "not") {
    *message = "operators are lowercase: use '" + low + "'";
    return true;
  }
  if (low == "of" || low == "them" || low == "any" || low == "all") {
    *message = "keywords are lowercase: use '" + low + "'";
    return true;
  }
  return false;
}

constexpr const char* kExpectedPrimary =
    "expected an identifier, '(', 'not', '1 of', 'any of' or 'all of'";

[[noreturn]] void fail(std::size_t pos, std::string message) {
  throw ConditionError{static_cast<std::uint32_t>(pos), std::move(message)};
}

// Error messages for the grammar's raise<err_*> tags; `pos` is where the tag was raised.
[[noreturn]] void diagnose(g::err_expected_primary, const BuildState& st, std::size_t pos) {
  std::string msg;
  if (wrong_case_keyword(token_at(st.text, pos), &msg)) fail(pos, msg);
  fail(pos, kExpectedPrimary + found(st.text, pos));
}

[[noreturn]] void diagnose(g::err_misused_word, const BuildState& st, std::size_t pos) {
  const std::string_view word = token_at(st.text, pos);
  std::string msg;
  if (wrong_case_keyword(word, &msg)) fail(pos, msg);
  if (word == "and" || word == "or") fail(pos, kExpectedPrimary + found(st.text, pos));
  if (word == "of") fail(pos, "'of' must follow '1', 'any' or 'all'");
  if (word == "them") fail(pos, "'them' can only follow '1 of', 'any of' or 'all of'");
  // `1`, `any`, `all` without `of`: these are reserved and cannot name a detection (§4.2(d)).
  const std::size_t next = skip_space(st.text, pos + word.size());
  if (wrong_case_keyword(token_at(st.text, next), &msg)) fail(next, msg);
  fail(next, "expected 'of' after '" + std::string(word) + "'" + found(st.text, next));
}

[[noreturn]] void diagnose(g::err_numeric_quantifier, const BuildState&, std::size_t pos) {
  fail(pos, "only '1 of', 'any of' and 'all of' are supported");
}

[[noreturn]] void diagnose(g::err_wildcard_name, const BuildState& st, std::size_t pos) {
  fail(pos, "wildcard name '" + std::string(token_at(st.text, pos)) +
                "' must be used as '1 of', 'any of' or 'all of' pattern");
}

[[noreturn]] void diagnose(g::err_expected_target, const BuildState& st, std::size_t pos) {
  fail(pos, "expected 'them' or a name pattern after 'of'" + found(st.text, pos));
}

[[noreturn]] void diagnose(g::err_dash_in_pattern, const BuildState&, std::size_t pos) {
  fail(pos, "'-' is not allowed in an 'x of' pattern (pattern characters are A-Z a-z 0-9 _ *)");
}

[[noreturn]] void diagnose(g::err_expected_close, const BuildState& st, std::size_t pos) {
  std::string msg;
  if (wrong_case_keyword(token_at(st.text, pos), &msg)) fail(pos, msg);
  if (pos >= st.text.size()) {
    fail(pos, "unbalanced '(' at offset " + std::to_string(st.open_parens.back()) +
                  ": expected ')' before end of condition");
  }
  fail(pos, "expected 'and', 'or' or ')'" + found(st.text, pos));
}

[[noreturn]] void diagnose(g::err_trailing, const BuildState& st, std::size_t pos) {
  std::string msg;
  if (wrong_case_keyword(token_at(st.text, pos), &msg)) fail(pos, msg);
  if (st.text[pos] == ')') fail(pos, "unbalanced ')': no matching '('");
  fail(pos, "expected 'and', 'or' or end of condition" + found(st.text, pos));
}

// Control: the normal PEGTL control, except that raise<err_*> produces our messages.
template <typename Rule>
struct Control : pegtl::normal<Rule> {
  template <typename ParseInput>
  [[noreturn]] static void raise(const ParseInput& in, BuildState& st) {
    const std::size_t pos = offset_of(st, in.current());
    if constexpr (requires { diagnose(Rule{}, st, pos); }) {
      diagnose(Rule{}, st, pos);
    } else {
      fail(pos, "syntax error");  // unreachable: the grammar raises only err_* tags
    }
  }
};

// ---- actions ----
template <typename Rule>
struct Action : pegtl::nothing<Rule> {};

// Guards nesting before the parser recurses into the operand, so "((((…" 10,000 deep stops at
// level 65 instead of overflowing the stack.
void enter_nesting(BuildState& st, std::uint32_t offset) {
  if (++st.depth > kMaxConditionDepth) fail(offset, "condition nests deeper than 64 levels");
}

template <>
struct Action<g::open_paren> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, BuildState& st) {
    const std::uint32_t off = offset_of(st, in.begin());
    enter_nesting(st, off);
    st.open_parens.push_back(off);
  }
};

template <>
struct Action<g::paren> {
  template <typename ActionInput>
  static void apply(const ActionInput&, BuildState& st) {
    --st.depth;
    st.open_parens.pop_back();
  }
};

template <>
struct Action<g::not_op> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, BuildState& st) {
    const std::uint32_t off = offset_of(st, in.begin());
    enter_nesting(st, off);
    st.frames.push_back(Frame{st.nodes.size(), off});
  }
};

template <>
struct Action<g::not_form> {
  template <typename ActionInput>
  static void apply(const ActionInput&, BuildState& st) {
    const Frame f = st.frames.back();
    st.frames.pop_back();
    --st.depth;
    CondExpr n;
    n.kind = CondKind::kNot;
    n.offset = f.op_offset;
    n.length = 3;
    n.children.push_back(std::move(st.nodes.back()));
    st.nodes.back() = std::move(n);
  }
};

template <>
struct Action<g::ref_name> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, BuildState& st) {
    CondExpr n;
    n.kind = CondKind::kRef;
    n.name = in.string();
    n.offset = offset_of(st, in.begin());
    n.length = static_cast<std::uint32_t>(in.size());
    st.nodes.push_back(std::move(n));
  }
};

template <>
struct Action<g::them_target> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, BuildState& st) {
    st.target = CondExpr{};
    st.target.them = true;
    st.target.offset = offset_of(st, in.begin());
    st.target.length = static_cast<std::uint32_t>(in.size());
  }
};

template <>
struct Action<g::pattern_target> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, BuildState& st) {
    st.target = CondExpr{};
    st.target.name = in.string();
    st.target.offset = offset_of(st, in.begin());
    st.target.length = static_cast<std::uint32_t>(in.size());
  }
};

template <>
struct Action<g::selector> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, BuildState& st) {
    // The matched text starts with the quantifier: "1", "any" or "all".
    const std::string_view s = in.string_view();
    st.target.kind = s.starts_with("all") ? CondKind::kAllOf : CondKind::kOneOf;
    st.nodes.push_back(std::move(st.target));
    st.target = CondExpr{};
  }
};

struct OpenFrame {
  template <typename ActionInput>
  static void apply(const ActionInput&, BuildState& st) {
    st.frames.push_back(Frame{st.nodes.size(), kNoOffset});
  }
};
template <>
struct Action<g::and_begin> : OpenFrame {};
template <>
struct Action<g::or_begin> : OpenFrame {};

struct NoteOperator {
  template <typename ActionInput>
  static void apply(const ActionInput& in, BuildState& st) {
    if (st.frames.back().op_offset == kNoOffset) {
      st.frames.back().op_offset = offset_of(st, in.begin());
    }
  }
};
template <>
struct Action<g::and_op> : NoteOperator {};
template <>
struct Action<g::or_op> : NoteOperator {};

// Closes an and/or frame: two or more operands become one flat node; a single operand is left
// as it is (no one-child and/or nodes).
template <CondKind kKind, std::uint32_t kKeywordLength>
struct CloseChain {
  template <typename ActionInput>
  static void apply(const ActionInput&, BuildState& st) {
    const Frame f = st.frames.back();
    st.frames.pop_back();
    if (st.nodes.size() - f.first_child < 2) return;
    CondExpr n;
    n.kind = kKind;
    n.offset = f.op_offset;
    n.length = kKeywordLength;
    auto first = st.nodes.begin() + static_cast<std::ptrdiff_t>(f.first_child);
    n.children.assign(std::make_move_iterator(first), std::make_move_iterator(st.nodes.end()));
    st.nodes.erase(first, st.nodes.end());
    st.nodes.push_back(std::move(n));
  }
};
template <>
struct Action<g::and_expr> : CloseChain<CondKind::kAnd, 3> {};
template <>
struct Action<g::or_expr> : CloseChain<CondKind::kOr, 2> {};

void print_to(const CondExpr& e, std::string* out) {
  switch (e.kind) {
    case CondKind::kAnd:
    case CondKind::kOr:
    case CondKind::kNot:
      *out += e.kind == CondKind::kAnd ? "(and" : e.kind == CondKind::kOr ? "(or" : "(not";
      for (const CondExpr& c : e.children) {
        *out += ' ';
        print_to(c, out);
      }
      *out += ')';
      return;
    case CondKind::kRef:
      *out += "(ref " + e.name + ")";
      return;
    case CondKind::kOneOf:
    case CondKind::kAllOf:
      *out += e.kind == CondKind::kOneOf ? "(one-of " : "(all-of ";
      *out += e.them ? std::string("them") : e.name;
      *out += ')';
      return;
  }
  *out += "(?)";
}

}  // namespace

bool parse(std::string_view text, CondExpr* out, ParseError* err) {
  auto set_error = [err](std::uint32_t offset, std::string message) {
    if (err != nullptr) *err = ParseError{offset, std::move(message)};
    return false;
  };
  if (text.size() >= std::numeric_limits<std::uint32_t>::max()) {
    return set_error(0, "condition is too long");
  }
  // Pre-scans that need no grammar. A pipe anywhere means a legacy aggregation; pySigma rejects
  // the whole condition, so we do too, pointing at the pipe itself.
  if (const auto pipe = text.find('|'); pipe != std::string_view::npos) {
    return set_error(static_cast<std::uint32_t>(pipe),
                     "pipe aggregations are not supported (deprecated since Sigma 2.0; use "
                     "correlation rules)");
  }
  if (skip_space(text, 0) == text.size()) return set_error(0, "condition is empty");

  try {
    BuildState st;
    st.base = text.data();
    st.text = text;
    pegtl::memory_input<pegtl::tracking_mode::lazy> in(text.data(), text.size(), "condition");
    if (!pegtl::parse<g::condition, Action, Control>(in, st) || st.nodes.size() != 1) {
      return set_error(0, "internal error: condition parser did not produce one expression");
    }
    if (out != nullptr) *out = std::move(st.nodes.front());
    return true;
  } catch (const ConditionError& e) {
    return set_error(e.offset, e.message);
  } catch (const pegtl::parse_error& e) {
    const auto& pos = e.positions();
    return set_error(pos.empty() ? 0 : static_cast<std::uint32_t>(pos.front().byte),
                     std::string(e.message()));
  } catch (const std::exception& e) {
    return set_error(0, std::string("internal error: ") + e.what());
  }
}

std::string print(const CondExpr& e) {
  std::string out;
  print_to(e, &out);
  return out;
}

}  // namespace sigmatch::condition
