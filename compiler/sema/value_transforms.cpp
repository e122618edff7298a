// value_transforms.cpp — see value_transforms.hpp.
#include "compiler/sema/value_transforms.hpp"

namespace sigmatch::sema::xform {

Toks from_glob(const std::string& g) {
  Toks t;
  for (std::size_t i = 0; i < g.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(g[i]);
    if (c == '*' || c == '?') {
      t.push_back({true, c});
    } else {
      if (c == '\\' && i + 1 < g.size()) c = static_cast<unsigned char>(g[++i]);
      t.push_back({false, c});
    }
  }
  return t;
}

std::string to_glob(const Toks& t) {
  std::string g;
  for (const Tok& k : t) {
    if (!k.wild && (k.c == '*' || k.c == '?' || k.c == '\\')) g += '\\';
    g += static_cast<char>(k.c);
  }
  return g;
}

bool has_wildcards(const Toks& t) {
  for (const Tok& k : t)
    if (k.wild) return true;
  return false;
}

void add_leading_star(Toks& t) {
  if (t.empty() || !(t.front().wild && t.front().c == '*')) t.insert(t.begin(), Tok{true, '*'});
}
void add_trailing_star(Toks& t) {
  if (t.empty() || !(t.back().wild && t.back().c == '*')) t.push_back(Tok{true, '*'});
}

namespace {

// Decodes one UTF-8 code point from literal tokens starting at i; invalid bytes map to
// themselves (Latin-1), so nothing is ever dropped.
char32_t decode(const Toks& t, std::size_t& i) {
  unsigned char c = t[i].c;
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  if (n == 1 || i + n > t.size()) {
    ++i;
    return c;
  }
  char32_t cp = c & (0xFF >> (n + 1));
  for (std::size_t k = 1; k < n; ++k) {
    if (t[i + k].wild || (t[i + k].c & 0xC0) != 0x80) {
      ++i;
      return c;
    }
    cp = (cp << 6) | (t[i + k].c & 0x3F);
  }
  i += n;
  return cp;
}

void put16(Toks& out, unsigned v, bool be) {
  unsigned char lo = v & 0xFF, hi = (v >> 8) & 0xFF;
  out.push_back({false, be ? hi : lo});
  out.push_back({false, be ? lo : hi});
}

}  // namespace

Toks utf16(const Toks& t, Utf16 mode) {
  Toks out;
  bool be = mode == Utf16::kBe;
  if (mode == Utf16::kBomLe) {
    out.push_back({false, 0xFF});
    out.push_back({false, 0xFE});
  }
  for (std::size_t i = 0; i < t.size();) {
    if (t[i].wild) {
      out.push_back(t[i++]);
      continue;
    }
    char32_t cp = decode(t, i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put16(out, 0xD800 + (cp >> 10), be);
      put16(out, 0xDC00 + (cp & 0x3FF), be);
    } else {
      put16(out, static_cast<unsigned>(cp), be);
    }
  }
  return out;
}

std::string base64(const std::string& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::vector<std::string> base64_offsets(const std::string& v) {
  // b64(i spaces + v)[start[i] : end[(len(v)+i) % 3]], start = (0,2,3), end = (none,-3,-2).
  static const int kStart[3] = {0, 2, 3};
  static const int kEnd[3] = {0, -3, -2};
  std::vector<std::string> out;
  for (int i = 0; i < 3; ++i) {
    std::string enc = base64(std::string(i, ' ') + v);
    int end_cut = kEnd[(v.size() + i) % 3];
    int b = kStart[i];
    int e = static_cast<int>(enc.size()) + end_cut;
    out.push_back(e > b ? enc.substr(b, e - b) : std::string());
  }
  return out;
}

// Whether a code point is a word character in the sense of pySigma's `\w` (Python: alphanumeric
// or '_'). Non-ASCII is taken as a word character except the punctuation and symbol blocks a
// value realistically holds next to a flag: Latin-1 punctuation, x and ÷, General Punctuation
// (the en/em dashes and the horizontal bar windash itself produces), arrows and math
// operators, CJK and fullwidth punctuation.
static bool word_cp(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (c >= 0xA0 && c <= 0xBF)  // ª ² ³ µ ¹ º ¼ ½ ¾ are alphanumeric, the rest is not
    return c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 || c == 0xB9 || c == 0xBA || (c >= 0xBC && c <= 0xBE);
  if (c < 0xA0 || c == 0xD7 || c == 0xF7) return false;
  if ((c >= 0x2000 && c <= 0x206F) || (c >= 0x2190 && c <= 0x23FF) || (c >= 0x3000 && c <= 0x3003) ||
      (c >= 0xFF01 && c <= 0xFF0F))
    return false;
  return true;
}

std::vector<Toks> windash(const Toks& t) {
  // The code point whose UTF-8 encoding ends at (before) or starts at (after) token i.
  auto literal = [&](std::size_t i) { return i < t.size() && !t[i].wild; };
  auto word_after = [&](std::size_t i) {
    if (!literal(i)) return false;
    unsigned char c = t[i].c;
    if (c < 0x80) return word_cp(c);
    if (c < 0xC0) return true;  // a stray continuation byte (invalid UTF-8): as before
    std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    char32_t cp = n == 4 ? c & 0x07 : n == 3 ? c & 0x0F : n == 2 ? c & 0x1F : c;
    for (std::size_t k = 1; k < n; ++k) {
      if (!literal(i + k) || (t[i + k].c & 0xC0) != 0x80) return true;  // invalid UTF-8: as before
      cp = (cp << 6) | (t[i + k].c & 0x3F);
    }
    return word_cp(cp);
  };
  auto word_before = [&](std::size_t i) {  // i: index of the token before the dash
    std::size_t start = i;
    while (start > 0 && literal(start) && (t[start].c & 0xC0) == 0x80 && i - start < 3) --start;
    return word_after(start);
  };
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i].wild || (t[i].c != '-' && t[i].c != '/')) continue;
    bool before_word = i > 0 && word_before(i - 1);
    if (!before_word && word_after(i + 1)) positions.push_back(i);
  }
  static const char* kDashes[] = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x95"};
  std::vector<Toks> out;
  std::size_t combos = 1;
  for (std::size_t k = 0; k < positions.size() && combos <= 3125; ++k) combos *= 5;
  if (combos > 3125) return {};  // more than 5 flags: the caller reports the limit
  for (std::size_t n = 0; n < combos; ++n) {
    Toks v;
    std::size_t pick = n, next = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (next < positions.size() && positions[next] == i) {
        for (const char* d = kDashes[pick % 5]; *d; ++d) v.push_back({false, static_cast<unsigned char>(*d)});
        pick /= 5;
        ++next;
      } else {
        v.push_back(t[i]);
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

bool expand_placeholders(const std::string& raw, const PlaceholderMap& map,
                         std::vector<std::string>* out, std::string* unresolved) {
  std::vector<std::string> acc = {""};
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() && raw[i + 1] == '%') {
      for (auto& a : acc) a += '%';
      ++i;
      continue;
    }
    if (raw[i] == '%') {
      std::size_t close = raw.find('%', i + 1);
      if (close != std::string::npos && close > i + 1) {
        std::string name = raw.substr(i + 1, close - i - 1);
        auto it = map.find(name);
        if (it == map.end() || it->second.empty()) {
          *unresolved = name;
          return false;
        }
        std::vector<std::string> next;
        for (auto& a : acc)
          for (auto& v : it->second) next.push_back(a + v);
        acc = std::move(next);
        i = close;
        continue;
      }
    }
    for (auto& a : acc) a += raw[i];
  }
  *out = std::move(acc);
  return true;
}

std::optional<std::vector<std::string>> time_spellings(const std::string& value) {
  // YYYY-MM-DD[T ]HH:MM:SS[.f{1,9}][Z | +00:00 | " +0000 UTC"]
  auto digits = [&](std::size_t at, std::size_t n) {
    if (at + n > value.size()) return false;
    for (std::size_t i = at; i < at + n; ++i)
      if (value[i] < '0' || value[i] > '9') return false;
    return true;
  };
  if (value.size() < 19 || !digits(0, 4) || value[4] != '-' || !digits(5, 2) || value[7] != '-' ||
      !digits(8, 2) || (value[10] != 'T' && value[10] != 't' && value[10] != ' ') || !digits(11, 2) ||
      value[13] != ':' || !digits(14, 2) || value[16] != ':' || !digits(17, 2))
    return std::nullopt;
  std::size_t i = 19;
  std::string fraction;
  if (i < value.size() && value[i] == '.') {
    std::size_t j = i + 1;
    while (j < value.size() && value[j] >= '0' && value[j] <= '9') ++j;
    if (j == i + 1 || j - i - 1 > 9) return std::nullopt;
    fraction = value.substr(i + 1, j - i - 1);
    i = j;
  }
  std::string rest = value.substr(i);
  if (!(rest.empty() || rest == "Z" || rest == "z" || rest == "+00:00" || rest == " +0000 UTC"))
    return std::nullopt;
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  const std::string date = value.substr(0, 10), clock = value.substr(11, 8);
  std::vector<std::string> fractions;
  if (fraction.empty()) fractions.push_back("");
  for (std::size_t n = std::max<std::size_t>(fraction.size(), 1); n <= 9; ++n)
    fractions.push_back("." + fraction + std::string(n - fraction.size(), '0'));
  std::vector<std::string> out;
  for (const char* sep : {"T", " "})
    for (const std::string& f : fractions)
      for (const char* zone : {"Z", "", " +0000 UTC", "+00:00"}) out.push_back(date + sep + clock + f + zone);
  return out;
}

}  // namespace sigmatch::sema::xform
