// Control API methods of the coordinator (lotus-p2p send | broadcast | messages):
//
//   p2p.send       {peer, type, payload?|payload_json?, protocol?, to?}
//                    -> {message_id, bytes}
//   p2p.broadcast  {type, payload?|payload_json?, protocol?, network_wide?, exclude?: [peer]}
//                    -> {message_id, bytes, targets, sent, failed, published}
//   p2p.messages   {} -> stream of {peer, via: "direct"|"gossip", type, message_id, protocol?, text}
//                    (`text`: the message as received, re-serialised byte-exact)
//
// `payload_json` is JSON text parsed with the JS-exact parser (member order kept as written);
// `payload` is any JSON value of the request (member order: the control API's, alphabetical).
// The messages stream ends with coordinator_errc::slow_consumer once more than
// `max_stream_bytes` of message text wait for a slow client (the daemon never holds memory for
// it), and ends cleanly when the coordinator stops.
#pragma once

#include <cstddef>

#include "coordinator/coordinator.hpp"
#include "node/control.hpp"

namespace lotus::node {

void register_coordinator_methods(ControlRouter& router, coordinator::Coordinator& co,
                                  std::size_t max_stream_bytes = 1024 * 1024);

}  // namespace lotus::node
