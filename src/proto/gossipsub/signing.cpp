#include "proto/gossipsub/signing.hpp"

#include "multiformats/peer_id.hpp"

namespace lotus::proto::gossipsub {

MessageId default_message_id(const Message& m) {
  MessageId id;
  if (m.from) append(id, *m.from);
  if (m.seqno) append(id, *m.seqno);
  return id;
}

Bytes signing_payload(const Message& m) {
  Bytes out = to_bytes(kSignPrefix);
  append(out, encode_for_signing(m));
  return out;
}

Status sign_message(Message& m, const crypto::PrivateKey& key) {
  const mf::PeerId pid = key.peer_id();
  m.from = pid.bytes();
  m.signature.reset();
  m.key.reset();
  auto sig = key.sign(signing_payload(m));
  if (!sig) return errc::signing_failed;
  m.signature = std::move(sig).value();
  if (!pid.inline_public_key()) m.key = key.public_key().to_protobuf();
  return {};
}

Status check_signature_policy(const Message& m, SignaturePolicy policy) {
  if (policy == SignaturePolicy::strict_no_sign) {
    if (m.from || m.seqno || m.signature || m.key) return errc::unexpected_signature;
    return {};
  }
  if (!m.from || !m.seqno || !m.signature) return errc::missing_signature;
  if (m.seqno->size() != kSeqnoSize) return errc::invalid_seqno;
  auto pid = mf::PeerId::from_bytes(*m.from);
  if (!pid) return errc::invalid_from;
  BytesView key_pb;
  if (m.key) {
    key_pb = *m.key;
  } else if (auto inl = pid->inline_public_key()) {
    key_pb = *inl;
  } else {
    return errc::missing_key;
  }
  auto pub = crypto::PublicKey::from_protobuf(key_pb);
  if (!pub) return errc::invalid_key;
  if (m.key && !(pub->peer_id() == *pid)) return errc::invalid_key;
  if (!pub->verify(signing_payload(m), *m.signature)) return errc::invalid_signature;
  return {};
}

}  // namespace lotus::proto::gossipsub
