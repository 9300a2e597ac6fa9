// Internal helpers of lotus_sig: the shared libsecp256k1 context, SHA-256 / tagged hash /
// HMAC-SHA256 on OpenSSL, the Jacobi symbol mod p, 32-byte scalar helpers built on the
// libsecp256k1 secret-key tweak functions, and point helpers built on its public-key API.
// Not a public interface: only lotus_sig sources, its tests, fuzz target and bench include it.
//
// No field arithmetic lives here. The one piece of home-made big-number code is jacobi_mod_p()
// (a staged binary Jacobi symbol on 128/64-bit words); it replaced BN_kronecker after
// measurement (bench_schnorr prints both): the symbol runs once per verification and once per
// signature, and BN_bin2bn + BN_kronecker cost 8-14 us against 0.7-0.9 us here, in a ~45 us
// verification. It is variable-time; it only ever sees public values or R.y of a nonce point
// whose negation is published anyway (see schnorr.cpp sign()).
//
// Constant-time notes: secret scalars go through libsecp256k1 (constant-time) and the
// branch-free reduce_mod_n()/select helpers. The scalar_* wrappers branch on "operand is zero",
// which for a secret operand has probability 2^-256; that is the only secret-dependent branch.
// lotus-p2p: internal header (not installed)
#pragma once

#include <secp256k1.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>

#include "base/bytes.hpp"

namespace lotus::crypto::lotus_sig::detail {

using B32 = std::array<std::uint8_t, 32>;
using B33 = std::array<std::uint8_t, 33>;

// Curve constants, big-endian.
extern const B32 kFieldP;
extern const B32 kOrderN;

// Process-wide context, created once and randomized from the OS CSPRNG (side-channel blinding
// of ecmult_gen). Read-only after creation, so safe to share between threads.
const secp256k1_context* ctx() noexcept;

// ---- hashing (OpenSSL) ----
B32 sha256(std::initializer_list<BytesView> parts) noexcept;
// BIP340-style tagged hash sha256(sha256(tag) || sha256(tag) || parts...).
B32 tagged_hash(std::string_view tag, std::initializer_list<BytesView> parts) noexcept;
// HMAC-SHA256 with a 32-byte key (the only key size RFC6979 needs).
B32 hmac_sha256(const B32& key, std::initializer_list<BytesView> parts) noexcept;

// ---- integers (big-endian, 32 bytes) ----
// Variable-time comparison: use for public values only.
int compare_be(const B32& a, const B32& b) noexcept;
bool is_zero(const B32& a) noexcept;  // constant-time
// a mod n for any 256-bit a (one conditional subtraction, constant-time).
B32 reduce_mod_n(const B32& a) noexcept;
// cond ? b : a, without a branch or a secret-dependent memory access.
B32 select_ct(const B32& a, const B32& b, bool cond) noexcept;
// Jacobi symbol (a | p) for 0 <= a < p: 1, -1 or 0. Variable-time (public inputs only).
int jacobi_mod_p(const B32& a) noexcept;

// ---- scalars mod n via secp256k1_ec_seckey_* (inputs must be < n) ----
// The library rejects zero as a secret key; these wrappers handle zero explicitly so callers
// get plain modular arithmetic. Branching on "is zero" is the only data-dependent branch.
B32 scalar_add(const B32& a, const B32& b) noexcept;
B32 scalar_mul(const B32& a, const B32& b) noexcept;
B32 scalar_negate(const B32& a) noexcept;

// ---- points via the public-key API ----
std::optional<secp256k1_pubkey> parse_point(BytesView in) noexcept;
B33 serialize_compressed(const secp256k1_pubkey& p) noexcept;
// Affine x and y of p (from the uncompressed serialization).
void point_xy(const secp256k1_pubkey& p, B32& x, B32& y) noexcept;
// k*G; nullopt when k == 0 (infinity) or k >= n.
std::optional<secp256k1_pubkey> base_mul(const B32& k) noexcept;
// k*P; nullopt when k == 0 mod n.
std::optional<secp256k1_pubkey> point_mul(const secp256k1_pubkey& p, const B32& k) noexcept;
// Sum of points; nullopt when the sum is infinity.
std::optional<secp256k1_pubkey> point_add(std::span<const secp256k1_pubkey* const> pts) noexcept;
std::optional<secp256k1_pubkey> point_add(const secp256k1_pubkey& a, const secp256k1_pubkey& b) noexcept;
secp256k1_pubkey point_negate(const secp256k1_pubkey& p) noexcept;
bool point_equal(const secp256k1_pubkey& a, const secp256k1_pubkey& b) noexcept;
// a*P - b*G (a, b < n) for a compressed point P with ONE double-scalar multiplication, via
// ECDSA public key recovery: with "R" := P, r' = P.x mod n, s' = a*r', m' = b*r', recovery
// returns (s'/r')*P - (m'/r')*G. Recovery decompresses P, so P need not be parsed before
// (nullopt if it is not on the curve). Sets fallback (and returns nullopt) when the trick
// cannot express the input (P.x = 0 mod n or a = 0); nullopt otherwise also means infinity.
std::optional<secp256k1_pubkey> mul_sub_base(const B33& p, const B32& a, const B32& b, bool& fallback) noexcept;
// Jacobi(y) == 1: the lotusd consensus rule for R (parity plays no role).
bool has_square_y(const secp256k1_pubkey& p) noexcept;

}  // namespace lotus::crypto::lotus_sig::detail
