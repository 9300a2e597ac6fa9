// Lotus MuSig2 and Taproot: every session, negative case, key-aggregation case and the
// session-manager cross-check of tests/vectors/musig2.json, byte-exact.
#include <algorithm>
#include <map>

#include "crypto/lotus/musig2.hpp"
#include "crypto/lotus/secp.hpp"
#include "crypto/lotus/taproot.hpp"
#include "unit/lotus_crypto/test_util.hpp"

using namespace lotus;
using namespace lotus::crypto::lotus_sig;
using lotus_test::h;
using lotus_test::hx;
using lotus_test::hxa;

namespace {

const nlohmann::json& vectors() {
  static const nlohmann::json j = lotus_test::load_vectors("musig2.json");
  return j;
}

PublicKey pk(const nlohmann::json& j) { return *PublicKey::parse(hx(j)); }

// Everything a vector session produces, rebuilt from its inputs.
struct Rebuilt {
  KeyAggContext ctx;
  std::vector<PublicNonce> nonces;  // sorted order
  Session session;
  std::vector<Bytes32> partials;  // sorted order
  Signature final_sig;
};

Rebuilt rebuild(const nlohmann::json& c) {
  std::vector<PublicKey> keys;
  for (const auto& k : c["input_order_public_keys"]) keys.push_back(pk(k));
  auto ctx = KeyAggContext::create(keys);
  EXPECT_TRUE(ctx);
  const auto msg = hxa<32>(c["message"]);
  const std::size_t n = c["signers"].size();
  std::vector<std::optional<SecretKey>> sks(n);
  std::vector<std::optional<NonceGenOutput>> gens(n);
  std::vector<PublicNonce> nonces;
  for (const auto& s : c["signers"]) {
    const auto i = s["sorted_index"].get<std::size_t>();
    EXPECT_EQ(i, nonces.size());  // vector lists signers in sorted order
    auto sk = SecretKey::parse(hx(s["private_key"]));
    EXPECT_TRUE(sk);
    EXPECT_EQ(h(sk->public_key().bytes()), s["public_key"]);
    std::optional<Bytes32> extra;
    if (!s["nonce_extra_input"].is_null()) extra = hxa<32>(s["nonce_extra_input"]);
    auto g = unsafe::nonce_gen_reproducible(unsafe::ReproducibleNonceTag{}, *sk, *ctx, msg, extra);
    EXPECT_TRUE(g);
    nonces.push_back(g->pub);
    gens[i].emplace(std::move(*g));
    sks[i].emplace(std::move(*sk));
  }
  auto agg = nonce_agg(nonces);
  EXPECT_TRUE(agg);
  auto session = c["taproot"].get<bool>() ? Session::create_taproot(*ctx, *agg, msg) : Session::create(*ctx, *agg, msg);
  EXPECT_TRUE(session);
  std::vector<Bytes32> partials;
  for (std::size_t i = 0; i < n; ++i) {
    auto p = partial_sign(gens[i]->secret, *sks[i], *ctx, *session, i);
    EXPECT_TRUE(p);
    partials.push_back(*p);
  }
  auto sig = aggregate(partials, *ctx, *session);
  EXPECT_TRUE(sig);
  return Rebuilt{std::move(*ctx), std::move(nonces), std::move(*session), std::move(partials), *sig};
}

}  // namespace

TEST(LotusMusig2Vectors, Sessions) {
  const auto& sessions = vectors()["sessions"];
  ASSERT_EQ(sessions.size(), 14U);
  int negated = 0, taproot = 0;
  for (const auto& c : sessions) {
    SCOPED_TRACE(c["id"].get<std::string>());
    Rebuilt r = rebuild(c);
    const auto msg = hxa<32>(c["message"]);

    // Key aggregation.
    ASSERT_EQ(r.ctx.size(), c["sorted_public_keys"].size());
    for (std::size_t i = 0; i < r.ctx.size(); ++i)
      EXPECT_EQ(h(r.ctx.sorted_keys()[i].bytes()), c["sorted_public_keys"][i]);
    EXPECT_EQ(h(r.ctx.list_hash()), c["key_agg_list_hash_L"]);
    EXPECT_EQ(h(r.ctx.aggregate_key().bytes()), c["aggregated_public_key"]);
    EXPECT_EQ(h(r.session.signing_key().bytes()), c["signing_key"]);

    // Taproot data.
    if (c["taproot"].get<bool>()) {
      ++taproot;
      const auto& t = c["taproot_data"];
      EXPECT_EQ(h(taproot_tweak(r.ctx.aggregate_key())), t["tweak"]);
      EXPECT_EQ(h(*r.session.taproot_tweak()), t["tweak"]);
      // The tweak is the tagged hash, under the reference's tag, of the preimage it lists.
      const Bytes preimage = hx(t["tweak_preimage"]);
      EXPECT_EQ(h(detail::tagged_hash(t["tweak_preimage_tag"].get<std::string>(), {preimage})), t["tweak"]);
      EXPECT_EQ(h(r.ctx.aggregate_key().bytes()) + h(Bytes32{}), t["tweak_preimage"]);
      EXPECT_EQ(h(Bytes32{}), t["merkle_root"]);
      auto commitment = taproot_commitment(r.ctx.aggregate_key());
      ASSERT_TRUE(commitment);
      EXPECT_EQ(h(commitment->bytes()), t["commitment"]);
      const Bytes script = taproot_script_pubkey(*commitment);
      EXPECT_EQ(to_hex(script), t["script_pubkey"]);
      auto parsed = parse_taproot_script(script);
      ASSERT_TRUE(parsed);
      EXPECT_EQ(parsed->commitment, *commitment);
      EXPECT_FALSE(parsed->state);
    } else {
      EXPECT_FALSE(r.session.taproot_tweak());
    }

    // Signers: coefficients, nonces, partial signatures.
    for (const auto& s : c["signers"]) {
      const auto i = s["sorted_index"].get<std::size_t>();
      EXPECT_EQ(h(r.ctx.coefficient(i)), s["key_agg_coefficient"]);
      EXPECT_EQ(h(r.nonces[i].r1.bytes()), s["public_nonce_R1"]);
      EXPECT_EQ(h(r.nonces[i].r2.bytes()), s["public_nonce_R2"]);
      EXPECT_EQ(h(r.partials[i]), s["partial_signature"]);
      EXPECT_EQ(partial_verify(r.partials[i], r.nonces[i], r.ctx, r.session, i).has_value(),
                s["partial_signature_verifies"].get<bool>());
      EXPECT_EQ(r.ctx.index_of(pk(s["public_key"])), i);
    }

    // Aggregation.
    auto agg = nonce_agg(r.nonces);
    EXPECT_EQ(h(agg->r1.bytes()), c["aggregated_nonce_R1"]);
    EXPECT_EQ(h(agg->r2.bytes()), c["aggregated_nonce_R2"]);
    EXPECT_EQ(h(r.session.nonce_coefficient()), c["nonce_coefficient_b"]);
    EXPECT_EQ(h(r.session.effective_nonce()), c["effective_R"]);
    EXPECT_EQ(r.session.nonce_negated(), c["effective_R_y_not_quadratic_residue_so_nonces_negated"].get<bool>());
    negated += r.session.nonce_negated() ? 1 : 0;
    EXPECT_EQ(h(r.session.challenge()), c["challenge_e"]);
    EXPECT_EQ(h(r.final_sig.to_bytes()), c["final_signature"]);
    if (c["final_signature_tx_format"].is_null())
      EXPECT_FALSE(r.session.taproot_tweak()) << "only taproot sessions have a tx-format signature";
    else
      EXPECT_EQ(h(r.final_sig.to_tx_format(kSighashAllLotus)), c["final_signature_tx_format"]);
    EXPECT_EQ(verify(pk(c["signing_key"]), msg, r.final_sig),
              c["final_signature_verifies_with_signing_key"].get<bool>());
    EXPECT_EQ(verify(r.ctx.aggregate_key(), msg, r.final_sig),
              c["final_signature_verifies_with_untweaked_key"].get<bool>());
    EXPECT_EQ(detail::verify_generic(r.session.signing_key(), msg, r.final_sig), true);
    EXPECT_TRUE(find_invalid_partials(r.partials, r.nonces, r.ctx, r.session)->empty());
  }
  EXPECT_EQ(negated, 9);
  EXPECT_EQ(taproot, 3);
}

TEST(LotusMusig2Vectors, NegativeCases) {
  std::map<std::string, nlohmann::json> by_id;
  for (const auto& c : vectors()["sessions"]) by_id[c["id"]] = c;
  std::map<std::string, Rebuilt> cache;
  const auto& negs = vectors()["negative_cases"];
  ASSERT_EQ(negs.size(), 59U);
  int partial_cases = 0, aggregate_cases = 0;
  for (const auto& n : negs) {
    SCOPED_TRACE(n["id"].get<std::string>());
    const auto& c = by_id.at(n["session"]);
    if (!cache.count(n["session"])) cache.emplace(n["session"], rebuild(c));
    Rebuilt& r = cache.at(n["session"]);
    const std::string id = n["id"];
    if (n.contains("final_signature")) {
      ++aggregate_cases;
      auto sig = Signature::parse(hx(n["final_signature"]));
      ASSERT_TRUE(sig);
      EXPECT_FALSE(verify(r.session.signing_key(), hxa<32>(c["message"]), *sig));
      // Rebuild it: signer 1's partial plus one.
      auto partials = r.partials;
      partials[1] = detail::scalar_add(partials[1], Bytes32{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
      EXPECT_EQ(find_invalid_partials(partials, r.nonces, r.ctx, r.session).value(), std::vector<std::size_t>{1});
      EXPECT_EQ(h(aggregate(partials, r.ctx, r.session)->to_bytes()), n["final_signature"]);
      continue;
    }
    ++partial_cases;
    const auto partial = hxa<32>(n["partial_signature"]);
    const auto idx = n["signer_sorted_index"].get<std::size_t>();
    Status st;
    if (id.ends_with("-neg-wrong-message")) {
      const std::string note = n["note"];
      auto m = hxa<32>(nlohmann::json(note.substr(note.rfind(' ') + 1)));
      auto agg = nonce_agg(r.nonces);
      auto s = c["taproot"].get<bool>() ? Session::create_taproot(r.ctx, *agg, m) : Session::create(r.ctx, *agg, m);
      st = partial_verify(partial, r.nonces[idx], r.ctx, *s, idx);
    } else if (id.ends_with("-neg-taproot-partial0-plain-verify")) {
      auto agg = nonce_agg(r.nonces);
      auto plain = Session::create(r.ctx, *agg, hxa<32>(c["message"]));
      st = partial_verify(partial, r.nonces[idx], r.ctx, *plain, idx);
    } else {
      EXPECT_TRUE(id.ends_with("-neg-partial-plus-one") || id.ends_with("-neg-wrong-signer-index"));
      st = partial_verify(partial, r.nonces[idx], r.ctx, r.session, idx);
    }
    EXPECT_EQ(st.error(), errc::partial_signature_mismatch);
  }
  EXPECT_EQ(partial_cases, 45);
  EXPECT_EQ(aggregate_cases, 14);
}

TEST(LotusMusig2Vectors, KeyAggregationCases) {
  const auto& cases = vectors()["key_aggregation_cases"];
  ASSERT_EQ(cases.size(), 4U);
  for (const auto& c : cases) {
    SCOPED_TRACE(c["id"].get<std::string>());
    std::vector<PublicKey> keys;
    for (const auto& k : c["input_public_keys"]) keys.push_back(pk(k));
    auto ctx = KeyAggContext::create(keys);
    ASSERT_TRUE(ctx);
    const auto& res = c["result"];
    ASSERT_EQ(ctx->size(), res["sorted_public_keys"].size());
    for (std::size_t i = 0; i < ctx->size(); ++i) {
      EXPECT_EQ(h(ctx->sorted_keys()[i].bytes()), res["sorted_public_keys"][i]);
      EXPECT_EQ(h(ctx->coefficient(i)), res["key_agg_coefficients"][i]);
    }
    EXPECT_EQ(h(ctx->list_hash()), res["key_agg_list_hash_L"]);
    EXPECT_EQ(h(ctx->aggregate_key().bytes()), res["aggregated_public_key"]);
  }
}

TEST(LotusMusig2Vectors, SessionManagerCrossCheck) {
  const auto& x = vectors()["session_manager_cross_check"];
  const nlohmann::json* c = nullptr;
  for (const auto& s : vectors()["sessions"])
    if (s["id"] == "musig2-3of3-a") c = &s;
  ASSERT_NE(c, nullptr);
  Rebuilt r = rebuild(*c);
  EXPECT_EQ(h(reference_session_id(r.ctx, hx((*c)["message"]))), x["session_id"]);
  for (std::size_t in = 0; in < (*c)["input_order_public_keys"].size(); ++in)
    EXPECT_EQ(r.ctx.index_of(pk((*c)["input_order_public_keys"][in])), x["my_index_per_input_signer"][in].get<std::size_t>());
  for (const auto& f : x["final_signature_per_signer"]) EXPECT_EQ(h(r.final_sig.to_bytes()), f);
}
