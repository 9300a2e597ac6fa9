// libFuzzer target for Lotus Schnorr / MuSig2 parsing and verification.
// Input: selector byte, then data. Every parser must reject garbage with an error (never crash),
// and the recovery-based verifier must agree with the plain point-API verifier on every input.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "crypto/lotus/musig2.hpp"
#include "crypto/lotus/schnorr.hpp"
#include "crypto/lotus/taproot.hpp"

using namespace lotus;
using namespace lotus::crypto::lotus_sig;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// key(33) || msg(32) || sig(64 or 65): verify_bytes and both verifier paths.
void verify_case(BytesView in) {
  if (in.size() < 33 + 32) return;
  const BytesView key = in.first(33), msg = in.subspan(33, 32), sig = in.subspan(65);
  const Status st = verify_bytes(key, msg, sig);
  auto k = PublicKey::parse(key);
  auto s = parse_signature(sig);
  if (!k || !s) {
    check(!st);
    return;
  }
  Bytes32 m{};
  std::memcpy(m.data(), msg.data(), 32);
  const bool fast = verify(*k, m, s->sig);
  check(fast == st.has_value());
  check(fast == detail::verify_generic(*k, m, s->sig));
  check(detail::nonce_point(*k, m, s->sig, false) == detail::nonce_point(*k, m, s->sig, true));
}

// secret(32) || msg(32) || flip: sign, verify, then a one-bit change must not verify.
void sign_case(BytesView in) {
  if (in.size() < 65) return;
  auto key = SecretKey::parse(in.first(32));
  if (!key) return;
  Bytes32 m{};
  std::memcpy(m.data(), in.data() + 32, 32);
  auto sig = sign(*key, m);
  check(sig.has_value());
  check(verify(key->public_key(), m, *sig));
  check(detail::verify_generic(key->public_key(), m, *sig));
  Signature bad = *sig;
  const std::uint8_t flip = in[64];
  bad.s[flip % 32] ^= static_cast<std::uint8_t>(1U << (flip / 32 % 8));
  check(!verify(key->public_key(), m, bad));
  check(!detail::verify_generic(key->public_key(), m, bad));
}

void parse_case(BytesView in) {
  (void)PublicKey::parse(in);
  (void)SecretKey::parse(in);
  (void)Signature::parse(in);
  (void)parse_signature(in);
  (void)parse_signature_not_der(in);
  (void)PublicNonce::parse(in);
  (void)parse_partial_signature(in);
  (void)parse_taproot_script(in);
}

// keys(33 each, up to 8) for key aggregation and nonce aggregation.
void aggregate_case(BytesView in) {
  std::vector<PublicKey> keys;
  std::vector<PublicNonce> nonces;
  for (std::size_t off = 0; off + 33 <= in.size() && keys.size() < 8; off += 33)
    if (auto k = PublicKey::parse(in.subspan(off, 33))) keys.push_back(*k);
  for (std::size_t off = 0; off + 66 <= in.size() && nonces.size() < 4; off += 66)
    if (auto n = PublicNonce::parse(in.subspan(off, 66))) nonces.push_back(*n);
  auto ctx = KeyAggContext::create(keys);
  check(ctx.has_value() == !keys.empty() || ctx.error() == errc::aggregate_key_infinity);
  if (!ctx || nonces.empty()) return;
  auto agg = nonce_agg(nonces);
  if (!agg) return;
  Bytes32 m{};
  auto session = Session::create(*ctx, *agg, m);
  if (!session) return;
  Bytes32 partial{};
  std::memcpy(partial.data(), in.data(), std::min<std::size_t>(32, in.size()));
  (void)partial_verify(partial, nonces[0], *ctx, *session, 0);
  (void)taproot_commitment(ctx->aggregate_key());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const BytesView in(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: verify_case(in); break;
    case 1: sign_case(in); break;
    case 2: parse_case(in); break;
    default: aggregate_case(in); break;
  }
  return 0;
}
