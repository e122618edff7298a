// jsonl_reader.cpp — JSON reader (simdjson On Demand), in two framings. JSON Lines: one record
// per non-blank line; the record number is the 1-based line number. JSON documents (Format::kJson,
// e.g. a pretty-printed export): the elements of top-level arrays and the top-level objects are
// the records, cut out with JsonValueEnd whatever lines they span; the record number is the
// 1-based position of the record in the input (the element index for one array), and errors
// name the line the record starts on. Every value is visited (so structure and scalars are
// validated), but strings are only unescaped when a mapped path or keyword rules need them:
// the one laxness is a bad escape (\q) inside a string nobody reads, which is accepted. UTF-8,
// control characters and structure are always checked. Numbers keep the exact text the
// shipper wrote. Tested by tests/unit/input_test.cpp and tests/cli/cli_test.sh.
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

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// A line that opens a JSON value and breaks off after '{', '[', ',' or ':' outside a string:
// how pretty printers lay out a document, and rare for a JSON Lines record cut short.
bool opens_multi_line_value(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && is_json_space(line[i])) ++i;
  if (i == line.size() || (line[i] != '{' && line[i] != '[')) return false;
  JsonValueEnd end;
  if (end.scan(line.substr(i), false) || end.in_string()) return false;
  std::string_view t = trim_right(line);
  char last = t.back();
  return last == '{' || last == '[' || last == ',' || last == ':';
}

// jq's path for a top-level member: .name for identifiers, .["name"] otherwise.
std::string jq_member(std::string_view key) {
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  bool ident = !key.empty() && !(key[0] >= '0' && key[0] <= '9');
  for (char c : key) ident = ident && word(c);
  std::string q = ident ? "." : ".[\"";
  for (char c : key) {
    if (!ident && (c == '"' || c == '\\')) q += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) q += c;
  }
  if (!ident) q += "\"]";
  return q;
}

class JsonlReader final : public Reader {
 public:
  JsonlReader(ByteSource src, const std::vector<std::string>& fields, const ShapeTable& shapes,
              const ReaderOptions& options, bool document, bool input_start)
      : src_(std::move(src)), slots_(fields.size()), options_(options), document_(document),
        input_start_(input_start), hint_(input_start) {
    map_.build(fields, shapes);
    path_.reserve(256);
  }
  // JSON Lines over paths resolved once for many readers (FieldPaths): a copy of the map.
  JsonlReader(ByteSource src, const PathMap& map, std::size_t slots, const ReaderOptions& options,
              bool input_start)
      : src_(std::move(src)), slots_(slots), options_(options), map_(map), document_(false),
        input_start_(input_start), hint_(input_start) {
    path_.reserve(256);
  }

  Next next(Event& ev, RecordError& err) override {
    if (document_) return next_in_document(ev, err);
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
      // is not part of the JSON; detect_format already skips it, the parser must too. Only at
      // the start of the input: a -j chunk's first line is not, and -j N prints what -j 1 does.
      if (input_start_ && line_ == 1 && line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0)
        line.remove_prefix(3);
      if (is_blank(line)) continue;  // blank lines are not records; numbering stays by line
      record_ = line_;
      const bool first = hint_;
      hint_ = false;
      Next n = parse(line, ev, err);
      // Reached only when the input was named JSON Lines or its first object is too large for
      // detect_format to see it close: say once what the input probably is. The records are
      // still read line by line (a JSON Lines file whose first record is cut short must not
      // lose the others).
      if (n == Next::kError && first && opens_multi_line_value(line))
        err.message +=
            "; this line opens a JSON value that continues on the next lines: if the input is one"
            " pretty-printed JSON document rather than JSON Lines (one record per line), convert it"
            " with jq -c . (or jq -c '.[]' for an array)";
      return n;
    }
  }

  std::uint64_t record_number() const override { return record_; }
  std::uint64_t lines_read() const override { return document_ ? record_ : line_; }

 private:
  // JSON documents: whitespace-separated top-level values; an array's elements are records,
  // any other value is one record (a non-object is reported as such). Structure outside the
  // records (a missing ',' between elements, an unclosed array, input ending inside a record)
  // cannot be resynchronised reliably, so it is reported once and reading stops there.
  Next next_in_document(Event& ev, RecordError& err) {
    for (;;) {
      if (state_ == DocState::kDone) return Next::kEnd;
      if (skipping_) {
        if (!skip_rest()) continue;
        // The input ended inside the too-large record, which was reported already.
        if (state_ == DocState::kDone) return Next::kEnd;
      }
      std::string_view w = src_.window();
      if (!bom_checked_ && (w.size() >= 3 || src_.eof())) {
        bom_checked_ = true;
        if (w.size() >= 3 && w.compare(0, 3, "\xEF\xBB\xBF") == 0) src_.consume(3);
        w = src_.window();
      }
      std::size_t i = 0;
      while (i < w.size() && is_json_space(w[i])) doc_line_ += w[i++] == '\n';
      src_.consume(i);
      w = src_.window();
      if (w.empty()) {
        if (!src_.eof() && src_.more(ByteSource::kChunk)) continue;
        if (!src_.io_error().empty()) return stop(err, ev, "read error: " + src_.io_error());
        if (state_ == DocState::kTop) return Next::kEnd;
        return stop(err, ev, "input ends inside the JSON array opened at line " +
                                 std::to_string(array_line_) + " (no closing ']')");
      }
      const char c = w[0];
      switch (state_) {
        case DocState::kTop:
          if (c == '[') {
            array_line_ = doc_line_;
            src_.consume(1);
            state_ = DocState::kArrayFirst;
            continue;
          }
          if (c == ',' || c == ']' || c == '}' || c == ':')
            return stop(err, ev, std::string("invalid JSON: unexpected '") + c + "' at line " +
                                     std::to_string(doc_line_));
          return value(ev, err);
        case DocState::kArrayFirst:
        case DocState::kArrayElement:
          if (c == ']') {  // [] (or a trailing comma: JSON forbids it, allowing it costs nothing)
            src_.consume(1);
            state_ = DocState::kTop;
            continue;
          }
          if (c == ',' || c == '}' || c == ':')
            return stop(err, ev, std::string("invalid JSON: unexpected '") + c + "' at line " +
                                     std::to_string(doc_line_));
          return value(ev, err);
        case DocState::kArrayNext:
          if (c == ',' || c == ']') {
            src_.consume(1);
            state_ = c == ',' ? DocState::kArrayElement : DocState::kTop;
            continue;
          }
          return stop(err, ev,
                      "invalid JSON: expected ',' or ']' after record " + std::to_string(record_) +
                          " at line " + std::to_string(doc_line_));
        case DocState::kDone:
          return Next::kEnd;
      }
    }
  }

  // Cuts the value at the window start out of the input and parses it as one record.
  Next value(Event& ev, RecordError& err) {
    end_ = JsonValueEnd{};
    const std::uint64_t line = doc_line_;
    for (;;) {
      std::string_view w = src_.window();
      if (end_.scan(w, src_.eof())) break;
      if (w.size() > options_.max_record_bytes) {  // skip the rest without keeping it
        after_value();
        skipping_ = true;
        doc_line_ += end_.newlines();
        src_.consume(w.size());
        end_.discard();
        ++record_;
        return error(err, too_large() + at_line(line), ev);
      }
      if (src_.eof()) {
        ++record_;
        if (!src_.io_error().empty())
          return stop_counted(err, ev, "read error: " + src_.io_error());
        return stop_counted(err, ev, "invalid JSON: input ends inside this record" + at_line(line));
      }
      src_.more(options_.max_record_bytes + 1);
    }
    ++record_;
    after_value();
    doc_line_ += end_.newlines();
    const std::size_t size = end_.size();
    std::string_view text = src_.window().substr(0, size);
    src_.consume(size);
    if (size > options_.max_record_bytes) return error(err, too_large() + at_line(line), ev);
    Next n = parse(text, ev, err);
    if (n == Next::kError) err.message += at_line(line);
    return n;
  }

  // Skipping an over-long record: false while more of it remains to be read.
  bool skip_rest() {
    std::string_view w = src_.window();
    const std::uint64_t before = end_.newlines();
    if (end_.scan(w, src_.eof())) {
      doc_line_ += end_.newlines() - before;
      src_.consume(end_.size());
      skipping_ = false;
      return true;
    }
    doc_line_ += end_.newlines() - before;
    src_.consume(w.size());
    end_.discard();
    if (src_.eof()) {
      skipping_ = false;
      state_ = DocState::kDone;
      return true;
    }
    src_.more(ByteSource::kChunk);
    return false;
  }

  void after_value() {
    if (state_ == DocState::kArrayFirst || state_ == DocState::kArrayElement)
      state_ = DocState::kArrayNext;
  }
  std::string too_large() const {
    return "record too large (limit " + std::to_string(options_.max_record_bytes) + " bytes)";
  }
  static std::string at_line(std::uint64_t line) {
    return " (record starts at line " + std::to_string(line) + ")";
  }

  // A structural error: reported as one more malformed record, and the input ends here.
  Next stop(RecordError& err, Event& ev, std::string message) {
    ++record_;
    return stop_counted(err, ev, std::move(message));
  }
  Next stop_counted(RecordError& err, Event& ev, std::string message) {
    state_ = DocState::kDone;
    return error(err, std::move(message) + "; reading of this input stops here", ev);
  }

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
    root_members_ = 0;
    if (!e) e = doc.get_object().get(root);
    if (!e) e = walk_object(root, true, true, 1);
    // 3.0.1 has no document::at_end(); current_location() fails exactly when nothing follows.
    if (!e && !doc.current_location().error()) return error(err, "invalid JSON: trailing content after the object", ev);
    if (e) {
      if (custom_error_) return error(err, custom_error_, ev);
      return error(err, std::string("invalid JSON: ") + simdjson::error_message(e), ev);
    }
    // A document whose one member holds the records (Elastic's pipeline-test files are
    // {"events": [...]}) reads as a single record in which no field is found, which would
    // silently match nothing. No shipper writes an event with a single array member.
    if (document_ && root_members_ == 1 && !root_array_key_.empty())
      return error(err,
                   "record is not an event but a wrapper: its only member \"" + root_array_key_ +
                       "\" is an array; extract the records, e.g. jq -c '" +
                       jq_member(root_array_key_) + "[]'",
                   ev);
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
      od::value& value = field.value();
      if (root && document_) note_root_member(key, value);
      auto e = walk_value(value, entry, depth);
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

  // For the wrapper check in parse(): how many members the root has, and the key of the first
  // one when it is an array. type() only peeks, so walk_value still sees the value.
  void note_root_member(std::string_view key, od::value& v) {
    od::json_type type{};
    if (++root_members_ == 1) root_array_key_.clear();
    if (root_members_ == 1 && !v.type().get(type) && type == od::json_type::array)
      root_array_key_.assign(key);
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
  const bool document_;     // framing: JSON documents, else JSON Lines
  const bool input_start_;  // this reader starts at the input's first byte (not a -j chunk)
  // JSON Lines: the next record is the input's first (not a -j chunk's), so a failure may get
  // the "pretty-printed JSON?" hint; -j N must print what -j 1 prints.
  bool hint_;
  // JSON documents: where the reader is in the top-level structure.
  enum class DocState : std::uint8_t { kTop, kArrayFirst, kArrayElement, kArrayNext, kDone };
  DocState state_ = DocState::kTop;
  JsonValueEnd end_;          // the record being cut out (or skipped, when too large)
  bool skipping_ = false;     // the rest of a too-large record is still to be skipped
  bool bom_checked_ = false;
  std::uint64_t doc_line_ = 1;    // line of the next unread byte
  std::uint64_t array_line_ = 0;  // line of the open top-level '['
  std::size_t root_members_ = 0;
  std::string root_array_key_;
};

}  // namespace

std::unique_ptr<Reader> make_jsonl_reader(ByteSource src, const std::vector<std::string>& fields,
                                          const ShapeTable& shapes, const ReaderOptions& options,
                                          Format framing, bool input_start) {
  return std::make_unique<JsonlReader>(std::move(src), fields, shapes, options,
                                       framing == Format::kJson, input_start);
}

std::unique_ptr<Reader> make_jsonl_reader(ByteSource src, const PathMap& map, std::size_t slots,
                                          const ReaderOptions& options, bool input_start) {
  return std::make_unique<JsonlReader>(std::move(src), map, slots, options, input_start);
}

}  // namespace sigmatch::input::detail
