// libp2p Noise handshake (libp2p/specs noise/README.md; Noise framework rev 34):
// Noise_XX_25519_ChaChaPoly_SHA256, empty prologue, every handshake message framed with a 2-byte
// big-endian length. The static X25519 key is generated per Handshake from the given Rng (or
// taken pre-signed from Config::static_key) and bound to the libp2p identity by the NoiseHandshakePayload signature over
// "noise-libp2p-static-key:" ‖ static public key. Offered stream muxers travel in the
// stream_muxers extension (the spec's early muxer negotiation; choosing one is the host's job).
// Deliberately not done: other patterns (IK/XXfallback), webtransport cert hashes (ignored),
// any I/O or timeouts (the driver applies the handshake deadline).
//
//   Initiator                              Responder
//   idle --start()--> [msg1: e] ---------> await_msg1
//   await_msg2 <----- [msg2: e,ee,s,es,payload] (responder: await_msg3)
//   [msg3: s,se,payload] -----------------> complete
//   complete                                  (any error: failed)
//
// Usage: start(); then loop { write output() and clear it; feed read bytes to on_bytes() }
// until complete(), write the final output(), then finish() -> Session. Bytes that arrive after
// the last handshake message are kept in Session::early_data (decrypt them with the channel).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "crypto/keys.hpp"
#include "crypto/x25519.hpp"
#include "multiformats/peer_id.hpp"
#include "proto/noise/errc.hpp"
#include "proto/noise/secure_channel.hpp"
#include "proto/noise/symmetric_state.hpp"

namespace lotus::proto::noise {

inline constexpr char kProtocolId[] = "/noise";
inline constexpr char kProtocolName[] = "Noise_XX_25519_ChaChaPoly_SHA256";
inline constexpr char kStaticKeySigPrefix[] = "noise-libp2p-static-key:";

enum class Role { initiator, responder };

// A Noise static key pair bound to an identity: the X25519 pair and the identity signature over
// "noise-libp2p-static-key:" ‖ its public key. Computed once per host (make_static_key) and
// shared read-only by every connection's Handshake (as js-libp2p reuses its static key), which
// saves a keygen and a signature per connection. Forward secrecy is unaffected: the ephemeral
// keys are still fresh per handshake.
struct StaticKey {
  crypto::X25519KeyPair keys;
  crypto::PublicKey identity;  // whose signature identity_sig is
  Bytes identity_key_pb;       // identity.to_protobuf()
  Bytes identity_sig;
};
// Fresh X25519 pair from `rng` (SystemRng outside tests), signed by `identity`
// (errc::sign_failed if it cannot sign).
Result<std::shared_ptr<const StaticKey>> make_static_key(const crypto::PrivateKey& identity,
                                                        Rng& rng);

struct Config {
  const crypto::PrivateKey* identity = nullptr;  // must outlive the Handshake
  std::optional<mf::PeerId> expected_remote;     // the dialed /p2p/ id, if any
  std::vector<std::string> muxers;               // offered in the stream_muxers extension
  std::size_t max_handshake_message = 65535;     // frame length limit (<= 65535)
  std::size_t max_early_data = 1 << 20;          // bytes kept after the last handshake message
  // Optional pre-signed static key (made by make_static_key for `identity`; a key made for
  // another identity fails the handshake with errc::sign_failed). Unset: a fresh static key and
  // signature per Handshake.
  std::shared_ptr<const StaticKey> static_key;
};

struct Session {
  crypto::PublicKey remote_key;
  mf::PeerId remote_peer;
  std::vector<std::string> remote_muxers;
  SecureChannel channel;
  Bytes early_data;  // transport bytes that arrived with the last handshake message
};

// One handshake, one connection. `rng` (the X25519 keys; pass SystemRng outside tests) and
// `*config.identity` must outlive the Handshake. Not thread-safe; no I/O.
class Handshake {
 public:
  Handshake(Role role, Config config, Rng& rng);

  // Initiator: queues msg1. Responder: nothing to send (waits for msg1). Call once.
  Status start();
  // Feeds received bytes (fragments or several frames). An error is final.
  Status on_bytes(BytesView in);
  // Bytes the driver must write; the driver drains it (clear()).
  Bytes& output() noexcept { return m_out; }
  bool complete() const noexcept { return m_state == State::complete; }
  bool failed() const noexcept { return m_state == State::failed; }
  // Valid once complete(); moves the session out (a second call: errc::handshake_incomplete).
  Result<Session> finish();

 private:
  enum class State { idle, await_msg1, await_msg2, await_msg3, complete, finished, failed };

  Status fail(std::error_code ec);
  Status process(BytesView msg);
  Status write_msg1();
  Status read_msg1(BytesView msg);
  Status read_msg2(BytesView msg);
  Status read_msg3(BytesView msg);
  Status read_static_and_payload(BytesView rest);
  Status dh_mix(const crypto::X25519KeyPair& local, BytesView remote);
  const crypto::X25519KeyPair& static_pair() const noexcept;
  void begin_frame();
  Status end_frame();
  void do_split();

  Role m_role;
  Config m_cfg;
  Rng& m_rng;
  State m_state;
  detail::SymmetricState m_ss;
  crypto::X25519KeyPair m_s;  // unused (empty) when m_cfg.static_key is set
  crypto::X25519KeyPair m_e;
  crypto::X25519PublicKey m_re{};
  crypto::X25519PublicKey m_rs{};
  Bytes m_out;
  Bytes m_in;  // partial handshake frame (bounded by 2 + max_handshake_message)
  std::size_t m_frame_start = 0;
  Bytes m_scratch;
  std::optional<crypto::PublicKey> m_remote_key;
  std::optional<mf::PeerId> m_remote_peer;
  std::vector<std::string> m_remote_muxers;
  std::optional<SecureChannel> m_channel;
  Bytes m_early;
};

}  // namespace lotus::proto::noise
