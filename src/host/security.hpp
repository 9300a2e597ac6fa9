// The security step of the upgrade (multistream "/noise", then Noise XX per the libp2p noise
// spec, engine in proto/noise) and the SecureLayer the connection encrypts through.
#pragma once

#include <memory>
#include <optional>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "multiformats/peer_id.hpp"
#include "runtime/asio_fwd.hpp"

namespace lotus::host::detail {

struct Conn;

class SecureLayer {
 public:
  virtual ~SecureLayer() = default;
  // Appends `plain` as one or more framed Noise transport messages to `out`.
  virtual Status seal(BytesView plain, Bytes& out) = 0;
  // Consumes wire bytes (any fragmentation; a partial frame is kept internally), appending the
  // plaintext of every complete frame to `plain`. Fails on a bad tag (final).
  virtual Status open(BytesView in, Bytes& plain) = 0;
};

// Runs multistream "/noise" + the Noise XX handshake on c (raw socket; any bytes already in
// c.raw_in are used first). On success sets c.secure, c.remote_peer, c.remote_key and, if the
// stream_muxers extension agreed on a muxer we support, c.muxer / c.muxer_from_noise.
// Leftover transport bytes stay in c.raw_in. Errors: host::errc::peer_id_mismatch when
// `expected` is set and the remote proved another identity; noise errors otherwise.
asio::awaitable<Status> secure_handshake(Conn& c, std::optional<mf::PeerId> expected);

}  // namespace lotus::host::detail
