// ByteBuffer: a growable byte buffer whose new bytes are NOT zero-filled, for the data path,
// where every byte is written (by a cipher or a read) right after it is made room for.
// std::vector<uint8_t>::resize() would memset them first, which measured ~2 % of a bulk
// transfer's CPU. Growth doubles; clear() keeps the capacity; release() gives it back.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

#include "base/bytes.hpp"

namespace lotus {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  explicit ByteBuffer(std::size_t capacity) { reserve(capacity); }
  ByteBuffer(ByteBuffer&& o) noexcept
      : m_data(std::move(o.m_data)), m_size(std::exchange(o.m_size, 0)), m_cap(std::exchange(o.m_cap, 0)) {}
  ByteBuffer& operator=(ByteBuffer&& o) noexcept {
    if (this != &o) {
      m_data = std::move(o.m_data);
      m_size = std::exchange(o.m_size, 0);
      m_cap = std::exchange(o.m_cap, 0);
    }
    return *this;
  }
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;

  std::uint8_t* data() noexcept { return m_data.get(); }
  const std::uint8_t* data() const noexcept { return m_data.get(); }
  std::size_t size() const noexcept { return m_size; }
  std::size_t capacity() const noexcept { return m_cap; }
  bool empty() const noexcept { return m_size == 0; }
  BytesView view() const noexcept { return {m_data.get(), m_size}; }
  MutBytesView mut_view() noexcept { return {m_data.get(), m_size}; }

  // Room for at least n bytes in total (contents kept).
  void reserve(std::size_t n) {
    if (n <= m_cap) return;
    std::unique_ptr<std::uint8_t[]> d(new std::uint8_t[n]);  // default-initialised: no memset
    if (m_size != 0) std::memcpy(d.get(), m_data.get(), m_size);
    m_data = std::move(d);
    m_cap = n;
  }
  // Appends n uninitialised bytes and returns where they start; the caller writes all of them.
  std::uint8_t* extend(std::size_t n) {
    if (m_size + n > m_cap) reserve(std::max(m_size + n, m_cap * 2));
    std::uint8_t* p = m_data.get() + m_size;
    m_size += n;
    return p;
  }
  // The room after the contents (capacity() - size() bytes); commit(n) adds n of them.
  MutBytesView spare() noexcept { return {m_data.get() + m_size, m_cap - m_size}; }
  void commit(std::size_t n) noexcept { m_size += std::min(n, m_cap - m_size); }
  void append(BytesView b) {
    if (!b.empty()) std::memcpy(extend(b.size()), b.data(), b.size());
  }
  // Keeps the first n bytes (n ≤ size()).
  void truncate(std::size_t n) noexcept { m_size = std::min(n, m_size); }
  // Drops the first n bytes (n ≤ size()), moving the rest to the front.
  void consume_front(std::size_t n) noexcept {
    n = std::min(n, m_size);
    if (n != 0 && n != m_size) std::memmove(m_data.get(), m_data.get() + n, m_size - n);
    m_size -= n;
  }
  void clear() noexcept { m_size = 0; }
  // Frees the storage when empty; otherwise shrinks it to the contents.
  void release() {
    if (m_size == 0) {
      m_data.reset();
      m_cap = 0;
      return;
    }
    if (m_cap == m_size) return;
    ByteBuffer b(m_size);
    b.append(view());
    *this = std::move(b);
  }
  void swap(ByteBuffer& o) noexcept {
    std::swap(m_data, o.m_data);
    std::swap(m_size, o.m_size);
    std::swap(m_cap, o.m_cap);
  }

 private:
  std::unique_ptr<std::uint8_t[]> m_data;
  std::size_t m_size = 0;
  std::size_t m_cap = 0;
};

}  // namespace lotus
