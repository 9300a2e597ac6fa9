// Lotus MuSig2: the two-round multi-signature of the Lotus SDK (lib/bitcore/crypto/musig2.ts and
// lib/bitcore/taproot/musig2.ts at cebfdf1, with the e44bdaf residue fix), byte-exact with
// tests/vectors/musig2.json. The final signature is an ordinary Lotus Schnorr signature
// (schnorr.hpp) for the aggregate key Q, or for the Taproot commitment Q' = Q + t*G.
//
// Flow (one signer's view; every index is a position in the SORTED key list):
//
//   KeyAggContext::create(keys) ──> nonce_gen(sk, ctx, msg) ──> {SecretNonce, PublicNonce}
//        │                                 (send PublicNonce, keep SecretNonce)
//        ▼
//   nonce_agg(all PublicNonces) ──> Session::create[_taproot](ctx, aggnonce, msg)
//        ▼
//   partial_sign(SecretNonce&, sk, ctx, session, my_index)   (consumes the SecretNonce)
//        ▼
//   partial_verify(each s_i) / find_invalid_partials ──> aggregate(partials) ──> Signature
//
// Deviations from BIP327 / BIP341 (they follow the reference; lotus-wire.md §7.3–§7.10):
//   1. 33-byte compressed keys everywhere (key list, coefficients, b, challenge, tweak); no
//      x-only keys, no parity accumulators (gacc/tacc).
//   2. Keys are sorted (byte order) inside key aggregation; signer indices are sorted positions.
//   3. Coefficients a_i = H("KeyAgg coefficient", L || P_i) for every key; the only a_i = 1 is
//      sorted index 1 when it equals index 0 (no "second distinct key" rule). A single key gets
//      a hash coefficient. Coefficients are kept unreduced and reduced mod n when used.
//   4. b = H("MuSig/noncecoef", K33 || R1 || R2 || m), unreduced (used mod n); BIP327 hashes
//      aggnonce || xonly(Q) || m.
//   5. Effective nonce R = R1 + b*R2; if Jacobi(R.y) = -1 every signer uses n - k (lotusd rule;
//      cebfdf1's "y even" test is a defect we do not reproduce). e = sha256(R.x || K33 || m).
//   6. Nonce derivation: aux = H("MuSig/aux", x || Q33 || m-or-zeros || extra-or-zeros),
//      k_j = H("MuSig/nonce", aux || j) mod n (0 -> 1). Not BIP327 NonceGen.
//   7. An infinite aggregate nonce is an error (BIP327 substitutes G).
//   8. Taproot: t = H("TapTweak", Q33 || merkle_root) with 32 zero bytes for key-path-only
//      (BIP341: empty root); Q' = Q + t*G without x-only/parity handling; sorted signer 0 adds
//      e*t to its partial signature (BIP327: the aggregator adds it).
//   9. Stricter than the reference: messages are exactly 32 bytes (the reference accepts any
//      length and then cannot verify the result); partial signatures >= n are rejected
//      (errc::scalar_out_of_range) instead of being reduced.
//
// Nonce safety (stronger than the reference, modelled on libsecp256k1's musig module):
//   * nonce_gen() ALWAYS mixes 32 fresh bytes from the OS CSPRNG into the extra input. Without
//     them the reference's nonces are a deterministic function of (x, Q, m): a co-signer who
//     makes us sign the same message twice while changing its own nonce learns x.
//   * The only way to pass an explicit extra input is unsafe::nonce_gen_reproducible(), which
//     needs an explicitly constructed unsafe::ReproducibleNonceTag; it exists for test vectors.
//   * SecretNonce is move-only (copying does not compile), wiped on destruction and on move,
//     bound to the signer's public key and to the aggregate key Q, and consumed (wiped) by the
//     first partial_sign() call whatever its outcome, so it can sign at most once. A wiped or
//     moved-from nonce gives errc::nonce_already_used.
#pragma once

#include <array>
#include <cassert>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/secure.hpp"
#include "crypto/lotus/errors.hpp"
#include "crypto/lotus/schnorr.hpp"

namespace lotus::crypto::lotus_sig {

inline constexpr std::size_t kMaxSigners = 1024;

class KeyAggContext {
 public:
  // Sorts the keys; duplicates are allowed (as in the reference). 1..kMaxSigners keys.
  static Result<KeyAggContext> create(std::span<const PublicKey> keys);

  std::size_t size() const noexcept { return m_keys.size(); }
  const std::vector<PublicKey>& sorted_keys() const noexcept { return m_keys; }
  const Bytes32& list_hash() const noexcept { return m_list_hash; }  // L
  // a_i exactly as the reference stores it (may be >= n). Precondition: i < size().
  const Bytes32& coefficient(std::size_t i) const noexcept {
    assert(i < m_coefficients.size());
    return m_coefficients[i];
  }
  const PublicKey& aggregate_key() const noexcept { return m_q; }  // Q (untweaked)
  // First sorted position of key, if present.
  std::optional<std::size_t> index_of(const PublicKey& key) const noexcept;

 private:
  KeyAggContext(std::vector<PublicKey> k, Bytes32 l, std::vector<Bytes32> a, PublicKey q)
      : m_keys(std::move(k)), m_list_hash(l), m_coefficients(std::move(a)), m_q(std::move(q)) {}
  std::vector<PublicKey> m_keys;
  Bytes32 m_list_hash;
  std::vector<Bytes32> m_coefficients;
  PublicKey m_q;
};

// (R1, R2): a signer's public nonce, or the aggregate of all of them.
struct PublicNonce {
  PublicKey r1;
  PublicKey r2;
  static Result<PublicNonce> parse(BytesView in66);  // R1(33) || R2(33)
  static Result<PublicNonce> parse(BytesView r1_33, BytesView r2_33);
  std::array<std::uint8_t, 66> to_bytes() const noexcept;
  friend bool operator==(const PublicNonce&, const PublicNonce&) = default;
};
using AggregateNonce = PublicNonce;

// A signer's secret nonce (k1, k2). Move-only; see "Nonce safety" above for how it can be
// misused and how the API prevents it. Never serialise it: a nonce must die with its session.
class SecretNonce {
 public:
  SecretNonce(const SecretNonce&) = delete;
  SecretNonce& operator=(const SecretNonce&) = delete;
  SecretNonce(SecretNonce&& o) noexcept;
  SecretNonce& operator=(SecretNonce&& o) noexcept;
  ~SecretNonce() = default;  // SecretBytes wipe themselves

  // False once used by partial_sign, moved from, or wiped.
  bool valid() const noexcept { return m_valid; }
  // Destroy the nonce without signing (e.g. on session abort).
  void wipe() noexcept;

 private:
  friend struct NonceAccess;
  SecretNonce() = default;
  SecretBytes<32> m_k1;
  SecretBytes<32> m_k2;
  Point33 m_signer{};     // public key of the secret key it was generated for
  Point33 m_aggregate{};  // untweaked aggregate key Q it was generated for
  bool m_valid = false;
};

struct NonceGenOutput {
  SecretNonce secret;
  PublicNonce pub;
};

// Fresh nonces for one signing session: always mixes 32 bytes of OS CSPRNG output. message is
// the 32-byte message if already known (recommended), else omitted.
Result<NonceGenOutput> nonce_gen(const SecretKey& key, const KeyAggContext& ctx,
                                 const std::optional<Bytes32>& message);

// Sum of the signers' public nonces, in any order.
Result<AggregateNonce> nonce_agg(std::span<const PublicNonce> nonces);

// Everything all signers derive identically from (ctx, aggregate nonce, message).
class Session {
 public:
  static Result<Session> create(const KeyAggContext& ctx, const AggregateNonce& nonce,
                                const Bytes32& message);
  // Taproot key path: signing key Q' = Q + t*G, t = H("TapTweak", Q33 || merkle_root).
  static Result<Session> create_taproot(const KeyAggContext& ctx, const AggregateNonce& nonce,
                                        const Bytes32& message, const Bytes32& merkle_root = {});

  const PublicKey& signing_key() const noexcept { return m_signing_key; }  // Q or Q'
  const Bytes32& message() const noexcept { return m_message; }
  const Bytes32& nonce_coefficient() const noexcept { return m_b; }  // b, unreduced
  const Point33& effective_nonce() const noexcept { return m_r; }    // R1 + b*R2 before negation
  bool nonce_negated() const noexcept { return m_negate; }
  const Bytes32& challenge() const noexcept { return m_e; }
  const std::optional<Bytes32>& taproot_tweak() const noexcept { return m_tweak; }  // t, unreduced

 private:
  friend struct SessionAccess;
  explicit Session(PublicKey k) : m_signing_key(std::move(k)) {}
  PublicKey m_signing_key;
  Point33 m_aggregate{};  // untweaked Q the session was built for
  Bytes32 m_message{};
  Bytes32 m_b{};
  Point33 m_r{};
  bool m_negate = false;
  Bytes32 m_e{};
  std::optional<Bytes32> m_tweak;
};

// Partial signature s_i of the signer at sorted position signer_index. Consumes secnonce
// (it is wiped before anything else happens, even when an error is returned).
Result<Bytes32> partial_sign(SecretNonce& secnonce, const SecretKey& key, const KeyAggContext& ctx,
                             const Session& session, std::size_t signer_index);

// A partial signature from the wire: exactly 32 bytes, < n.
Result<Bytes32> parse_partial_signature(BytesView in);

// Checks s_i against the signer's public nonce and key. errc::partial_signature_mismatch if it
// does not verify; specific errors for malformed input.
Status partial_verify(const Bytes32& partial, const PublicNonce& nonce, const KeyAggContext& ctx,
                      const Session& session, std::size_t signer_index);

// Sorted positions whose partial signature fails partial_verify (attribution of a faulty or
// malicious signer). partials[i] and nonces[i] belong to sorted signer i.
Result<std::vector<std::size_t>> find_invalid_partials(std::span<const Bytes32> partials,
                                                       std::span<const PublicNonce> nonces,
                                                       const KeyAggContext& ctx,
                                                       const Session& session);

// s = sum s_i mod n, signature = R.x || s. One partial per sorted signer.
Result<Signature> aggregate(std::span<const Bytes32> partials, const KeyAggContext& ctx,
                            const Session& session);

// The reference MuSigSessionManager session id: first 8 bytes of
// sha256(sha256(sorted P33 concatenated) || sha256(message)) (16 hex characters on the wire).
std::array<std::uint8_t, 8> reference_session_id(const KeyAggContext& ctx, BytesView message);

namespace unsafe {
// Constructing this tag is the caller's statement that deterministic nonces are acceptable,
// which is only true when reproducing published test vectors.
struct ReproducibleNonceTag {
  explicit ReproducibleNonceTag() = default;
};
// DANGER: nonces are a deterministic function of (key, Q, message, extra_input). Reusing them
// with different co-signer nonces reveals the secret key. extra_input = nullopt means 32 zero
// bytes, as in the reference. For test vectors only; production code calls nonce_gen().
Result<NonceGenOutput> nonce_gen_reproducible(ReproducibleNonceTag, const SecretKey& key,
                                              const KeyAggContext& ctx,
                                              const std::optional<Bytes32>& message,
                                              const std::optional<Bytes32>& extra_input);
}  // namespace unsafe

}  // namespace lotus::crypto::lotus_sig
