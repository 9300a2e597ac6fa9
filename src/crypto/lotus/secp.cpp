#include "crypto/lotus/secp.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <secp256k1_recovery.h>

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
  // The finished chaining state equals the digest, which may be secret (nonce aux, HMAC inner
  // hash): reset the reused context to the IV so no copy outlives the call.
  if (EVP_DigestInit_ex(digest_ctx(), sha256_md(), nullptr) != 1) std::abort();
  return out;
}

__extension__ typedef unsigned __int128 u128;

// Binary Jacobi symbol, staged by size: 256-bit values as two 128-bit halves until both fit
// in 128 bits, then u128, then u64 (most iterations run on the narrow types). State: n odd,
// sign bit flipped per the two supplementary laws and quadratic reciprocity.
//   strip 2^z from a: flip if z odd and n = 3,5 mod 8
//   if a < n: swap, flip if a = n = 3 mod 4
//   a -= n (even or zero)
struct Wide {
  u128 hi, lo;
};

inline unsigned ctz128(u128 v) noexcept {
  const auto low = static_cast<std::uint64_t>(v);
  return low != 0 ? static_cast<unsigned>(__builtin_ctzll(low))
                  : 64U + static_cast<unsigned>(__builtin_ctzll(static_cast<std::uint64_t>(v >> 64)));
}
// (n mod 8 in {3,5}) as 0/1: bit1 xor bit2.
inline unsigned flip2(std::uint64_t n_low) noexcept { return static_cast<unsigned>(((n_low >> 1) ^ (n_low >> 2)) & 1U); }

Wide load_wide(const B32& b) noexcept {
  u128 hi = 0, lo = 0;
  for (std::size_t i = 0; i < 16; ++i) hi = (hi << 8) | b[i];
  for (std::size_t i = 16; i < 32; ++i) lo = (lo << 8) | b[i];
  return {hi, lo};
}

}  // namespace

int jacobi_mod_p(const B32& a_be) noexcept {
  Wide a = load_wide(a_be);
  Wide n = load_wide(kFieldP);
  unsigned sign = 0;
  // Stage 1: 256-bit.
  while ((a.hi | n.hi) != 0) {
    if ((a.hi | a.lo) == 0) return 0;  // gcd(a, p) = n > 1 cannot happen for prime p unless a = 0
    if (a.lo == 0) {  // 128 factors of two at once
      a.lo = a.hi;
      a.hi = 0;
      // 128 is even: no sign change
    }
    const unsigned z = ctz128(a.lo);
    if (z != 0) {
      a.lo = (a.lo >> z) | (a.hi << (128 - z));
      a.hi >>= z;
      sign ^= (z & 1U) & flip2(static_cast<std::uint64_t>(n.lo));
    }
    if (a.hi < n.hi || (a.hi == n.hi && a.lo < n.lo)) {
      std::swap(a, n);
      sign ^= static_cast<unsigned>((static_cast<std::uint64_t>(a.lo) & static_cast<std::uint64_t>(n.lo)) >> 1) & 1U;
    }
    const u128 borrow = a.lo < n.lo ? 1 : 0;
    a.lo -= n.lo;
    a.hi -= n.hi + borrow;
  }
  // Stage 2: 128-bit.
  u128 x = a.lo, m = n.lo;
  while ((x >> 64) != 0 || (m >> 64) != 0) {
    if (x == 0) return m == 1 ? (sign ? -1 : 1) : 0;
    const unsigned z = ctz128(x);
    x >>= z;
    sign ^= (z & 1U) & flip2(static_cast<std::uint64_t>(m));
    if (x < m) {
      std::swap(x, m);
      sign ^= static_cast<unsigned>((static_cast<std::uint64_t>(x) & static_cast<std::uint64_t>(m)) >> 1) & 1U;
    }
    x -= m;
  }
  // Stage 3: 64-bit.
  auto u = static_cast<std::uint64_t>(x), v = static_cast<std::uint64_t>(m);
  while (u != 0) {
    const auto z = static_cast<unsigned>(__builtin_ctzll(u));
    u >>= z;
    sign ^= (z & 1U) & flip2(v);
    if (u < v) {
      std::swap(u, v);
      sign ^= static_cast<unsigned>((u & v) >> 1) & 1U;
    }
    u -= v;
  }
  return v == 1 ? (sign ? -1 : 1) : 0;
}

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

B32 select_ct(const B32& a, const B32& b, bool cond) noexcept {
  const auto mask = static_cast<std::uint8_t>(0U - static_cast<unsigned>(cond));
  B32 out{};
  for (std::size_t i = 0; i < 32; ++i)
    out[i] = static_cast<std::uint8_t>((a[i] & static_cast<std::uint8_t>(~mask)) | (b[i] & mask));
  return out;
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

std::optional<secp256k1_pubkey> mul_sub_base(const B33& p, const B32& a, const B32& b, bool& fallback) noexcept {
  B32 px{};
  std::memcpy(px.data(), p.data() + 1, 32);
  int recid = p[0] == 0x03 ? 1 : 0;
  const B32 rx = reduce_mod_n(px);  // px < p < 2n
  if (rx != px) recid |= 2;         // x = r' + n
  if (is_zero(rx) || is_zero(a)) {
    fallback = true;
    return std::nullopt;
  }
  std::array<std::uint8_t, 64> compact{};
  const B32 sa = scalar_mul(a, rx);
  const B32 mb = scalar_mul(b, rx);
  std::memcpy(compact.data(), rx.data(), 32);
  std::memcpy(compact.data() + 32, sa.data(), 32);
  secp256k1_ecdsa_recoverable_signature rs;
  secp256k1_pubkey q;
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx(), &rs, compact.data(), recid) ||
      !secp256k1_ecdsa_recover(ctx(), &q, &rs, mb.data()))
    return std::nullopt;
  return q;
}

bool has_square_y(const secp256k1_pubkey& p) noexcept {
  B32 x{}, y{};
  point_xy(p, x, y);
  return jacobi_mod_p(y) == 1;
}

}  // namespace lotus::crypto::lotus_sig::detail
