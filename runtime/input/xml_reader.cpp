// xml_reader.cpp — Windows Event XML: XmlMapper (one <Event> -> slots, pugixml, parsed in
// place so values are views into the input window) and the XML reader, which cuts the input
// into <Event>...</Event> segments itself (one per line, or many inside <Events>, any
// whitespace) so one malformed event is reported with its number and the rest still read.
// Record number = 1-based index of the <Event>. An event must be UTF-8 without NUL bytes.
// Tested by tests/unit/input_test.cpp and tests/cli/big_record_test.sh (a 100 MiB event).
#include <pugixml.hpp>
#include <simdjson.h>

#include <cstring>

#include "runtime/input/input_internal.hpp"

namespace sigmatch::input::detail {
namespace {

std::string_view local_name(const char* name) {
  std::string_view n(name);
  std::size_t colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

// Deepest element nesting below (and including) `node`, without recursion.
std::size_t max_element_depth(pugi::xml_node root) {
  std::size_t depth = 1, best = 1;
  pugi::xml_node n = root.first_child();
  while (n && n != root) {
    if (n.type() == pugi::node_element) best = std::max(best, depth + 1);
    if (n.first_child()) {
      n = n.first_child();
      ++depth;
      continue;
    }
    while (n != root && !n.next_sibling()) {
      n = n.parent();
      --depth;
    }
    if (n != root) n = n.next_sibling();
  }
  return best;
}

bool has_element_child(pugi::xml_node n) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element) return true;
  return false;
}

}  // namespace

XmlMapper::XmlMapper(const std::vector<std::string>& fields, const ReaderOptions& options)
    : slots_(fields.size()), options_(options), doc_(std::make_unique<pugi::xml_document>()) {
  names_.build_identity(fields);
  scratch_.reserve(64);
}

XmlMapper::~XmlMapper() = default;

void XmlMapper::set(std::string_view name, std::string_view value, Event& ev) {
  const PathMap::Entry* e = names_.find(name);
  if (!e) return;
  const PathMap::Target* t = names_.targets(*e);
  for (std::uint32_t i = 0; i < e->count; ++i)
    if (ranks_.claim(t[i].slot, 0)) ev.set(t[i].slot, value);  // first occurrence wins
}

void XmlMapper::walk_user_data(const pugi::xml_node& node, Event& ev) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (has_element_child(c)) {
      walk_user_data(c, ev);  // depth already bounded by max_element_depth
    } else {
      std::string_view text = c.child_value();
      set(local_name(c.name()), text, ev);
      if (options_.collect_all_values && !text.empty()) ev.add_value(text);
    }
  }
}

bool XmlMapper::map(char* text, std::size_t size, Event& ev, std::string* error) {
  if (ev.slot_count() != slots_) ev.resize(slots_);
  else ev.clear();
  ranks_.reset(slots_);
  // parse_ws_pcdata_single keeps a whitespace-only <Data> value instead of dropping it.
  pugi::xml_parse_result r = doc_->load_buffer_inplace(
      text, size, pugi::parse_default | pugi::parse_ws_pcdata_single, pugi::encoding_utf8);
  if (!r) {
    *error = std::string("invalid XML: ") + r.description() + " at offset " +
             std::to_string(r.offset);
    return false;
  }
  pugi::xml_node event = doc_->document_element();
  if (!event || local_name(event.name()) != "Event") {
    *error = "invalid XML: root element is not <Event>";
    return false;
  }
  if (max_element_depth(event) > options_.max_depth) {
    *error = "nesting deeper than " + std::to_string(options_.max_depth) + " levels";
    return false;
  }
  const bool collect = options_.collect_all_values;
  for (pugi::xml_node part = event.first_child(); part; part = part.next_sibling()) {
    if (part.type() != pugi::node_element) continue;
    std::string_view part_name = local_name(part.name());
    if (part_name == "System") {
      for (pugi::xml_node c = part.first_child(); c; c = c.next_sibling()) {
        if (c.type() != pugi::node_element) continue;
        std::string_view name = local_name(c.name());
        std::string_view value = c.child_value();
        // Element text -> its name (EventID, Channel, ...), unless it is an attribute-only
        // element such as <Provider Name=.../> whose "text" is meaningless.
        if (!c.first_attribute() || !value.empty()) {
          set(name, value, ev);
          if (collect && !value.empty()) ev.add_value(value);
        }
        for (pugi::xml_attribute a = c.first_attribute(); a; a = a.next_attribute()) {
          scratch_.assign(name);
          scratch_ += '_';
          scratch_ += local_name(a.name());
          std::string_view av = a.value();
          set(scratch_, av, ev);
          if (name == "TimeCreated" && local_name(a.name()) == "SystemTime") set("TimeCreated", av, ev);
          if (collect && !av.empty()) ev.add_value(av);
        }
      }
    } else if (part_name == "EventData") {
      for (pugi::xml_node c = part.first_child(); c; c = c.next_sibling()) {
        if (c.type() != pugi::node_element) continue;
        std::string_view value = c.child_value();  // <Data Name="X"/> -> "" (present)
        pugi::xml_attribute n = c.attribute("Name");
        if (n) set(n.value(), value, ev);
        else if (local_name(c.name()) != "Data") set(local_name(c.name()), value, ev);  // <Binary>
        if (collect && !value.empty()) ev.add_value(value);
      }
    } else if (part_name == "UserData") {
      walk_user_data(part, ev);
    }
  }
  return true;
}

namespace {

// Start of the next "<Event" tag (not <Events>, <EventData>, <EventID>) at or after `from`.
std::size_t find_event_start(std::string_view w, std::size_t from) {
  for (std::size_t p = w.find("<Event", from); p != std::string_view::npos;
       p = w.find("<Event", p + 1)) {
    if (p + 6 >= w.size()) return p;  // cannot tell yet; caller reads more
    char c = w[p + 6];
    if (c == ' ' || c == '>' || c == '/' || c == '\t' || c == '\r' || c == '\n') return p;
  }
  return std::string_view::npos;
}

class XmlReader final : public Reader {
 public:
  XmlReader(ByteSource src, const std::vector<std::string>& fields, const ReaderOptions& options)
      : src_(std::move(src)), options_(options), mapper_(fields, options) {}

  Next next(Event& ev, RecordError& err) override {
    for (;;) {
      std::string_view w = src_.window();
      std::size_t start = find_event_start(w, 0);
      if (start == std::string_view::npos || start + 6 >= w.size()) {
        if (src_.eof()) {
          src_.consume(w.size());
          if (start != std::string_view::npos) return fail(err, ev, "truncated <Event>");
          return Next::kEnd;
        }
        // Keep a possible partial "<Event" at the end of the window, then read more.
        if (start == std::string_view::npos) src_.consume(w.size() > 6 ? w.size() - 6 : 0);
        else src_.consume(start);
        src_.more(std::max(options_.max_record_bytes, ByteSource::kChunk));
        continue;
      }
      src_.consume(start);
      w = src_.window();
      // End of this event: "</Event>" (optional whitespace before '>') or a self-closing tag.
      std::size_t gt = w.find('>');
      std::size_t end = std::string_view::npos;
      if (gt != std::string_view::npos && w[gt - 1] == '/') {
        end = gt + 1;
      } else {
        for (std::size_t close = w.find("</Event", 6); close != std::string_view::npos;
             close = w.find("</Event", close + 1)) {
          std::size_t k = close + 7;
          while (k < w.size() && (w[k] == ' ' || w[k] == '\t' || w[k] == '\r' || w[k] == '\n')) ++k;
          if (k < w.size() && w[k] == '>') {
            end = k + 1;
            break;
          }
        }
      }
      // Another <Event> starting before this one ends means this one is unterminated.
      std::size_t next_start = find_event_start(w, 6);
      if (next_start != std::string_view::npos && (end == std::string_view::npos || next_start < end)) {
        src_.consume(next_start);
        return fail(err, ev, "invalid XML: <Event> not closed before the next <Event>");
      }
      if (end == std::string_view::npos) {
        if (w.size() > options_.max_record_bytes) {
          src_.consume(w.size());  // the rest of it is skipped by the next start search
          return fail(err, ev, "record too large (limit " +
                                   std::to_string(options_.max_record_bytes) + " bytes)");
        }
        if (src_.eof()) {
          src_.consume(w.size());
          return fail(err, ev, "invalid XML: truncated <Event>");
        }
        src_.more(options_.max_record_bytes + 1);
        continue;
      }
      ++record_;
      if (end > options_.max_record_bytes) {
        src_.consume(end);
        return fail_counted(err, ev, "record too large (limit " +
                                         std::to_string(options_.max_record_bytes) + " bytes)");
      }
      char* text = src_.data();
      src_.consume(end);
      // pugixml neither validates UTF-8 (a bad byte became part of a value that was then
      // matched) nor reads past a NUL (reported as a confusing tag mismatch). Check both
      // here, as the JSONL reader does, so these records are reported for what they are.
      if (std::memchr(text, '\0', end)) return fail_counted(err, ev, "invalid XML: NUL byte in record");
      if (!simdjson::validate_utf8(text, end)) return fail_counted(err, ev, "invalid XML: the input is not valid UTF-8");
      if (!mapper_.map(text, end, ev, &message_)) return fail_counted(err, ev, message_);
      return Next::kRecord;
    }
  }

  std::uint64_t record_number() const override { return record_; }

 private:
  Next fail(RecordError& err, Event& ev, std::string message) {
    ++record_;
    return fail_counted(err, ev, std::move(message));
  }
  Next fail_counted(RecordError& err, Event& ev, std::string message) {
    ev.clear();
    err.record = record_;
    err.message = std::move(message);
    return Next::kError;
  }

  ByteSource src_;
  ReaderOptions options_;
  XmlMapper mapper_;
  std::string message_;
  std::uint64_t record_ = 0;
};

}  // namespace

std::unique_ptr<Reader> make_xml_reader(ByteSource src, const std::vector<std::string>& fields,
                                        const ReaderOptions& options) {
  return std::make_unique<XmlReader>(std::move(src), fields, options);
}

}  // namespace sigmatch::input::detail
