// Control API methods of the pubsub service (see node/control.hpp for the transport model):
//
//   pubsub.pub    {topic, data: "utf-8 text" | data_hex: "…"}   -> {id: hex message id}
//   pubsub.peers  {topic?}  -> {peers: [peer id…]}               (topic given: its announced
//                               subscribers, plus "mesh": [peer id…]; otherwise every pubsub peer)
//   pubsub.topics {}        -> {topics: [topic…]}                (topics we are subscribed to)
//   pubsub.sub    {topic}   -> streaming, one item per message:
//                  {topic, id, from?, seqno?, received_from, data (UTF-8 text, only when the
//                   payload is valid UTF-8), data_hex}
//                  The subscription is held for as long as the stream runs; it ends when the
//                  client goes away (noticed at the next message) or the service stops.
//
// CLI (lotus-p2p): `pubsub pub <topic> <text>|--hex <hex>`, `pubsub sub <topic>` (one JSON line
// per message), `pubsub peers [<topic>]`, `pubsub topics`.
#pragma once

#include "node/control.hpp"
#include "pubsub/pubsub.hpp"

namespace lotus::node {

// Registers pubsub.pub/peers/topics/sub on `router`. `ps` must outlive the router's use.
// `max_stream_bytes`: message data a pubsub.sub stream may queue for a slow client before the
// stream is cut (api.max_stream_buffer_kib).
void register_pubsub_methods(ControlRouter& router, pubsub::PubSub& ps, std::size_t max_stream_bytes = 1024 * 1024);

// The JSON item pubsub.sub emits for one message.
Json pubsub_message_json(const pubsub::Message& m);

}  // namespace lotus::node
