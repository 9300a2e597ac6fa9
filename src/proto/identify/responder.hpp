// Identify responder, and identify-push sender (libp2p specs identify/README.md): the side
// that WRITES one length-prefixed Identify message and then closes its write side. Sans-IO.
//
//   create() --> [pending] --take_output()--> [done]  (driver writes the bytes, then closes)
//
// The message is never split: js-libp2p reads exactly one message and closes the stream, so a
// second message would be lost. A message that does not fit Limits::max_message_size (8 KiB,
// js-libp2p's read limit) is refused at create() rather than silently truncated.
// Inbound bytes on this stream are not expected and are ignored by the driver.
#pragma once

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "proto/identify/message.hpp"

namespace lotus::proto::identify {

class Responder {
 public:
  // Error: message_too_large.
  static Result<Responder> create(const IdentifyMessage& msg, const Limits& limits = {});

  // The bytes to write (the framed message); empty once taken. Then close the write side.
  Bytes take_output();
  bool done() const noexcept { return m_out.empty(); }
  TimePoint deadline() const noexcept { return kNever; }

 private:
  explicit Responder(Bytes out) : m_out(std::move(out)) {}
  Bytes m_out;
};

// The push sender is the same engine: build_push() + Responder, on /ipfs/id/push/1.0.0.
using PushSender = Responder;

}  // namespace lotus::proto::identify
