// The security step of the upgrade (multistream "/noise", then Noise XX per the libp2p noise
// spec, engine in proto/noise) and the SecureLayer the connection encrypts through.
// lotus-p2p: internal header (not installed)
#pragma once

#include <memory>
#include <optional>
#include <span>

#include "base/byte_buffer.hpp"
#include "base/bytes.hpp"
#include "base/function_ref.hpp"
#include "base/result.hpp"
#include "multiformats/peer_id.hpp"
#include "runtime/asio_fwd.hpp"

namespace lotus::host::detail {

struct Conn;

class SecureLayer {
 public:
  virtual ~SecureLayer() = default;
  // Appends `plain` as one or more framed Noise transport messages to `out`.
  virtual Status seal(BytesView plain, ByteBuffer& out) = 0;
  // The same for a plaintext given in pieces (sealed without first joining them).
  virtual Status seal_gather(std::span<const BytesView> pieces, ByteBuffer& out) = 0;
  // Decrypts the complete frames at the start of `wire` in place, handing each plaintext to
  // `sink`; returns the bytes they took (the rest is a partial frame the caller keeps and
  // presents again). Fails on a bad tag (final) or with the sink's error.
  virtual Result<std::size_t> open_in_place(MutBytesView wire, FunctionRef<Status(BytesView)> sink) = 0;
  // The wire size of the frame `partial` begins (an upper bound while its header is incomplete).
  virtual std::size_t frame_size(BytesView partial) const = 0;
};

// Runs multistream "/noise" + the Noise XX handshake on c (raw socket; any bytes already in
// c.raw_in are used first). On success sets c.secure, c.remote_peer, c.remote_key and, if the
// stream_muxers extension agreed on a muxer we support, c.muxer / c.muxer_from_noise.
// Leftover transport bytes stay in c.raw_in. Errors: host::errc::peer_id_mismatch when
// `expected` is set and the remote proved another identity; noise errors otherwise.
asio::awaitable<Status> secure_handshake(Conn& c, std::optional<mf::PeerId> expected);

}  // namespace lotus::host::detail
