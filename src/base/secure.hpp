// Secret-holding storage. SecretBytes is move-only and wiped (OPENSSL_cleanse) on destruction
// and on move-from; copying a secret must be explicit (clone()). Never log one.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"

namespace lotus {

void secure_wipe(void* p, std::size_t n) noexcept;
inline void secure_wipe(MutBytesView b) noexcept { secure_wipe(b.data(), b.size()); }

template <std::size_t N>
class SecretBytes {
 public:
  SecretBytes() noexcept { m_b.fill(0); }
  explicit SecretBytes(BytesView in) noexcept {
    m_b.fill(0);
    for (std::size_t i = 0; i < N && i < in.size(); ++i) m_b[i] = in[i];
  }
  ~SecretBytes() { secure_wipe(m_b.data(), N); }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& o) noexcept : m_b(o.m_b) { secure_wipe(o.m_b.data(), N); }
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    if (this != &o) {
      m_b = o.m_b;
      secure_wipe(o.m_b.data(), N);
    }
    return *this;
  }
  SecretBytes clone() const noexcept { return SecretBytes(BytesView(m_b)); }

  std::uint8_t* data() noexcept { return m_b.data(); }
  const std::uint8_t* data() const noexcept { return m_b.data(); }
  static constexpr std::size_t size() noexcept { return N; }
  BytesView view() const noexcept { return {m_b.data(), N}; }
  MutBytesView mut() noexcept { return {m_b.data(), N}; }

 private:
  std::array<std::uint8_t, N> m_b;
};

}  // namespace lotus
