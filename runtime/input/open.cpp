// open.cpp — open_reader / open_buffer / detect_format: picks the reader for an input by
// sniffing its first bytes ("ElfFile\0" EVTX, '<' Event XML, '{' JSONL or a multi-line JSON
// document, '[' JSON array; a UTF-8 BOM and leading whitespace are skipped), or by extension
// for an empty input.
// Tested by tests/unit/input_test.cpp.
#include <cstring>

#include "runtime/input/input_internal.hpp"

namespace sigmatch::input {
namespace {

constexpr std::string_view kEvtxMagic{"ElfFile\0", 8};
// open_source sniffs the first chunk a ByteSource reads; detect_format needs that much.
static_assert(detail::ByteSource::kChunk >= kSniffBytes);

Format by_extension(const std::string& path) {
  auto ends_with = [&](std::string_view ext) {
    if (path.size() < ext.size()) return false;
    for (std::size_t i = 0; i < ext.size(); ++i) {
      char c = path[path.size() - ext.size() + i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != ext[i]) return false;
    }
    return true;
  };
  if (ends_with(".evtx")) return Format::kEvtx;
  if (ends_with(".xml")) return Format::kXml;
  if (ends_with(".jsonl") || ends_with(".json") || ends_with(".ndjson")) return Format::kJsonl;
  return Format::kAuto;
}

// `s` starts with '{'. True when that object spans lines and is followed by nothing or by
// another value: a pretty-printed document. A JSON Lines record cut short (or a first line
// that is not JSON at all) does not end that way, and reading the input as a document would
// then swallow the good records after it into one bad one.
bool multi_line_document(std::string_view s) {
  detail::JsonValueEnd end;
  if (!end.scan(s, true) || end.newlines() == 0) return false;
  std::size_t i = end.size();
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  return i == s.size() || s[i] == '{' || s[i] == '[';
}

bool only_whitespace(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

// input_start: `src` begins at the start of the input (not a later range of a -j split).
std::unique_ptr<Reader> open_source(detail::ByteSource src, const std::string& name,
                                    Format format, const std::vector<std::string>& fields,
                                    const ShapeTable& shapes, const ReaderOptions& options,
                                    std::string* error, bool input_start = true) {
  if (format == Format::kAuto) {
    std::string_view head = src.window();
    format = detect_format(head);
    // Empty (or blank) input: the extension decides; failing that, JSONL yields no records.
    if (format == Format::kAuto && only_whitespace(head) && src.eof()) {
      format = by_extension(name);
      if (format == Format::kAuto) format = Format::kJsonl;
    }
  }
  switch (format) {
    case Format::kJsonl:
    case Format::kJson:
      return detail::make_jsonl_reader(std::move(src), fields, shapes, options, format,
                                       input_start);
    case Format::kXml:
      return detail::make_xml_reader(std::move(src), fields, options);
    case Format::kEvtx: {
      std::string bytes = src.take_all();
      if (!src.io_error().empty()) {
        if (error) *error = name + ": " + src.io_error();
        return nullptr;
      }
      std::string local;
      auto reader = detail::make_evtx_reader_from_bytes(bytes, fields, options, error ? error : &local);
      if (!reader && error) *error = name + ": " + *error;
      return reader;
    }
    case Format::kAuto:
      break;
  }
  std::string_view head = src.window();
  bool utf16 = head.size() >= 2 && (head.substr(0, 2) == "\xFF\xFE" || head.substr(0, 2) == "\xFE\xFF");
  if (error)
    *error = name + (utf16 ? ": UTF-16 input is not supported (Windows PowerShell 5.1 '>' writes UTF-16);"
                             " convert it, e.g. iconv -f UTF-16 -t UTF-8"
                           : ": unknown input format (expected JSON Lines, Event XML or .evtx)");
  return nullptr;
}

}  // namespace

Format detect_format(std::string_view b) {
  if (b.size() >= kEvtxMagic.size() && b.substr(0, kEvtxMagic.size()) == kEvtxMagic)
    return Format::kEvtx;
  if (b.size() >= 3 && b.substr(0, 3) == "\xEF\xBB\xBF") b.remove_prefix(3);
  std::size_t i = 0;
  while (i < b.size() && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) ++i;
  if (i == b.size()) return Format::kAuto;
  if (b[i] == '<') return Format::kXml;
  if (b[i] == '[') return Format::kJson;
  if (b[i] == '{') return multi_line_document(b.substr(i)) ? Format::kJson : Format::kJsonl;
  return Format::kAuto;
}

std::unique_ptr<Reader> open_reader(const std::string& path, Format format,
                                    const std::vector<std::string>& fields,
                                    const ShapeTable& shapes, const ReaderOptions& options,
                                    std::string* error) {
  std::string local;
  if (!error) error = &local;
  // A named .evtx file goes straight to libevtx (no copy); everything else is streamed.
  if (path != "-" && (format == Format::kEvtx || (format == Format::kAuto && by_extension(path) == Format::kEvtx))) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    char magic[8] = {};
    std::size_t n = f ? std::fread(magic, 1, sizeof magic, f) : 0;
    if (f) std::fclose(f);
    if (format == Format::kEvtx || (n == 8 && std::string_view(magic, 8) == kEvtxMagic))
      return detail::make_evtx_reader(path, fields, options, error);
  }
  detail::ByteSource src;
  if (!src.open_file(path, error)) return nullptr;
  if (path != "-" && (format == Format::kEvtx ||
                      (format == Format::kAuto && detect_format(src.window()) == Format::kEvtx)))
    return detail::make_evtx_reader(path, fields, options, error);
  return open_source(std::move(src), path == "-" ? "<stdin>" : path, format, fields, shapes,
                     options, error);
}

FieldPaths::FieldPaths(const std::vector<std::string>& fields, const ShapeTable& shapes) : impl_(new Impl) {
  impl_->map.build(fields, shapes);
  impl_->slots = fields.size();
}

FieldPaths::~FieldPaths() = default;

namespace {

std::unique_ptr<Reader> range_reader(detail::ByteSource src, std::uint64_t begin, const FieldPaths& paths,
                                     const ReaderOptions& options) {
  return detail::make_jsonl_reader(std::move(src), paths.impl().map, paths.impl().slots, options, begin == 0);
}

}  // namespace

std::unique_ptr<Reader> open_reader_range(const std::string& path, std::uint64_t begin, std::uint64_t end,
                                          const FieldPaths& paths, const ReaderOptions& options,
                                          std::string* error) {
  std::string local;
  detail::ByteSource src;
  if (!src.open_file_range(path, begin, end, error ? error : &local)) return nullptr;
  return range_reader(std::move(src), begin, paths, options);
}

std::unique_ptr<Reader> open_reader_range(int fd, const std::string& name, std::uint64_t begin, std::uint64_t end,
                                          const FieldPaths& paths, const ReaderOptions& options,
                                          std::string* error) {
  std::string local;
  detail::ByteSource src;
  if (!src.open_fd_range(fd, name, begin, end, error ? error : &local)) return nullptr;
  return range_reader(std::move(src), begin, paths, options);
}

std::unique_ptr<Reader> open_reader_range(const std::string& path, std::uint64_t begin, std::uint64_t end,
                                          const std::vector<std::string>& fields,
                                          const ShapeTable& shapes, const ReaderOptions& options,
                                          std::string* error) {
  return open_reader_range(path, begin, end, FieldPaths(fields, shapes), options, error);
}

std::unique_ptr<Reader> open_buffer(std::string data, Format format,
                                    const std::vector<std::string>& fields,
                                    const ShapeTable& shapes, const ReaderOptions& options,
                                    std::string* error) {
  std::string local;
  detail::ByteSource src;
  src.open_memory(std::move(data));
  return open_source(std::move(src), "<buffer>", format, fields, shapes, options,
                     error ? error : &local);
}

}  // namespace sigmatch::input
