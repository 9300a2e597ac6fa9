#include "proto/identify/responder.hpp"

#include <utility>

#include "base/varint.hpp"

namespace lotus::proto::identify {

Result<Responder> Responder::create(const IdentifyMessage& msg, const Limits& limits) {
  const Bytes body = encode_message(msg);
  if (body.size() > limits.max_message_size) return errc::message_too_large;
  Bytes framed;
  framed.reserve(body.size() + varint::kMaxMultiformatsLen);
  varint::append(framed, body.size());
  append(framed, body);
  return Responder(std::move(framed));
}

Bytes Responder::take_output() {
  return std::exchange(m_out, Bytes{});
}

}  // namespace lotus::proto::identify
