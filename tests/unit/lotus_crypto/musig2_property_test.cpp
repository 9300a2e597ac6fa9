// Lotus MuSig2 properties (random signer sets, blame attribution) and misuse resistance of the
// secret-nonce API. Keys and messages come from a seeded DeterministicRng; nonces always come
// from the production nonce_gen() (OS CSPRNG), so outcomes are still deterministic.
#include <type_traits>

#include "base/rng.hpp"
#include "crypto/lotus/musig2.hpp"
#include "crypto/lotus/secp.hpp"
#include "crypto/lotus/taproot.hpp"
#include "unit/lotus_crypto/test_util.hpp"

using namespace lotus;
using namespace lotus::crypto::lotus_sig;

// ---- compile-time misuse checks ----
static_assert(!std::is_copy_constructible_v<SecretNonce>, "a secret nonce must not be copyable");
static_assert(!std::is_copy_assignable_v<SecretNonce>, "a secret nonce must not be copy-assignable");
static_assert(std::is_nothrow_move_constructible_v<SecretNonce>);
static_assert(!std::is_default_constructible_v<SecretNonce>, "nonces only come from nonce_gen");
static_assert(!std::is_copy_constructible_v<SecretKey>);
static_assert(!std::is_copy_constructible_v<NonceGenOutput>);
template <class T>
concept BraceConvertible = requires(void (*fn)(T)) { fn({}); };
static_assert(!BraceConvertible<unsafe::ReproducibleNonceTag>,
              "the reproducible-nonce tag must be spelled out explicitly");

namespace {

struct Party {
  SecretKey key;
};

struct Run {
  KeyAggContext ctx;
  std::vector<std::size_t> sorted_pos;  // party -> sorted index
};

// Signs msg with all parties (taproot or plain); returns partials, nonces and the session.
struct Signed {
  std::vector<Bytes32> partials;
  std::vector<PublicNonce> nonces;
  std::optional<Session> session;
};

Signed sign_all(const std::vector<SecretKey>& keys, const KeyAggContext& ctx, const Bytes32& msg, bool taproot) {
  // Map every sorted position to a party (duplicate keys: successive positions).
  std::vector<std::size_t> owner(ctx.size());
  std::vector<bool> used(ctx.size(), false);
  for (std::size_t p = 0; p < keys.size(); ++p) {
    std::size_t i = *ctx.index_of(keys[p].public_key());
    while (used[i]) ++i;
    used[i] = true;
    owner[i] = p;
  }
  std::vector<SecretNonce> secrets;
  Signed out;
  for (std::size_t i = 0; i < ctx.size(); ++i) {
    auto g = nonce_gen(keys[owner[i]], ctx, msg);
    EXPECT_TRUE(g);
    out.nonces.push_back(g->pub);
    secrets.push_back(std::move(g->secret));
  }
  auto agg = nonce_agg(out.nonces);
  EXPECT_TRUE(agg);
  auto s = taproot ? Session::create_taproot(ctx, *agg, msg) : Session::create(ctx, *agg, msg);
  EXPECT_TRUE(s);
  out.session.emplace(std::move(*s));
  for (std::size_t i = 0; i < ctx.size(); ++i) {
    auto p = partial_sign(secrets[i], keys[owner[i]], ctx, *out.session, i);
    EXPECT_TRUE(p);
    EXPECT_FALSE(secrets[i].valid());
    out.partials.push_back(*p);
  }
  return out;
}

}  // namespace

TEST(LotusMusig2Property, RandomSignerSetsVerifyAndBlameTheRightSigner) {
  DeterministicRng rng(20240601);
  for (std::size_t n = 1; n <= 20; ++n) {
    for (bool taproot : {false, true}) {
      SCOPED_TRACE(testing::Message() << n << " signers, taproot=" << taproot);
      std::vector<SecretKey> keys;
      std::vector<PublicKey> pubs;
      for (std::size_t i = 0; i < n; ++i) {
        // Every seventh set repeats a key (the reference allows duplicates).
        if (n >= 3 && i == 2 && n % 7 == 0) keys.push_back(keys[0].clone());
        else keys.push_back(SecretKey::generate(rng));
        pubs.push_back(keys.back().public_key());
      }
      auto ctx = KeyAggContext::create(pubs);
      ASSERT_TRUE(ctx);
      Bytes32 msg{};
      rng.fill(msg);
      Signed s = sign_all(keys, *ctx, msg, taproot);
      auto bad = find_invalid_partials(s.partials, s.nonces, *ctx, *s.session);
      ASSERT_TRUE(bad);
      EXPECT_TRUE(bad->empty());
      auto sig = aggregate(s.partials, *ctx, *s.session);
      ASSERT_TRUE(sig);
      const PublicKey& k = s.session->signing_key();
      EXPECT_TRUE(verify(k, msg, *sig));
      EXPECT_TRUE(detail::verify_generic(k, msg, *sig));
      if (taproot) {
        EXPECT_EQ(k, *taproot_commitment(ctx->aggregate_key()));
        EXPECT_FALSE(verify(ctx->aggregate_key(), msg, *sig));
      }

      // Corrupt exactly one partial: it, and only it, is blamed; the aggregate fails.
      const auto j = static_cast<std::size_t>(rng.uniform(n));
      auto corrupted = s.partials;
      Bytes32 delta{};
      rng.fill(delta);
      delta[0] = 0;  // < n
      if (detail::is_zero(delta)) delta[31] = 1;
      corrupted[j] = detail::scalar_add(corrupted[j], delta);
      EXPECT_EQ(partial_verify(corrupted[j], s.nonces[j], *ctx, *s.session, j).error(),
                errc::partial_signature_mismatch);
      bad = find_invalid_partials(corrupted, s.nonces, *ctx, *s.session);
      ASSERT_TRUE(bad);
      EXPECT_EQ(*bad, std::vector<std::size_t>{j});
      auto bad_sig = aggregate(corrupted, *ctx, *s.session);
      ASSERT_TRUE(bad_sig);
      EXPECT_FALSE(verify(k, msg, *bad_sig));
    }
  }
}

class LotusMusig2Misuse : public testing::Test {
 protected:
  void SetUp() override {
    DeterministicRng rng(99);
    for (int i = 0; i < 3; ++i) keys.push_back(SecretKey::generate(rng));
    for (auto& k : keys) pubs.push_back(k.public_key());
    ctx.emplace(std::move(*KeyAggContext::create(pubs)));
    rng.fill(msg);
    for (auto& k : keys) {
      auto g = nonce_gen(k, *ctx, msg);
      nonces.push_back(g->pub);
      secrets.push_back(std::move(g->secret));
    }
    session.emplace(std::move(*Session::create(*ctx, *nonce_agg(nonces), msg)));
  }
  std::size_t idx(std::size_t party) const { return *ctx->index_of(keys[party].public_key()); }

  std::vector<SecretKey> keys;
  std::vector<PublicKey> pubs;
  std::optional<KeyAggContext> ctx;
  Bytes32 msg{};
  std::vector<PublicNonce> nonces;  // party order
  std::vector<SecretNonce> secrets;
  std::optional<Session> session;
};

TEST_F(LotusMusig2Misuse, SigningTwiceWithOneNonceFails) {
  ASSERT_TRUE(secrets[0].valid());
  auto first = partial_sign(secrets[0], keys[0], *ctx, *session, idx(0));
  ASSERT_TRUE(first);
  EXPECT_TRUE(partial_verify(*first, nonces[0], *ctx, *session, idx(0)));
  EXPECT_FALSE(secrets[0].valid());
  EXPECT_EQ(partial_sign(secrets[0], keys[0], *ctx, *session, idx(0)).error(), errc::nonce_already_used);
  // Even for a different message/session: a nonce never signs twice.
  Bytes32 other = msg;
  other[0] ^= 1;
  auto s2 = Session::create(*ctx, *nonce_agg(nonces), other);
  EXPECT_EQ(partial_sign(secrets[0], keys[0], *ctx, *s2, idx(0)).error(), errc::nonce_already_used);
}

TEST_F(LotusMusig2Misuse, MovedFromAndWipedNoncesAreDead) {
  SecretNonce moved = std::move(secrets[1]);
  EXPECT_FALSE(secrets[1].valid());  // NOLINT(bugprone-use-after-move): that is the point
  EXPECT_EQ(partial_sign(secrets[1], keys[1], *ctx, *session, idx(1)).error(), errc::nonce_already_used);
  EXPECT_TRUE(moved.valid());
  EXPECT_TRUE(partial_sign(moved, keys[1], *ctx, *session, idx(1)));
  secrets[2].wipe();
  EXPECT_EQ(partial_sign(secrets[2], keys[2], *ctx, *session, idx(2)).error(), errc::nonce_already_used);
}

TEST_F(LotusMusig2Misuse, WrongKeyForNonceFailsAndConsumesIt) {
  EXPECT_EQ(partial_sign(secrets[0], keys[1], *ctx, *session, idx(1)).error(), errc::nonce_key_mismatch);
  // Consumed by the failed attempt (libsecp256k1 semantics): no second try.
  EXPECT_EQ(partial_sign(secrets[0], keys[0], *ctx, *session, idx(0)).error(), errc::nonce_already_used);
}

TEST_F(LotusMusig2Misuse, WrongIndexOrForeignContextFails) {
  const std::size_t wrong = (idx(1) + 1) % 3;
  EXPECT_EQ(partial_sign(secrets[1], keys[1], *ctx, *session, wrong).error(), errc::signer_key_mismatch);
  EXPECT_EQ(partial_sign(secrets[2], keys[2], *ctx, *session, 3).error(), errc::signer_index_out_of_range);

  // A nonce generated for another aggregate key.
  DeterministicRng rng(5);
  auto stranger = SecretKey::generate(rng);
  std::vector<PublicKey> other_pubs{pubs[0], stranger.public_key()};
  auto other_ctx = KeyAggContext::create(other_pubs);
  auto g = nonce_gen(keys[0], *other_ctx, msg);
  EXPECT_EQ(partial_sign(g->secret, keys[0], *ctx, *session, idx(0)).error(), errc::nonce_aggregate_key_mismatch);
  // A session built for another aggregate key.
  auto g2 = nonce_gen(keys[0], *ctx, msg);
  auto foreign = Session::create(*other_ctx, *nonce_agg(nonces), msg);
  EXPECT_EQ(partial_sign(g2->secret, keys[0], *ctx, *foreign, idx(0)).error(), errc::session_key_mismatch);
  EXPECT_EQ(partial_verify(Bytes32{}, nonces[0], *ctx, *foreign, 0).error(), errc::session_key_mismatch);
}

TEST_F(LotusMusig2Misuse, ProductionNoncesAreFreshEveryTime) {
  auto a = nonce_gen(keys[0], *ctx, msg);
  auto b = nonce_gen(keys[0], *ctx, msg);
  EXPECT_NE(a->pub, b->pub);
  // Only the explicitly tagged test-vector API is reproducible.
  const Bytes32 extra{};
  auto c = unsafe::nonce_gen_reproducible(unsafe::ReproducibleNonceTag{}, keys[0], *ctx, msg, extra);
  auto d = unsafe::nonce_gen_reproducible(unsafe::ReproducibleNonceTag{}, keys[0], *ctx, msg, std::nullopt);
  EXPECT_EQ(c->pub, d->pub);  // nullopt == 32 zero bytes, as in the reference
}

TEST_F(LotusMusig2Misuse, MalformedInputsGiveSpecificErrors) {
  // Public nonces.
  const auto nb = nonces[0].to_bytes();
  EXPECT_TRUE(PublicNonce::parse(nb));
  EXPECT_EQ(PublicNonce::parse(BytesView(nb).first(65)).error(), errc::invalid_public_nonce_length);
  auto bad = nb;
  bad[33] = 0x05;
  EXPECT_EQ(PublicNonce::parse(bad).error(), errc::public_nonce_not_on_curve);
  bad = nb;
  bad.fill(0);
  bad[0] = 0x02;
  bad[33] = 0x02;
  EXPECT_EQ(PublicNonce::parse(bad).error(), errc::public_nonce_not_on_curve);
  EXPECT_EQ(nonce_agg({}).error(), errc::nonce_count_mismatch);
  // R and -R cancel: infinite aggregate nonce is an error, not a crash.
  auto neg = nb;
  neg[0] ^= 0x01;
  neg[33] ^= 0x01;
  std::vector<PublicNonce> cancel{nonces[0], *PublicNonce::parse(neg)};
  EXPECT_EQ(nonce_agg(cancel).error(), errc::aggregate_nonce_infinity);

  // Partial signatures from the wire.
  EXPECT_EQ(parse_partial_signature(Bytes(31, 1)).error(), errc::invalid_scalar_length);
  EXPECT_EQ(parse_partial_signature(Bytes(33, 1)).error(), errc::invalid_scalar_length);
  EXPECT_EQ(parse_partial_signature(detail::kOrderN).error(), errc::scalar_out_of_range);
  EXPECT_EQ(parse_partial_signature(Bytes(32, 0xff)).error(), errc::scalar_out_of_range);
  Bytes32 nm1 = detail::kOrderN;
  nm1[31] -= 1;
  EXPECT_EQ(*parse_partial_signature(nm1), nm1);

  // Partial signatures >= n, wrong counts.
  EXPECT_EQ(partial_verify(detail::kOrderN, nonces[0], *ctx, *session, idx(0)).error(), errc::scalar_out_of_range);
  EXPECT_EQ(partial_verify(Bytes32{}, nonces[0], *ctx, *session, 7).error(), errc::signer_index_out_of_range);
  std::vector<Bytes32> partials(3, Bytes32{});
  partials[0][31] = 1;
  partials[1] = detail::kOrderN;
  EXPECT_EQ(aggregate(partials, *ctx, *session).error(), errc::scalar_out_of_range);
  partials.pop_back();
  EXPECT_EQ(aggregate(partials, *ctx, *session).error(), errc::nonce_count_mismatch);
  EXPECT_EQ(find_invalid_partials(partials, nonces, *ctx, *session).error(), errc::nonce_count_mismatch);
  std::vector<Bytes32> zeros(3, Bytes32{});
  EXPECT_EQ(aggregate(zeros, *ctx, *session).error(), errc::aggregate_signature_zero);

  // Key aggregation limits.
  EXPECT_EQ(KeyAggContext::create({}).error(), errc::empty_key_list);
  std::vector<PublicKey> many(kMaxSigners + 1, pubs[0]);
  EXPECT_EQ(KeyAggContext::create(many).error(), errc::too_many_keys);

  // Taproot scripts.
  auto script = taproot_script_pubkey(ctx->aggregate_key(), Bytes32{1});
  ASSERT_EQ(script.size(), 69U);
  auto parsed = parse_taproot_script(script);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->state, Bytes32{1});
  script[0] = 0x63;
  EXPECT_EQ(parse_taproot_script(script).error(), errc::invalid_taproot_script);
  script = taproot_script_pubkey(ctx->aggregate_key());
  script[3] = 0x04;
  EXPECT_EQ(parse_taproot_script(script).error(), errc::invalid_public_key_prefix);
  EXPECT_EQ(parse_taproot_script(BytesView(script).first(35)).error(), errc::invalid_taproot_script);
}

// A co-signer key with x = n (x = 0 mod n) cannot use the recovery-based partial verifier and
// takes the plain point-arithmetic path; garbage partials for it are rejected, not crashed on.
TEST(LotusMusig2Property, EdgeKeyPartialVerifyFallback) {
  DeterministicRng rng(11);
  auto mine = SecretKey::generate(rng);
  auto edge = PublicKey::parse(*from_hex("02fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"));
  ASSERT_TRUE(edge);
  std::vector<PublicKey> pubs{mine.public_key(), *edge};
  auto ctx = KeyAggContext::create(pubs);
  ASSERT_TRUE(ctx);
  Bytes32 msg{};
  rng.fill(msg);
  auto g = nonce_gen(mine, *ctx, msg);
  std::vector<PublicNonce> nonces{g->pub, PublicNonce{*edge, mine.public_key()}};
  const std::size_t me = *ctx->index_of(mine.public_key()), other = 1 - me;
  if (me == 1) std::swap(nonces[0], nonces[1]);
  auto session = Session::create(*ctx, *nonce_agg(nonces), msg);
  ASSERT_TRUE(session);
  auto mine_partial = partial_sign(g->secret, mine, *ctx, *session, me);
  ASSERT_TRUE(mine_partial);
  EXPECT_TRUE(partial_verify(*mine_partial, nonces[me], *ctx, *session, me));
  for (int i = 0; i < 4; ++i) {
    Bytes32 junk{};
    rng.fill(junk);
    junk[0] &= 0x7f;
    if (i == 0) junk = Bytes32{};
    EXPECT_EQ(partial_verify(junk, nonces[other], *ctx, *session, other).error(), errc::partial_signature_mismatch);
  }
}
