// The "/pk/" namespace (go-libp2p-record PublicKeyValidator): key = "/pk/" + the binary
// multihash of a peer id, value = the protobuf-encoded PublicKey whose peer id is that
// multihash. All valid values are equal, so select() takes the first.
#pragma once

#include "proto/kad/validator.hpp"

namespace lotus::proto::kad {

inline constexpr std::string_view kPkPrefix = "/pk/";

class PkValidator final : public Validator {
 public:
  Status validate(BytesView key, BytesView value) const override;
  std::size_t select(BytesView key, std::span<const BytesView> values) const override;
};

}  // namespace lotus::proto::kad
