// reader.hpp — event readers (library sigmatch_input): JSONL (simdjson), Windows Event XML
// (pugixml), .evtx (libevtx). A reader fills one sigmatch::Event per record with the fields a
// program reads, resolving each shipper shape's key paths to slots through a ShapeTable
// (data: rules/schema/shapes.json, embedded as the default). A malformed record yields
// Next::kError with its 1-based record number and the reader continues with the next one
// (JSON documents: unless the structure between records is broken, see Format::kJson).
// Tested by tests/unit/input_test.cpp.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sigmatch/event.hpp"
#include "sigmatch/limits.hpp"

namespace sigmatch::input {

// kJson: JSON that is not one record per line: top-level arrays whose elements are the records
// (an export), or objects spanning several lines (pretty-printed), one after another. Record
// number = 1-based position of the record in the input (the element index for one array).
// A break in the structure between records ends the input with one error.
enum class Format { kAuto, kJsonl, kXml, kEvtx, kJson };

// Which key paths of which shipper shape mean which canonical (Sigma) field name.
class ShapeTable {
 public:
  // The table compiled into the library from rules/schema/shapes.json.
  static const ShapeTable& builtin();
  // Parses a shapes JSON document; on failure returns false and sets *error.
  static bool parse(std::string_view json, ShapeTable* out, std::string* error);

  struct Impl;
  ShapeTable();
  ~ShapeTable();
  ShapeTable(const ShapeTable&);
  ShapeTable& operator=(const ShapeTable&);
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

struct ReaderOptions {
  bool collect_all_values = false;  // fill Event::values() (keyword rules)
  std::size_t max_record_bytes = limits::kMaxRecordBytes;  // longer records: reported, skipped
  std::size_t max_depth = limits::kMaxRecordDepth;         // deeper nesting: reported, skipped
};

struct RecordError {
  std::uint64_t record = 0;  // 1-based record number within this input
  std::string message;       // what is wrong ("invalid JSON: ...", "record too large ...")
};

class Reader {
 public:
  enum class Next { kRecord, kError, kEnd };
  virtual ~Reader() = default;
  // Clears `ev` and fills it with the next record. kError: `err` is filled and the record is
  // skipped (call next() again to continue). Views in `ev` stay valid until the next call.
  virtual Next next(Event& ev, RecordError& err) = 0;
  // 1-based number of the record last returned (record or error).
  virtual std::uint64_t record_number() const = 0;
  // Lines read so far, blank ones included (JSON Lines; other framings: record_number()).
  // `scan -j` numbers a range's records after all the lines of the ranges before it.
  virtual std::uint64_t lines_read() const { return record_number(); }
};

// `fields[i]` is the canonical name of slot i (Program::field_name(i)). `path` "-" is stdin.
// Returns null and sets *error when the input cannot be opened or its format is unknown.
std::unique_ptr<Reader> open_reader(const std::string& path, Format format,
                                    const std::vector<std::string>& fields,
                                    const ShapeTable& shapes, const ReaderOptions& options,
                                    std::string* error);
// The key paths of `fields` (Program::field_name order) under every shape of `shapes`,
// resolved once (a PathMap, input_internal.hpp). A reader opened with it starts without
// resolving them again: `scan -j N` opens one reader per piece of a file, and resolving the
// all-Windows program's 210 fields took 2% of a -j 2 scan's samples at 30 pieces.
class FieldPaths {
 public:
  FieldPaths(const std::vector<std::string>& fields, const ShapeTable& shapes);
  ~FieldPaths();
  FieldPaths(const FieldPaths&) = delete;
  FieldPaths& operator=(const FieldPaths&) = delete;
  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};
// JSON Lines from bytes [begin, end) of a regular file only (`begin` must be a line start);
// record numbers count from the range's first line. Used by `scan -j N`.
std::unique_ptr<Reader> open_reader_range(const std::string& path, std::uint64_t begin, std::uint64_t end,
                                          const FieldPaths& paths, const ReaderOptions& options,
                                          std::string* error);
// Same from a descriptor the caller opened (and closes after the reader is gone): `scan -j`
// opens a file once and reads all its pieces through it (ByteSource::open_fd_range). `name`
// is the path, for messages.
std::unique_ptr<Reader> open_reader_range(int fd, const std::string& name, std::uint64_t begin, std::uint64_t end,
                                          const FieldPaths& paths, const ReaderOptions& options,
                                          std::string* error);
// Same, resolving the paths for this reader alone.
std::unique_ptr<Reader> open_reader_range(const std::string& path, std::uint64_t begin, std::uint64_t end,
                                          const std::vector<std::string>& fields,
                                          const ShapeTable& shapes, const ReaderOptions& options,
                                          std::string* error);
// Same over an in-memory buffer (tests, fuzzing, embedding). The reader keeps its own copy.
std::unique_ptr<Reader> open_buffer(std::string data, Format format,
                                    const std::vector<std::string>& fields,
                                    const ShapeTable& shapes, const ReaderOptions& options,
                                    std::string* error);
// Sniffs the format from the first bytes: "ElfFile\0" evtx, '<' XML, '[' JSON, '{' JSONL, or
// JSON when the first object does not end on its first line but ends later, followed by
// nothing or another value (so a JSON Lines file whose first record is cut short stays JSONL).
// Pass the first kSniffBytes bytes (or the whole input when shorter): a multi-line object is
// only recognised when it ends within them.
inline constexpr std::size_t kSniffBytes = 1u << 20;
Format detect_format(std::string_view first_bytes);

}  // namespace sigmatch::input
