// evtx_reader.cpp — .evtx files through libevtx: each record's rendered XML goes through the
// same XmlMapper as Event XML input, so both give identical slots. Record number = 1-based
// record index in the file. Without SIGMATCH_HAVE_LIBEVTX the factory reports
// "built without libevtx". Tested by tests/unit/input_test.cpp (error paths; no sample .evtx
// is available to the tests).
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "runtime/input/input_internal.hpp"

#if defined(SIGMATCH_HAVE_LIBEVTX)
// Debian's libevtx features.h claims libbfio support but libbfio headers are not a dependency
// of libevtx-dev; we use none of the bfio entry points, so hide them.
#include <libevtx/features.h>
#undef LIBEVTX_HAVE_BFIO
#include <libevtx.h>
#include <unistd.h>
#endif

namespace sigmatch::input::detail {

#if defined(SIGMATCH_HAVE_LIBEVTX)
namespace {

std::string take_error(libevtx_error_t** error) {
  std::string out = "libevtx error";
  if (error && *error) {
    char buf[512];
    if (libevtx_error_sprint(*error, buf, sizeof buf) > 0) out = buf;
    libevtx_error_free(error);
  }
  // libevtx messages are multi-line backtraces; the last line is the most specific.
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  std::size_t nl = out.rfind('\n');
  if (nl != std::string::npos) out = out.substr(nl + 1);
  return out;
}

class EvtxReader final : public Reader {
 public:
  EvtxReader(const std::vector<std::string>& fields, const ReaderOptions& options)
      : options_(options), mapper_(fields, options) {}
  ~EvtxReader() override {
    if (file_) {
      libevtx_file_close(file_, nullptr);
      libevtx_file_free(&file_, nullptr);
    }
  }

  bool open(const std::string& path, std::string* error) {
    libevtx_error_t* e = nullptr;
    if (libevtx_file_initialize(&file_, &e) != 1) {
      *error = path + ": " + take_error(&e);
      return false;
    }
    if (libevtx_file_open(file_, path.c_str(), LIBEVTX_OPEN_READ, &e) != 1) {
      *error = path + ": not a readable .evtx file (" + take_error(&e) + ")";
      libevtx_file_free(&file_, nullptr);
      file_ = nullptr;
      return false;
    }
    if (libevtx_file_get_number_of_records(file_, &count_, &e) != 1) {
      *error = path + ": " + take_error(&e);
      return false;
    }
    return true;
  }

  Next next(Event& ev, RecordError& err) override {
    if (index_ >= count_) return Next::kEnd;
    record_ = static_cast<std::uint64_t>(++index_);
    libevtx_record_t* rec = nullptr;
    libevtx_error_t* e = nullptr;
    std::size_t size = 0;
    bool ok = libevtx_file_get_record_by_index(file_, index_ - 1, &rec, &e) == 1 &&
              libevtx_record_get_utf8_xml_string_size(rec, &size, &e) == 1 && size > 0;
    if (ok && size - 1 > options_.max_record_bytes) {
      libevtx_record_free(&rec, nullptr);
      return fail(err, ev, "record too large (limit " + std::to_string(options_.max_record_bytes) +
                               " bytes)");
    }
    if (ok) {
      if (xml_.size() < size) xml_.resize(size);  // grows only, reused across records
      ok = libevtx_record_get_utf8_xml_string(rec, reinterpret_cast<std::uint8_t*>(xml_.data()),
                                              size, &e) == 1;
    }
    if (rec) libevtx_record_free(&rec, nullptr);
    if (!ok) return fail(err, ev, "corrupt EVTX record: " + take_error(&e));
    if (!mapper_.map(xml_.data(), std::strlen(xml_.data()), ev, &message_))
      return fail(err, ev, message_);
    return Next::kRecord;
  }

  std::uint64_t record_number() const override { return record_; }

 private:
  Next fail(RecordError& err, Event& ev, std::string message) {
    ev.clear();
    err.record = record_;
    err.message = std::move(message);
    return Next::kError;
  }

  ReaderOptions options_;
  XmlMapper mapper_;
  libevtx_file_t* file_ = nullptr;
  int count_ = 0;
  int index_ = 0;
  std::uint64_t record_ = 0;
  std::string xml_;
  std::string message_;
};

}  // namespace

std::unique_ptr<Reader> make_evtx_reader(const std::string& path,
                                         const std::vector<std::string>& fields,
                                         const ReaderOptions& options, std::string* error) {
  auto reader = std::make_unique<EvtxReader>(fields, options);
  if (!reader->open(path, error)) return nullptr;
  return reader;
}

std::unique_ptr<Reader> make_evtx_reader_from_bytes(const std::string& data,
                                                    const std::vector<std::string>& fields,
                                                    const ReaderOptions& options,
                                                    std::string* error) {
  // libevtx reads files; spool to a temporary file that is unlinked as soon as it is open
  // (libevtx keeps its descriptor), so nothing is left behind.
  const char* tmp = std::getenv("TMPDIR");
  std::string name = std::string(tmp && *tmp ? tmp : "/tmp") + "/sigmatch-evtx-XXXXXX";
  int fd = ::mkstemp(name.data());
  if (fd < 0) {
    *error = "cannot create a temporary file for EVTX input: " + std::string(std::strerror(errno));
    return nullptr;
  }
  bool written = true;
  for (std::size_t off = 0; off < data.size();) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      written = false;
      break;
    }
    off += static_cast<std::size_t>(n);
  }
  ::close(fd);
  std::unique_ptr<Reader> reader;
  if (!written) *error = "cannot write a temporary file for EVTX input";
  else reader = make_evtx_reader(name, fields, options, error);
  ::unlink(name.c_str());
  if (!reader)  // the temporary name means nothing to the user
    for (std::size_t at; (at = error->find(name)) != std::string::npos;)
      error->replace(at, name.size(), "<evtx input>");
  return reader;
}

#else  // !SIGMATCH_HAVE_LIBEVTX

std::unique_ptr<Reader> make_evtx_reader(const std::string& path, const std::vector<std::string>&,
                                         const ReaderOptions&, std::string* error) {
  *error = path + ": cannot read .evtx: built without libevtx";
  return nullptr;
}

std::unique_ptr<Reader> make_evtx_reader_from_bytes(const std::string&,
                                                    const std::vector<std::string>&,
                                                    const ReaderOptions&, std::string* error) {
  *error = "cannot read .evtx: built without libevtx";
  return nullptr;
}

#endif

}  // namespace sigmatch::input::detail
