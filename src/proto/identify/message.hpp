// The Identify message (libp2p specs identify/README.md, v1.0.0) — raw wire layer, pure bytes.
//
//   message Identify {
//     optional bytes  publicKey = 1;        repeated bytes listenAddrs = 2;
//     repeated string protocols = 3;        optional bytes observedAddr = 4;
//     optional string protocolVersion = 5;  optional string agentVersion = 6;
//     optional bytes  signedPeerRecord = 8;
//   }
//
// Protocol ids: /ipfs/id/1.0.0 (the responder writes one message and closes) and
// /ipfs/id/push/1.0.0 (the pusher writes one message and closes). On the wire each message is
// prefixed by its length as an unsigned varint. The spec lets a sender split its information
// over several length-prefixed messages (go-libp2p does for large signed records); the reader
// merges them with protobuf merge semantics (merge_chunk).
// Nothing here is validated beyond structure and size limits: see info.hpp for the typed,
// verified view. Strings are not checked for UTF-8 (proto2, as go/js).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "proto/framing/length_prefixed.hpp"
#include "proto/identify/errc.hpp"

namespace lotus::proto::identify {

inline constexpr std::string_view kProtocolId = "/ipfs/id/1.0.0";
inline constexpr std::string_view kPushProtocolId = "/ipfs/id/push/1.0.0";
// What js-libp2p sends as protocolVersion by default.
inline constexpr std::string_view kDefaultProtocolVersion = "ipfs/0.1.0";

// Defaults follow js-libp2p (MAX_IDENTIFY_MESSAGE_SIZE = 8 KiB) and go-libp2p (≤ 10 messages).
struct Limits {
  std::size_t max_message_size = 8192;  // one length-prefixed message, bytes
  std::size_t max_messages = 10;        // length-prefixed messages per stream
  std::size_t max_protocols = 1000;     // after merging all messages of a stream
  std::size_t max_protocol_len = 1024;  // multistream-select's protocol id limit
  std::size_t max_listen_addrs = 256;   // after merging all messages of a stream
  std::size_t max_addr_len = 1024;      // one binary multiaddr (listen or observed)
  std::size_t max_version_len = 1024;   // protocolVersion / agentVersion
};

// Raw fields; std::nullopt / empty vector = absent.
struct IdentifyMessage {
  std::optional<std::string> protocol_version;
  std::optional<std::string> agent_version;
  std::optional<Bytes> public_key;  // crypto.pb PublicKey encoding
  std::vector<Bytes> listen_addrs;  // binary multiaddrs
  std::optional<Bytes> observed_addr;
  std::vector<std::string> protocols;
  std::optional<Bytes> signed_peer_record;  // encoded signed envelope (record/peer_record.hpp)
  friend bool operator==(const IdentifyMessage&, const IdentifyMessage&) = default;
};

// Encoding in js-libp2p's field order (5, 6, 1, 2, 4, 3, 8), so our bytes equal theirs for the
// same content. Present-but-empty optionals are written (proto2 presence).
Bytes encode_message(const IdentifyMessage& m);
// Errors: message_too_large, malformed_message, too_many_protocols, protocol_too_long,
// too_many_addresses, address_too_long, field_too_long. Unknown fields are skipped; a repeated
// optional field keeps its last value (protobuf rules).
Result<IdentifyMessage> decode_message(BytesView bytes, const Limits& limits = {});
// uvarint(len) ‖ encode_message(m).
Bytes encode_framed(const IdentifyMessage& m);

// Protobuf merge of the next message of the same stream into `into`: optionals present in
// `chunk` overwrite, repeated fields append. Errors: too_many_protocols, too_many_addresses
// (counts after the merge). On error `into` is unchanged.
Status merge_chunk(IdentifyMessage& into, IdentifyMessage&& chunk, const Limits& limits = {});

// Incremental reader of a stream of length-prefixed Identify messages (pure; the Requester
// wraps it): proto/framing's Reader cuts the frames (copying only a message split across
// chunks), each is decoded and merged. Memory is bounded by Limits::max_message_size plus the
// merged result (bounded by the count limits).
//
//   [prefix] --len ≤ max--> [body] --complete--> decode, merge --> [prefix] ...
//       |  \--len > max--> error                                      |
//       +--- finish(): no message -> no_message; inside prefix/body -> truncated
//
// Errors are sticky: once on_bytes/finish failed, every later call returns the same error.
class MessageReader {
 public:
  explicit MessageReader(Limits limits = {}) : m_limits(limits), m_framer(limits.max_message_size) {}

  // Errors: bad_length_prefix, message_too_large, too_many_messages, and decode_message /
  // merge_chunk errors.
  Status on_bytes(BytesView in);
  // End of stream; call once (the merged message is moved out). Errors: truncated,
  // no_message, or the sticky error.
  Result<IdentifyMessage> finish();

  std::size_t messages() const noexcept { return m_count; }

 private:
  Status fail(std::error_code ec);

  Limits m_limits;
  framing::Reader m_framer;
  std::error_code m_error;
  std::size_t m_count = 0;
  IdentifyMessage m_merged;
};

}  // namespace lotus::proto::identify
