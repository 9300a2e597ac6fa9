// libp2p Noise engine: pairwise handshakes (all identity key types, both roles, fragmented and
// interleaved by a seeded RNG), early data, a tamper sweep over every handshake byte, payload
// checks via a scripted responder, and the transport phase.
#include <cstring>
#include <gtest/gtest.h>

#include <deque>

#include "base/hex.hpp"
#include "base/protobuf.hpp"
#include "base/rng.hpp"
#include "crypto/keys.hpp"
#include "crypto/x25519.hpp"
#include "proto/noise/handshake.hpp"
#include "proto/noise/payload.hpp"
#include "proto/noise/symmetric_state.hpp"

namespace lotus::proto::noise {
namespace {

using crypto::KeyType;
using crypto::PrivateKey;

PrivateKey make_key(KeyType t, std::uint64_t seed) {
  DeterministicRng rng(seed);
  auto k = PrivateKey::generate(t, rng);
  EXPECT_TRUE(k);
  return std::move(*k);
}

Config config_for(const PrivateKey& k, std::vector<std::string> muxers = {}) {
  Config c;
  c.identity = &k;
  c.muxers = std::move(muxers);
  return c;
}

// Moves bytes between two handshakes until both are done or one fails. With `frag`, output is
// delivered in random-size pieces and the two directions are interleaved randomly.
struct Outcome {
  Status init_status;
  Status resp_status;
};

Outcome pump(Handshake& a, Handshake& b, Rng* frag = nullptr,
             const std::function<void(int dir, int msg_index, Bytes&)>& tamper = {}) {
  Outcome o;
  Bytes ab, ba;  // in flight
  int ab_msgs = 0, ba_msgs = 0;
  for (int iter = 0; iter < 100000; ++iter) {
    if (!a.output().empty()) {
      Bytes out = std::move(a.output());
      a.output().clear();
      if (tamper) tamper(0, ab_msgs, out);
      ++ab_msgs;
      append(ab, out);
    }
    if (!b.output().empty()) {
      Bytes out = std::move(b.output());
      b.output().clear();
      if (tamper) tamper(1, ba_msgs, out);
      ++ba_msgs;
      append(ba, out);
    }
    if (ab.empty() && ba.empty()) break;
    const bool do_ab = !ab.empty() && (ba.empty() || !frag || frag->uniform(2) == 0);
    Bytes& wire = do_ab ? ab : ba;
    Handshake& to = do_ab ? b : a;
    Status& st = do_ab ? o.resp_status : o.init_status;
    const std::size_t n = frag ? 1 + frag->uniform(std::min<std::size_t>(wire.size(), 97)) : wire.size();
    if (!st) {  // a failed engine drops everything
      wire.erase(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(n));
      continue;
    }
    if (to.complete()) break;  // leave the rest as early data for the test to check
    st = to.on_bytes(BytesView(wire).first(n));
    wire.erase(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(n));
  }
  return o;
}

void expect_transport(Session& x, Session& y, std::size_t size) {
  Bytes msg(size);
  for (std::size_t i = 0; i < size; ++i) msg[i] = static_cast<std::uint8_t>(i * 31 + 7);
  Bytes wire, got;
  ASSERT_TRUE(x.channel.encrypt(msg, wire));
  ASSERT_TRUE(y.channel.decrypt(wire, got));
  EXPECT_EQ(got, msg);
  wire.clear();
  got.clear();
  ASSERT_TRUE(y.channel.encrypt(msg, wire));
  ASSERT_TRUE(x.channel.decrypt(wire, got));
  EXPECT_EQ(got, msg);
}

struct KeyPairCase {
  KeyType init;
  KeyType resp;
};

class HandshakeKeys : public ::testing::TestWithParam<KeyPairCase> {};

TEST_P(HandshakeKeys, CompletesAndExchangesIdentityAndMuxers) {
  const auto ik = make_key(GetParam().init, 1);
  const auto rk = make_key(GetParam().resp, 2);
  DeterministicRng ri(10), rr(20);
  Config ic = config_for(ik, {"/yamux/1.0.0", "/mplex/6.7.0"});
  ic.expected_remote = rk.peer_id();
  Handshake init(Role::initiator, ic, ri);
  Handshake resp(Role::responder, config_for(rk, {"/yamux/1.0.0"}), rr);
  EXPECT_FALSE(init.finish());  // not yet
  ASSERT_TRUE(init.start());
  ASSERT_TRUE(resp.start());
  // msg1 is exactly 2 + 32 bytes: length prefix and the ephemeral key.
  ASSERT_EQ(init.output().size(), 34u);
  EXPECT_EQ(init.output()[0], 0);
  EXPECT_EQ(init.output()[1], 32);
  auto o = pump(init, resp);
  ASSERT_TRUE(o.init_status) << o.init_status.error().message();
  ASSERT_TRUE(o.resp_status) << o.resp_status.error().message();
  ASSERT_TRUE(init.complete());
  ASSERT_TRUE(resp.complete());
  auto si = init.finish();
  auto sr = resp.finish();
  ASSERT_TRUE(si && sr);
  EXPECT_EQ(init.finish().error(), errc::handshake_incomplete);  // only once
  EXPECT_EQ(si->remote_peer, rk.peer_id());
  EXPECT_EQ(sr->remote_peer, ik.peer_id());
  EXPECT_EQ(si->remote_key, rk.public_key());
  EXPECT_EQ(sr->remote_key, ik.public_key());
  EXPECT_EQ(si->remote_muxers, (std::vector<std::string>{"/yamux/1.0.0"}));
  EXPECT_EQ(sr->remote_muxers, (std::vector<std::string>{"/yamux/1.0.0", "/mplex/6.7.0"}));
  EXPECT_TRUE(si->early_data.empty());
  EXPECT_TRUE(sr->early_data.empty());
  expect_transport(*si, *sr, 1000);
}

std::vector<KeyPairCase> all_pairs() {
  std::vector<KeyPairCase> v;
  for (auto a : {KeyType::ed25519, KeyType::secp256k1, KeyType::ecdsa})
    for (auto b : {KeyType::ed25519, KeyType::secp256k1, KeyType::ecdsa}) v.push_back({a, b});
  return v;
}

INSTANTIATE_TEST_SUITE_P(AllKeyTypes, HandshakeKeys, ::testing::ValuesIn(all_pairs()),
                         [](const auto& p) {
                           return std::string(crypto::to_string(p.param.init)) + "_to_" +
                                  crypto::to_string(p.param.resp);
                         });

// ---- pre-signed static key (Config::static_key) ------------------------------------------------

struct StaticRun {
  Session init;
  Session resp;
};

// One handshake where both sides reuse their pre-generated static key.
std::optional<StaticRun> run_static(const PrivateKey& ik, const PrivateKey& rk,
                                    const std::shared_ptr<const StaticKey>& isk,
                                    const std::shared_ptr<const StaticKey>& rsk,
                                    std::uint64_t seed) {
  DeterministicRng ri(seed), rr(seed + 1);
  Config ic = config_for(ik, {"/yamux/1.0.0"});
  ic.expected_remote = rk.peer_id();
  ic.static_key = isk;
  Config rc = config_for(rk, {"/yamux/1.0.0"});
  rc.static_key = rsk;
  Handshake init(Role::initiator, ic, ri);
  Handshake resp(Role::responder, rc, rr);
  EXPECT_TRUE(init.start());
  auto o = pump(init, resp);
  EXPECT_TRUE(o.init_status) << o.init_status.error().message();
  EXPECT_TRUE(o.resp_status) << o.resp_status.error().message();
  auto si = init.finish();
  auto sr = resp.finish();
  if (!si || !sr) return std::nullopt;
  return StaticRun{std::move(*si), std::move(*sr)};
}

TEST(StaticKey, MakeStaticKeySignsItsPublicKey) {
  const auto k = make_key(KeyType::ed25519, 1);
  DeterministicRng rng(5);
  auto sk = make_static_key(k, rng);
  ASSERT_TRUE(sk);
  DeterministicRng same(5);
  EXPECT_EQ((*sk)->keys.public_key(), crypto::x25519_generate(same).public_key());
  EXPECT_EQ((*sk)->identity, k.public_key());
  EXPECT_EQ((*sk)->identity_key_pb, k.public_key().to_protobuf());
  Bytes msg = to_bytes(kStaticKeySigPrefix);
  append(msg, (*sk)->keys.public_key());
  EXPECT_TRUE(k.public_key().verify(msg, (*sk)->identity_sig));
}

class StaticKeyTypes : public ::testing::TestWithParam<KeyType> {};

TEST_P(StaticKeyTypes, ReusedAcrossConnectionsWithFreshSessionKeys) {
  const auto ik = make_key(GetParam(), 1);
  const auto rk = make_key(GetParam(), 2);
  DeterministicRng kr(99);
  auto isk = make_static_key(ik, kr);
  auto rsk = make_static_key(rk, kr);
  ASSERT_TRUE(isk && rsk);
  auto a = run_static(ik, rk, *isk, *rsk, 10);
  auto b = run_static(ik, rk, *isk, *rsk, 20);
  ASSERT_TRUE(a && b);
  for (auto* r : {&*a, &*b}) {
    EXPECT_EQ(r->init.remote_peer, rk.peer_id());
    EXPECT_EQ(r->resp.remote_peer, ik.peer_id());
    EXPECT_EQ(r->init.remote_key, rk.public_key());
    EXPECT_EQ(r->resp.remote_key, ik.public_key());
    EXPECT_EQ(r->init.remote_muxers, (std::vector<std::string>{"/yamux/1.0.0"}));
    expect_transport(r->init, r->resp, 100);
  }
  // The static keys are shared, the ephemeral keys are not: the session keys differ, so the
  // same plaintext at the same nonce encrypts differently and one session cannot read the other.
  const Bytes msg(64, 0x42);
  Bytes wa, wb, got;
  ASSERT_TRUE(a->init.channel.encrypt(msg, wa));
  ASSERT_TRUE(b->init.channel.encrypt(msg, wb));
  EXPECT_EQ(wa.size(), wb.size());
  EXPECT_NE(wa, wb);
  EXPECT_FALSE(b->resp.channel.decrypt(wa, got));
  EXPECT_TRUE(a->resp.channel.decrypt(wa, got));
  EXPECT_EQ(got, msg);
  // Still usable after the handshakes (the Handshake only shares it read-only).
  EXPECT_FALSE((*isk)->keys.empty());
}

INSTANTIATE_TEST_SUITE_P(IdentityTypes, StaticKeyTypes,
                         ::testing::Values(KeyType::ed25519, KeyType::secp256k1, KeyType::ecdsa),
                         [](const auto& p) { return std::string(crypto::to_string(p.param)); });

TEST(StaticKey, MixedWithFreshKeyPeer) {
  const auto ik = make_key(KeyType::ed25519, 1);
  const auto rk = make_key(KeyType::ed25519, 2);
  DeterministicRng kr(7), ri(10), rr(20);
  auto rsk = make_static_key(rk, kr);
  ASSERT_TRUE(rsk);
  Config ic = config_for(ik);
  ic.expected_remote = rk.peer_id();
  Config rc = config_for(rk);
  rc.static_key = *rsk;
  Handshake init(Role::initiator, ic, ri);
  Handshake resp(Role::responder, rc, rr);
  ASSERT_TRUE(init.start());
  auto o = pump(init, resp);
  ASSERT_TRUE(o.init_status && o.resp_status);
  auto si = init.finish();
  auto sr = resp.finish();
  ASSERT_TRUE(si && sr);
  EXPECT_EQ(si->remote_peer, rk.peer_id());
  EXPECT_EQ(sr->remote_peer, ik.peer_id());
  expect_transport(*si, *sr, 10);
}

TEST(StaticKey, KeyOfAnotherIdentityIsRefused) {
  const auto ik = make_key(KeyType::ed25519, 1);
  const auto rk = make_key(KeyType::ed25519, 2);
  const auto other = make_key(KeyType::ed25519, 3);
  DeterministicRng kr(7), ri(10), rr(20);
  auto osk = make_static_key(other, kr);
  ASSERT_TRUE(osk);
  Config rc = config_for(rk);
  rc.static_key = *osk;  // signed by `other`, not by rk
  Handshake init(Role::initiator, config_for(ik), ri);
  Handshake resp(Role::responder, rc, rr);
  ASSERT_TRUE(init.start());
  auto o = pump(init, resp);
  EXPECT_EQ(o.resp_status.error(), errc::sign_failed);
  EXPECT_TRUE(resp.failed());
  EXPECT_FALSE(init.complete());
}

TEST(Handshake, FragmentedInterleavedWithEarlyData) {
  const auto ik = make_key(KeyType::ed25519, 3);
  const auto rk = make_key(KeyType::secp256k1, 4);
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    DeterministicRng ri(seed), rr(seed + 1000), frag(seed + 2000);
    Handshake init(Role::initiator, config_for(ik, {"/yamux/1.0.0"}), ri);
    Handshake resp(Role::responder, config_for(rk), rr);
    ASSERT_TRUE(init.start());
    // Step until the initiator completes; then it writes transport data right after msg3.
    Bytes to_resp, to_init;
    Status sr_st, si_st;
    Bytes early_plain = to_bytes("early transport bytes, seed " + std::to_string(seed));
    bool appended = false;
    for (int iter = 0; iter < 10000 && !(resp.complete() && init.complete() && to_resp.empty()); ++iter) {
      append(to_resp, init.output());
      init.output().clear();
      append(to_init, resp.output());
      resp.output().clear();
      if (init.complete() && !appended) {
        auto s = init.finish();
        ASSERT_TRUE(s);
        ASSERT_TRUE(s->channel.encrypt(early_plain, to_resp));
        appended = true;
      }
      const bool dir = !to_resp.empty() && (to_init.empty() || frag.uniform(2) == 0);
      Bytes& w = dir ? to_resp : to_init;
      if (w.empty()) break;
      const std::size_t n = 1 + frag.uniform(std::min<std::size_t>(w.size(), 50));
      if (dir) {
        if (resp.complete()) break;
        sr_st = resp.on_bytes(BytesView(w).first(n));
        ASSERT_TRUE(sr_st) << sr_st.error().message();
      } else {
        si_st = init.on_bytes(BytesView(w).first(n));
        ASSERT_TRUE(si_st) << si_st.error().message();
      }
      w.erase(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(n));
    }
    ASSERT_TRUE(init.complete() || appended) << seed;
    ASSERT_TRUE(resp.complete()) << seed;
    // What the responder has not seen yet is also transport data.
    if (!to_resp.empty()) {
      ASSERT_TRUE(resp.on_bytes(to_resp));
    }
    auto sr = resp.finish();
    ASSERT_TRUE(sr);
    EXPECT_EQ(sr->remote_peer, ik.peer_id());
    EXPECT_EQ(sr->remote_muxers, (std::vector<std::string>{"/yamux/1.0.0"}));
    Bytes got;
    ASSERT_TRUE(sr->channel.decrypt(sr->early_data, got)) << seed;
    EXPECT_EQ(got, early_plain) << seed;
  }
}

TEST(Handshake, WholeExchangeInOneBuffer) {
  // msg3 and several transport frames arrive in one on_bytes call.
  const auto ik = make_key(KeyType::ed25519, 5);
  const auto rk = make_key(KeyType::ed25519, 6);
  DeterministicRng ri(1), rr(2);
  Handshake init(Role::initiator, config_for(ik), ri);
  Handshake resp(Role::responder, config_for(rk), rr);
  ASSERT_TRUE(init.start());
  ASSERT_TRUE(resp.on_bytes(init.output()));
  init.output().clear();
  ASSERT_TRUE(init.on_bytes(resp.output()));
  resp.output().clear();
  ASSERT_TRUE(init.complete());
  auto si = init.finish();
  ASSERT_TRUE(si);
  Bytes wire = std::move(init.output());
  ASSERT_TRUE(si->channel.encrypt(to_bytes("one"), wire));
  ASSERT_TRUE(si->channel.encrypt(to_bytes("two"), wire));
  ASSERT_TRUE(resp.on_bytes(wire));
  auto sr = resp.finish();
  ASSERT_TRUE(sr);
  EXPECT_EQ(sr->early_data.size(), 2 * (2 + 3 + 16u));
  Bytes got;
  ASSERT_TRUE(sr->channel.decrypt(sr->early_data, got));
  EXPECT_EQ(as_string_view(got), "onetwo");
}

TEST(Handshake, WrongExpectedPeerIdFailsOnInitiator) {
  const auto ik = make_key(KeyType::ed25519, 7);
  const auto rk = make_key(KeyType::ed25519, 8);
  const auto other = make_key(KeyType::ed25519, 9);
  DeterministicRng ri(1), rr(2);
  Config ic = config_for(ik);
  ic.expected_remote = other.peer_id();
  Handshake init(Role::initiator, ic, ri);
  Handshake resp(Role::responder, config_for(rk), rr);
  ASSERT_TRUE(init.start());
  auto o = pump(init, resp);
  EXPECT_EQ(o.init_status.error(), errc::peer_id_mismatch);
  EXPECT_EQ(o.init_status.error().message(),
            "noise: remote peer id does not match the dialed /p2p/ id");
  EXPECT_TRUE(init.failed());
  EXPECT_FALSE(resp.complete());  // msg3 never sent
  EXPECT_TRUE(init.output().empty());
  EXPECT_EQ(init.on_bytes(as_bytes("x")).error(), errc::data_after_failure);
  EXPECT_EQ(init.finish().error(), errc::handshake_incomplete);
}

TEST(Handshake, ExpectedPeerIdOnResponderSide) {
  const auto ik = make_key(KeyType::ed25519, 7);
  const auto rk = make_key(KeyType::ed25519, 8);
  DeterministicRng ri(1), rr(2);
  Config rc = config_for(rk);
  rc.expected_remote = rk.peer_id();  // not the initiator
  Handshake init(Role::initiator, config_for(ik), ri);
  Handshake resp(Role::responder, rc, rr);
  ASSERT_TRUE(init.start());
  auto o = pump(init, resp);
  EXPECT_TRUE(o.init_status);
  EXPECT_TRUE(init.complete());  // the initiator cannot know
  EXPECT_EQ(o.resp_status.error(), errc::peer_id_mismatch);
}

// Tamper with byte `pos` of handshake message `msg` (0: msg1, 1: msg2, 2: msg3).
TEST(Handshake, TamperSweepEveryByteOfEveryMessage) {
  const auto ik = make_key(KeyType::ed25519, 11);
  const auto rk = make_key(KeyType::ed25519, 12);
  std::size_t sizes[3];
  {
    DeterministicRng ri(1), rr(2);
    Handshake init(Role::initiator, config_for(ik, {"/yamux/1.0.0"}), ri);
    Handshake resp(Role::responder, config_for(rk, {"/yamux/1.0.0"}), rr);
    ASSERT_TRUE(init.start());
    sizes[0] = init.output().size();
    ASSERT_TRUE(resp.on_bytes(init.output()));
    init.output().clear();
    sizes[1] = resp.output().size();
    ASSERT_TRUE(init.on_bytes(resp.output()));
    sizes[2] = init.output().size();
    // msg1 = e; msg2 = e + enc(s) + enc(payload); msg3 = enc(s) + enc(payload).
    EXPECT_EQ(sizes[0], 2u + 32u);
    EXPECT_GT(sizes[1], 2u + 32u + 48u + 16u);
    EXPECT_GT(sizes[2], 2u + 48u + 16u);
  }
  int checked = 0;
  for (int msg = 0; msg < 3; ++msg) {
    for (std::size_t pos = 0; pos < sizes[msg]; ++pos) {
      DeterministicRng ri(1), rr(2);
      Handshake init(Role::initiator, config_for(ik, {"/yamux/1.0.0"}), ri);
      Handshake resp(Role::responder, config_for(rk, {"/yamux/1.0.0"}), rr);
      ASSERT_TRUE(init.start());
      auto o = pump(init, resp, nullptr, [&](int dir, int idx, Bytes& b) {
        // msg1 and msg3 go initiator->responder (dir 0, index 0/1), msg2 the other way.
        const int m = dir == 1 ? 1 : (idx == 0 ? 0 : 2);
        if (m == msg && (dir == 1 ? idx == 0 : true)) {
          ASSERT_LT(pos, b.size());
          b[pos] ^= 0x01;
        }
      });
      const bool both_ok = init.complete() && resp.complete();
      EXPECT_FALSE(both_ok) << "msg " << msg << " pos " << pos;
      const std::error_code e = !o.init_status ? o.init_status.error() : o.resp_status.error();
      if (pos >= 2) {
        // A flipped body byte: authentication fails (msg1 body: at the initiator, on msg2).
        EXPECT_EQ(e, errc::decrypt_failed) << "msg " << msg << " pos " << pos;
        EXPECT_EQ(e.message(), "noise: handshake message authentication failed");
      } else if (e) {
        // A flipped length byte: a short frame fails, a long one waits for bytes never sent.
        EXPECT_TRUE(e == errc::decrypt_failed || e == errc::bad_frame_length)
            << "msg " << msg << " pos " << pos << " " << e.message();
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(sizes[0] + sizes[1] + sizes[2]));
}

// ---- scripted responder: a correct Noise peer with a chosen payload ----------------------------

Bytes scripted_msg2(BytesView msg1, BytesView payload, Rng& rng,
                    crypto::X25519KeyPair* s_out = nullptr) {
  detail::SymmetricState ss(kProtocolName);
  ss.mix_hash({});
  BytesView re = msg1.subspan(2, 32);
  ss.mix_hash(re);
  Bytes ignored;
  EXPECT_TRUE(ss.decrypt_and_hash(msg1.subspan(34), ignored));
  auto e = crypto::x25519_generate(rng);
  auto s = crypto::x25519_generate(rng);
  Bytes body(e.public_key().begin(), e.public_key().end());
  ss.mix_hash(e.public_key());
  ss.mix_key(crypto::x25519(e.secret(), re)->view());
  EXPECT_TRUE(ss.encrypt_and_hash(s.public_key(), body));
  ss.mix_key(crypto::x25519(s.secret(), re)->view());
  EXPECT_TRUE(ss.encrypt_and_hash(payload, body));
  Bytes frame{static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
  append(frame, body);
  if (s_out) *s_out = std::move(s);
  return frame;
}

std::error_code initiator_result_for_payload(
    const std::function<Bytes(const crypto::X25519PublicKey& s_pub)>& make_payload) {
  const auto ik = make_key(KeyType::ed25519, 21);
  DeterministicRng ri(1), rs(2);
  Handshake init(Role::initiator, config_for(ik), ri);
  EXPECT_TRUE(init.start());
  // Peek at the static key the script will use: generate it with a copy of the RNG.
  DeterministicRng peek(2);
  (void)crypto::x25519_generate(peek);
  const auto s_pub = crypto::x25519_generate(peek).public_key();
  Bytes msg2 = scripted_msg2(init.output(), make_payload(s_pub), rs);
  return init.on_bytes(msg2).error();
}

Bytes signed_payload(const PrivateKey& k, BytesView s_pub, BytesView sign_over = {}) {
  Bytes to_sign = to_bytes(kStaticKeySigPrefix);
  append(to_sign, sign_over.empty() ? s_pub : sign_over);
  Bytes out;
  encode_payload(out, k.public_key().to_protobuf(), *k.sign(to_sign), {});
  return out;
}

TEST(HandshakePayload, ScriptedResponderValidPayloadAccepted) {
  const auto rk = make_key(KeyType::ed25519, 22);
  EXPECT_FALSE(initiator_result_for_payload([&](const auto& s) { return signed_payload(rk, s); }));
}

TEST(HandshakePayload, SignatureOverWrongKeyRejected) {
  const auto rk = make_key(KeyType::ed25519, 22);
  const auto ec = initiator_result_for_payload([&](const auto&) {
    return signed_payload(rk, {}, Bytes(32, 0x55));
  });
  EXPECT_EQ(ec, errc::invalid_signature);
  EXPECT_EQ(ec.message(), "noise: remote static key signature invalid");
}

TEST(HandshakePayload, SignatureByAnotherKeyRejected) {
  const auto rk = make_key(KeyType::secp256k1, 22);
  const auto other = make_key(KeyType::secp256k1, 23);
  const auto ec = initiator_result_for_payload([&](const auto& s) {
    Bytes to_sign = to_bytes(kStaticKeySigPrefix);
    append(to_sign, s);
    Bytes out;
    encode_payload(out, rk.public_key().to_protobuf(), *other.sign(to_sign), {});
    return out;
  });
  EXPECT_EQ(ec, errc::invalid_signature);
}

TEST(HandshakePayload, MissingSignatureRejected) {
  const auto rk = make_key(KeyType::ed25519, 22);
  EXPECT_EQ(initiator_result_for_payload([&](const auto&) {
              Bytes out;
              pb::Writer(out).bytes(1, rk.public_key().to_protobuf());
              return out;
            }),
            errc::invalid_signature);
}

TEST(HandshakePayload, MissingIdentityKeyRejected) {
  EXPECT_EQ(initiator_result_for_payload([&](const auto&) {
              Bytes out;
              pb::Writer(out).bytes(2, Bytes(64, 1));
              return out;
            }),
            errc::missing_identity_key);
  EXPECT_EQ(initiator_result_for_payload([&](const auto&) { return Bytes{}; }),
            errc::missing_identity_key);
}

TEST(HandshakePayload, InvalidIdentityKeyRejected) {
  EXPECT_EQ(initiator_result_for_payload([&](const auto&) {
              Bytes out;
              pb::Writer w(out);
              w.bytes(1, from_hex("0801121f00").value());  // truncated PublicKey
              w.bytes(2, Bytes(64, 1));
              return out;
            }),
            errc::invalid_identity_key);
}

TEST(HandshakePayload, MalformedProtobufRejected) {
  EXPECT_EQ(initiator_result_for_payload([&](const auto&) { return Bytes{0x0a, 0x05, 0x01}; }),
            errc::invalid_payload);
  EXPECT_EQ(initiator_result_for_payload([&](const auto&) { return Bytes{0x08, 0x01}; }),
            errc::invalid_payload);  // identity_key as varint
  EXPECT_EQ(initiator_result_for_payload([&](const auto&) {
              Bytes ext;
              for (int i = 0; i < 100; ++i) pb::Writer(ext).string(2, "/m");
              Bytes out;
              pb::Writer(out).bytes(4, ext);
              return out;
            }),
            errc::invalid_payload);  // too many extension entries
}

TEST(HandshakePayload, EncodeDecodeRoundTrip) {
  Bytes out;
  encode_payload(out, as_bytes("key"), as_bytes("sig"), {"/yamux/1.0.0", "/mplex/6.7.0"});
  auto p = decode_payload(out);
  ASSERT_TRUE(p);
  EXPECT_EQ(as_string_view(p->identity_key), "key");
  EXPECT_EQ(as_string_view(p->identity_sig), "sig");
  EXPECT_EQ(p->stream_muxers, (std::vector<std::string>{"/yamux/1.0.0", "/mplex/6.7.0"}));
  // Exact bytes: field 1, field 2, field 4 { field 2, field 2 }.
  EXPECT_EQ(to_hex(out), "0a036b6579120373696722" "1c" "120c2f79616d75782f312e302e30" "120c2f6d706c65782f362e372e30");
}

// ---- framing limits -------------------------------------------------------------------------------

TEST(Handshake, FrameLimitsAndShortMessages) {
  const auto k = make_key(KeyType::ed25519, 30);
  {
    DeterministicRng r(1);
    Config c = config_for(k);
    c.max_handshake_message = 100;
    Handshake resp(Role::responder, c, r);
    EXPECT_EQ(resp.on_bytes(Bytes{0x00, 0x65}).error(), errc::message_too_large);
    EXPECT_EQ(resp.on_bytes(Bytes{0x00}).error(), errc::data_after_failure);
  }
  {
    DeterministicRng r(1);
    Config c = config_for(k);
    c.max_handshake_message = 100;
    Handshake resp(Role::responder, c, r);
    ASSERT_TRUE(resp.on_bytes(Bytes{0x00}));  // fragmented header
    EXPECT_EQ(resp.on_bytes(Bytes{0x65}).error(), errc::message_too_large);
  }
  {
    DeterministicRng r(1);
    Handshake resp(Role::responder, config_for(k), r);
    Bytes short1{0x00, 0x1f};
    short1.resize(2 + 31, 9);
    EXPECT_EQ(resp.on_bytes(short1).error(), errc::bad_frame_length);
  }
  {
    DeterministicRng r(1);
    Handshake resp(Role::responder, config_for(k), r);
    EXPECT_EQ(resp.on_bytes(Bytes{0x00, 0x00}).error(), errc::bad_frame_length);
  }
  {  // msg2 too short for e + s + tag
    DeterministicRng r(1);
    Handshake init(Role::initiator, config_for(k), r);
    ASSERT_TRUE(init.start());
    Bytes m{0x00, 0x5f};
    m.resize(2 + 95, 1);
    EXPECT_EQ(init.on_bytes(m).error(), errc::bad_frame_length);
  }
  {  // low-order ephemeral key in msg1: the responder cannot do ee
    DeterministicRng r(1);
    Handshake resp(Role::responder, config_for(k), r);
    Bytes m{0x00, 0x20};
    m.resize(2 + 32, 0);
    EXPECT_EQ(resp.on_bytes(m).error(), errc::invalid_dh_key);
  }
}

TEST(Handshake, EarlyDataBounded) {
  const auto ik = make_key(KeyType::ed25519, 31);
  const auto rk = make_key(KeyType::ed25519, 32);
  DeterministicRng ri(1), rr(2);
  Config rc = config_for(rk);
  rc.max_early_data = 10;
  Handshake init(Role::initiator, config_for(ik), ri);
  Handshake resp(Role::responder, rc, rr);
  ASSERT_TRUE(init.start());
  ASSERT_TRUE(resp.on_bytes(init.output()));
  init.output().clear();
  ASSERT_TRUE(init.on_bytes(resp.output()));
  Bytes wire = init.output();
  wire.resize(wire.size() + 10, 0xaa);
  ASSERT_TRUE(resp.on_bytes(wire));
  EXPECT_EQ(resp.on_bytes(Bytes{1}).error(), errc::early_data_too_large);
}

// ---- transport ------------------------------------------------------------------------------------

std::pair<Session, Session> established(std::uint64_t seed = 1) {
  const auto ik = make_key(KeyType::ed25519, 40);
  const auto rk = make_key(KeyType::ed25519, 41);
  DeterministicRng ri(seed), rr(seed + 1);
  Handshake init(Role::initiator, config_for(ik), ri);
  Handshake resp(Role::responder, config_for(rk), rr);
  EXPECT_TRUE(init.start());
  EXPECT_TRUE(resp.on_bytes(init.output()));
  init.output().clear();
  EXPECT_TRUE(init.on_bytes(resp.output()));
  EXPECT_TRUE(resp.on_bytes(init.output()));
  return {std::move(*init.finish()), std::move(*resp.finish())};
}

class Transport : public ::testing::TestWithParam<std::size_t> {};

TEST_P(Transport, RoundTripWithFrameLayout) {
  auto [a, b] = established();
  const std::size_t size = GetParam();
  Bytes msg(size);
  for (std::size_t i = 0; i < size; ++i) msg[i] = static_cast<std::uint8_t>(i ^ (i >> 8));
  Bytes wire;
  ASSERT_TRUE(a.channel.encrypt(msg, wire));
  const std::size_t frames = size == 0 ? 1 : (size + 65518) / 65519;
  EXPECT_EQ(wire.size(), size + frames * 18);
  EXPECT_EQ(a.channel.send_nonce(), frames);
  // Walk the frame headers.
  std::size_t off = 0, seen = 0;
  while (off < wire.size()) {
    const std::size_t len = static_cast<std::size_t>(wire[off]) << 8 | wire[off + 1];
    EXPECT_LE(len, 65535u);
    EXPECT_GE(len, 16u);
    off += 2 + len;
    ++seen;
  }
  EXPECT_EQ(off, wire.size());
  EXPECT_EQ(seen, frames);
  // Whole.
  Bytes got;
  ASSERT_TRUE(b.channel.decrypt(wire, got));
  EXPECT_EQ(got, msg);
  EXPECT_EQ(b.channel.buffered(), 0u);
  // Fragmented at random points (fresh data, next nonces).
  DeterministicRng frag(size + 1);
  wire.clear();
  ASSERT_TRUE(a.channel.encrypt(msg, wire));
  got.clear();
  std::size_t pos = 0;
  while (pos < wire.size()) {
    const std::size_t n = std::min<std::size_t>(wire.size() - pos, 1 + frag.uniform(70000));
    ASSERT_TRUE(b.channel.decrypt(BytesView(wire).subspan(pos, n), got));
    EXPECT_LE(b.channel.buffered(), 2u + 65535u);
    pos += n;
  }
  EXPECT_EQ(got, msg);
  // And the other direction.
  wire.clear();
  got.clear();
  ASSERT_TRUE(b.channel.encrypt(msg, wire));
  ASSERT_TRUE(a.channel.decrypt(wire, got));
  EXPECT_EQ(got, msg);
}

INSTANTIATE_TEST_SUITE_P(Sizes, Transport,
                         ::testing::Values(0u, 1u, 65519u, 65520u, 1u << 20));

TEST(Transport, ByteAtATime) {
  auto [a, b] = established();
  Bytes wire, got;
  ASSERT_TRUE(a.channel.encrypt(to_bytes("hello"), wire));
  ASSERT_TRUE(a.channel.encrypt(to_bytes(" world"), wire));
  for (auto byte : wire) ASSERT_TRUE(b.channel.decrypt(BytesView(&byte, 1), got));
  EXPECT_EQ(as_string_view(got), "hello world");
}

TEST(Transport, TamperedFrameFailsThenDead) {
  auto [a, b] = established();
  Bytes wire, got;
  ASSERT_TRUE(a.channel.encrypt(to_bytes("payload"), wire));
  for (std::size_t i = 2; i < wire.size(); ++i) {
    auto [x, y] = established(7);
    Bytes w, g;
    ASSERT_TRUE(x.channel.encrypt(to_bytes("payload"), w));
    w[i] ^= 0x20;
    EXPECT_EQ(y.channel.decrypt(w, g).error(), errc::transport_decrypt_failed) << i;
    EXPECT_TRUE(g.empty());
    EXPECT_TRUE(y.channel.failed());
    EXPECT_EQ(y.channel.decrypt(w, g).error(), errc::data_after_failure);
    EXPECT_EQ(y.channel.encrypt(w, g).error(), errc::data_after_failure);
  }
  // Replay / reorder: the second frame first fails (nonce mismatch).
  Bytes w2;
  ASSERT_TRUE(a.channel.encrypt(to_bytes("second"), w2));
  EXPECT_EQ(b.channel.decrypt(w2, got).error(), errc::transport_decrypt_failed);
}

TEST(Transport, ShortFrameLength) {
  auto [a, b] = established();
  Bytes got;
  EXPECT_EQ(b.channel.decrypt(Bytes{0x00, 0x0f}, got).error(), errc::bad_frame_length);
  auto [c, d] = established();
  ASSERT_TRUE(d.channel.decrypt(Bytes{0x00}, got));
  EXPECT_EQ(d.channel.decrypt(Bytes{0x05, 1, 2}, got).error(), errc::bad_frame_length);
}

TEST(Transport, NonceExhaustion) {
  auto [a, b] = established();
  const std::uint64_t last = UINT64_MAX - 1;  // the last usable nonce
  a.channel.set_nonces_for_testing(last, 0);
  b.channel.set_nonces_for_testing(0, last);
  Bytes wire, got;
  ASSERT_TRUE(a.channel.encrypt(to_bytes("last"), wire));
  ASSERT_TRUE(b.channel.decrypt(wire, got));
  EXPECT_EQ(as_string_view(got), "last");
  Bytes more;
  EXPECT_EQ(a.channel.encrypt(to_bytes("one more"), more).error(), errc::nonce_exhausted);
  EXPECT_TRUE(more.empty());
  // A multi-frame write that would cross the limit writes nothing.
  a.channel.set_nonces_for_testing(last - 1, 0);
  EXPECT_EQ(a.channel.encrypt(Bytes(3 * 65519, 0), more).error(), errc::nonce_exhausted);
  EXPECT_TRUE(more.empty());
  // The receiver refuses a frame at nonce 2^64-1.
  EXPECT_EQ(b.channel.decrypt(wire, got).error(), errc::nonce_exhausted);
}

// ---- in-place decryption (the connection's data path) ---------------------------------------

// Feeds `wire` to decrypt_in_place the way the connection does: a buffer holding the previous
// partial frame followed by the next piece (random sizes), frames decrypted where they lie.
Status feed_in_place(SecureChannel& ch, BytesView wire, std::uint64_t seed, Bytes& got,
                     std::size_t* sink_calls = nullptr) {
  DeterministicRng frag(seed);
  ByteBuffer buf;
  std::size_t pos = 0;
  while (pos < wire.size()) {
    const std::size_t n = std::min<std::size_t>(wire.size() - pos, 1 + frag.uniform(150000));
    buf.append(wire.subspan(pos, n));
    pos += n;
    auto used = ch.decrypt_in_place(buf.mut_view(), [&](BytesView plain) -> Status {
      EXPECT_GE(plain.data(), buf.data());  // in place: inside the buffer
      EXPECT_LE(plain.data() + plain.size(), buf.data() + buf.size());
      append(got, plain);
      if (sink_calls) ++*sink_calls;
      return {};
    });
    if (!used) return used.error();
    buf.consume_front(*used);
    EXPECT_LT(buf.size(), SecureChannel::frame_size(buf.view()));  // only a partial frame stays
  }
  EXPECT_TRUE(buf.empty());
  return {};
}

TEST(TransportInPlace, SameResultAsDecryptAcrossRandomSplits) {
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{65519}, std::size_t{65520}, std::size_t{3} << 20}) {
    auto [a, b] = established(size + 3);
    Bytes msg(size);
    for (std::size_t i = 0; i < size; ++i) msg[i] = static_cast<std::uint8_t>(i * 7 ^ (i >> 9));
    ByteBuffer wire;  // the ByteBuffer encrypt overload: same bytes as the vector one
    ASSERT_TRUE(a.channel.encrypt(msg, wire));
    ASSERT_EQ(wire.size(), SecureChannel::sealed_size(size));
    Bytes got;
    std::size_t calls = 0;
    ASSERT_TRUE(feed_in_place(b.channel, wire.view(), size, got, &calls)) << size;
    EXPECT_EQ(got, msg) << size;
    EXPECT_EQ(calls, size == 0 ? 0u : (size + 65518) / 65519);  // an empty frame is not handed on
    EXPECT_EQ(b.channel.recv_nonce(), a.channel.send_nonce());
  }
}

TEST(TransportInPlace, FrameSizeAndPartialInput) {
  EXPECT_EQ(SecureChannel::frame_size(Bytes{}), 2u + 65535u);  // header unknown: the maximum
  EXPECT_EQ(SecureChannel::frame_size(Bytes{0x01}), 2u + 65535u);
  EXPECT_EQ(SecureChannel::frame_size(Bytes{0x01, 0x02, 0xff}), 2u + 0x102u);
  auto [a, b] = established();
  Bytes wire;
  ASSERT_TRUE(a.channel.encrypt(to_bytes("hello"), wire));
  // Everything but the last byte: nothing consumed, nothing delivered, nonce unchanged.
  bool called = false;
  auto used = b.channel.decrypt_in_place(MutBytesView(wire.data(), wire.size() - 1), [&](BytesView) -> Status {
    called = true;
    return {};
  });
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, 0u);
  EXPECT_FALSE(called);
  EXPECT_EQ(b.channel.recv_nonce(), 0u);
  Bytes got;
  used = b.channel.decrypt_in_place(wire, [&](BytesView p) -> Status {
    append(got, p);
    return {};
  });
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, wire.size());
  EXPECT_EQ(as_string_view(got), "hello");
}

TEST(TransportInPlace, BadInputFailsTheChannel) {
  {
    auto [a, b] = established();
    Bytes wire;
    ASSERT_TRUE(a.channel.encrypt(to_bytes("payload"), wire));
    wire[5] ^= 1;
    bool called = false;
    auto used = b.channel.decrypt_in_place(wire, [&](BytesView) -> Status {
      called = true;
      return {};
    });
    EXPECT_EQ(used.error(), errc::transport_decrypt_failed);
    EXPECT_FALSE(called);  // unauthenticated plaintext is never handed out
    EXPECT_TRUE(b.channel.failed());
    EXPECT_EQ(b.channel.decrypt_in_place(wire, [](BytesView) -> Status { return {}; }).error(),
              errc::data_after_failure);
  }
  {
    auto [a, b] = established();
    Bytes wire{0x00, 0x0f, 1, 2};
    EXPECT_EQ(b.channel.decrypt_in_place(wire, [](BytesView) -> Status { return {}; }).error(),
              errc::bad_frame_length);
  }
  {
    // The sink's error stops at once and is returned; later frames are not opened.
    auto [a, b] = established();
    Bytes wire;
    ASSERT_TRUE(a.channel.encrypt(to_bytes("one"), wire));
    ASSERT_TRUE(a.channel.encrypt(to_bytes("two"), wire));
    int calls = 0;
    auto used = b.channel.decrypt_in_place(wire, [&](BytesView) -> Status {
      ++calls;
      return std::make_error_code(std::errc::protocol_error);
    });
    EXPECT_EQ(used.error(), std::make_error_code(std::errc::protocol_error));
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(b.channel.recv_nonce(), 1u);
  }
  {
    // Mixing with decrypt() while it holds a partial frame is refused, not misdecoded.
    auto [a, b] = established();
    Bytes wire, got;
    ASSERT_TRUE(a.channel.encrypt(to_bytes("split"), wire));
    ASSERT_TRUE(b.channel.decrypt(BytesView(wire).first(4), got));
    EXPECT_EQ(b.channel.decrypt_in_place(MutBytesView(wire).subspan(4), [](BytesView) -> Status { return {}; }).error(),
              errc::data_after_failure);
  }
}

// Sealing a plaintext given in pieces gives exactly the bytes of sealing it whole (same nonces),
// whatever the cut: empty pieces, pieces across the 65,519-byte frame boundary, one-byte ones.
TEST(TransportGather, SameBytesAsOneContiguousPlaintext) {
  DeterministicRng cut(9);
  for (std::size_t size : {std::size_t{0}, std::size_t{5}, std::size_t{65519}, std::size_t{65520}, std::size_t{300000}}) {
    auto [a1, b1] = established(size + 11);
    auto [a2, b2] = established(size + 11);  // same seeds: same keys
    Bytes msg(size);
    for (std::size_t i = 0; i < size; ++i) msg[i] = static_cast<std::uint8_t>(i * 31 ^ (i >> 7));
    std::vector<BytesView> pieces;
    for (std::size_t at = 0; at < size;) {
      const std::size_t n = std::min<std::size_t>(size - at, cut.uniform(3) == 0 ? 1 : cut.uniform(40000));
      pieces.emplace_back(msg.data() + at, n);  // n may be 0: an empty piece
      at += n;
    }
    pieces.emplace_back();  // a trailing empty piece
    ByteBuffer whole, gathered;
    ASSERT_TRUE(a1.channel.encrypt(msg, whole));
    ASSERT_TRUE(a2.channel.encrypt_gather(pieces, gathered));
    EXPECT_EQ(Bytes(gathered.view().begin(), gathered.view().end()), Bytes(whole.view().begin(), whole.view().end()))
        << size;
    EXPECT_EQ(a2.channel.send_nonce(), a1.channel.send_nonce());
    Bytes got;
    ASSERT_TRUE(b2.channel.decrypt(gathered.view(), got));
    EXPECT_EQ(got, msg);
  }
}

TEST(ByteBufferTest, GrowsKeepsContentsAndShifts) {
  ByteBuffer b;
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.capacity(), 0u);
  b.append(to_bytes("abc"));
  std::uint8_t* p = b.extend(3);
  std::memcpy(p, "def", 3);
  EXPECT_EQ(as_string_view(b.view()), "abcdef");
  b.consume_front(2);
  EXPECT_EQ(as_string_view(b.view()), "cdef");
  b.reserve(100);
  EXPECT_GE(b.spare().size(), 96u);
  std::memcpy(b.spare().data(), "gh", 2);
  b.commit(2);
  EXPECT_EQ(as_string_view(b.view()), "cdefgh");
  b.truncate(3);
  EXPECT_EQ(as_string_view(b.view()), "cde");
  b.release();  // shrinks to the contents
  EXPECT_EQ(b.capacity(), 3u);
  EXPECT_EQ(as_string_view(b.view()), "cde");
  ByteBuffer c(std::move(b));
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(as_string_view(c.view()), "cde");
  c.consume_front(10);  // more than it holds: empties
  EXPECT_TRUE(c.empty());
  c.release();
  EXPECT_EQ(c.capacity(), 0u);
  EXPECT_EQ(c.data(), nullptr);
}

}  // namespace
}  // namespace lotus::proto::noise
