#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/hex.hpp"
#include "base/log.hpp"
#include "base/rng.hpp"
#include "base/secure.hpp"

namespace lotus {

bool equal_ct(BytesView a, BytesView b) noexcept {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void secure_wipe(void* p, std::size_t n) noexcept {
  if (n) OPENSSL_cleanse(p, n);
}

std::string to_hex(BytesView data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(data.size() * 2, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0x0f];
  }
  return out;
}

static int hex_nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_nibble(hex[2 * i]);
    int lo = hex_nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

TableCategory::TableCategory(const char* name,
                             std::initializer_list<std::pair<int, const char*>> messages)
    : m_name(name), m_messages(messages) {}

std::string TableCategory::message(int value) const {
  for (const auto& [v, m] : m_messages)
    if (v == value) return std::string(m_name) + ": " + m;
  return std::string(m_name) + ": unknown error " + std::to_string(value);
}

// ---- Rng ------------------------------------------------------------------------------------

std::uint64_t Rng::next_u64() {
  std::uint8_t b[8];
  fill(b);
  std::uint64_t v = 0;
  for (auto x : b) v = v << 8 | x;
  return v;
}

std::uint64_t Rng::uniform(std::uint64_t bound) {
  // Rejection sampling to avoid modulo bias.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  for (;;) {
    std::uint64_t v = next_u64();
    if (v < limit) return v % bound;
  }
}

void SystemRng::fill(MutBytesView out) {
  if (out.empty()) return;
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    std::fputs("lotus: OS CSPRNG failure\n", stderr);
    std::abort();
  }
}

SystemRng& SystemRng::instance() {
  static SystemRng rng;
  return rng;
}

DeterministicRng::DeterministicRng(std::uint64_t seed) {
  for (auto& s : m_s) {
    seed += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = seed;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    s = z ^ (z >> 31);
  }
}

std::uint64_t DeterministicRng::step() {
  auto rotl = [](std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
  const std::uint64_t t = m_s[1] << 17;
  m_s[2] ^= m_s[0];
  m_s[3] ^= m_s[1];
  m_s[1] ^= m_s[2];
  m_s[0] ^= m_s[3];
  m_s[2] ^= t;
  m_s[3] = rotl(m_s[3], 45);
  return result;
}

void DeterministicRng::fill(MutBytesView out) {
  std::size_t i = 0;
  while (i < out.size()) {
    std::uint64_t v = step();
    for (int k = 0; k < 8 && i < out.size(); ++k, ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * k));
  }
}

// ---- log ------------------------------------------------------------------------------------

namespace log {
namespace {
std::mutex g_mu;
Sink g_sink;
Level g_level = Level::warn;
const char* level_name(Level l) {
  switch (l) {
    case Level::trace: return "trace";
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
    case Level::off: return "off";
  }
  return "?";
}
}  // namespace

void set_sink(Sink sink) {
  std::lock_guard lk(g_mu);
  g_sink = std::move(sink);
}
void set_level(Level level) { g_level = level; }
Level level() noexcept { return g_level; }
bool enabled(Level l) noexcept { return l >= g_level && l != Level::off; }
void write(Level l, std::string_view component, std::string_view message) {
  std::lock_guard lk(g_mu);
  if (g_sink) {
    g_sink(l, component, message);
    return;
  }
  std::fprintf(stderr, "[%s] %.*s: %.*s\n", level_name(l), static_cast<int>(component.size()),
               component.data(), static_cast<int>(message.size()), message.data());
}
}  // namespace log

}  // namespace lotus
