#include "proto/gossipsub/errc.hpp"

namespace lotus::proto::gossipsub {

const std::error_category& category() noexcept {
  static const TableCategory cat(
      "gossipsub",
      {
          {static_cast<int>(errc::rpc_too_large), "gossipsub: RPC exceeds the maximum size"},
          {static_cast<int>(errc::too_many_subscriptions), "gossipsub: too many subscriptions in one RPC"},
          {static_cast<int>(errc::too_many_messages), "gossipsub: too many messages in one RPC"},
          {static_cast<int>(errc::too_many_control), "gossipsub: too many control entries of one kind"},
          {static_cast<int>(errc::too_many_message_ids), "gossipsub: too many message ids in a control entry"},
          {static_cast<int>(errc::too_many_prune_peers), "gossipsub: too many peer-exchange entries in PRUNE"},
          {static_cast<int>(errc::topic_too_long), "gossipsub: topic exceeds the maximum length"},
          {static_cast<int>(errc::message_id_too_long), "gossipsub: message id exceeds the maximum length"},
          {static_cast<int>(errc::missing_topic), "gossipsub: message without topic"},
          {static_cast<int>(errc::invalid_utf8), "gossipsub: topic is not valid UTF-8"},
          {static_cast<int>(errc::missing_signature), "gossipsub: StrictSign message lacks from/seqno/signature"},
          {static_cast<int>(errc::unexpected_signature), "gossipsub: StrictNoSign message carries from/seqno/signature/key"},
          {static_cast<int>(errc::invalid_seqno), "gossipsub: seqno is not 8 bytes"},
          {static_cast<int>(errc::invalid_from), "gossipsub: message `from` is not a valid peer id"},
          {static_cast<int>(errc::invalid_key), "gossipsub: message key malformed or not matching `from`"},
          {static_cast<int>(errc::missing_key), "gossipsub: signer key neither inlined in peer id nor sent"},
          {static_cast<int>(errc::invalid_signature), "gossipsub: message signature does not verify"},
          {static_cast<int>(errc::unknown_peer), "gossipsub: unknown peer"},
          {static_cast<int>(errc::duplicate_peer), "gossipsub: peer already added"},
          {static_cast<int>(errc::duplicate_message), "gossipsub: message already seen"},
          {static_cast<int>(errc::no_peers), "gossipsub: no peers to publish to"},
          {static_cast<int>(errc::not_subscribed), "gossipsub: not subscribed to topic"},
          {static_cast<int>(errc::validation_queue_full), "gossipsub: validation queue full, message ignored"},
          {static_cast<int>(errc::unknown_validation), "gossipsub: no pending validation for message id"},
          {static_cast<int>(errc::signing_failed), "gossipsub: message signing failed"},
      });
  return cat;
}

}  // namespace lotus::proto::gossipsub
