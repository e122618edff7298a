// input_internal.hpp — private pieces shared by the readers of library sigmatch_input: the
// shape table representation, the merged path -> slots hash map (PathMap), the chunked byte
// source (ByteSource), the end-of-JSON-value scanner (JsonValueEnd, shared by the JSON reader
// and format detection), the Windows Event XML -> slots mapper (XmlMapper, shared by the XML
// and EVTX readers) and the reader factories used by open.cpp. Not installed.
// Tested through the public API by tests/unit/input_test.cpp.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/input/reader.hpp"
#include "sigmatch/event.hpp"

namespace pugi {
class xml_document;
class xml_node;
}  // namespace pugi

namespace sigmatch::input {

struct ShapePrefix {
  std::string prefix;
  bool lower_first = false;  // path = prefix + lowerFirst(field)
};

struct Shape {
  std::string name;
  bool identity = false;
  std::vector<ShapePrefix> prefixes;
  std::vector<std::pair<std::string, std::string>> aliases;  // path -> canonical name
};

struct ShapeTable::Impl {
  std::vector<Shape> shapes;
};

namespace detail {

// Path hash: 8 bytes per step (a byte-wise hash cost ~1/3 of the flat-shape walk). The whole
// dotted path is rehashed per key; paths are short, so that beats incremental byte hashing.
inline std::uint64_t hash_path(std::string_view s) {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = 0x2545F4914F6CDD1Dull ^ (s.size() * kMul);
  const char* p = s.data();
  std::size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  if (n > 0) {  // tail from overlapping loads in registers (a stack copy stalls forwarding)
    std::uint64_t w;
    if (n >= 4) {
      std::uint32_t a, b;
      std::memcpy(&a, p, 4);
      std::memcpy(&b, p + n - 4, 4);
      w = (std::uint64_t{a} << 32) | b;
    } else {
      w = (std::uint64_t{static_cast<unsigned char>(p[0])} << 16) |
          (std::uint64_t{static_cast<unsigned char>(p[n >> 1])} << 8) |
          static_cast<unsigned char>(p[n - 1]);
    }
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  h *= kMul;
  return h ^ (h >> 32);
}

// Key path -> the slots it fills. Open addressing, built once per reader; lookups take the
// hash so the caller hashes once per key and nothing allocates.
class PathMap {
 public:
  struct Target {
    std::uint32_t slot;
    std::uint8_t rank;  // 0 identity/prefix, 1 alias: lower rank overrides within one record
  };
  struct Entry {
    std::uint64_t hash = 0;
    std::uint32_t key_off = 0, key_len = 0;  // into keys_
    std::uint32_t first = 0, count = 0;      // into targets_
    bool used = false;
    bool interior = false;  // some mapped path continues below this one
  };

  // Every path any shape gives for each field (identity, prefix + name, aliases).
  void build(const std::vector<std::string>& fields, const ShapeTable& shapes);
  // Each field name maps to itself only (XML/EVTX: names are already canonical).
  void build_identity(const std::vector<std::string>& fields);

  const Entry* find(std::uint64_t hash, std::string_view path) const {
    if (mask_ == 0) return nullptr;
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Entry& e = table_[i];
      if (!e.used) return nullptr;
      if (e.hash == hash && e.key_len == path.size() &&
          std::string_view(keys_.data() + e.key_off, e.key_len) == path)
        return &e;
    }
  }
  const Entry* find(std::string_view path) const { return find(hash_path(path), path); }
  const Target* targets(const Entry& e) const { return targets_.data() + e.first; }

 private:
  void finish(std::vector<std::pair<std::string, Target>>& pairs);
  std::vector<Entry> table_;
  std::size_t mask_ = 0;
  std::string keys_;
  std::vector<Target> targets_;
};

// Per-record "who set this slot" ranks so the first/best value wins (duplicate keys, two shapes'
// paths for one field in the same record). Reset per record without allocating.
class SlotRanks {
 public:
  void reset(std::size_t n) {
    if (ranks_.size() != n) ranks_.assign(n, kUnset);
    else std::fill(ranks_.begin(), ranks_.end(), kUnset);
  }
  bool claim(std::uint32_t slot, std::uint8_t rank) {
    if (rank >= ranks_[slot]) return false;
    ranks_[slot] = rank;
    return true;
  }

 private:
  static constexpr std::uint8_t kUnset = 0xff;
  std::vector<std::uint8_t> ranks_;
};

// Input bytes in a window of a growable buffer that always has kPadding readable bytes after
// its end (simdjson reads up to SIMDJSON_PADDING past a document). Files are read in chunks,
// never whole; an in-memory buffer is simply one chunk with eof already reached.
class ByteSource {
 public:
  static constexpr std::size_t kChunk = 1u << 20;
  static constexpr std::size_t kPadding = 64;  // >= SIMDJSON_PADDING (checked in jsonl_reader)

  ByteSource() = default;
  ByteSource(ByteSource&&) noexcept;
  ByteSource& operator=(ByteSource&&) noexcept;
  ~ByteSource();

  bool open_file(const std::string& path, std::string* error);  // "-" is stdin
  // Only bytes [begin, end) of a regular file (parallel scans split one file at line ends).
  bool open_file_range(const std::string& path, std::uint64_t begin, std::uint64_t end, std::string* error);
  // The same from an open descriptor, which stays the caller's: read with pread at explicit
  // offsets, so the pieces of one `scan -j` file, read by several threads, all read the file
  // that was opened once, even if its path is replaced meanwhile (log rotation). `name` is for
  // error messages.
  bool open_fd_range(int fd, const std::string& name, std::uint64_t begin, std::uint64_t end, std::string* error);
  void open_memory(std::string data);

  char* data() { return buf_.data() + pos_; }
  std::size_t size() const { return end_ - pos_; }
  std::string_view window() const { return {buf_.data() + pos_, end_ - pos_}; }
  bool eof() const { return eof_; }
  const std::string& io_error() const { return io_error_; }
  void consume(std::size_t n) { pos_ += n; }
  // Moves the window to the buffer start and reads more, growing the buffer up to `limit`
  // bytes of window. Returns false when nothing more can be read (eof, error, or full).
  bool more(std::size_t limit);

  enum class Line { kLine, kTooLong, kEnd, kIoError };
  // Next '\n'-terminated line ('\r' before it stripped). A line longer than max_len is skipped
  // by scanning to its newline without storing it, and reported as kTooLong.
  Line next_line(std::string_view* line, std::size_t max_len);
  // Reads the whole remaining input into one string (stdin spooled for the EVTX reader).
  std::string take_all();

 private:
  std::string buf_;       // capacity region + kPadding bytes
  std::size_t cap_ = 0;   // usable bytes (buf_.size() - kPadding)
  std::size_t pos_ = 0, end_ = 0;
  bool eof_ = true;
  // Reads up to `want` bytes at buf_ + at (fread, or pread in range mode); 0 at the end or on a
  // read error (io_error_ set).
  std::size_t read_some(std::size_t at, std::size_t want);
  bool readable() const { return file_ != nullptr || fd_ >= 0; }
  std::FILE* file_ = nullptr;
  bool owns_file_ = false;
  int fd_ = -1;  // range mode: pread at offset_
  bool owns_fd_ = false;
  std::uint64_t offset_ = 0;
  std::uint64_t remaining_ = ~std::uint64_t{0};  // bytes left to read (range mode)
  std::string io_error_;
  bool io_error_reported_ = false;  // next_line returned kIoError once
};

// Finds where the JSON value starting at the first byte of a window ends, without validating
// it: only strings (with their escapes) and bracket nesting are tracked. Cutting records out of
// a JSON document this way leaves every check to the record parser, so a bad record is reported
// alone and its neighbours are still read. Resumable: scan() continues where the last call on a
// growing window stopped, so a long record is scanned once.
class JsonValueEnd {
 public:
  // True when the value ends inside `w` (its length is then size()). A bare scalar ends at the
  // next delimiter, or at the end of `w` when `at_eof`.
  bool scan(std::string_view w, bool at_eof) {
    while (pos_ < w.size()) {
      const char c = w[pos_];
      if (in_string_) {
        ++pos_;
        if (escape_) escape_ = false;
        else if (c == '\\') escape_ = true;
        else if (c == '"') {
          in_string_ = false;
          if (depth_ == 0) return true;
        } else if (c == '\n') ++newlines_;
        continue;
      }
      if (!started_) {
        started_ = true;
        scalar_ = c != '{' && c != '[' && c != '"';
      }
      if (scalar_) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ']' || c == '}' ||
            c == '[' || c == '{' || c == '"')
          return true;
        ++pos_;
        continue;
      }
      ++pos_;
      if (c == '{' || c == '[') {
        ++depth_;
      } else if (c == '}' || c == ']') {
        if (--depth_ == 0) return true;
      } else if (c == '"') {
        in_string_ = true;
      } else if (c == '\n') {
        ++newlines_;
      }
    }
    return scalar_ && at_eof;
  }
  std::size_t size() const { return pos_; }
  std::uint64_t newlines() const { return newlines_; }  // line ends inside the value so far
  bool in_string() const { return in_string_; }
  // The caller dropped every byte scanned so far from the window (skipping an over-long
  // record); scanning goes on from the new window start with the state it had.
  void discard() { pos_ = 0; }

 private:
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;
  std::uint64_t newlines_ = 0;
  bool started_ = false, in_string_ = false, escape_ = false, scalar_ = false;
};

// Maps one Windows Event XML <Event> (text, parsed in place with pugixml) to slots: System
// children by their Sigma names (element text -> its name, attribute A of X -> "X_A", plus
// TimeCreated@SystemTime -> TimeCreated), EventData/Data[@Name] -> Name, UserData leaves by
// local name. Views point into the parsed buffer.
class XmlMapper {
 public:
  XmlMapper(const std::vector<std::string>& fields, const ReaderOptions& options);
  ~XmlMapper();
  // `text` must stay alive and unmodified by others until the next call. On failure returns
  // false with *error set.
  bool map(char* text, std::size_t size, Event& ev, std::string* error);

 private:
  void set(std::string_view name, std::string_view value, Event& ev);
  void walk_user_data(const pugi::xml_node& node, Event& ev);
  std::size_t slots_;
  ReaderOptions options_;
  PathMap names_;
  SlotRanks ranks_;
  std::string scratch_;  // "X_A" names, reused
  std::unique_ptr<pugi::xml_document> doc_;
};

// framing kJsonl: one record per line. kJson: records cut out of JSON documents (top-level
// arrays' elements, top-level objects), which may span lines. input_start: `src` starts at the
// beginning of the input (false for the later ranges of a -j split).
std::unique_ptr<Reader> make_jsonl_reader(ByteSource src, const std::vector<std::string>& fields,
                                          const ShapeTable& shapes, const ReaderOptions& options,
                                          Format framing, bool input_start);
// A JSON Lines reader over paths resolved already (FieldPaths).
std::unique_ptr<Reader> make_jsonl_reader(ByteSource src, const PathMap& map, std::size_t slots,
                                          const ReaderOptions& options, bool input_start);
std::unique_ptr<Reader> make_xml_reader(ByteSource src, const std::vector<std::string>& fields,
                                        const ReaderOptions& options);
// path: an .evtx file; libevtx reads it itself.
std::unique_ptr<Reader> make_evtx_reader(const std::string& path,
                                         const std::vector<std::string>& fields,
                                         const ReaderOptions& options, std::string* error);
// In-memory or stdin EVTX data: spooled to an unlinked temporary file for libevtx.
std::unique_ptr<Reader> make_evtx_reader_from_bytes(const std::string& data,
                                                    const std::vector<std::string>& fields,
                                                    const ReaderOptions& options,
                                                    std::string* error);

}  // namespace detail

struct FieldPaths::Impl {
  detail::PathMap map;
  std::size_t slots = 0;
};
}  // namespace sigmatch::input
