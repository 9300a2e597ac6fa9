// Peer (routing) records, libp2p RFC 0003, as go-libp2p and js-libp2p ship them:
//
//   message PeerRecord {
//     message AddressInfo { bytes multiaddr = 1; }
//     bytes peer_id = 1;                   // peer id multihash bytes
//     uint64 seq = 2;                      // strictly increasing per issuer
//     repeated AddressInfo addresses = 3;
//   }
//
// carried in a signed envelope (envelope.hpp) with domain "libp2p-peer-record" and payload type
// multicodec 0x0301 (bytes 03 01). NOTE: RFC 0003's text says "libp2p-routing-state" and a
// string type hint; both were superseded before shipping — go-libp2p and js-libp2p (which we
// must interoperate with) use the values below, so we do too.
//
// Layers as in envelope.hpp: PeerRecordMessage is the raw wire form (pure, untrusted);
// open_peer_record() verifies the envelope FIRST (RFC 0003: never deserialize an unverified
// payload), then decodes the record and checks that its peer id is the signer's.
// Policy: addresses that do not parse as a multiaddr we know are skipped and counted
// (CertifiedPeerRecord::skipped_addresses) instead of failing the whole record, so a peer that
// advertises a transport we do not know still gets its other addresses certified.
// Not done here: the "only accept a higher seq" rule — that needs state (peer store); see
// identify::merge_push for the identify side.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "crypto/keys.hpp"
#include "multiformats/multiaddr.hpp"
#include "multiformats/peer_id.hpp"
#include "proto/record/envelope.hpp"
#include "proto/record/errc.hpp"

namespace lotus::proto::record {

inline constexpr std::string_view kPeerRecordDomain = "libp2p-peer-record";
inline constexpr std::array<std::uint8_t, 2> kPeerRecordPayloadType = {0x03,
                                                                       0x01};  // multicodec 0x0301

// Raw wire form.
struct PeerRecordMessage {
  Bytes peer_id;
  std::uint64_t seq = 0;
  std::vector<Bytes> addresses;  // AddressInfo.multiaddr values, in order
  friend bool operator==(const PeerRecordMessage&, const PeerRecordMessage&) = default;
};

// Fields in number order; empty peer_id, seq 0 and no addresses are omitted (proto3, as js).
Bytes encode_peer_record(const PeerRecordMessage& m);
// Structural decode. Errors: record_too_large, malformed_record, too_many_addresses,
// address_too_long.
Result<PeerRecordMessage> decode_peer_record(BytesView bytes, const Limits& limits = {});

// Typed form.
struct PeerRecord {
  mf::PeerId peer_id;
  std::uint64_t seq = 0;
  std::vector<mf::Multiaddr> addresses;
};

// A record whose envelope signature verified and whose peer id is the signer's.
struct CertifiedPeerRecord {
  PeerRecord record;
  std::size_t skipped_addresses = 0;  // AddressInfo entries that were not valid multiaddrs
  Bytes envelope;                     // the envelope bytes as received, to forward unchanged
};

PeerRecordMessage to_message(const PeerRecord& r);
// Builds and signs the envelope; returns its encoding. Error: peer_id_mismatch when
// r.peer_id is not key's peer id, signing_failed.
Result<Bytes> seal_peer_record(const crypto::PrivateKey& key, const PeerRecord& r);
// Errors: everything open() returns (wrong_payload_type included), then record_too_large,
// malformed_record, too_many_addresses, address_too_long, missing_peer_id, invalid_peer_id,
// peer_id_mismatch.
Result<CertifiedPeerRecord> open_peer_record(BytesView envelope_bytes, const Limits& limits = {});

}  // namespace lotus::proto::record
