// jsonl_reader.cpp — JSON Lines reader (simdjson On Demand). One record per non-blank line;
// the record number is the 1-based line number. Every value is visited (so structure and
// scalars are validated), but strings are only unescaped when a mapped path or keyword rules
// need them: the one laxness is a bad escape (\q) inside a string nobody reads, which is
// accepted. UTF-8, control characters and structure are always checked. Numbers keep the
// exact text the shipper wrote. Tested by tests/unit/input_test.cpp.
//
// View lifetimes: strings live in the parser's string buffer, numbers point into the
// ByteSource window; both stay untouched until the next call to next().
#include <simdjson.h>

#include <cstring>

#include "runtime/input/input_internal.hpp"

namespace sigmatch::input::detail {
namespace {

static_assert(ByteSource::kPadding >= simdjson::SIMDJSON_PADDING, "ByteSource padding too small for simdjson");

namespace od = simdjson::ondemand;

// RFC 8259 number grammar; On Demand hands us the raw token without checking it.
bool is_json_number(std::string_view s) {
  std::size_t i = 0, n = s.size();
  auto digit = [&](std::size_t k) { return k < n && s[k] >= '0' && s[k] <= '9'; };
  if (i < n && s[i] == '-') ++i;
  if (!digit(i)) return false;
  if (s[i] == '0') ++i;
  else
    while (digit(i)) ++i;
  if (i < n && s[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == n;
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool is_blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

class JsonlReader final : public Reader {
 public:
  JsonlReader(ByteSource src, const std::vector<std::string>& fields, const ShapeTable& shapes,
              const ReaderOptions& options)
      : src_(std::move(src)), slots_(fields.size()), options_(options) {
    map_.build(fields, shapes);
    path_.reserve(256);
  }

  Next next(Event& ev, RecordError& err) override {
    for (;;) {
      std::string_view line;
      ByteSource::Line status = src_.next_line(&line, options_.max_record_bytes);
      if (status == ByteSource::Line::kEnd) return Next::kEnd;
      ++line_;
      if (status == ByteSource::Line::kIoError) {
        record_ = line_;
        return error(err, "read error: " + src_.io_error(), ev);
      }
      if (status == ByteSource::Line::kTooLong) {
        record_ = line_;
        return error(err, "record too large (limit " + std::to_string(options_.max_record_bytes) +
                              " bytes)", ev);
      }
      // A UTF-8 BOM (Windows PowerShell `Out-File -Encoding utf8`) before the first record
      // is not part of the JSON; detect_format already skips it, the parser must too.
      if (line_ == 1 && line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0)
        line.remove_prefix(3);
      if (is_blank(line)) continue;  // blank lines are not records; numbering stays by line
      record_ = line_;
      return parse(line, ev, err);
    }
  }

  std::uint64_t record_number() const override { return record_; }

 private:
  Next error(RecordError& err, std::string message, Event& ev) {
    prepare(ev);  // no half-filled record escapes
    err.record = record_;
    err.message = std::move(message);
    return Next::kError;
  }

  void prepare(Event& ev) {
    if (ev.slot_count() != slots_) ev.resize(slots_);
    else ev.clear();
  }

  Next parse(std::string_view line, Event& ev, RecordError& err) {
    prepare(ev);
    ranks_.reset(slots_);
    ev_ = &ev;
    custom_error_ = nullptr;
    if (std::memchr(line.data(), '\0', line.size()))
      return error(err, "invalid JSON: NUL byte in record", ev);
    // On Demand validates UTF-8 in stage 1 for the whole line, including strings we never
    // unescape, so no separate pass is needed (tested).
    od::document doc;
    auto e = parser_.iterate(line.data(), line.size(), line.size() + simdjson::SIMDJSON_PADDING).get(doc);
    od::json_type type{};
    if (!e) e = doc.type().get(type);
    if (!e && type != od::json_type::object) return error(err, "record is not a JSON object", ev);
    od::object root;
    if (!e) e = doc.get_object().get(root);
    if (!e) e = walk_object(root, true, true, 1);
    // 3.0.1 has no document::at_end(); current_location() fails exactly when nothing follows.
    if (!e && !doc.current_location().error()) return error(err, "invalid JSON: trailing content after the object", ev);
    if (e) {
      if (custom_error_) return error(err, custom_error_, ev);
      return error(err, std::string("invalid JSON: ") + simdjson::error_message(e), ev);
    }
    return Next::kRecord;
  }

  // `interesting`: this object's path is a prefix of some mapped path, so its keys need
  // lookups; elsewhere we only validate (and collect values for keyword rules).
  simdjson::error_code walk_object(od::object obj, bool root, bool interesting,
                                   std::size_t depth) {
    if (depth > options_.max_depth) return depth_error();
    for (auto field_result : obj) {
      od::field field;
      if (auto e = std::move(field_result).get(field)) return e;
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return e;
      const std::size_t saved = path_.size();
      const PathMap::Entry* entry = nullptr;
      if (root) {
        entry = map_.find(key);  // path == key: no copy (the flat shape's common case)
        if (entry && entry->interior) path_.assign(key);
      } else if (interesting) {
        path_.push_back('.');
        path_.append(key);
        entry = map_.find(path_);
      }
      auto e = walk_value(field.value(), entry, depth);
      path_.resize(saved);
      if (e) return e;
    }
    return simdjson::SUCCESS;
  }

  simdjson::error_code walk_value(od::value v, const PathMap::Entry* entry, std::size_t depth) {
    od::json_type type;
    if (auto e = v.type().get(type)) return e;
    const bool mapped = entry && entry->count > 0;
    switch (type) {
      case od::json_type::object: {
        od::object obj;
        if (auto e = v.get_object().get(obj)) return e;
        return walk_object(obj, false, entry && entry->interior, depth + 1);
      }
      case od::json_type::array: {
        if (depth + 1 > options_.max_depth) return depth_error();
        od::array arr;
        if (auto e = v.get_array().get(arr)) return e;
        // Elements share the array's path: a mapped array yields its first scalar (the slot
        // ranks make the first one win), e.g. winlog.keywords ["Audit Success"].
        for (auto item : arr) {
          od::value el;
          if (auto e = std::move(item).get(el)) return e;
          if (auto e = walk_value(el, entry, depth + 1)) return e;
        }
        return simdjson::SUCCESS;
      }
      case od::json_type::string: {
        if (!mapped && !options_.collect_all_values) return simdjson::SUCCESS;
        std::string_view s;
        if (auto e = v.get_string().get(s)) return e;
        if (mapped) set(*entry, s, false);
        if (options_.collect_all_values) ev_->add_value(s);
        return simdjson::SUCCESS;
      }
      case od::json_type::number: {
        std::string_view raw = trim_right(v.raw_json_token());
        if (!is_json_number(raw)) return simdjson::NUMBER_ERROR;
        if (mapped) set(*entry, raw, false);
        if (options_.collect_all_values) ev_->add_value(raw);
        return simdjson::SUCCESS;
      }
      case od::json_type::boolean: {
        bool b;
        if (auto e = v.get_bool().get(b)) return e;
        if (mapped) set(*entry, b ? "true" : "false", false);
        return simdjson::SUCCESS;
      }
      case od::json_type::null: {
        bool is_null = false;
        if (auto e = v.is_null().get(is_null)) return e;
        if (!is_null) return simdjson::N_ATOM_ERROR;
        if (mapped) set(*entry, {}, true);
        return simdjson::SUCCESS;
      }
    }
    return simdjson::INCORRECT_TYPE;
  }

  void set(const PathMap::Entry& entry, std::string_view text, bool null) {
    const PathMap::Target* t = map_.targets(entry);
    for (std::uint32_t i = 0; i < entry.count; ++i) {
      if (!ranks_.claim(t[i].slot, t[i].rank)) continue;
      if (null) ev_->set_null(t[i].slot);
      else ev_->set(t[i].slot, text);
    }
  }

  simdjson::error_code depth_error() {
    custom_error_ = depth_message_.c_str();
    return simdjson::DEPTH_ERROR;
  }

  ByteSource src_;
  std::size_t slots_;
  ReaderOptions options_;
  PathMap map_;
  SlotRanks ranks_;
  od::parser parser_;
  std::string path_;  // dotted path of the key being visited, reused across records
  Event* ev_ = nullptr;
  const char* custom_error_ = nullptr;
  std::string depth_message_ =
      "nesting deeper than " + std::to_string(options_.max_depth) + " levels";
  std::uint64_t line_ = 0;
  std::uint64_t record_ = 0;
};

}  // namespace

std::unique_ptr<Reader> make_jsonl_reader(ByteSource src, const std::vector<std::string>& fields,
                                          const ShapeTable& shapes, const ReaderOptions& options) {
  return std::make_unique<JsonlReader>(std::move(src), fields, shapes, options);
}

}  // namespace sigmatch::input::detail
