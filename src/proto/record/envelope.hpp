// Signed envelopes, libp2p RFC 0002, in the wire form go-libp2p and js-libp2p actually use:
//
//   message Envelope {
//     PublicKey public_key = 1;   // crypto.pb PublicKey, kept as the received bytes
//     bytes payload_type   = 2;   // multicodec type hint
//     bytes payload        = 3;
//     bytes signature      = 5;   // NOTE: the RFC text says 4; every implementation uses 5
//   }
//
// Signed data: uvarint(len(domain)) ‖ domain ‖ uvarint(len(type)) ‖ type ‖ uvarint(len(payload))
// ‖ payload, signed with the identity key per the peer-id spec (crypto::PrivateKey::sign).
//
// Two layers:
//  * wire (envelope.cpp): encode/decode of the protobuf and the signed-data buffer; pure bytes,
//    no key parsing, no verification. decode_envelope() output is UNTRUSTED.
//  * crypto (envelope_sign.cpp): seal() signs, open() parses the key and verifies. Only what
//    open() returns may be trusted. The payload is not interpreted here (see peer_record.hpp).
// Not done: envelope caching/equality by marshalled bytes (callers keep the bytes they got).
#pragma once

#include <cstddef>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "crypto/keys.hpp"
#include "multiformats/peer_id.hpp"
#include "proto/record/errc.hpp"

namespace lotus::proto::record {

struct Limits {
  std::size_t max_envelope_size = 8192;  // whole encoded envelope (js identify message cap)
  std::size_t max_record_size = 8192;    // decoded PeerRecord payload
  std::size_t max_addresses = 256;           // AddressInfo entries in a PeerRecord
  std::size_t max_address_len = 1024;        // one binary multiaddr (multiaddr limit)
};

// Raw envelope fields exactly as on the wire. Empty = absent (proto3).
struct Envelope {
  Bytes public_key;  // crypto.pb PublicKey encoding
  Bytes payload_type;
  Bytes payload;
  Bytes signature;
  friend bool operator==(const Envelope&, const Envelope&) = default;
};

// Protobuf encoding; fields in number order, empty fields omitted (as js-libp2p does).
Bytes encode_envelope(const Envelope& e);
// Structural decode only (no verification). Errors: envelope_too_large, malformed_envelope.
Result<Envelope> decode_envelope(BytesView bytes, const Limits& limits = {});
// The buffer that is signed/verified for `domain`.
Bytes signing_buffer(std::string_view domain, BytesView payload_type, BytesView payload);

// An envelope whose signature has been verified for a domain.
struct VerifiedEnvelope {
  crypto::PublicKey public_key;  // parsed from envelope.public_key
  mf::PeerId signer;             // public_key.peer_id()
  Envelope envelope;
};

// Signs payload under domain/payload_type with `key`. Error: signing_failed.
Result<Envelope> seal(const crypto::PrivateKey& key, std::string_view domain,
                      BytesView payload_type, BytesView payload);
// decode + verify. Errors: envelope_too_large, malformed_envelope, missing_public_key,
// invalid_public_key, missing_signature, invalid_signature (includes a domain mismatch).
Result<VerifiedEnvelope> open(BytesView bytes, std::string_view expected_domain,
                              const Limits& limits = {});
// As above, and the payload type must equal `expected_payload_type` (checked before the
// signature, so junk is rejected cheaply). Extra error: wrong_payload_type.
Result<VerifiedEnvelope> open(BytesView bytes, std::string_view expected_domain,
                              BytesView expected_payload_type, const Limits& limits = {});

}  // namespace lotus::proto::record
