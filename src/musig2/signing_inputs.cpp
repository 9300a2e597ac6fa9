#include "musig2/signing_inputs.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "base/hex.hpp"
#include "crypto/hash.hpp"

namespace lotus::musig2 {

namespace {

namespace ls = crypto::lotus_sig;

void put(Bytes& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }
void put(Bytes& out, BytesView b) { out.insert(out.end(), b.begin(), b.end()); }
void put_key(Bytes& out, const PublicKey& k) { put(out, BytesView(k.data(), k.size())); }
void put_dec(Bytes& out, std::int64_t v) { put(out, std::to_string(v)); }

std::string hex32(const crypto::Sha256Digest& d) { return to_hex(BytesView(d.data(), d.size())); }

// sha256 of the data, as the 32-byte Schnorr message.
ls::Bytes32 digest(BytesView data) {
  const auto d = crypto::sha256(data);
  ls::Bytes32 m{};
  std::copy(d.begin(), d.end(), m.begin());
  return m;
}

bool same_key(const SecretKey& key, const PublicKey& expected) { return key.public_key().bytes() == expected; }

}  // namespace

std::string session_id(std::span<const PublicKey> signers, BytesView message) {
  std::vector<PublicKey> sorted(signers.begin(), signers.end());
  std::sort(sorted.begin(), sorted.end());
  Bytes keys;
  for (const auto& k : sorted) put_key(keys, k);
  const auto hk = crypto::sha256(keys);
  const auto hm = crypto::sha256(message);
  Bytes both;
  put(both, BytesView(hk.data(), hk.size()));
  put(both, BytesView(hm.data(), hm.size()));
  const auto h = crypto::sha256(both);
  return to_hex(BytesView(h.data(), 8));
}

std::string signing_request_id(const Bytes32& message, std::span<const PublicKey> keys, std::int64_t now_ms) {
  Bytes pre;
  put(pre, BytesView(message.data(), message.size()));
  for (const auto& k : keys) put_key(pre, k);
  put_dec(pre, now_ms);
  return hex32(crypto::sha256(pre));
}

Bytes request_signed_data(std::string_view request_id, const Bytes32& message, std::span<const PublicKey> keys) {
  Bytes out;
  put(out, request_id);
  put(out, BytesView(message.data(), message.size()));
  for (const auto& k : keys) put_key(out, k);
  put_dec(out, static_cast<std::int64_t>(keys.size()));
  return out;
}

Bytes participation_signed_data(std::string_view request_id, std::size_t index, const PublicKey& key,
                                std::string_view peer_id) {
  Bytes out;
  put(out, request_id);
  put_dec(out, static_cast<std::int64_t>(index));
  put_key(out, key);
  put(out, peer_id);
  return out;
}

Bytes advertisement_signed_data(const SignerAdvertisement& a) {
  Bytes out;
  put(out, a.peer_id);
  json::Array addrs;
  for (const auto& m : a.multiaddrs) addrs.emplace_back(m);
  put(out, json::stringify(json::Value(std::move(addrs))));
  put_key(out, a.public_key);
  put(out, a.criteria_text());
  put_dec(out, a.timestamp);
  put_dec(out, a.expires_at);
  return out;
}

Bytes session_announcement_signed_data(const SessionAnnouncement& a) {
  Bytes out;
  put(out, a.session_id);
  for (const auto& k : a.signers) put_key(out, k);
  put(out, BytesView(a.message.data(), a.message.size()));
  out.push_back(static_cast<std::uint8_t>(a.creator_index & 0xff));
  out.push_back(static_cast<std::uint8_t>(a.required_signers & 0xff));
  return out;
}

Bytes32 nonce_commitment(const PublicNonce& n) {
  Bytes both;
  put_key(both, n.r1);
  put_key(both, n.r2);
  const auto d = crypto::sha256(both);
  Bytes32 out{};
  std::copy(d.begin(), d.end(), out.begin());
  return out;
}

Result<Signature64> sign_data(const SecretKey& key, BytesView data) {
  auto sig = ls::sign(key, digest(data));
  if (!sig) return sig.error();
  return sig->to_bytes();
}

Status verify_data(const PublicKey& key, BytesView data, const Signature64& sig) {
  const auto m = digest(data);
  return ls::verify_bytes(BytesView(key.data(), key.size()), BytesView(m.data(), m.size()),
                          BytesView(sig.data(), sig.size()));
}

Status sign_advertisement(SignerAdvertisement& a, const SecretKey& key) {
  if (!same_key(key, a.public_key)) return wire_errc::inconsistent;
  auto sig = sign_data(key, advertisement_signed_data(a));
  if (!sig) return sig.error();
  a.signature = *sig;
  return {};
}

Status verify_advertisement(const SignerAdvertisement& a) {
  return verify_data(a.public_key, advertisement_signed_data(a), a.signature);
}

Status sign_participation(ParticipantJoined& p, const SecretKey& key) {
  if (!same_key(key, p.participant_public_key)) return wire_errc::inconsistent;
  auto sig = sign_data(key, participation_signed_data(p.request_id, p.participant_index, p.participant_public_key,
                                                      p.participant_peer_id));
  if (!sig) return sig.error();
  p.signature = *sig;
  return {};
}

Status verify_participation(const ParticipantJoined& p, std::span<const PublicKey> required_keys) {
  if (!required_keys.empty()) {
    if (p.participant_index >= required_keys.size()) return wire_errc::out_of_range;
    if (required_keys[p.participant_index] != p.participant_public_key) return wire_errc::inconsistent;
  }
  return verify_data(p.participant_public_key,
                     participation_signed_data(p.request_id, p.participant_index, p.participant_public_key,
                                               p.participant_peer_id),
                     p.signature);
}

Status sign_signing_request(SigningRequest& q, const SecretKey& key) {
  if (!same_key(key, q.creator_public_key)) return wire_errc::inconsistent;
  auto sig = sign_data(key, request_signed_data(q.request_id, q.message, q.required_public_keys));
  if (!sig) return sig.error();
  q.creator_signature = *sig;
  return sign_participation(q.creator_participation, key);
}

Status verify_signing_request(const SigningRequest& q) {
  auto st = verify_data(q.creator_public_key, request_signed_data(q.request_id, q.message, q.required_public_keys),
                        q.creator_signature);
  if (!st) return st;
  const auto& cp = q.creator_participation;
  if (cp.request_id != q.request_id || cp.participant_public_key != q.creator_public_key)
    return wire_errc::inconsistent;
  return verify_participation(cp, q.required_public_keys);
}

Status sign_session_announcement(SessionAnnouncement& a, const SecretKey& key) {
  if (a.creator_index >= a.signers.size() || !same_key(key, a.signers[a.creator_index]))
    return wire_errc::inconsistent;
  auto sig = sign_data(key, session_announcement_signed_data(a));
  if (!sig) return sig.error();
  a.creator_signature = *sig;
  return {};
}

Status verify_session_announcement(const SessionAnnouncement& a) {
  if (a.creator_index >= a.signers.size()) return wire_errc::out_of_range;
  return verify_data(a.signers[a.creator_index], session_announcement_signed_data(a), a.creator_signature);
}

Status verify_nonce_commitment(const Bytes32& commitment, const PublicNonce& n) {
  if (nonce_commitment(n) != commitment) return wire_errc::inconsistent;
  return {};
}

coordinator::P2PMessage make_envelope(std::string_view type, json::Value payload, std::string from,
                                      std::int64_t timestamp_ms, std::string message_id) {
  coordinator::P2PMessage m;
  m.type = std::string(type);
  m.from = std::move(from);
  m.payload = std::move(payload);
  m.timestamp = static_cast<double>(timestamp_ms);
  m.message_id = std::move(message_id);
  m.protocol = std::string(kProtocolName);
  return m;
}

}  // namespace lotus::musig2
