// regex_guard.cpp — see regex_guard.hpp.
#include "runtime/vm/regex_guard.hpp"

#include <re2/filtered_re2.h>

#include <algorithm>

namespace sigmatch::vm {

std::vector<std::string> regex_guard(const RE2& re, bool short_ok) {
  if (re.pattern().size() > kMaxGuardPatternBytes) return {};
  re2::FilteredRE2 f(short_ok ? 1 : kMinGuardBytes);
  int id = 0;
  if (f.Add(re.pattern(), re.options(), &id) != RE2::NoError) return {};
  std::vector<std::string> atoms;
  f.Compile(&atoms);
  // Only ASCII atoms can occur in ASCII text; the others (a case-insensitive pattern's atoms
  // spelled with U+017F for s or U+212A for k) are never found there. A set S of ASCII atoms
  // guards the regex on ASCII text when, with none of S found and every other ASCII atom found,
  // the prefilter rejects it. All ASCII atoms guard it unless it passes with none; then drop
  // atoms one by one, shortest first (the longer a literal, the rarer), while the rest still
  // guard it.
  // A short atom with no rare byte is taken as found whatever the text (it cannot guard).
  std::vector<int> ascii, common;
  for (int k = 0; k < static_cast<int>(atoms.size()); ++k) {
    const std::string& a = atoms[k];
    if (std::any_of(a.begin(), a.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) continue;
    if (a.size() < static_cast<std::size_t>(kMinGuardBytes) &&
        a.find_first_of(kRareGuardBytes) == std::string::npos)
      common.push_back(k);
    else
      ascii.push_back(k);
  }
  if (ascii.empty() || ascii.size() + common.size() > 4 * kMaxGuards) return {};  // (bounds the load's work)
  std::vector<int> potentials;
  std::vector<bool> in(atoms.size(), false);
  auto guards = [&] {
    std::vector<int> found = common;
    for (int k : ascii)
      if (!in[k]) found.push_back(k);
    f.AllPotentials(found, &potentials);
    return potentials.empty();
  };
  for (int k : ascii) in[k] = true;
  if (!guards()) return {};
  std::vector<int> order = ascii;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return atoms[a].size() < atoms[b].size(); });
  for (int k : order) {
    in[k] = false;
    if (!guards()) in[k] = true;
  }
  std::vector<std::string> out;
  for (int k : ascii)
    if (in[k]) out.push_back(atoms[k].substr(0, kMaxGuardLiteralBytes));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.size() > kMaxGuards) return {};
  return out;
}

}  // namespace sigmatch::vm
