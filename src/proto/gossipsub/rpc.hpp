// GossipSub / pubsub RPC messages and their protobuf codec.
//
// Spec: libp2p/specs pubsub/README.md (RPC, SubOpts, Message), gossipsub-v1.0.md (ControlMessage:
// IHAVE, IWANT, GRAFT, PRUNE), gossipsub-v1.1.md (PRUNE peer exchange + backoff), v1.2.md
// (IDONTWANT). On the wire each RPC is prefixed by its unsigned-varint length (FrameDecoder).
//
// Decoding is strict about sizes: every repeated field and byte string is bounded by Limits, and a
// violation returns a specific errc (the driver then drops the RPC / penalises the peer). Unknown
// fields are skipped as protobuf requires. Encoding is deterministic (field order as numbered;
// optional fields only when present), so tests can assert on bytes.
// Not done here: the deprecated `topicIDs` repeated field of Message (pre-2020), `testExtension`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "proto/gossipsub/errc.hpp"

namespace lotus::proto::gossipsub {

using MessageId = Bytes;

struct SubOpts {
  bool subscribe = false;
  std::string topic;
  friend bool operator==(const SubOpts&, const SubOpts&) = default;
};

struct Message {
  std::optional<Bytes> from;  // peer id multihash bytes
  Bytes data;
  std::optional<Bytes> seqno;  // 8 bytes big-endian when signed
  std::string topic;
  std::optional<Bytes> signature;
  std::optional<Bytes> key;  // protobuf PublicKey, only when `from` does not inline it
  friend bool operator==(const Message&, const Message&) = default;
};

struct ControlIHave {
  std::string topic;
  std::vector<MessageId> ids;
  friend bool operator==(const ControlIHave&, const ControlIHave&) = default;
};
struct ControlIWant {
  std::vector<MessageId> ids;
  friend bool operator==(const ControlIWant&, const ControlIWant&) = default;
};
struct ControlGraft {
  std::string topic;
  friend bool operator==(const ControlGraft&, const ControlGraft&) = default;
};
struct PeerInfo {
  Bytes peer_id;
  std::optional<Bytes> signed_peer_record;
  friend bool operator==(const PeerInfo&, const PeerInfo&) = default;
};
struct ControlPrune {
  std::string topic;
  std::vector<PeerInfo> peers;
  std::optional<std::uint64_t> backoff;  // seconds
  friend bool operator==(const ControlPrune&, const ControlPrune&) = default;
};
struct ControlIDontWant {
  std::vector<MessageId> ids;
  friend bool operator==(const ControlIDontWant&, const ControlIDontWant&) = default;
};

struct ControlMessage {
  std::vector<ControlIHave> ihave;
  std::vector<ControlIWant> iwant;
  std::vector<ControlGraft> graft;
  std::vector<ControlPrune> prune;
  std::vector<ControlIDontWant> idontwant;
  bool empty() const noexcept {
    return ihave.empty() && iwant.empty() && graft.empty() && prune.empty() && idontwant.empty();
  }
  friend bool operator==(const ControlMessage&, const ControlMessage&) = default;
};

struct Rpc {
  std::vector<SubOpts> subscriptions;
  std::vector<Message> publish;
  ControlMessage control;  // encoded only when non-empty
  bool empty() const noexcept { return subscriptions.empty() && publish.empty() && control.empty(); }
  friend bool operator==(const Rpc&, const Rpc&) = default;
};

// Decoder bounds. Defaults: 1 MiB RPCs (go-libp2p-pubsub's default max message size);
// 5000 ids per IHAVE/IWANT (the spec's/js max_ihave_length).
struct Limits {
  std::size_t max_rpc_size = 1 << 20;
  std::size_t max_subscriptions = 1024;
  std::size_t max_messages = 1024;
  std::size_t max_control_entries = 1024;  // per kind (ihave, iwant, graft, prune, idontwant)
  std::size_t max_message_ids = 5000;      // per IHAVE/IWANT/IDONTWANT entry
  std::size_t max_prune_peers = 64;
  std::size_t max_topic_size = 1024;
  std::size_t max_message_id_size = 1024;
};

void encode(const Message& m, Bytes& out);
void encode(const Rpc& rpc, Bytes& out);
Bytes encode(const Rpc& rpc);
// Protobuf of the message without signature and key: the signed payload's body.
Bytes encode_for_signing(const Message& m);
// varint(len) ‖ protobuf(rpc).
Bytes encode_frame(const Rpc& rpc);

// Splits an outgoing RPC so that every part respects `limits` as a peer with the same limits
// decodes them: at most max_messages messages and max_rpc_size bytes per part, IDONTWANT/IWANT
// entries of at most max_message_ids ids. Subscriptions and control travel in the first part.
// A single message that alone exceeds max_rpc_size is dropped (publish() refuses such data).
std::vector<Rpc> split_rpc(Rpc rpc, const Limits& limits);

Result<Message> decode_message(BytesView in, const Limits& limits = {});
Result<Rpc> decode_rpc(BytesView in, const Limits& limits = {});

}  // namespace lotus::proto::gossipsub
