// seal()/open(): the part of envelope.hpp that needs the crypto layer.
#include <algorithm>

#include "proto/record/envelope.hpp"

namespace lotus::proto::record {

Result<Envelope> seal(const crypto::PrivateKey& key, std::string_view domain,
                      BytesView payload_type, BytesView payload) {
  auto sig = key.sign(signing_buffer(domain, payload_type, payload));
  if (!sig) return errc::signing_failed;
  Envelope e;
  e.public_key = key.public_key().to_protobuf();
  e.payload_type.assign(payload_type.begin(), payload_type.end());
  e.payload.assign(payload.begin(), payload.end());
  e.signature = std::move(*sig);
  return e;
}

namespace {

Result<VerifiedEnvelope> verify(Envelope e, std::string_view domain) {
  if (e.public_key.empty()) return errc::missing_public_key;
  if (e.signature.empty()) return errc::missing_signature;
  auto key = crypto::PublicKey::from_protobuf(e.public_key);
  if (!key) return errc::invalid_public_key;
  if (!key->verify(signing_buffer(domain, e.payload_type, e.payload), e.signature))
    return errc::invalid_signature;
  mf::PeerId signer = key->peer_id();
  return VerifiedEnvelope{std::move(*key), std::move(signer), std::move(e)};
}

}  // namespace

Result<VerifiedEnvelope> open(BytesView bytes, std::string_view expected_domain,
                              const Limits& limits) {
  LOTUS_TRY(e, decode_envelope(bytes, limits));
  return verify(std::move(e), expected_domain);
}

Result<VerifiedEnvelope> open(BytesView bytes, std::string_view expected_domain,
                              BytesView expected_payload_type, const Limits& limits) {
  LOTUS_TRY(e, decode_envelope(bytes, limits));
  if (!std::equal(e.payload_type.begin(), e.payload_type.end(), expected_payload_type.begin(),
                  expected_payload_type.end()))
    return errc::wrong_payload_type;
  return verify(std::move(e), expected_domain);
}

}  // namespace lotus::proto::record
