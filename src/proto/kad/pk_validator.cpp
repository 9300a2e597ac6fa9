#include "proto/kad/pk_validator.hpp"

#include "crypto/keys.hpp"
#include "proto/kad/errc.hpp"

namespace lotus::proto::kad {

Status PkValidator::validate(BytesView key, BytesView value) const {
  const std::string_view k = as_string_view(key);
  if (k.substr(0, kPkPrefix.size()) != kPkPrefix) return errc::invalid_pk_record;
  auto expected = mf::PeerId::from_bytes(key.subspan(kPkPrefix.size()));
  if (!expected) return errc::invalid_pk_record;
  auto pk = crypto::PublicKey::from_protobuf(value);
  if (!pk) return errc::invalid_pk_record;
  if (pk->peer_id() != *expected) return errc::invalid_pk_record;
  return {};
}

std::size_t PkValidator::select(BytesView, std::span<const BytesView>) const { return 0; }

}  // namespace lotus::proto::kad
