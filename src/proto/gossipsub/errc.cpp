#include "proto/gossipsub/errc.hpp"

namespace lotus::proto::gossipsub {

const std::error_category& category() noexcept {
  static const TableCategory cat(
      "gossipsub",
      {
          {static_cast<int>(errc::rpc_too_large), "RPC exceeds the maximum size"},
          {static_cast<int>(errc::too_many_subscriptions), "too many subscriptions in one RPC"},
          {static_cast<int>(errc::too_many_messages), "too many messages in one RPC"},
          {static_cast<int>(errc::too_many_control), "too many control entries of one kind"},
          {static_cast<int>(errc::too_many_message_ids), "too many message ids in a control entry"},
          {static_cast<int>(errc::too_many_prune_peers), "too many peer-exchange entries in PRUNE"},
          {static_cast<int>(errc::topic_too_long), "topic exceeds the maximum length"},
          {static_cast<int>(errc::message_id_too_long), "message id exceeds the maximum length"},
          {static_cast<int>(errc::missing_topic), "message without topic"},
          {static_cast<int>(errc::invalid_utf8), "topic is not valid UTF-8"},
          {static_cast<int>(errc::missing_signature), "StrictSign message lacks from/seqno/signature"},
          {static_cast<int>(errc::unexpected_signature), "StrictNoSign message carries from/seqno/signature/key"},
          {static_cast<int>(errc::invalid_seqno), "seqno is not 8 bytes"},
          {static_cast<int>(errc::invalid_from), "message `from` is not a valid peer id"},
          {static_cast<int>(errc::invalid_key), "message key malformed or not matching `from`"},
          {static_cast<int>(errc::missing_key), "signer key neither inlined in peer id nor sent"},
          {static_cast<int>(errc::invalid_signature), "message signature does not verify"},
          {static_cast<int>(errc::unknown_peer), "unknown peer"},
          {static_cast<int>(errc::duplicate_peer), "peer already added"},
          {static_cast<int>(errc::duplicate_message), "message already seen"},
          {static_cast<int>(errc::no_peers), "no peers to publish to"},
          {static_cast<int>(errc::not_subscribed), "not subscribed to topic"},
          {static_cast<int>(errc::validation_queue_full), "validation queue full, message ignored"},
          {static_cast<int>(errc::unknown_validation), "no pending validation for message id"},
          {static_cast<int>(errc::signing_failed), "message signing failed"},
      });
  return cat;
}

}  // namespace lotus::proto::gossipsub
