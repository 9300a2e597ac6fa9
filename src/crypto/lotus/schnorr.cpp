#include "crypto/lotus/schnorr.hpp"

#include <cstring>

#include "crypto/lotus/secp.hpp"

namespace lotus::crypto::lotus_sig {

using detail::B32;

namespace {

constexpr std::string_view kAlgo16 = "Schnorr+SHA256  ";  // 16 bytes, two trailing spaces
static_assert(kAlgo16.size() == 16);

secp256k1_pubkey to_secp(const PublicKey& k) noexcept {
  secp256k1_pubkey p;
  std::memcpy(p.data, k.raw().data(), sizeof p.data);
  return p;
}

// Q = e*P - s*G (= -R) with one double-scalar multiplication (detail::mul_sub_base).
std::optional<secp256k1_pubkey> recover_minus_r(const Point33& pk, const B32& e, const Signature& sig,
                                                bool& fallback) noexcept {
  return detail::mul_sub_base(pk, e, sig.s, fallback);
}

// Q = -R: R.x = Q.x, and Jacobi(R.y) = 1 <=> Jacobi(Q.y) = -1 because p = 3 mod 4.
bool minus_r_matches(const secp256k1_pubkey& q, const B32& r) noexcept {
  B32 qx{}, qy{};
  detail::point_xy(q, qx, qy);
  return qx == r && detail::jacobi_mod_p(qy) == -1;
}

bool signature_in_range(const Signature& sig) noexcept {
  return detail::compare_be(sig.r, detail::kFieldP) < 0 && detail::compare_be(sig.s, detail::kOrderN) < 0;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
PublicKey PublicKey::from_raw(const std::array<unsigned char, 64>& raw) {
  secp256k1_pubkey p;
  std::memcpy(p.data, raw.data(), sizeof p.data);
  PublicKey k;
  k.m_raw = raw;
  k.m_bytes = detail::serialize_compressed(p);
  return k;
}

Result<PublicKey> PublicKey::parse(BytesView in) {
  if (in.size() != 33) return errc::invalid_public_key_length;
  if (in[0] != 0x02 && in[0] != 0x03) return errc::invalid_public_key_prefix;
  B32 x{};
  std::memcpy(x.data(), in.data() + 1, 32);
  if (detail::compare_be(x, detail::kFieldP) >= 0) return errc::public_key_x_out_of_range;
  auto p = detail::parse_point(in);
  if (!p) return errc::public_key_not_on_curve;
  PublicKey k;
  std::memcpy(k.m_bytes.data(), in.data(), 33);
  std::memcpy(k.m_raw.data(), p->data, sizeof p->data);
  return k;
}

// ---------------------------------------------------------------------------------------------
Result<SecretKey> SecretKey::parse(BytesView in) {
  if (in.size() != 32) return errc::invalid_secret_key_length;
  SecretBytes<32> s(in);
  B32 tmp{};
  std::memcpy(tmp.data(), s.data(), 32);
  const bool zero = detail::is_zero(tmp);
  secure_wipe(tmp);
  if (zero) return errc::secret_key_zero;
  if (!secp256k1_ec_seckey_verify(detail::ctx(), s.data())) return errc::secret_key_out_of_range;
  secp256k1_pubkey p;
  if (!secp256k1_ec_pubkey_create(detail::ctx(), &p, s.data())) return errc::crypto_failure;
  std::array<unsigned char, 64> raw{};
  std::memcpy(raw.data(), p.data, raw.size());
  return SecretKey(std::move(s), PublicKey::from_raw(raw));
}

SecretKey SecretKey::generate(Rng& rng) {
  SecretBytes<32> s;
  for (;;) {
    rng.fill(s.mut());
    if (secp256k1_ec_seckey_verify(detail::ctx(), s.data())) break;
  }
  auto k = parse(s.view());
  return std::move(k).value();
}

SecretKey SecretKey::clone() const { return SecretKey(m_secret.clone(), m_public); }

// ---------------------------------------------------------------------------------------------
Result<Signature> Signature::parse(BytesView in) {
  if (in.size() != 64) return errc::invalid_signature_length;
  Signature sig;
  std::memcpy(sig.r.data(), in.data(), 32);
  std::memcpy(sig.s.data(), in.data() + 32, 32);
  if (detail::compare_be(sig.r, detail::kFieldP) >= 0) return errc::signature_r_out_of_range;
  if (detail::compare_be(sig.s, detail::kOrderN) >= 0) return errc::signature_s_out_of_range;
  return sig;
}

std::array<std::uint8_t, 64> Signature::to_bytes() const noexcept {
  std::array<std::uint8_t, 64> out{};
  std::memcpy(out.data(), r.data(), 32);
  std::memcpy(out.data() + 32, s.data(), 32);
  return out;
}

std::array<std::uint8_t, 65> Signature::to_tx_format(std::uint8_t sighash) const noexcept {
  std::array<std::uint8_t, 65> out{};
  std::memcpy(out.data(), r.data(), 32);
  std::memcpy(out.data() + 32, s.data(), 32);
  out[64] = sighash;
  return out;
}

Result<ParsedSignature> parse_signature(BytesView in) {
  if (in.size() != 64 && in.size() != 65) return errc::invalid_signature_length;
  LOTUS_TRY(sig, Signature::parse(in.first(64)));
  ParsedSignature out{sig, std::nullopt};
  if (in.size() == 65) out.sighash = in[64];
  return out;
}

Result<ParsedSignature> parse_signature_not_der(BytesView in) {
  if (in.size() != 64 && in.size() != 65) return errc::invalid_signature_length;
  if (in[0] == 0x30) return errc::signature_looks_like_der;
  return parse_signature(in);
}

// ---------------------------------------------------------------------------------------------
namespace detail {

SecretBytes<32> rfc6979_nonce(const SecretBytes<32>& key, const Bytes32& message) noexcept {
  // libsecp256k1 nonce_function_rfc6979 with algo16 and no extra data:
  // seed = key32 || msg32 || algo16.
  const BytesView seed_key = key.view();
  const BytesView seed_msg(message);
  const BytesView seed_algo = as_bytes(kAlgo16);
  static constexpr std::uint8_t kZero = 0x00, kOne = 0x01;
  B32 v;
  v.fill(0x01);
  B32 k{};
  k = hmac_sha256(k, {v, {&kZero, 1}, seed_key, seed_msg, seed_algo});
  v = hmac_sha256(k, {v});
  k = hmac_sha256(k, {v, {&kOne, 1}, seed_key, seed_msg, seed_algo});
  v = hmac_sha256(k, {v});
  for (;;) {
    v = hmac_sha256(k, {v});
    if (!is_zero(v) && compare_be(v, kOrderN) < 0) break;  // rejection: probability ~2^-128
    k = hmac_sha256(k, {v, {&kZero, 1}});
    v = hmac_sha256(k, {v});
  }
  SecretBytes<32> out(v);
  secure_wipe(v);
  secure_wipe(k);
  return out;
}

Bytes32 challenge(const Bytes32& r, const Point33& key, BytesView message) noexcept {
  return reduce_mod_n(sha256({r, key, message}));
}

static std::optional<secp256k1_pubkey> nonce_point_generic(const PublicKey& key, const Bytes32& e,
                                                    const Signature& sig) noexcept {
  const secp256k1_pubkey p = to_secp(key);
  std::optional<secp256k1_pubkey> sg, ep;
  if (!is_zero(sig.s)) sg = base_mul(sig.s);
  if (!is_zero(e)) ep = point_mul(p, scalar_negate(e));
  std::optional<secp256k1_pubkey> r;
  if (sg && ep) r = point_add(*sg, *ep);
  else if (sg) r = sg;
  else if (ep) r = ep;
  return r;
}

std::optional<Point33> nonce_point(const PublicKey& key, const Bytes32& message, const Signature& sig,
                                   bool generic) noexcept {
  if (!signature_in_range(sig)) return std::nullopt;
  const B32 e = challenge(sig.r, key.bytes(), message);
  bool fallback = generic;
  std::optional<secp256k1_pubkey> r;
  if (!generic) {
    r = recover_minus_r(key.bytes(), e, sig, fallback);
    if (r) r = point_negate(*r);
  }
  if (fallback) r = nonce_point_generic(key, e, sig);
  if (!r) return std::nullopt;
  return serialize_compressed(*r);
}

bool verify_generic(const PublicKey& key, const Bytes32& message, const Signature& sig) noexcept {
  if (!signature_in_range(sig)) return false;
  const B32 e = challenge(sig.r, key.bytes(), message);
  const auto r = nonce_point_generic(key, e, sig);
  if (!r) return false;  // infinity
  B32 x{}, y{};
  point_xy(*r, x, y);
  return x == sig.r && jacobi_mod_p(y) == 1;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
Result<Signature> sign(const SecretKey& key, const Bytes32& message) {
  const SecretBytes<32> k0 = detail::rfc6979_nonce(key.secret(), message);
  B32 k0b{};
  std::memcpy(k0b.data(), k0.data(), 32);
  const auto rp = detail::base_mul(k0b);
  if (!rp) {
    secure_wipe(k0b);
    return errc::crypto_failure;
  }
  Signature sig;
  B32 ry{};
  detail::point_xy(*rp, sig.r, ry);
  // k = k0 if Jacobi(R.y) = 1 else n - k0 (selected without a branch on the secret). The
  // Jacobi symbol itself is variable-time on R0.y: it can only reveal whether the published R
  // is k0*G or -(k0*G), one bit about the HMAC output k0 and nothing about d or k.
  B32 neg = detail::scalar_negate(k0b);
  B32 k = detail::select_ct(k0b, neg, detail::jacobi_mod_p(ry) != 1);
  const B32 e = detail::challenge(sig.r, key.public_key().bytes(), message);
  B32 d{};
  std::memcpy(d.data(), key.secret().data(), 32);
  B32 ed = detail::scalar_mul(e, d);
  sig.s = detail::scalar_add(k, ed);
  secure_wipe(k0b);
  secure_wipe(neg);
  secure_wipe(k);
  secure_wipe(d);
  secure_wipe(ed);
  return sig;
}

Result<Signature> sign(const SecretKey& key, BytesView message) {
  if (message.size() != 32) return errc::invalid_message_length;
  Bytes32 m{};
  std::memcpy(m.data(), message.data(), 32);
  return sign(key, m);
}

bool verify(const PublicKey& key, const Bytes32& message, const Signature& sig) noexcept {
  if (!signature_in_range(sig)) return false;
  const B32 e = detail::challenge(sig.r, key.bytes(), message);
  bool fallback = false;
  const auto q = recover_minus_r(key.bytes(), e, sig, fallback);
  if (fallback) return detail::verify_generic(key, message, sig);
  return q && minus_r_matches(*q, sig.r);  // nullopt: R is infinity
}

Status verify_bytes(BytesView public_key33, BytesView message32, BytesView signature) noexcept {
  // The key is not decompressed up front: the recovery in recover_minus_r() decompresses it
  // anyway (and fails if it is not on the curve), so parsing here would cost a second sqrt.
  if (public_key33.size() != 33) return errc::invalid_public_key_length;
  if (public_key33[0] != 0x02 && public_key33[0] != 0x03) return errc::invalid_public_key_prefix;
  Point33 pk{};
  std::memcpy(pk.data(), public_key33.data(), 33);
  B32 px{};
  std::memcpy(px.data(), pk.data() + 1, 32);
  if (detail::compare_be(px, detail::kFieldP) >= 0) return errc::public_key_x_out_of_range;
  if (message32.size() != 32) return errc::invalid_message_length;
  auto sig = parse_signature(signature);
  if (!sig) return sig.error();
  Bytes32 m{};
  std::memcpy(m.data(), message32.data(), 32);
  const B32 e = detail::challenge(sig->sig.r, pk, m);
  bool fallback = false;
  const auto q = recover_minus_r(pk, e, sig->sig, fallback);
  if (fallback) {
    LOTUS_TRY(key, PublicKey::parse(public_key33));
    return detail::verify_generic(key, m, sig->sig) ? Status{} : Status{errc::signature_mismatch};
  }
  if (!q) {
    if (!detail::parse_point(public_key33)) return errc::public_key_not_on_curve;
    return errc::signature_mismatch;  // R is infinity
  }
  return minus_r_matches(*q, sig->sig.r) ? Status{} : Status{errc::signature_mismatch};
}

}  // namespace lotus::crypto::lotus_sig
