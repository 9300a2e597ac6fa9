// Error codes of the GossipSub engine layer (codec, signing, router commands).
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace lotus::proto::gossipsub {

enum class errc {
  rpc_too_large = 1,        // encoded RPC / frame exceeds Limits::max_rpc_size
  too_many_subscriptions,   // more SubOpts than Limits::max_subscriptions
  too_many_messages,        // more published messages than Limits::max_messages
  too_many_control,         // more control entries of one kind than Limits::max_control_entries
  too_many_message_ids,     // IHAVE/IWANT/IDONTWANT with more ids than Limits::max_message_ids
  too_many_prune_peers,     // PRUNE with more PX peers than Limits::max_prune_peers
  topic_too_long,           // topic longer than Limits::max_topic_size
  message_id_too_long,      // message id longer than Limits::max_message_id_size
  missing_topic,            // Message without its required topic
  invalid_utf8,             // reserved: topics are treated as opaque bytes (not checked)
  missing_signature,        // StrictSign: message lacks from/seqno/signature
  unexpected_signature,     // StrictNoSign: message carries from/seqno/signature/key
  invalid_seqno,            // StrictSign: seqno is not 8 bytes
  invalid_from,             // `from` is not a valid peer id
  invalid_key,              // `key` field malformed or does not match `from`
  missing_key,              // peer id does not inline its key and no `key` field was sent
  invalid_signature,        // signature does not verify
  unknown_peer,             // command or input names a peer that was not added
  duplicate_peer,           // add_peer for a peer already present
  duplicate_message,        // publish() of a message id already seen
  no_peers,                 // publish() with no peer to send to (allow_publish_to_zero_peers off)
  not_subscribed,           // unsubscribe() of a topic we are not subscribed to
  validation_queue_full,    // asynchronous validation queue is full: message ignored
  unknown_validation,       // report_validation() for an id that is not pending
  signing_failed,           // StrictSign publish without a usable private key
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

}  // namespace lotus::proto::gossipsub

LOTUS_ERRC_ENUM(lotus::proto::gossipsub::errc)
