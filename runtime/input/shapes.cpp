// shapes.cpp — ShapeTable (shipper shape mapping data, format documented in the "_comment" of
// rules/schema/shapes.json) parsed with simdjson DOM, and PathMap, the merged
// key path -> slots table each JSON reader builds once for the fields its program reads.
// Tested by tests/unit/input_test.cpp.
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <unordered_map>

#include "runtime/input/input_internal.hpp"

namespace sigmatch::input {

extern const std::string_view kDefaultShapesJson;  // generated from rules/schema/shapes.json

ShapeTable::ShapeTable() : impl_(std::make_unique<Impl>()) {}
ShapeTable::~ShapeTable() = default;
ShapeTable::ShapeTable(const ShapeTable& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
ShapeTable& ShapeTable::operator=(const ShapeTable& other) {
  if (this != &other) *impl_ = *other.impl_;
  return *this;
}

namespace {

bool fail(std::string* error, std::string message) {
  if (error) *error = "shapes: " + std::move(message);
  return false;
}

bool parse_shape(simdjson::dom::object obj, std::size_t index, Shape* shape, std::string* error) {
  const std::string where = "shapes[" + std::to_string(index) + "]";
  for (auto [key, value] : obj) {
    if (!key.empty() && key[0] == '_') continue;  // comments
    if (key == "name") {
      std::string_view s;
      if (value.get(s)) return fail(error, where + ".name: expected a string");
      shape->name = std::string(s);
    } else if (key == "identity") {
      bool b;
      if (value.get(b)) return fail(error, where + ".identity: expected true or false");
      shape->identity = b;
    } else if (key == "prefixes") {
      simdjson::dom::array arr;
      if (value.get(arr)) return fail(error, where + ".prefixes: expected an array");
      for (auto item : arr) {
        ShapePrefix p;
        std::string_view s;
        simdjson::dom::object po;
        if (!item.get(s)) {
          p.prefix = std::string(s);
        } else if (!item.get(po)) {
          for (auto [pk, pv] : po) {
            if (pk == "prefix" && !pv.get(s)) p.prefix = std::string(s);
            else if (pk == "lower_first" && !pv.get(p.lower_first)) {
            } else if (pk.empty() || pk[0] != '_')
              return fail(error, where + ".prefixes: unknown key '" + std::string(pk) + "'");
          }
        } else {
          return fail(error, where + ".prefixes: entries are strings or {prefix, lower_first}");
        }
        if (p.prefix.empty()) return fail(error, where + ".prefixes: empty prefix");
        shape->prefixes.push_back(std::move(p));
      }
    } else if (key == "aliases") {
      simdjson::dom::object aliases;
      if (value.get(aliases)) return fail(error, where + ".aliases: expected an object");
      for (auto [path, names] : aliases) {
        std::string_view s;
        simdjson::dom::array arr;
        if (!names.get(s)) {
          shape->aliases.emplace_back(std::string(path), std::string(s));
        } else if (!names.get(arr)) {
          for (auto n : arr) {
            if (n.get(s))
              return fail(error, where + ".aliases." + std::string(path) + ": names must be strings");
            shape->aliases.emplace_back(std::string(path), std::string(s));
          }
        } else {
          return fail(error, where + ".aliases." + std::string(path) + ": expected a name or a list");
        }
      }
    } else {
      return fail(error, where + ": unknown key '" + std::string(key) + "'");
    }
  }
  return true;
}

std::string lower_first(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

}  // namespace

bool ShapeTable::parse(std::string_view json, ShapeTable* out, std::string* error) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto e = parser.parse(padded).get(root))
    return fail(error, std::string("invalid JSON: ") + simdjson::error_message(e));
  simdjson::dom::object obj;
  if (root.get(obj)) return fail(error, "top level must be an object");
  Impl impl;
  bool saw_shapes = false;
  for (auto [key, value] : obj) {
    if (!key.empty() && key[0] == '_') continue;
    if (key == "version") {
      std::uint64_t v;
      if (value.get(v) || v != 1) return fail(error, "unsupported version (expected 1)");
    } else if (key == "shapes") {
      simdjson::dom::array arr;
      if (value.get(arr)) return fail(error, "\"shapes\" must be an array");
      std::size_t i = 0;
      for (auto item : arr) {
        simdjson::dom::object so;
        if (item.get(so)) return fail(error, "shapes[" + std::to_string(i) + "] must be an object");
        Shape shape;
        if (!parse_shape(so, i, &shape, error)) return false;
        impl.shapes.push_back(std::move(shape));
        ++i;
      }
      saw_shapes = true;
    } else {
      return fail(error, "unknown key '" + std::string(key) + "'");
    }
  }
  if (!saw_shapes) return fail(error, "missing \"shapes\"");
  *out->impl_ = std::move(impl);
  return true;
}

const ShapeTable& ShapeTable::builtin() {
  static const ShapeTable table = [] {
    ShapeTable t;
    std::string error;
    // The embedded table is checked by the tests; a broken one would leave identity-less
    // readers, so fail loudly rather than silently mapping nothing.
    if (!ShapeTable::parse(kDefaultShapesJson, &t, &error)) {
      std::fprintf(stderr, "sigmatch: built-in %s\n", error.c_str());
      std::abort();
    }
    return t;
  }();
  return table;
}

namespace detail {

void PathMap::build(const std::vector<std::string>& fields, const ShapeTable& shapes) {
  std::vector<std::pair<std::string, Target>> pairs;
  std::unordered_multimap<std::string_view, std::uint32_t> by_name;
  for (std::uint32_t i = 0; i < fields.size(); ++i) by_name.emplace(fields[i], i);
  for (const Shape& shape : shapes.impl().shapes) {
    for (std::uint32_t i = 0; i < fields.size(); ++i) {
      if (shape.identity) pairs.push_back({fields[i], {i, 0}});
      for (const ShapePrefix& p : shape.prefixes)
        pairs.push_back({p.prefix + (p.lower_first ? lower_first(fields[i]) : fields[i]), {i, 0}});
    }
    for (const auto& [path, name] : shape.aliases) {
      auto [lo, hi] = by_name.equal_range(name);
      for (auto it = lo; it != hi; ++it) pairs.push_back({path, {it->second, 1}});
    }
  }
  finish(pairs);
}

void PathMap::build_identity(const std::vector<std::string>& fields) {
  std::vector<std::pair<std::string, Target>> pairs;
  for (std::uint32_t i = 0; i < fields.size(); ++i) pairs.push_back({fields[i], {i, 0}});
  finish(pairs);
}

void PathMap::finish(std::vector<std::pair<std::string, Target>>& pairs) {
  // Group by path; keep one target per (path, slot) with its best rank.
  std::unordered_map<std::string, std::vector<Target>> groups;
  std::vector<std::string> order;  // deterministic layout
  for (auto& [path, t] : pairs) {
    auto [it, inserted] = groups.try_emplace(path);
    if (inserted) order.push_back(path);
    bool merged = false;
    for (Target& have : it->second)
      if (have.slot == t.slot) {
        have.rank = std::min(have.rank, t.rank);
        merged = true;
      }
    if (!merged) it->second.push_back(t);
  }
  // Interior paths: every dotted prefix of a mapped path, so the walk knows where to look.
  std::unordered_map<std::string, bool> interior;
  for (const std::string& path : order)
    for (std::size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1))
      if (dot > 0) interior[path.substr(0, dot)] = true;
  for (const auto& [path, yes] : interior)
    if (groups.try_emplace(path).second) order.push_back(path);

  std::size_t cap = 16;
  while (cap < order.size() * 2 + 1) cap <<= 1;
  table_.assign(cap, Entry{});
  mask_ = cap - 1;
  keys_.clear();
  targets_.clear();
  for (const std::string& path : order) {
    Entry e;
    e.used = true;
    e.hash = hash_path(path);
    e.key_off = static_cast<std::uint32_t>(keys_.size());
    e.key_len = static_cast<std::uint32_t>(path.size());
    keys_ += path;
    const auto& ts = groups[path];
    e.first = static_cast<std::uint32_t>(targets_.size());
    e.count = static_cast<std::uint32_t>(ts.size());
    targets_.insert(targets_.end(), ts.begin(), ts.end());
    e.interior = interior.count(path) != 0;
    std::size_t i = e.hash & mask_;
    while (table_[i].used) i = (i + 1) & mask_;
    table_[i] = e;
  }
}

}  // namespace detail
}  // namespace sigmatch::input
