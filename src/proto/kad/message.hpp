// Kademlia DHT RPC messages (libp2p/specs kad-dht README, "RPC messages"): the Message protobuf
// with its Record and Peer submessages, and the decode limits that keep hostile input bounded.
//
// Decoding is strict about structure (protobuf errors are returned as pb::errc, oversized keys
// and values as kad errc) and lenient about content, as the peers we talk to are: a Peer whose
// id is missing or not a valid peer id, and a multiaddr that does not parse, are skipped and
// counted in DecodeReport; peers beyond Limits::max_peers and addrs beyond
// Limits::max_addrs_per_peer are not decoded at all (counted too). An unknown connection type
// reads as NOT_CONNECTED. Not checked here: whether the fields a type needs are present (the
// handler and the lookup do that). Encoding follows proto3: zero/empty scalars are omitted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "multiformats/multiaddr.hpp"
#include "multiformats/peer_id.hpp"

namespace lotus::proto::kad {

enum class MessageType : std::uint8_t {
  put_value = 0,
  get_value = 1,
  add_provider = 2,
  get_providers = 3,
  find_node = 4,
  ping = 5,
};
const char* to_string(MessageType t) noexcept;

enum class ConnectionType : std::uint8_t {
  not_connected = 0,
  connected = 1,
  can_connect = 2,
  cannot_connect = 3,
};

struct Record {
  Bytes key;
  Bytes value;
  std::string time_received;  // set by the receiver; opaque here
  friend bool operator==(const Record&, const Record&) = default;
};

struct PeerInfo {
  mf::PeerId id;
  std::vector<mf::Multiaddr> addrs;
  ConnectionType connection = ConnectionType::not_connected;
  friend bool operator==(const PeerInfo&, const PeerInfo&) = default;
};

struct Message {
  MessageType type = MessageType::put_value;
  std::int32_t cluster_level_raw = 0;  // unused by libp2p; carried for completeness
  Bytes key;
  std::optional<Record> record;
  std::vector<PeerInfo> closer_peers;
  std::vector<PeerInfo> provider_peers;
  friend bool operator==(const Message&, const Message&) = default;
};

struct Limits {
  // Largest message body accepted. js-libp2p (it-length-prefixed) and go-libp2p allow 4 MiB,
  // rust-libp2p 16 KiB; a full k = 20 response with a handful of addrs per peer is ~3 KiB, so
  // 64 KiB leaves room for records while bounding per-stream memory.
  std::size_t max_message_size = 64 * 1024;
  std::size_t max_peers = 20;           // per closerPeers / providerPeers list
  std::size_t max_addrs_per_peer = 16;  // multiaddrs kept per peer
  std::size_t max_key_size = 1024;      // Message.key and Record.key
  std::size_t max_value_size = 60 * 1024;
};

// What decoding dropped; the driver may feed it into peer scoring.
struct DecodeReport {
  std::size_t dropped_peers = 0;  // beyond Limits::max_peers (not decoded)
  std::size_t dropped_addrs = 0;  // beyond Limits::max_addrs_per_peer (not decoded)
  std::size_t invalid_peers = 0;  // missing or invalid peer id
  std::size_t invalid_addrs = 0;  // multiaddr that does not parse
};

Result<Message> decode_message(BytesView body, const Limits& limits, DecodeReport* report = nullptr);
void encode_message(const Message& m, Bytes& out);  // appends the protobuf body
Bytes encode_message(const Message& m);

}  // namespace lotus::proto::kad
