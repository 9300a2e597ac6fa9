// Message signing and origin checks (pubsub/README.md "Message Signing", "Signature Policy").
//
// StrictSign (default): every message carries from, an 8-byte seqno and a signature by the
// `from` identity key over "libp2p-pubsub:" ‖ protobuf(Message without signature and key). The
// key is inlined in `from` (Ed25519/secp256k1 identity peer ids) or sent in `key` (its peer id
// must equal `from`). StrictNoSign: from, seqno, signature and key must all be absent; ids then
// come from a content-based MessageIdFn supplied by the application.
// Not done: the deprecated lax policies (LaxSign / LaxNoSign).
#pragma once

#include <functional>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "crypto/keys.hpp"
#include "proto/gossipsub/rpc.hpp"

namespace lotus::proto::gossipsub {

enum class SignaturePolicy { strict_sign, strict_no_sign };

inline constexpr std::string_view kSignPrefix = "libp2p-pubsub:";
inline constexpr std::size_t kSeqnoSize = 8;

using MessageIdFn = std::function<MessageId(const Message&)>;

// from ‖ seqno (the spec's default). For StrictNoSign messages that is empty: configure a
// content-based function instead.
MessageId default_message_id(const Message& m);

Bytes signing_payload(const Message& m);

// Sets from (the key's peer id), signature and, if the peer id does not inline it, key.
// `m.seqno` must already be set.
Status sign_message(Message& m, const crypto::PrivateKey& key);

// Checks the message against the policy; for StrictSign also verifies the signature.
Status check_signature_policy(const Message& m, SignaturePolicy policy);

}  // namespace lotus::proto::gossipsub
