// The core control API methods of lotus-p2pd (see control.hpp for the transport):
//
//   id                       {} -> {peer_id, public_key_type, addresses, listen_addrs, protocols, agent_version, protocol_version}
//   peers                    {} -> {peers: [{peer_id, agent_version, latency_ms, connections: [{id, direction, remote_addr, muxer}]}]}
//   connect                  {addr: multiaddr} | {peer: id} -> {peer_id, remote_addr, direction, muxer}
//   disconnect               {peer: id} -> {peer_id, was_connected}
//   ping        (streaming)  {peer: id | addr: multiaddr, count: 1..1000 (default 4)} -> {seq, rtt_ms, peer_id}…
//   identify                 {peer: id | addr: multiaddr} -> {peer_id, agent_version, protocol_version, protocols,
//                                                             listen_addrs, observed_addr, public_key_type}
//   status                   {} -> the GET /status document
//   api.methods              {} -> {methods: [{name, summary, streaming}]}
//
// Malformed parameters fail with node_errc::bad_request; host failures carry the host's errc.
// lotus-p2p: internal header (not installed)
#pragma once

#include "node/control.hpp"

namespace lotus::node {

class Node;

// Registers the methods above; `node` must outlive the router's use (the daemon's lifetime).
void add_core_methods(ControlRouter& router, Node& node);

}  // namespace lotus::node
