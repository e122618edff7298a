// grammar.hpp — PEGTL rules for the Sigma condition language (docs/sigma-semantics.md §4.2).
// Rule structs only: the actions that build CondExpr and the error messages for the err_* tags
// live in parse.cpp. Tested by tests/unit/condition_test.cpp.
//
// Two conventions keep the AST builder in parse.cpp simple:
//  * Every rule that has an action is "committed": once it has matched, the parser never
//    backtracks over it (no action rule appears inside at<>/not_at<> or in a sor<> branch that can
//    still fail afterwards). So the node stack never holds nodes from an abandoned branch.
//  * Errors are explicit `raise<err_*>` alternatives rather than must<>, so parse.cpp can look at
//    the offending text and say exactly what was expected and what was found.
#pragma once
#include <tao/pegtl.hpp>

namespace sigmatch::condition::grammar {

namespace pegtl = tao::pegtl;

// ---- error tags (messages are produced in parse.cpp's Control<...>::raise) ----
struct err_expected_primary {};    // nothing valid where an operand must start
struct err_misused_word {};        // a keyword (any case) in identifier position
struct err_numeric_quantifier {};  // `2 of x`
struct err_wildcard_name {};       // `sel*` without `1 of` / `all of`
struct err_expected_target {};     // `1 of` not followed by `them` or a pattern
struct err_dash_in_pattern {};     // `1 of sel-*`
struct err_expected_close {};      // `(a` / `(a b)`
struct err_trailing {};            // `a b` / `a)` / `a AND b`

// ---- lexical ----
struct ws : pegtl::star<pegtl::one<' ', '\t', '\r', '\n'>> {};
struct id_char : pegtl::sor<pegtl::alnum, pegtl::one<'_', '-'>> {};
struct pat_char : pegtl::sor<pegtl::alnum, pegtl::one<'_', '*'>> {};
// A keyword must not be followed by anything that could continue a name or pattern, so
// `notepad`, `andy`, `and-x` and `them*` are names, not keywords (pySigma's `not/and/or` are
// not word-bounded: §4.2(a); we deliberately differ).
struct word_char : pegtl::sor<pegtl::alnum, pegtl::one<'_', '-', '*'>> {};
template <typename Str>
struct kw : pegtl::seq<Str, pegtl::not_at<word_char>> {};

struct kw_and : kw<pegtl::string<'a', 'n', 'd'>> {};
struct kw_or : kw<pegtl::string<'o', 'r'>> {};
struct kw_not : kw<pegtl::string<'n', 'o', 't'>> {};
struct kw_of : kw<pegtl::string<'o', 'f'>> {};
struct kw_them : kw<pegtl::string<'t', 'h', 'e', 'm'>> {};
struct kw_one : kw<pegtl::string<'1'>> {};
struct kw_any : kw<pegtl::string<'a', 'n', 'y'>> {};
struct kw_all : kw<pegtl::string<'a', 'l', 'l'>> {};

// Any keyword in any letter case; used only in lookahead to produce targeted errors.
struct any_case_keyword
    : kw<pegtl::sor<pegtl::istring<'a', 'n', 'd'>, pegtl::istring<'o', 'r'>,
                    pegtl::istring<'n', 'o', 't'>, pegtl::istring<'o', 'f'>,
                    pegtl::istring<'t', 'h', 'e', 'm'>, pegtl::istring<'a', 'n', 'y'>,
                    pegtl::istring<'a', 'l', 'l'>, pegtl::string<'1'>>> {};

// ---- action-carrying tokens (each used only at one committed position) ----
struct and_op : kw_and {};
struct or_op : kw_or {};
struct not_op : kw_not {};
struct open_paren : pegtl::one<'('> {};
struct ref_name : pegtl::plus<id_char> {};
struct them_target : kw_them {};
struct pattern_target : pegtl::plus<pat_char> {};

// ---- expressions ----
struct or_expr;

// ( or_expr )
struct paren : pegtl::seq<open_paren, ws, or_expr, ws,
                          pegtl::sor<pegtl::one<')'>, pegtl::raise<err_expected_close>>> {};

// 1|any|all of them|pattern. Fails without side effects until `of` has matched; from there on
// it is committed and reports its own errors.
struct quantifier : pegtl::sor<kw_one, kw_any, kw_all> {};
// `THEM` is rejected like an uppercase keyword rather than taken as a pattern naming "THEM".
struct selector_target
    : pegtl::sor<them_target,
                 pegtl::seq<pegtl::at<kw<pegtl::istring<'t', 'h', 'e', 'm'>>>,
                            pegtl::raise<err_misused_word>>,
                 pegtl::seq<pattern_target, pegtl::sor<pegtl::not_at<pegtl::one<'-'>>,
                                                       pegtl::raise<err_dash_in_pattern>>>,
                 pegtl::raise<err_expected_target>> {};
struct selector : pegtl::seq<quantifier, ws, kw_of, ws, selector_target> {};

// Diagnostics tried after selector and before ref_name; each one raises, never matches.
struct numeric_quantifier
    : pegtl::seq<pegtl::at<pegtl::plus<pegtl::digit>, pegtl::not_at<word_char>, ws, kw_of>,
                 pegtl::raise<err_numeric_quantifier>> {};
struct misused_word : pegtl::seq<pegtl::at<any_case_keyword>, pegtl::raise<err_misused_word>> {};
struct wildcard_name : pegtl::seq<pegtl::at<pegtl::star<id_char>, pegtl::one<'*'>>,
                                  pegtl::raise<err_wildcard_name>> {};

struct primary : pegtl::sor<paren, selector, numeric_quantifier, misused_word, wildcard_name,
                            ref_name, pegtl::raise<err_expected_primary>> {};

struct not_expr;
struct not_form : pegtl::seq<not_op, ws, not_expr> {};
struct not_expr : pegtl::sor<not_form, primary> {};

// The *_begin rules match nothing; their actions open a frame on the builder's node stack.
struct and_begin : pegtl::success {};
struct and_tail : pegtl::seq<ws, and_op, ws, not_expr> {};
struct and_expr : pegtl::seq<and_begin, not_expr, pegtl::star<and_tail>> {};

struct or_begin : pegtl::success {};
struct or_tail : pegtl::seq<ws, or_op, ws, and_expr> {};
struct or_expr : pegtl::seq<or_begin, and_expr, pegtl::star<or_tail>> {};

struct condition : pegtl::seq<ws, or_expr, ws, pegtl::sor<pegtl::eof, pegtl::raise<err_trailing>>> {
};

}  // namespace sigmatch::condition::grammar
