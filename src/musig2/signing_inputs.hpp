// Every hash and signature input of the MuSig2 P2P layer (lotus-wire.md §8.9), with sign and
// verify over the payload structs of messages.hpp. All signatures are Lotus Schnorr
// (crypto/lotus/schnorr.hpp) over sha256 of the listed bytes; byte-exact with the signatures
// captured from the reference in tests/vectors/dht-keys.json and p2p-message.json.
//
//   session id            hex(sha256(sha256(P33 sorted concat) || sha256(message))[0..8])
//   signing request id    hex(sha256(message || P33… (request order) || utf8(dec(now_ms))))
//   request signature     utf8(requestId hex) || message || P33… (request order) || utf8(dec(n))
//   participation proof   utf8(requestId) || utf8(dec(index)) || P33 || utf8(peerId)
//   signer advertisement  utf8(peerId) || utf8(JSON(multiaddrs)) || P33 || utf8(JSON(criteria))
//                         || utf8(dec(timestamp)) || utf8(dec(expiresAt))
//   session announcement  utf8(sessionId) || P33… (sorted) || message || byte(creatorIndex)
//                         || byte(n)      — n <= 255 is enforced by the parser (no wrap)
//   nonce commitment      sha256(R1_33 || R2_33) (not a signature)
//
// What these signatures do NOT cover (reference design, §12 item 16; the session layer must not
// rely on them): the participation timestamp; the announcement's metadata, election block and
// expiry; anything but the listed fields. verify_signing_request additionally checks (ours) that
// the embedded creator participation verifies; verify_participation can check that the key is
// the required key at that index (§12 item 5; the reference does not).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "coordinator/message.hpp"
#include "crypto/lotus/schnorr.hpp"
#include "musig2/messages.hpp"

namespace lotus::musig2 {

using crypto::lotus_sig::SecretKey;

// 16 lower-case hex chars; signers in any order (sorted here).
std::string session_id(std::span<const PublicKey> signers, BytesView message);
// 64 lower-case hex chars; keys in request order.
std::string signing_request_id(const Bytes32& message, std::span<const PublicKey> keys, std::int64_t now_ms);

Bytes request_signed_data(std::string_view request_id, const Bytes32& message, std::span<const PublicKey> keys);
Bytes participation_signed_data(std::string_view request_id, std::size_t index, const PublicKey& key,
                                std::string_view peer_id);
Bytes advertisement_signed_data(const SignerAdvertisement& a);
Bytes session_announcement_signed_data(const SessionAnnouncement& a);
Bytes32 nonce_commitment(const PublicNonce& n);

// Lotus Schnorr over sha256(data).
Result<Signature64> sign_data(const SecretKey& key, BytesView data);
// Ok, or crypto::lotus_sig::errc (signature_mismatch when well-formed but wrong; key errors).
Status verify_data(const PublicKey& key, BytesView data, const Signature64& sig);

// Fill in the signature field (the signing key must be the payload's key: errc inconsistent
// otherwise) / check it.
Status sign_advertisement(SignerAdvertisement& a, const SecretKey& key);
Status verify_advertisement(const SignerAdvertisement& a);

Status sign_participation(ParticipantJoined& p, const SecretKey& key);
// With required_keys non-empty (request order) the key must be required_keys[index] (ours).
Status verify_participation(const ParticipantJoined& p, std::span<const PublicKey> required_keys = {});

// Signs the request (creatorSignature) and its creatorParticipation.
Status sign_signing_request(SigningRequest& q, const SecretKey& key);
// creatorSignature against creatorPublicKey, and the creator participation (ours).
Status verify_signing_request(const SigningRequest& q);

Status sign_session_announcement(SessionAnnouncement& a, const SecretKey& key);
// Against signers[creatorIndex].
Status verify_session_announcement(const SessionAnnouncement& a);

// The commitment matches the nonce (wire_errc::inconsistent otherwise).
Status verify_nonce_commitment(const Bytes32& commitment, const PublicNonce& n);

// A MuSig2 P2PMessage as the reference coordinator builds it inline: members type, from,
// payload, timestamp, messageId, protocol "musig2" (coordinator::serialize gives the bytes).
coordinator::P2PMessage make_envelope(std::string_view type, json::Value payload, std::string from,
                                      std::int64_t timestamp_ms, std::string message_id);

}  // namespace lotus::musig2
