#include "crypto/lotus/secp.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <cstring>

#include "base/rng.hpp"
#include "base/secure.hpp"

namespace lotus::crypto::lotus_sig::detail {

const B32 kFieldP = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                     0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xfc, 0x2f};
const B32 kOrderN = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                     0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                     0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};

namespace {

secp256k1_context* make_context() {
  secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  if (c == nullptr) std::abort();
  std::array<std::uint8_t, 32> seed{};
  SystemRng::instance().fill(seed);
  if (!secp256k1_context_randomize(c, seed.data())) std::abort();
  secure_wipe(seed);
  return c;
}

const EVP_MD* sha256_md() noexcept {
  static const EVP_MD* md = [] {
    const EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) std::abort();
    return m;
  }();
  return md;
}

// One EVP_MD_CTX per thread, reused (no allocation per hash).
class DigestCtx {
 public:
  DigestCtx() : m_ctx(EVP_MD_CTX_new()) {
    if (m_ctx == nullptr) std::abort();
  }
  ~DigestCtx() { EVP_MD_CTX_free(m_ctx); }
  DigestCtx(const DigestCtx&) = delete;
  DigestCtx& operator=(const DigestCtx&) = delete;
  EVP_MD_CTX* get() const noexcept { return m_ctx; }

 private:
  EVP_MD_CTX* m_ctx;
};

EVP_MD_CTX* digest_ctx() noexcept {
  thread_local DigestCtx c;
  return c.get();
}

void sha256_begin() noexcept {
  if (EVP_DigestInit_ex(digest_ctx(), sha256_md(), nullptr) != 1) std::abort();
}
void sha256_update(BytesView b) noexcept {
  if (!b.empty() && EVP_DigestUpdate(digest_ctx(), b.data(), b.size()) != 1) std::abort();
}
B32 sha256_end() noexcept {
  B32 out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(digest_ctx(), out.data(), &len) != 1 || len != 32) std::abort();
  return out;
}

// 256-bit unsigned integer, little-endian 64-bit limbs (for the Jacobi symbol only).
struct U256 {
  std::uint64_t w[4];
};

U256 load_be(const B32& b) noexcept {
  U256 r{};
  for (int i = 0; i < 4; ++i) {
    std::uint64_t v = 0;
    for (int j = 0; j < 8; ++j) v = (v << 8) | b[static_cast<std::size_t>((3 - i) * 8 + j)];
    r.w[i] = v;
  }
  return r;
}
bool u_zero(const U256& a) noexcept { return (a.w[0] | a.w[1] | a.w[2] | a.w[3]) == 0; }
bool u_one(const U256& a) noexcept { return a.w[0] == 1 && (a.w[1] | a.w[2] | a.w[3]) == 0; }
bool u_less(const U256& a, const U256& b) noexcept {
  for (int i = 3; i >= 0; --i)
    if (a.w[i] != b.w[i]) return a.w[i] < b.w[i];
  return false;
}
void u_sub(U256& a, const U256& b) noexcept {  // a -= b, requires a >= b
  unsigned borrow = 0;
  for (int i = 0; i < 4; ++i) {
    std::uint64_t bi = b.w[i];
    std::uint64_t d = a.w[i] - bi - borrow;
    borrow = (a.w[i] < bi || (a.w[i] == bi && borrow)) ? 1U : 0U;
    a.w[i] = d;
  }
}
unsigned u_strip_twos(U256& a) noexcept {  // a != 0; returns the number of factors removed
  unsigned total = 0;
  while (a.w[0] == 0) {
    a.w[0] = a.w[1];
    a.w[1] = a.w[2];
    a.w[2] = a.w[3];
    a.w[3] = 0;
    total += 64;
  }
  const unsigned z = static_cast<unsigned>(__builtin_ctzll(a.w[0]));
  if (z != 0) {
    for (int i = 0; i < 3; ++i) a.w[i] = (a.w[i] >> z) | (a.w[i + 1] << (64 - z));
    a.w[3] >>= z;
  }
  return total + z;
}

}  // namespace

const secp256k1_context* ctx() noexcept {
  static secp256k1_context* const c = make_context();
  return c;
}

B32 sha256(std::initializer_list<BytesView> parts) noexcept {
  sha256_begin();
  for (BytesView p : parts) sha256_update(p);
  return sha256_end();
}

B32 tagged_hash(std::string_view tag, std::initializer_list<BytesView> parts) noexcept {
  const B32 th = sha256({as_bytes(tag)});
  sha256_begin();
  sha256_update(th);
  sha256_update(th);
  for (BytesView p : parts) sha256_update(p);
  return sha256_end();
}

B32 hmac_sha256(const B32& key, std::initializer_list<BytesView> parts) noexcept {
  std::array<std::uint8_t, 64> pad{};
  for (std::size_t i = 0; i < 64; ++i) pad[i] = static_cast<std::uint8_t>((i < 32 ? key[i] : 0) ^ 0x36);
  sha256_begin();
  sha256_update(pad);
  for (BytesView p : parts) sha256_update(p);
  B32 inner = sha256_end();
  for (std::size_t i = 0; i < 64; ++i) pad[i] = static_cast<std::uint8_t>((i < 32 ? key[i] : 0) ^ 0x5c);
  sha256_begin();
  sha256_update(pad);
  sha256_update(inner);
  B32 out = sha256_end();
  secure_wipe(pad);
  secure_wipe(inner);
  return out;
}

int compare_be(const B32& a, const B32& b) noexcept { return std::memcmp(a.data(), b.data(), 32); }

bool is_zero(const B32& a) noexcept {
  std::uint8_t acc = 0;
  for (std::uint8_t v : a) acc = static_cast<std::uint8_t>(acc | v);
  return acc == 0;
}

B32 reduce_mod_n(const B32& a) noexcept {
  // d = a - n; keep d when there was no borrow (a >= n), else a. Branch-free select.
  B32 d{};
  unsigned borrow = 0;
  for (int i = 31; i >= 0; --i) {
    const auto k = static_cast<std::size_t>(i);
    const unsigned v = static_cast<unsigned>(a[k]) - kOrderN[k] - borrow;
    d[k] = static_cast<std::uint8_t>(v);
    borrow = (v >> 8) & 1U;
  }
  const auto keep_a = static_cast<std::uint8_t>(0U - borrow);  // 0xff when a < n
  B32 out{};
  for (std::size_t i = 0; i < 32; ++i)
    out[i] = static_cast<std::uint8_t>((a[i] & keep_a) | (d[i] & static_cast<std::uint8_t>(~keep_a)));
  secure_wipe(d);
  return out;
}

int jacobi_mod_p(const B32& a_be) noexcept {
  U256 a = load_be(a_be);
  U256 n = load_be(kFieldP);
  int t = 1;
  while (!u_zero(a)) {
    const unsigned z = u_strip_twos(a);
    if (z & 1U) {
      const std::uint64_t r = n.w[0] & 7U;
      if (r == 3 || r == 5) t = -t;
    }
    if (u_less(a, n)) {
      std::swap(a, n);
      if ((a.w[0] & 3U) == 3 && (n.w[0] & 3U) == 3) t = -t;
    }
    u_sub(a, n);
  }
  return u_one(n) ? t : 0;
}

B32 scalar_add(const B32& a, const B32& b) noexcept {
  if (is_zero(a)) return b;
  B32 r = a;
  if (!secp256k1_ec_seckey_tweak_add(ctx(), r.data(), b.data())) r.fill(0);  // sum == 0 mod n
  return r;
}

B32 scalar_mul(const B32& a, const B32& b) noexcept {
  B32 r{};
  if (is_zero(a) || is_zero(b)) return r;
  r = a;
  if (!secp256k1_ec_seckey_tweak_mul(ctx(), r.data(), b.data())) std::abort();  // inputs < n
  return r;
}

B32 scalar_negate(const B32& a) noexcept {
  B32 r = a;
  if (is_zero(a)) return r;
  if (!secp256k1_ec_seckey_negate(ctx(), r.data())) std::abort();
  return r;
}

std::optional<secp256k1_pubkey> parse_point(BytesView in) noexcept {
  secp256k1_pubkey p;
  if (!secp256k1_ec_pubkey_parse(ctx(), &p, in.data(), in.size())) return std::nullopt;
  return p;
}

B33 serialize_compressed(const secp256k1_pubkey& p) noexcept {
  B33 out{};
  std::size_t len = out.size();
  secp256k1_ec_pubkey_serialize(ctx(), out.data(), &len, &p, SECP256K1_EC_COMPRESSED);
  return out;
}

void point_xy(const secp256k1_pubkey& p, B32& x, B32& y) noexcept {
  std::array<std::uint8_t, 65> u{};
  std::size_t len = u.size();
  secp256k1_ec_pubkey_serialize(ctx(), u.data(), &len, &p, SECP256K1_EC_UNCOMPRESSED);
  std::memcpy(x.data(), u.data() + 1, 32);
  std::memcpy(y.data(), u.data() + 33, 32);
}

std::optional<secp256k1_pubkey> base_mul(const B32& k) noexcept {
  secp256k1_pubkey p;
  if (!secp256k1_ec_pubkey_create(ctx(), &p, k.data())) return std::nullopt;
  return p;
}

std::optional<secp256k1_pubkey> point_mul(const secp256k1_pubkey& p, const B32& k) noexcept {
  secp256k1_pubkey r = p;
  if (!secp256k1_ec_pubkey_tweak_mul(ctx(), &r, k.data())) return std::nullopt;
  return r;
}

std::optional<secp256k1_pubkey> point_add(std::span<const secp256k1_pubkey* const> pts) noexcept {
  secp256k1_pubkey r;
  if (pts.empty() || !secp256k1_ec_pubkey_combine(ctx(), &r, pts.data(), pts.size())) return std::nullopt;
  return r;
}

std::optional<secp256k1_pubkey> point_add(const secp256k1_pubkey& a, const secp256k1_pubkey& b) noexcept {
  const secp256k1_pubkey* pts[2] = {&a, &b};
  return point_add(std::span<const secp256k1_pubkey* const>(pts, 2));
}

secp256k1_pubkey point_negate(const secp256k1_pubkey& p) noexcept {
  secp256k1_pubkey r = p;
  if (!secp256k1_ec_pubkey_negate(ctx(), &r)) std::abort();
  return r;
}

bool point_equal(const secp256k1_pubkey& a, const secp256k1_pubkey& b) noexcept {
  return secp256k1_ec_pubkey_cmp(ctx(), &a, &b) == 0;
}

bool has_square_y(const secp256k1_pubkey& p) noexcept {
  B32 x{}, y{};
  point_xy(p, x, y);
  return jacobi_mod_p(y) == 1;
}

}  // namespace lotus::crypto::lotus_sig::detail
