// libp2p NoiseHandshakePayload (libp2p/specs noise/README.md):
//   message NoiseExtensions { repeated bytes webtransport_certhashes = 1;
//                             repeated string stream_muxers = 2; }
//   message NoiseHandshakePayload { bytes identity_key = 1; bytes identity_sig = 2;
//                                   NoiseExtensions extensions = 4; }
// Decoding keeps views into the input (valid while it lives) and bounds the list sizes.
#pragma once

#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace lotus::proto::noise {

struct HandshakePayload {
  BytesView identity_key;  // PublicKey protobuf
  BytesView identity_sig;
  std::vector<BytesView> webtransport_certhashes;
  std::vector<std::string> stream_muxers;
  bool has_identity_key = false;
  bool has_identity_sig = false;
};

inline constexpr std::size_t kMaxExtensionEntries = 64;

// errc::invalid_payload on malformed protobuf or too many extension entries.
Result<HandshakePayload> decode_payload(BytesView in);
void encode_payload(Bytes& out, BytesView identity_key, BytesView identity_sig,
                    const std::vector<std::string>& muxers);

}  // namespace lotus::proto::noise
