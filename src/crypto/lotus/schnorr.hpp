// Lotus Schnorr signatures (BCH-2019 Schnorr as enforced by lotusd), on libsecp256k1 + OpenSSL.
//
// Algorithm (lotus-wire.md §7.1; vectors in tests/vectors/lotus-schnorr.json):
//   sign(d, m32):  k0 = RFC6979-HMAC-SHA256(d, m, algo16 = "Schnorr+SHA256  ") exactly as
//                  libsecp256k1's nonce_function_rfc6979; R = k0*G; k = n-k0 if Jacobi(R.y) = -1
//                  else k0; r = R.x; e = sha256(r || P33 || m) mod n; s = k + e*d mod n.
//   verify(P, m, r||s): reject r >= p, s >= n, P not on curve; R = s*G - e*P; accept iff R is
//                  not infinity, Jacobi(R.y) = 1 and R.x = r.
//
// Deviations from BIP340 (all deliberate: this is the Lotus consensus scheme, not BIP340):
//   * 33-byte compressed keys; the full P33 (with its parity prefix) enters the challenge, so
//     the key is never negated (BIP340: x-only keys, even-y lift).
//   * Challenge is untagged sha256(r || P33 || m) (BIP340: tagged "BIP0340/challenge").
//   * R rule is "y is a quadratic residue mod p" (Jacobi = 1), not "y even". The parity of R.y
//     plays no role. The reference SDK at cebfdf1 tested "y even" (a defect fixed upstream in
//     e44bdaf); we do NOT reproduce it: such signatures verify false here, as in lotusd.
//   * Nonce: RFC6979 with the 16-byte algorithm tag "Schnorr+SHA256  " (BIP340: tagged aux).
//   * Message is exactly 32 bytes (a hash), signed as-is. The reference's 'little' endian verify
//     quirk (message reversed) is not an API option: reverse the hash yourself if you must.
//   * 65-byte transaction form r || s || sighash (0x61 = ALL|LOTUS, 0x41 = ALL|FORKID).
//
// Verification strategy (measured, see bench/schnorr.cpp): libsecp256k1 0.2.0 exposes no
// "s*G + a*P" API. The generic point-API path (tweak_mul + pubkey_create + combine) needs two
// scalar multiplications (~1.5x BIP340 verify). verify() instead runs ONE double-scalar
// multiplication inside secp256k1_ecdsa_recover: treating P as the "R" of an ECDSA signature
// with r' = P.x mod n, s' = e*r', m' = s*r', recovery returns Q = (s'/r')*P - (m'/r')*G
// = e*P - s*G = -R. We then check Q.x == r and Jacobi(Q.y) == -1 (p = 3 mod 4, so -1 is a
// non-residue and Jacobi(R.y) = -Jacobi(Q.y)). Recovery also decompresses P (fails if P is not
// on the curve). The rare inputs this trick cannot express (e = 0, P.x = 0 mod n) fall back to
// verify_generic(); both paths are cross-checked by the unit tests and the fuzz target.
// Measured (bench_schnorr, release, this machine): generic path 0.67x BIP340 verify; recovery
// path 0.83x BIP340 verify with a pre-parsed key and 0.92x BIP340 xonly_pubkey_parse + verify
// (how libsecp256k1's own bench_schnorrsig times verify). The remaining gap is fixed cost inside
// secp256k1_ecdsa_recover (decompressing P, inverting r'), which the public API cannot skip.
// Batch verification is not offered: without a public multi-scalar-multiplication API it would
// need home-made group arithmetic, and per-signature cost is already one ecmult.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "base/secure.hpp"
#include "crypto/lotus/errors.hpp"

namespace lotus::crypto::lotus_sig {

using Bytes32 = std::array<std::uint8_t, 32>;
using Point33 = std::array<std::uint8_t, 33>;

inline constexpr std::uint8_t kSighashAllLotus = 0x61;   // SIGHASH_ALL | SIGHASH_LOTUS
inline constexpr std::uint8_t kSighashAllForkId = 0x41;  // SIGHASH_ALL | SIGHASH_FORKID

// A valid secp256k1 point in 33-byte compressed form (validated on construction).
class PublicKey {
 public:
  static Result<PublicKey> parse(BytesView in);  // 33 bytes, 02/03 prefix, x < p, on curve
  const Point33& bytes() const noexcept { return m_bytes; }
  friend bool operator==(const PublicKey& a, const PublicKey& b) noexcept { return a.m_bytes == b.m_bytes; }
  friend auto operator<=>(const PublicKey& a, const PublicKey& b) noexcept { return a.m_bytes <=> b.m_bytes; }

  // Internal: the libsecp256k1 representation (secp256k1_pubkey::data).
  const std::array<unsigned char, 64>& raw() const noexcept { return m_raw; }
  static PublicKey from_raw(const std::array<unsigned char, 64>& raw);

 private:
  PublicKey() = default;
  Point33 m_bytes{};
  std::array<unsigned char, 64> m_raw{};
};

// A secret scalar 1 <= d < n. Move-only, wiped on destruction; copies via clone() only.
class SecretKey {
 public:
  static Result<SecretKey> parse(BytesView in);  // 32 bytes big-endian
  static SecretKey generate(Rng& rng = SystemRng::instance());
  SecretKey clone() const;
  const PublicKey& public_key() const noexcept { return m_public; }
  // The secret bytes. Do not log or copy them.
  const SecretBytes<32>& secret() const noexcept { return m_secret; }

 private:
  SecretKey(SecretBytes<32> s, PublicKey p) : m_secret(std::move(s)), m_public(std::move(p)) {}
  SecretBytes<32> m_secret;
  PublicKey m_public;
};

struct Signature {
  Bytes32 r{};
  Bytes32 s{};

  // Strict 64-byte parse: r < p, s < n.
  static Result<Signature> parse(BytesView in);
  std::array<std::uint8_t, 64> to_bytes() const noexcept;
  // 65-byte transaction form r || s || sighash.
  std::array<std::uint8_t, 65> to_tx_format(std::uint8_t sighash = kSighashAllLotus) const noexcept;
  friend bool operator==(const Signature&, const Signature&) = default;
};

struct ParsedSignature {
  Signature sig;
  std::optional<std::uint8_t> sighash;  // present for the 65-byte form
};
// 64 bytes (r||s) or 65 bytes (r||s||sighash); r < p, s < n.
Result<ParsedSignature> parse_signature(BytesView in);
// As parse_signature, but first rejects input whose first byte is 0x30 with
// errc::signature_looks_like_der: the reference's Signature.fromDER dispatch rule, for places
// where a field may carry either an ECDSA DER signature or a Schnorr one.
Result<ParsedSignature> parse_signature_not_der(BytesView in);

// Deterministic RFC6979 signing (same key and message => same signature), lotusd-compatible.
Result<Signature> sign(const SecretKey& key, const Bytes32& message);
Result<Signature> sign(const SecretKey& key, BytesView message);  // errc::invalid_message_length

bool verify(const PublicKey& key, const Bytes32& message, const Signature& sig) noexcept;
// Everything from bytes, with a specific error for each malformed input; a well-formed
// signature that does not verify gives errc::signature_mismatch. Accepts the 65-byte form
// (the sighash byte is ignored).
Status verify_bytes(BytesView public_key33, BytesView message32, BytesView signature) noexcept;

namespace detail {
// k0 of RFC6979 as the reference computes it (before the residue negation).
SecretBytes<32> rfc6979_nonce(const SecretBytes<32>& key, const Bytes32& message) noexcept;
// e = sha256(r || P33 || m) mod n.
Bytes32 challenge(const Bytes32& r, const Point33& key, BytesView message) noexcept;
// The plain point-API verifier (two scalar multiplications). Same results as verify().
bool verify_generic(const PublicKey& key, const Bytes32& message, const Signature& sig) noexcept;
// R = s*G - e*P as computed by verify() (generic = false: the recovery trick, falling back to
// the point-API path when needed) or by verify_generic() (generic = true). nullopt: infinity.
std::optional<Point33> nonce_point(const PublicKey& key, const Bytes32& message, const Signature& sig,
                                   bool generic) noexcept;
}  // namespace detail

}  // namespace lotus::crypto::lotus_sig
