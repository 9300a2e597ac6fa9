#include "crypto/lotus/musig2.hpp"

#include <algorithm>
#include <cstring>

#include "base/rng.hpp"
#include "crypto/lotus/secp.hpp"
#include "crypto/lotus/taproot.hpp"

namespace lotus::crypto::lotus_sig {

using detail::B32;
using OptPoint = std::optional<secp256k1_pubkey>;  // nullopt = point at infinity

struct NonceAccess {
  static SecretNonce make() { return SecretNonce(); }
  static SecretNonce& fill(SecretNonce& n, const B32& k1, const B32& k2, const Point33& signer,
                           const Point33& agg) {
    std::memcpy(n.m_k1.data(), k1.data(), 32);
    std::memcpy(n.m_k2.data(), k2.data(), 32);
    n.m_signer = signer;
    n.m_aggregate = agg;
    n.m_valid = true;
    return n;
  }
  static const SecretBytes<32>& k1(const SecretNonce& n) { return n.m_k1; }
  static const SecretBytes<32>& k2(const SecretNonce& n) { return n.m_k2; }
  static const Point33& signer(const SecretNonce& n) { return n.m_signer; }
  static const Point33& aggregate(const SecretNonce& n) { return n.m_aggregate; }
};

struct SessionAccess {
  static Session make(PublicKey k) { return Session(std::move(k)); }
  static const Point33& aggregate(const Session& s) { return s.m_aggregate; }
  static Point33& aggregate(Session& s) { return s.m_aggregate; }
  static Bytes32& message(Session& s) { return s.m_message; }
  static Bytes32& b(Session& s) { return s.m_b; }
  static Point33& r(Session& s) { return s.m_r; }
  static bool& negate(Session& s) { return s.m_negate; }
  static Bytes32& e(Session& s) { return s.m_e; }
  static std::optional<Bytes32>& tweak(Session& s) { return s.m_tweak; }
};

namespace {

secp256k1_pubkey to_secp(const PublicKey& k) noexcept {
  secp256k1_pubkey p;
  std::memcpy(p.data, k.raw().data(), sizeof p.data);
  return p;
}

PublicKey from_secp(const secp256k1_pubkey& p) {
  std::array<unsigned char, 64> raw{};
  std::memcpy(raw.data(), p.data, raw.size());
  return PublicKey::from_raw(raw);
}

OptPoint add_opt(const OptPoint& a, const OptPoint& b) noexcept {
  if (!a) return b;
  if (!b) return a;
  return detail::point_add(*a, *b);
}

// k*P for any 256-bit k (reduced mod n first); nullopt when k = 0 mod n.
OptPoint mul_opt(const secp256k1_pubkey& p, const B32& k) noexcept {
  const B32 kr = detail::reduce_mod_n(k);
  if (detail::is_zero(kr)) return std::nullopt;
  return detail::point_mul(p, kr);
}

bool equal_opt(const OptPoint& a, const OptPoint& b) noexcept {
  if (!a || !b) return !a && !b;
  return detail::point_equal(*a, *b);
}

// k = int(H("MuSig/nonce", aux || j)) mod n, 0 replaced by 1 (branch-free).
B32 derive_nonce(const B32& aux, std::uint8_t j) noexcept {
  B32 h = detail::tagged_hash("MuSig/nonce", {aux, {&j, 1}});
  B32 k = detail::reduce_mod_n(h);
  B32 one{};
  one[31] = 1;
  B32 out = detail::select_ct(k, one, detail::is_zero(k));
  secure_wipe(h);
  secure_wipe(k);
  return out;
}

Result<NonceGenOutput> nonce_gen_impl(const SecretKey& key, const KeyAggContext& ctx,
                                      const std::optional<Bytes32>& message, const B32& extra) {
  const B32 zeros{};
  const BytesView m = message ? BytesView(*message) : BytesView(zeros);
  B32 aux = detail::tagged_hash("MuSig/aux", {key.secret().view(), ctx.aggregate_key().bytes(), m, extra});
  B32 k1 = derive_nonce(aux, 0x01);
  B32 k2 = derive_nonce(aux, 0x02);
  secure_wipe(aux);
  const auto r1 = detail::base_mul(k1);
  const auto r2 = detail::base_mul(k2);
  if (!r1 || !r2) {
    secure_wipe(k1);
    secure_wipe(k2);
    return errc::crypto_failure;
  }
  SecretNonce sn = NonceAccess::make();
  NonceAccess::fill(sn, k1, k2, key.public_key().bytes(), ctx.aggregate_key().bytes());
  secure_wipe(k1);
  secure_wipe(k2);
  return NonceGenOutput{std::move(sn), PublicNonce{from_secp(*r1), from_secp(*r2)}};
}

Result<Session> make_session(const KeyAggContext& ctx, const AggregateNonce& nonce, const Bytes32& message,
                             const PublicKey& signing_key, const std::optional<Bytes32>& tweak) {
  Session s = SessionAccess::make(signing_key);
  SessionAccess::aggregate(s) = ctx.aggregate_key().bytes();
  SessionAccess::message(s) = message;
  SessionAccess::tweak(s) = tweak;
  const B32 b = detail::tagged_hash("MuSig/noncecoef",
                                    {signing_key.bytes(), nonce.r1.bytes(), nonce.r2.bytes(), message});
  SessionAccess::b(s) = b;
  const OptPoint r = add_opt(to_secp(nonce.r1), mul_opt(to_secp(nonce.r2), b));
  if (!r) return errc::aggregate_nonce_infinity;
  SessionAccess::r(s) = detail::serialize_compressed(*r);
  B32 rx{}, ry{};
  detail::point_xy(*r, rx, ry);
  SessionAccess::negate(s) = detail::jacobi_mod_p(ry) != 1;
  SessionAccess::e(s) = detail::challenge(rx, signing_key.bytes(), message);
  return s;
}

// R_i' = ±(R1_i + b*R2_i) for one signer's public nonce.
OptPoint signer_nonce_point(const PublicNonce& n, const Session& s) noexcept {
  OptPoint ri = add_opt(to_secp(n.r1), mul_opt(to_secp(n.r2), s.nonce_coefficient()));
  if (ri && s.nonce_negated()) ri = detail::point_negate(*ri);
  return ri;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
SecretNonce::SecretNonce(SecretNonce&& o) noexcept
    : m_k1(std::move(o.m_k1)),
      m_k2(std::move(o.m_k2)),
      m_signer(o.m_signer),
      m_aggregate(o.m_aggregate),
      m_valid(o.m_valid) {
  o.m_valid = false;
}

SecretNonce& SecretNonce::operator=(SecretNonce&& o) noexcept {
  if (this != &o) {
    m_k1 = std::move(o.m_k1);
    m_k2 = std::move(o.m_k2);
    m_signer = o.m_signer;
    m_aggregate = o.m_aggregate;
    m_valid = o.m_valid;
    o.m_valid = false;
  }
  return *this;
}

void SecretNonce::wipe() noexcept {
  secure_wipe(m_k1.mut());
  secure_wipe(m_k2.mut());
  m_valid = false;
}

// ---------------------------------------------------------------------------------------------
Result<KeyAggContext> KeyAggContext::create(std::span<const PublicKey> keys) {
  if (keys.empty()) return errc::empty_key_list;
  if (keys.size() > kMaxSigners) return errc::too_many_keys;
  std::vector<PublicKey> sorted(keys.begin(), keys.end());
  std::sort(sorted.begin(), sorted.end());
  Bytes all;
  all.reserve(sorted.size() * 33);
  for (const auto& k : sorted) append(all, k.bytes());
  const B32 l = detail::tagged_hash("KeyAgg list", {all});
  std::vector<Bytes32> coef(sorted.size());
  OptPoint q;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i == 1 && sorted[1] == sorted[0]) {
      coef[i] = Bytes32{};
      coef[i][31] = 1;
    } else {
      coef[i] = detail::tagged_hash("KeyAgg coefficient", {l, sorted[i].bytes()});
    }
    q = add_opt(q, mul_opt(to_secp(sorted[i]), coef[i]));  // nullopt: infinity so far
  }
  if (!q) return errc::aggregate_key_infinity;
  return KeyAggContext(std::move(sorted), l, std::move(coef), from_secp(*q));
}

std::optional<std::size_t> KeyAggContext::index_of(const PublicKey& key) const noexcept {
  auto it = std::lower_bound(m_keys.begin(), m_keys.end(), key);
  if (it == m_keys.end() || !(*it == key)) return std::nullopt;
  return static_cast<std::size_t>(it - m_keys.begin());
}

// ---------------------------------------------------------------------------------------------
Result<PublicNonce> PublicNonce::parse(BytesView in66) {
  if (in66.size() != 66) return errc::invalid_public_nonce_length;
  return parse(in66.first(33), in66.subspan(33));
}

Result<PublicNonce> PublicNonce::parse(BytesView r1_33, BytesView r2_33) {
  if (r1_33.size() != 33 || r2_33.size() != 33) return errc::invalid_public_nonce_length;
  auto r1 = PublicKey::parse(r1_33);
  auto r2 = PublicKey::parse(r2_33);
  if (!r1 || !r2) return errc::public_nonce_not_on_curve;
  return PublicNonce{*r1, *r2};
}

std::array<std::uint8_t, 66> PublicNonce::to_bytes() const noexcept {
  std::array<std::uint8_t, 66> out{};
  std::memcpy(out.data(), r1.bytes().data(), 33);
  std::memcpy(out.data() + 33, r2.bytes().data(), 33);
  return out;
}

// ---------------------------------------------------------------------------------------------
Result<NonceGenOutput> nonce_gen(const SecretKey& key, const KeyAggContext& ctx,
                                 const std::optional<Bytes32>& message) {
  B32 extra{};
  SystemRng::instance().fill(extra);  // never deterministic: see "Nonce safety" in the header
  auto out = nonce_gen_impl(key, ctx, message, extra);
  secure_wipe(extra);
  return out;
}

namespace unsafe {
Result<NonceGenOutput> nonce_gen_reproducible(ReproducibleNonceTag, const SecretKey& key,
                                              const KeyAggContext& ctx,
                                              const std::optional<Bytes32>& message,
                                              const std::optional<Bytes32>& extra_input) {
  return nonce_gen_impl(key, ctx, message, extra_input.value_or(Bytes32{}));
}
}  // namespace unsafe

Result<AggregateNonce> nonce_agg(std::span<const PublicNonce> nonces) {
  if (nonces.empty()) return errc::nonce_count_mismatch;
  std::vector<secp256k1_pubkey> r1(nonces.size()), r2(nonces.size());
  std::vector<const secp256k1_pubkey*> p1(nonces.size()), p2(nonces.size());
  for (std::size_t i = 0; i < nonces.size(); ++i) {
    r1[i] = to_secp(nonces[i].r1);
    r2[i] = to_secp(nonces[i].r2);
    p1[i] = &r1[i];
    p2[i] = &r2[i];
  }
  const OptPoint s1 = detail::point_add(p1);
  const OptPoint s2 = detail::point_add(p2);
  if (!s1 || !s2) return errc::aggregate_nonce_infinity;
  return AggregateNonce{from_secp(*s1), from_secp(*s2)};
}

// ---------------------------------------------------------------------------------------------
Result<Session> Session::create(const KeyAggContext& ctx, const AggregateNonce& nonce, const Bytes32& message) {
  return make_session(ctx, nonce, message, ctx.aggregate_key(), std::nullopt);
}

Result<Session> Session::create_taproot(const KeyAggContext& ctx, const AggregateNonce& nonce,
                                        const Bytes32& message, const Bytes32& merkle_root) {
  LOTUS_TRY(commitment, taproot_commitment(ctx.aggregate_key(), merkle_root));
  return make_session(ctx, nonce, message, commitment, lotus_sig::taproot_tweak(ctx.aggregate_key(), merkle_root));
}

// ---------------------------------------------------------------------------------------------
Result<Bytes32> partial_sign(SecretNonce& secnonce, const SecretKey& key, const KeyAggContext& ctx,
                             const Session& session, std::size_t signer_index) {
  if (!secnonce.valid()) return errc::nonce_already_used;
  // Take the nonce out and wipe it before any check, so no call path can use it twice.
  B32 k1{}, k2{};
  std::memcpy(k1.data(), NonceAccess::k1(secnonce).data(), 32);
  std::memcpy(k2.data(), NonceAccess::k2(secnonce).data(), 32);
  const Point33 bound_signer = NonceAccess::signer(secnonce);
  const Point33 bound_aggregate = NonceAccess::aggregate(secnonce);
  secnonce.wipe();
  struct Wiper {
    B32& a;
    B32& b;
    ~Wiper() {
      secure_wipe(a);
      secure_wipe(b);
    }
  } wiper{k1, k2};

  if (bound_signer != key.public_key().bytes()) return errc::nonce_key_mismatch;
  if (bound_aggregate != ctx.aggregate_key().bytes()) return errc::nonce_aggregate_key_mismatch;
  if (SessionAccess::aggregate(session) != ctx.aggregate_key().bytes()) return errc::session_key_mismatch;
  if (signer_index >= ctx.size()) return errc::signer_index_out_of_range;
  if (ctx.sorted_keys()[signer_index] != key.public_key()) return errc::signer_key_mismatch;

  // k = k1 + b*k2, negated when R.y is not a residue (public bit, selected branch-free anyway).
  const B32 b = detail::reduce_mod_n(session.nonce_coefficient());
  B32 bk2 = detail::scalar_mul(b, k2);
  B32 k = detail::scalar_add(k1, bk2);
  B32 kneg = detail::scalar_negate(k);
  B32 keff = detail::select_ct(k, kneg, session.nonce_negated());
  // s_i = k + e*a_i*x_i (+ e*t for sorted signer 0 in Taproot sessions).
  const B32 ea = detail::scalar_mul(session.challenge(), detail::reduce_mod_n(ctx.coefficient(signer_index)));
  B32 x{};
  std::memcpy(x.data(), key.secret().data(), 32);
  B32 eax = detail::scalar_mul(ea, x);
  B32 s = detail::scalar_add(keff, eax);
  if (session.taproot_tweak() && signer_index == 0) {
    const B32 et = detail::scalar_mul(session.challenge(), detail::reduce_mod_n(*session.taproot_tweak()));
    s = detail::scalar_add(s, et);
  }
  for (B32* v : {&bk2, &k, &kneg, &keff, &x, &eax}) secure_wipe(*v);
  return s;
}

Result<Bytes32> parse_partial_signature(BytesView in) {
  if (in.size() != 32) return errc::invalid_scalar_length;
  Bytes32 s{};
  std::memcpy(s.data(), in.data(), 32);
  if (detail::compare_be(s, detail::kOrderN) >= 0) return errc::scalar_out_of_range;
  return s;
}

Status partial_verify(const Bytes32& partial, const PublicNonce& nonce, const KeyAggContext& ctx,
                      const Session& session, std::size_t signer_index) {
  if (detail::compare_be(partial, detail::kOrderN) >= 0) return errc::scalar_out_of_range;
  if (signer_index >= ctx.size()) return errc::signer_index_out_of_range;
  if (SessionAccess::aggregate(session) != ctx.aggregate_key().bytes()) return errc::session_key_mismatch;
  B32 s = partial;
  if (session.taproot_tweak() && signer_index == 0) {
    const B32 et = detail::scalar_mul(session.challenge(), detail::reduce_mod_n(*session.taproot_tweak()));
    s = detail::scalar_add(s, detail::scalar_negate(et));
  }
  // s_i*G == R_i' + c*P_i with c = e*a_i  <=>  c*P_i - s_i*G == -R_i'.
  const B32 c = detail::scalar_mul(session.challenge(), detail::reduce_mod_n(ctx.coefficient(signer_index)));
  const PublicKey& pk = ctx.sorted_keys()[signer_index];
  const OptPoint ri = signer_nonce_point(nonce, session);
  const OptPoint minus_ri = ri ? OptPoint{detail::point_negate(*ri)} : OptPoint{};
  bool fallback = false;
  OptPoint lhs = detail::mul_sub_base(pk.bytes(), c, s, fallback);
  if (fallback) {  // P_i.x = 0 mod n or c = 0: plain point arithmetic
    const OptPoint sg = detail::is_zero(s) ? OptPoint{} : detail::base_mul(detail::scalar_negate(s));
    lhs = add_opt(mul_opt(to_secp(pk), c), sg);
  }
  if (!equal_opt(lhs, minus_ri)) return errc::partial_signature_mismatch;
  return {};
}

Result<std::vector<std::size_t>> find_invalid_partials(std::span<const Bytes32> partials,
                                                       std::span<const PublicNonce> nonces,
                                                       const KeyAggContext& ctx, const Session& session) {
  if (partials.size() != ctx.size() || nonces.size() != ctx.size()) return errc::nonce_count_mismatch;
  std::vector<std::size_t> bad;
  for (std::size_t i = 0; i < partials.size(); ++i)
    if (!partial_verify(partials[i], nonces[i], ctx, session, i)) bad.push_back(i);
  return bad;
}

Result<Signature> aggregate(std::span<const Bytes32> partials, const KeyAggContext& ctx, const Session& session) {
  if (partials.size() != ctx.size()) return errc::nonce_count_mismatch;
  if (SessionAccess::aggregate(session) != ctx.aggregate_key().bytes()) return errc::session_key_mismatch;
  B32 s{};
  for (const auto& p : partials) {
    if (detail::compare_be(p, detail::kOrderN) >= 0) return errc::scalar_out_of_range;
    s = detail::scalar_add(s, p);
  }
  if (detail::is_zero(s)) return errc::aggregate_signature_zero;
  Signature sig;
  std::memcpy(sig.r.data(), session.effective_nonce().data() + 1, 32);
  sig.s = s;
  return sig;
}

std::array<std::uint8_t, 8> reference_session_id(const KeyAggContext& ctx, BytesView message) {
  Bytes all;
  for (const auto& k : ctx.sorted_keys()) append(all, k.bytes());
  const B32 h = detail::sha256({detail::sha256({all}), detail::sha256({message})});
  std::array<std::uint8_t, 8> out{};
  std::memcpy(out.data(), h.data(), 8);
  return out;
}

}  // namespace lotus::crypto::lotus_sig
