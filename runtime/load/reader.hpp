// reader.hpp — bounds-checked little-endian reader over untrusted bytes: every read checks
// the remaining length and reports failure instead of reading past the end.
#pragma once
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sigmatch::load {

class ByteReader {
 public:
  ByteReader(std::string_view data, std::size_t base_offset = 0)
      : data_(data), base_(base_offset) {}
  bool u8(std::uint8_t* v) { return get(v, 1); }
  bool u16(std::uint16_t* v) { return get(v, 2); }
  bool u32(std::uint32_t* v) { return get(v, 4); }
  bool bytes(std::size_t n, std::string_view* out) {
    if (n > data_.size() - pos_) return false;
    *out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t offset() const { return base_ + pos_; }  // absolute offset in the image

 private:
  template <class T>
  bool get(T* v, std::size_t n) {
    if (n > data_.size() - pos_) return false;
    // Little-endian decode independent of host byte order.
    std::uint64_t x = 0;
    for (std::size_t i = 0; i < n; ++i)
      x |= static_cast<std::uint64_t>(static_cast<unsigned char>(data_[pos_ + i])) << (8 * i);
    *v = static_cast<T>(x);
    pos_ += n;
    return true;
  }
  std::string_view data_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

}  // namespace sigmatch::load
