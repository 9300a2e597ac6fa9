// Typed, verified view of identify information, the push merge rule, and the pure builders
// the host uses to produce its own messages (libp2p specs identify/README.md).
//
// Decisions (spec leaves them open; documented here and in the report):
//  * publicKey: required for /ipfs/id (as js-libp2p); optional for push. When present its peer
//    id MUST equal the connection's remote peer, else peer_id_mismatch (the whole message is
//    rejected — it is not about the peer we are talking to).
//  * listenAddrs / observedAddr that are not valid multiaddrs (or use protocols we do not
//    know) are skipped and counted, not fatal: one exotic address must not cost us the peer.
//  * signedPeerRecord: verified with record::open_peer_record and checked to be issued by the
//    remote peer. If it fails, the record is dropped, the reason is kept in
//    IdentifyInfo::signed_record_error, and the rest of the message is still used
//    (go-libp2p does the same; js-libp2p rejects the whole message).
//  * When a valid record is present, its addresses are the peer's addresses (spec: "MUST use
//    the data contained within it and ignore duplicated fields"): see addresses().
// Not done: observed-address aggregation / NAT inference (host), own-peer-id rejection (host).
#pragma once

#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "base/result.hpp"
#include "crypto/keys.hpp"
#include "multiformats/multiaddr.hpp"
#include "multiformats/peer_id.hpp"
#include "proto/identify/message.hpp"
#include "proto/record/peer_record.hpp"

namespace lotus::proto::identify {

enum class Kind { identify, push };

struct IdentifyInfo {
  mf::PeerId peer_id;                           // the remote peer (matches public_key if present)
  std::optional<crypto::PublicKey> public_key;  // always set for Kind::identify
  std::optional<std::string> protocol_version;
  std::optional<std::string> agent_version;
  std::vector<mf::Multiaddr> listen_addrs;  // unsigned listenAddrs field, valid ones only
  std::size_t skipped_listen_addrs = 0;     // listenAddrs entries that did not parse
  std::vector<std::string> protocols;
  std::optional<mf::Multiaddr> observed_addr;
  bool observed_addr_invalid = false;  // an observedAddr was sent but did not parse
  std::optional<record::CertifiedPeerRecord> signed_record;
  std::error_code signed_record_error;  // a signedPeerRecord was sent and dropped: why

  // The addresses to use: the certified record's when present, else listen_addrs.
  const std::vector<mf::Multiaddr>& addresses() const noexcept {
    return signed_record ? signed_record->record.addresses : listen_addrs;
  }
  bool addresses_certified() const noexcept { return signed_record.has_value(); }
};

// Validates a complete (merged) message received from `remote`. Errors: missing_public_key
// (Kind::identify only), invalid_public_key, peer_id_mismatch. Signed-record failures are not
// errors (see above); record_peer_mismatch is reported through signed_record_error.
Result<IdentifyInfo> to_info(const IdentifyMessage& m, const mf::PeerId& remote, Kind kind,
                             const record::Limits& record_limits = {});

// Applies a push update to what we know about the same peer (spec: "missing fields should be
// ignored"): present optionals replace; a non-empty listenAddrs (counting skipped entries) or
// protocols list replaces the old list as a whole; a signed record replaces the known one only
// if its seq is strictly greater (RFC 0003), otherwise the known record is kept.
// Precondition: update.peer_id == known.peer_id.
void merge_push(IdentifyInfo& known, const IdentifyInfo& update);

// What the local node says about itself.
struct LocalIdentity {
  std::string protocol_version{kDefaultProtocolVersion};
  std::string agent_version = "lotus-p2p/0.1.0";
  std::vector<mf::Multiaddr> listen_addrs;  // sent without a trailing /p2p/<id>, as js does
  std::vector<std::string> protocols;
  Bytes signed_peer_record;  // record::seal_peer_record() output; empty = omit
};

// The /ipfs/id response: everything, plus our public key and, if the host knows it, the
// address we observe the remote at (js only sends IP/DNS-based ones).
IdentifyMessage build_identify(const crypto::PublicKey& key, const LocalIdentity& local,
                               const std::optional<mf::Multiaddr>& observed);
// The /ipfs/id/push message: like js-libp2p, no publicKey and no observedAddr.
IdentifyMessage build_push(const LocalIdentity& local);

}  // namespace lotus::proto::identify
