// Error codes of the libp2p Noise engine (proto/noise).
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace lotus::proto::noise {

enum class errc {
  bad_frame_length = 1,      // a frame is shorter than its message needs (or than a tag)
  decrypt_failed,            // handshake AEAD tag mismatch
  transport_decrypt_failed,  // transport AEAD tag mismatch
  invalid_payload,           // NoiseHandshakePayload protobuf malformed
  missing_identity_key,      // payload without identity_key
  invalid_identity_key,      // identity_key is not a valid libp2p PublicKey
  invalid_signature,         // identity_sig missing or does not verify
  peer_id_mismatch,          // remote identity is not the expected (dialed) peer
  invalid_dh_key,            // remote ephemeral/static X25519 key is low order
  message_too_large,         // handshake frame length above Config::max_handshake_message
  early_data_too_large,      // more than Config::max_early_data after the last handshake message
  nonce_exhausted,           // 2^64-1 messages in one direction
  data_after_failure,        // input after the engine already failed
  handshake_incomplete,      // finish() before complete(), or twice
  sign_failed,               // our identity key could not sign
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

}  // namespace lotus::proto::noise

LOTUS_ERRC_ENUM(lotus::proto::noise::errc)
