// byte_source.cpp — ByteSource: chunked reading of a file, stdin, a range of an open
// descriptor (pread, for scan -j) or an in-memory buffer into a padded, growable window, and
// line splitting for JSONL (over-long lines are skipped by scanning, never stored). The buffer
// only grows when a single record needs it, so the steady state allocates nothing. Tested by
// tests/unit/input_test.cpp (over-long lines, files, ranges, descriptors) and
// tests/cli/big_record_test.sh (a 100 MiB line at the real limit, scan -j, stdin).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "runtime/input/input_internal.hpp"

namespace sigmatch::input::detail {

ByteSource::ByteSource(ByteSource&& o) noexcept { *this = std::move(o); }

ByteSource& ByteSource::operator=(ByteSource&& o) noexcept {
  if (this != &o) {
    if (file_ && owns_file_) std::fclose(file_);
    if (fd_ >= 0 && owns_fd_) ::close(fd_);
    buf_ = std::move(o.buf_);
    cap_ = o.cap_;
    pos_ = o.pos_;
    end_ = o.end_;
    eof_ = o.eof_;
    file_ = o.file_;
    owns_file_ = o.owns_file_;
    fd_ = o.fd_;
    owns_fd_ = o.owns_fd_;
    offset_ = o.offset_;
    remaining_ = o.remaining_;
    io_error_ = std::move(o.io_error_);
    io_error_reported_ = o.io_error_reported_;
    o.file_ = nullptr;
    o.owns_file_ = false;
    o.fd_ = -1;
    o.owns_fd_ = false;
    o.cap_ = o.pos_ = o.end_ = 0;
    o.eof_ = true;
  }
  return *this;
}

ByteSource::~ByteSource() {
  if (file_ && owns_file_) std::fclose(file_);
  if (fd_ >= 0 && owns_fd_) ::close(fd_);
}

std::size_t ByteSource::read_some(std::size_t at, std::size_t want) {
  if (want == 0) return 0;
  if (fd_ >= 0) {
    ssize_t n;
    do n = ::pread(fd_, buf_.data() + at, want, static_cast<off_t>(offset_));
    while (n < 0 && errno == EINTR);
    if (n < 0) {
      io_error_ = std::strerror(errno);
      return 0;
    }
    offset_ += static_cast<std::uint64_t>(n);
    return static_cast<std::size_t>(n);
  }
  const std::size_t n = std::fread(buf_.data() + at, 1, want, file_);
  if (n == 0 && std::ferror(file_)) io_error_ = std::strerror(errno);
  return n;
}

bool ByteSource::open_file(const std::string& path, std::string* error) {
  if (path == "-") {
    file_ = stdin;
    owns_file_ = false;
  } else {
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) {
      if (error) *error = path + ": " + std::strerror(errno);
      return false;
    }
    owns_file_ = true;
  }
  cap_ = kChunk;
  buf_.assign(cap_ + kPadding, '\0');
  pos_ = end_ = 0;
  eof_ = false;
  more(cap_);  // first chunk, so the format can be sniffed
  if (!io_error_.empty()) {
    if (error) *error = path + ": " + io_error_;
    return false;
  }
  return true;
}

bool ByteSource::open_file_range(const std::string& path, std::uint64_t begin, std::uint64_t end,
                                 std::string* error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (error) *error = path + ": " + std::strerror(errno);
    return false;
  }
  const bool ok = open_fd_range(fd, path, begin, end, error);
  owns_fd_ = true;  // (closed by the destructor, opened or not)
  return ok;
}

bool ByteSource::open_fd_range(int fd, const std::string& name, std::uint64_t begin, std::uint64_t end,
                               std::string* error) {
  if (fd < 0) {
    if (error) *error = name + ": " + std::strerror(EBADF);
    return false;
  }
  fd_ = fd;
  owns_fd_ = false;
  offset_ = begin;
  remaining_ = end > begin ? end - begin : 0;
  cap_ = kChunk;
  buf_.assign(cap_ + kPadding, '\0');
  pos_ = end_ = 0;
  eof_ = false;
  more(cap_);
  if (!io_error_.empty()) {
    if (error) *error = name + ": " + io_error_;
    return false;
  }
  return true;
}

void ByteSource::open_memory(std::string data) {
  end_ = data.size();
  cap_ = data.size();
  buf_ = std::move(data);
  buf_.append(kPadding, '\0');
  pos_ = 0;
  eof_ = true;
}

bool ByteSource::more(std::size_t limit) {
  if (eof_ || !readable()) return false;
  if (pos_ > 0) {  // slide the unread window to the front
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (end_ == cap_) {
    if (cap_ >= limit) return false;  // the caller's record does not fit: its problem to report
    cap_ = std::min(std::max(cap_ * 2, kChunk), limit);
    buf_.resize(cap_ + kPadding);
  }
  std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(cap_ - end_, remaining_));
  std::size_t n = read_some(end_, want);
  remaining_ -= n;
  end_ += n;
  if (n == 0) {
    eof_ = true;
    return false;
  }
  return true;
}

ByteSource::Line ByteSource::next_line(std::string_view* line, std::size_t max_len) {
  for (;;) {
    const char* begin = buf_.data() + pos_;
    std::size_t avail = end_ - pos_;
    if (const void* nl = avail ? std::memchr(begin, '\n', avail) : nullptr) {
      std::size_t len = static_cast<const char*>(nl) - begin;
      pos_ += len + 1;
      if (len > 0 && begin[len - 1] == '\r') --len;
      *line = {begin, len};
      return len > max_len ? Line::kTooLong : Line::kLine;
    }
    if (eof_ || !readable()) {
      // A read error ends the input: reported once, then kEnd (returning kIoError again would
      // have the reader report it forever, and a -j piece collect errors until memory ran out).
      if (!io_error_.empty()) {
        if (io_error_reported_) return Line::kEnd;
        io_error_reported_ = true;
        return Line::kIoError;
      }
      if (avail == 0) return Line::kEnd;
      pos_ = end_;
      std::size_t len = avail;
      if (begin[len - 1] == '\r') --len;
      *line = {begin, len};
      return len > max_len ? Line::kTooLong : Line::kLine;
    }
    if (avail > max_len) {
      // Over-long line: drop what we have and scan chunk by chunk to its newline.
      // The reads honour remaining_ like more() does: in range mode (scan -j) reading past
      // the range end handed the next chunk's lines to this reader too, so every good record
      // after a too-large line was evaluated and printed twice (tests/cli/big_record_test.sh).
      for (;;) {
        pos_ = end_ = 0;
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(cap_, remaining_));
        std::size_t n = read_some(0, want);
        remaining_ -= n;
        if (n == 0) {
          eof_ = true;
          break;
        }
        end_ = n;
        if (const void* nl = std::memchr(buf_.data(), '\n', n)) {
          pos_ = static_cast<const char*>(nl) - buf_.data() + 1;
          break;
        }
      }
      *line = {};
      return Line::kTooLong;
    }
    more(max_len + 1);
  }
}

std::string ByteSource::take_all() {
  std::string out(buf_.data() + pos_, end_ - pos_);
  pos_ = end_;
  if (readable() && !eof_) {
    std::size_t n;
    while ((n = read_some(0, std::min<std::uint64_t>(cap_, remaining_))) > 0) {
      remaining_ -= n;
      out.append(buf_.data(), n);
    }
    eof_ = true;
    pos_ = end_ = 0;
  }
  return out;
}

}  // namespace sigmatch::input::detail
