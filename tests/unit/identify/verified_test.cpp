// Key-dependent behaviour: sealing/opening envelopes and peer records, identify validation,
// the requester engine, push merge semantics and the builders. Uses the js-libp2p generated
// vectors (Ed25519 signatures are deterministic, so our seal must equal js's bytes).
#include <gtest/gtest.h>

#include "base/rng.hpp"
#include "crypto/keys.hpp"
#include "multiformats/multiaddr.hpp"
#include "multiformats/peer_id.hpp"
#include "proto/identify/info.hpp"
#include "proto/identify/requester.hpp"
#include "proto/identify/responder.hpp"
#include "proto/record/envelope.hpp"
#include "proto/record/peer_record.hpp"
#include "test_util.hpp"

using namespace lotus;
namespace rec = lotus::proto::record;
namespace id = lotus::proto::identify;
using lotus::test::framed;
using lotus::test::hx;
using lotus::test::js_hex;

namespace {

crypto::PrivateKey js_key() { return std::move(*crypto::PrivateKey::from_protobuf(js_hex("private_key_protobuf"))); }
crypto::PrivateKey other_key(std::uint64_t seed = 42, crypto::KeyType t = crypto::KeyType::ed25519) {
  DeterministicRng rng(seed);
  return std::move(*crypto::PrivateKey::generate(t, rng));
}
mf::Multiaddr ma(std::string_view s) { return std::move(*mf::Multiaddr::parse(s)); }
std::vector<mf::Multiaddr> js_addrs() { return {ma("/ip4/127.0.0.1/tcp/4001"), ma("/ip6/::1/tcp/4002/ws")}; }
mf::PeerId js_peer() { return js_key().peer_id(); }

// A record for `signer` carrying `record_peer`'s id, sealed with arbitrary domain/type.
Bytes sealed(const crypto::PrivateKey& signer, const Bytes& record_peer, std::uint64_t seq,
             std::string_view domain = rec::kPeerRecordDomain,
             BytesView type = rec::kPeerRecordPayloadType, std::vector<Bytes> addrs = {}) {
  auto env = rec::seal(signer, domain, type, rec::encode_peer_record({record_peer, seq, std::move(addrs)}));
  EXPECT_TRUE(env);
  return rec::encode_envelope(*env);
}

const id::IdentifyInfo* identified(const std::optional<id::Event>& ev) {
  if (!ev || !std::holds_alternative<id::Identified>(*ev)) {
    ADD_FAILURE() << "expected Identified, got "
                  << (ev ? std::get<id::Failed>(*ev).error.message() : std::string("nothing"));
    return nullptr;
  }
  return &std::get<id::Identified>(*ev).info;
}
std::error_code failed(const std::optional<id::Event>& ev) {
  if (!ev || !std::holds_alternative<id::Failed>(*ev)) return {};
  return std::get<id::Failed>(*ev).error;
}

const TimePoint t0{};

}  // namespace

// ---- record -------------------------------------------------------------------------------

TEST(PeerRecord, OpensJsEnvelope) {
  auto r = rec::open_peer_record(js_hex("envelope"));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->record.peer_id.to_string(), "12D3KooWJ1TsijH7H5F74hfAD5XishQz3sxrmAtVY37GtNd9CqYf");
  EXPECT_EQ(r->record.seq, 1700000000000u);
  EXPECT_EQ(r->record.addresses, js_addrs());
  EXPECT_EQ(r->skipped_addresses, 0u);
  EXPECT_EQ(r->envelope, js_hex("envelope"));
}

TEST(PeerRecord, SealEqualsJsBytesForSameKeyAndRecord) {
  const auto key = js_key();
  auto bytes = rec::seal_peer_record(key, rec::PeerRecord{key.peer_id(), 1700000000000u, js_addrs()});
  ASSERT_TRUE(bytes) << bytes.error().message();
  EXPECT_EQ(to_hex(*bytes), to_hex(js_hex("envelope")));
}

TEST(PeerRecord, Secp256k1RoundTrip) {
  const auto key = other_key(5, crypto::KeyType::secp256k1);
  auto bytes = rec::seal_peer_record(key, rec::PeerRecord{key.peer_id(), 9, {ma("/dns4/example.com/tcp/443/wss")}});
  ASSERT_TRUE(bytes);
  auto r = rec::open_peer_record(*bytes);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->record.peer_id, key.peer_id());
  EXPECT_EQ(r->record.seq, 9u);
  EXPECT_EQ(r->record.addresses.at(0).to_string(), "/dns4/example.com/tcp/443/wss");
}

TEST(Envelope, OpenVerifiesAndReportsSigner) {
  auto v = rec::open(js_hex("envelope"), rec::kPeerRecordDomain);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->signer, js_peer());
  EXPECT_EQ(v->public_key, js_key().public_key());
  EXPECT_EQ(v->envelope.payload, js_hex("peer_record_payload"));
}

TEST(Envelope, BadSignatureRejected) {
  auto e = *rec::decode_envelope(js_hex("envelope"));
  auto sig = e;
  sig.signature[10] ^= 1;
  EXPECT_EQ(rec::open(rec::encode_envelope(sig), rec::kPeerRecordDomain).error(), rec::errc::invalid_signature);
  auto payload = e;
  payload.payload.back() ^= 1;  // tampered content
  EXPECT_EQ(rec::open_peer_record(rec::encode_envelope(payload)).error(), rec::errc::invalid_signature);
  auto other = e;  // valid signature, but presented with another key
  other.public_key = other_key().public_key().to_protobuf();
  EXPECT_EQ(rec::open_peer_record(rec::encode_envelope(other)).error(), rec::errc::invalid_signature);
  auto shortsig = e;
  shortsig.signature.resize(63);
  EXPECT_EQ(rec::open_peer_record(rec::encode_envelope(shortsig)).error(), rec::errc::invalid_signature);
}

TEST(Envelope, WrongDomainRejected) {
  // RFC 0003's text names "libp2p-routing-state"; implementations sign "libp2p-peer-record".
  EXPECT_EQ(rec::open(js_hex("envelope"), "libp2p-routing-state").error(), rec::errc::invalid_signature);
  const auto key = js_key();
  const Bytes b = sealed(key, key.peer_id().bytes(), 1, "libp2p-routing-state");
  EXPECT_EQ(rec::open_peer_record(b).error(), rec::errc::invalid_signature);
  EXPECT_TRUE(rec::open(b, "libp2p-routing-state"));
}

TEST(Envelope, WrongPayloadTypeRejected) {
  const auto key = js_key();
  const Bytes b = sealed(key, key.peer_id().bytes(), 1, rec::kPeerRecordDomain, hx("0302"));
  EXPECT_EQ(rec::open_peer_record(b).error(), rec::errc::wrong_payload_type);
  EXPECT_EQ(rec::open(b, rec::kPeerRecordDomain, rec::kPeerRecordPayloadType).error(),
            rec::errc::wrong_payload_type);
  EXPECT_TRUE(rec::open(b, rec::kPeerRecordDomain));  // no type expectation
  // The string type hint of the RFC draft is not the shipped one either.
  const Bytes s = sealed(key, key.peer_id().bytes(), 1, rec::kPeerRecordDomain, as_bytes("/libp2p/routing-state-record"));
  EXPECT_EQ(rec::open_peer_record(s).error(), rec::errc::wrong_payload_type);
}

TEST(Envelope, MissingOrInvalidParts) {
  auto e = *rec::decode_envelope(js_hex("envelope"));
  auto nokey = e;
  nokey.public_key.clear();
  EXPECT_EQ(rec::open_peer_record(rec::encode_envelope(nokey)).error(), rec::errc::missing_public_key);
  auto nosig = e;
  nosig.signature.clear();
  EXPECT_EQ(rec::open_peer_record(rec::encode_envelope(nosig)).error(), rec::errc::missing_signature);
  auto badkey = e;
  badkey.public_key = hx("08011203010203");  // Ed25519 key of 3 bytes
  EXPECT_EQ(rec::open_peer_record(rec::encode_envelope(badkey)).error(), rec::errc::invalid_public_key);
  EXPECT_EQ(rec::open_peer_record(hx("0a05")).error(), rec::errc::malformed_envelope);
  EXPECT_EQ(rec::open_peer_record({}).error(), rec::errc::wrong_payload_type);
}

TEST(PeerRecord, PeerIdMustMatchSigningKey) {
  const auto key = js_key();
  const auto other = other_key();
  // Signed correctly by `key` but claims to be `other`'s record.
  EXPECT_EQ(rec::open_peer_record(sealed(key, other.peer_id().bytes(), 1)).error(), rec::errc::peer_id_mismatch);
  EXPECT_EQ(rec::open_peer_record(sealed(key, {}, 1)).error(), rec::errc::missing_peer_id);
  EXPECT_EQ(rec::open_peer_record(sealed(key, hx("1220aabb"), 1)).error(), rec::errc::invalid_peer_id);
  // seal_peer_record refuses to sign someone else's record.
  EXPECT_EQ(rec::seal_peer_record(key, rec::PeerRecord{other.peer_id(), 1, {}}).error(), rec::errc::peer_id_mismatch);
}

TEST(PeerRecord, InvalidAddressesSkippedAndCounted) {
  const auto key = js_key();
  const Bytes b = sealed(key, key.peer_id().bytes(), 3, rec::kPeerRecordDomain, rec::kPeerRecordPayloadType,
                         {hx("047f000001060fa1"), hx("ffff"), {}, hx("0401")});
  auto r = rec::open_peer_record(b);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->record.addresses, std::vector<mf::Multiaddr>{ma("/ip4/127.0.0.1/tcp/4001")});
  EXPECT_EQ(r->skipped_addresses, 3u);
}

// ---- identify: validation -----------------------------------------------------------------

TEST(IdentifyInfo, FromJsMessage) {
  auto m = *id::decode_message(js_hex("identify_message"));
  auto info = id::to_info(m, js_peer(), id::Kind::identify);
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->peer_id, js_peer());
  EXPECT_EQ(info->public_key, js_key().public_key());
  EXPECT_EQ(info->protocol_version, "ipfs/0.1.0");
  EXPECT_EQ(info->agent_version, "js-libp2p/3.1.0");
  EXPECT_EQ(info->listen_addrs, js_addrs());
  EXPECT_EQ(info->skipped_listen_addrs, 0u);
  EXPECT_EQ(info->protocols, (std::vector<std::string>{"/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"}));
  EXPECT_EQ(info->observed_addr, ma("/ip4/10.0.0.2/tcp/50000"));
  ASSERT_TRUE(info->signed_record);
  EXPECT_FALSE(info->signed_record_error);
  EXPECT_EQ(info->signed_record->record.seq, 1700000000000u);
  EXPECT_TRUE(info->addresses_certified());
}

TEST(IdentifyInfo, PublicKeyRules) {
  auto m = *id::decode_message(js_hex("identify_message"));
  EXPECT_EQ(id::to_info(m, other_key().peer_id(), id::Kind::identify).error(), id::errc::peer_id_mismatch);
  EXPECT_EQ(id::to_info(m, other_key().peer_id(), id::Kind::push).error(), id::errc::peer_id_mismatch);
  auto bad = m;
  bad.public_key = hx("0801120100");
  EXPECT_EQ(id::to_info(bad, js_peer(), id::Kind::identify).error(), id::errc::invalid_public_key);
  auto nokey = m;
  nokey.public_key.reset();
  EXPECT_EQ(id::to_info(nokey, js_peer(), id::Kind::identify).error(), id::errc::missing_public_key);
  auto push = id::to_info(nokey, js_peer(), id::Kind::push);
  ASSERT_TRUE(push);
  EXPECT_FALSE(push->public_key);
  EXPECT_TRUE(push->signed_record);  // the record carries its own key
}

TEST(IdentifyInfo, InvalidAddressesSkipped) {
  auto m = *id::decode_message(js_hex("identify_message"));
  m.listen_addrs.insert(m.listen_addrs.begin(), hx("ff01"));
  m.listen_addrs.push_back({});
  m.observed_addr = hx("0401");
  auto info = id::to_info(m, js_peer(), id::Kind::identify);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->listen_addrs, js_addrs());
  EXPECT_EQ(info->skipped_listen_addrs, 2u);
  EXPECT_FALSE(info->observed_addr);
  EXPECT_TRUE(info->observed_addr_invalid);
}

TEST(IdentifyInfo, BadSignedRecordDroppedRestUsable) {
  auto m = *id::decode_message(js_hex("identify_message"));
  m.signed_peer_record->back() ^= 1;  // breaks the signature
  m.listen_addrs.pop_back();
  auto info = id::to_info(m, js_peer(), id::Kind::identify);
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->signed_record);
  EXPECT_EQ(info->signed_record_error, rec::errc::invalid_signature);
  EXPECT_FALSE(info->addresses_certified());
  EXPECT_EQ(info->addresses(), std::vector<mf::Multiaddr>{ma("/ip4/127.0.0.1/tcp/4001")});
  EXPECT_EQ(info->protocols.size(), 2u);
}

TEST(IdentifyInfo, SignedRecordOfAnotherPeerDropped) {
  const auto other = other_key();
  auto m = *id::decode_message(js_hex("identify_message"));
  m.signed_peer_record = sealed(other, other.peer_id().bytes(), 5);  // valid, but not the remote's
  auto info = id::to_info(m, js_peer(), id::Kind::identify);
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->signed_record);
  EXPECT_EQ(info->signed_record_error, id::errc::record_peer_mismatch);
}

// ---- identify: engines --------------------------------------------------------------------

TEST(Requester, IdentifiesFromJsResponse) {
  id::Requester req(js_peer(), id::Kind::identify, {}, t0);
  EXPECT_EQ(req.deadline(), t0 + std::chrono::seconds(5));
  req.on_bytes(framed(js_hex("identify_message")), t0 + 1ms);
  EXPECT_FALSE(req.poll_event());  // waits for EOF: more messages may follow
  req.on_eof(t0 + 2ms);
  const auto ev = req.poll_event();
  const auto* info = identified(ev);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->agent_version, "js-libp2p/3.1.0");
  EXPECT_TRUE(info->addresses_certified());
  EXPECT_TRUE(req.finished());
  EXPECT_EQ(req.deadline(), kNever);
  EXPECT_FALSE(req.poll_event());
  req.on_bytes(hx("00"), t0 + 3ms);  // ignored after the end
  EXPECT_FALSE(req.poll_event());
}

TEST(Requester, MergesSplitResponse) {
  auto m = *id::decode_message(js_hex("identify_message"));
  auto first = m;
  first.signed_peer_record.reset();
  id::IdentifyMessage second;
  second.signed_peer_record = m.signed_peer_record;
  Bytes wire = id::encode_framed(first);
  append(wire, id::encode_framed(second));
  id::Requester req(js_peer(), id::Kind::identify, {}, t0);
  req.on_bytes(BytesView(wire).first(100), t0);
  req.on_bytes(BytesView(wire).subspan(100), t0);
  req.on_eof(t0);
  const auto ev = req.poll_event();
  ASSERT_TRUE(identified(ev));
  EXPECT_TRUE(identified(ev)->signed_record);
}

TEST(Requester, FailuresAreEvents) {
  {
    id::Requester req(other_key().peer_id(), id::Kind::identify, {}, t0);
    req.on_bytes(framed(js_hex("identify_message")), t0);
    req.on_eof(t0);
    EXPECT_EQ(failed(req.poll_event()), id::errc::peer_id_mismatch);
  }
  {
    id::Requester req(js_peer(), id::Kind::identify, {}, t0);
    req.on_bytes(hx("8140"), t0);  // 8193-byte message announced
    EXPECT_EQ(failed(req.poll_event()), id::errc::message_too_large);
    EXPECT_TRUE(req.finished());
  }
  {
    id::Requester req(js_peer(), id::Kind::identify, {}, t0);
    req.on_eof(t0);
    EXPECT_EQ(failed(req.poll_event()), id::errc::no_message);
  }
  {
    id::Requester req(js_peer(), id::Kind::identify, {}, t0);
    req.on_bytes(BytesView(framed(js_hex("identify_message"))).first(50), t0);
    req.on_eof(t0);
    EXPECT_EQ(failed(req.poll_event()), id::errc::truncated);
  }
  {
    id::Requester req(js_peer(), id::Kind::identify, {}, t0);
    req.on_bytes(hx("00"), t0);
    req.on_eof(t0);
    EXPECT_EQ(failed(req.poll_event()), id::errc::missing_public_key);
  }
}

TEST(Requester, TimesOutAtDeadline) {
  id::Config cfg;
  cfg.timeout = 2s;
  id::Requester req(js_peer(), id::Kind::identify, cfg, t0);
  req.on_bytes(BytesView(framed(js_hex("identify_message"))).first(10), t0 + 1s);
  req.on_timeout(t0 + 1999ms);
  EXPECT_FALSE(req.poll_event());
  req.on_timeout(t0 + 2s);
  EXPECT_EQ(failed(req.poll_event()), id::errc::timeout);
  EXPECT_EQ(req.deadline(), kNever);
  // Input that arrives after the deadline but before the driver's timer fired also fails.
  id::Requester late(js_peer(), id::Kind::identify, cfg, t0);
  late.on_bytes(framed(js_hex("identify_message")), t0 + 3s);
  EXPECT_EQ(failed(late.poll_event()), id::errc::timeout);
}

TEST(Builders, BuildIdentifyMatchesJsBytesAndRoundTrips) {
  const auto key = js_key();
  id::LocalIdentity local;
  local.agent_version = "js-libp2p/3.1.0";
  local.listen_addrs = {js_addrs()[0].with_peer_id(key.peer_id()), js_addrs()[1]};  // /p2p/ stripped
  local.protocols = {"/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"};
  local.signed_peer_record = *rec::seal_peer_record(key, rec::PeerRecord{key.peer_id(), 1700000000000u, js_addrs()});
  const auto msg = id::build_identify(key.public_key(), local, ma("/ip4/10.0.0.2/tcp/50000"));
  EXPECT_EQ(to_hex(id::encode_message(msg)), to_hex(js_hex("identify_message")));

  // Responder → Requester.
  auto resp = id::Responder::create(msg);
  ASSERT_TRUE(resp);
  id::Requester req(key.peer_id(), id::Kind::identify, {}, t0);
  req.on_bytes(resp->take_output(), t0);
  req.on_eof(t0);
  const auto ev = req.poll_event();
  ASSERT_TRUE(identified(ev));
  EXPECT_EQ(identified(ev)->observed_addr, ma("/ip4/10.0.0.2/tcp/50000"));
}

TEST(Builders, PushHasNoKeyNorObservedAddr) {
  id::LocalIdentity local;
  local.protocols = {"/a"};
  const auto msg = id::build_push(local);
  EXPECT_FALSE(msg.public_key);
  EXPECT_FALSE(msg.observed_addr);
  EXPECT_EQ(msg.protocol_version, "ipfs/0.1.0");
  EXPECT_EQ(msg.agent_version, "lotus-p2p/0.1.0");
  EXPECT_FALSE(msg.signed_peer_record);
  id::PushSender sender = *id::PushSender::create(msg);
  id::Requester rx(js_peer(), id::Kind::push, {}, t0);
  rx.on_bytes(sender.take_output(), t0);
  rx.on_eof(t0);
  const auto ev = rx.poll_event();
  ASSERT_TRUE(identified(ev));
  EXPECT_EQ(identified(ev)->protocols, std::vector<std::string>{"/a"});
}

TEST(Push, MergeSemantics) {
  const auto key = js_key();
  auto known = *id::to_info(*id::decode_message(js_hex("identify_message")), key.peer_id(), id::Kind::identify);

  // Partial update: new protocols and agent, nothing else.
  id::IdentifyMessage p1;
  p1.protocols = {"/ipfs/id/1.0.0", "/meshsub/1.1.0"};
  p1.agent_version = "js-libp2p/3.2.0";
  id::merge_push(known, *id::to_info(p1, key.peer_id(), id::Kind::push));
  EXPECT_EQ(known.protocols, (std::vector<std::string>{"/ipfs/id/1.0.0", "/meshsub/1.1.0"}));
  EXPECT_EQ(known.agent_version, "js-libp2p/3.2.0");
  EXPECT_EQ(known.protocol_version, "ipfs/0.1.0");  // absent: kept
  EXPECT_EQ(known.listen_addrs, js_addrs());        // absent: kept
  EXPECT_EQ(known.observed_addr, ma("/ip4/10.0.0.2/tcp/50000"));
  EXPECT_EQ(known.signed_record->record.seq, 1700000000000u);
  EXPECT_TRUE(known.public_key);

  // New addresses with a newer record: both replace.
  id::IdentifyMessage p2;
  p2.listen_addrs = {ma("/ip4/1.2.3.4/tcp/1").to_bytes()};
  p2.signed_peer_record = sealed(key, key.peer_id().bytes(), 1700000000001u, rec::kPeerRecordDomain,
                                 rec::kPeerRecordPayloadType, {ma("/ip4/1.2.3.4/tcp/1").to_bytes()});
  id::merge_push(known, *id::to_info(p2, key.peer_id(), id::Kind::push));
  EXPECT_EQ(known.listen_addrs, std::vector<mf::Multiaddr>{ma("/ip4/1.2.3.4/tcp/1")});
  EXPECT_EQ(known.signed_record->record.seq, 1700000000001u);
  EXPECT_EQ(known.addresses(), std::vector<mf::Multiaddr>{ma("/ip4/1.2.3.4/tcp/1")});

  // A stale record (lower or equal seq) does not replace the known one.
  for (std::uint64_t seq : {1700000000001u - 1, 1700000000001u}) {
    id::IdentifyMessage p3;
    p3.signed_peer_record = sealed(key, key.peer_id().bytes(), seq, rec::kPeerRecordDomain,
                                   rec::kPeerRecordPayloadType, {ma("/ip4/9.9.9.9/tcp/9").to_bytes()});
    id::merge_push(known, *id::to_info(p3, key.peer_id(), id::Kind::push));
    EXPECT_EQ(known.signed_record->record.seq, 1700000000001u);
    EXPECT_EQ(known.addresses(), std::vector<mf::Multiaddr>{ma("/ip4/1.2.3.4/tcp/1")});
  }

  // A broken record is reported and leaves the known one in place.
  id::IdentifyMessage p4;
  p4.signed_peer_record = hx("0a00");
  id::merge_push(known, *id::to_info(p4, key.peer_id(), id::Kind::push));
  EXPECT_EQ(known.signed_record_error, rec::errc::wrong_payload_type);
  EXPECT_EQ(known.signed_record->record.seq, 1700000000001u);

  // An empty push changes nothing.
  const auto before_protocols = known.protocols;
  id::merge_push(known, *id::to_info(id::IdentifyMessage{}, key.peer_id(), id::Kind::push));
  EXPECT_EQ(known.protocols, before_protocols);
  EXPECT_EQ(known.agent_version, "js-libp2p/3.2.0");
}
