#include "proto/yamux/frame.hpp"

namespace lotus::proto::yamux {

static void put32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}
static std::uint32_t get32(const std::uint8_t* p) noexcept {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

void encode_header(const Header& h, std::uint8_t out[kHeaderSize]) noexcept {
  out[0] = h.version;
  out[1] = h.type;
  out[2] = static_cast<std::uint8_t>(h.flags >> 8);
  out[3] = static_cast<std::uint8_t>(h.flags);
  put32(out + 4, h.stream_id);
  put32(out + 8, h.length);
}

void append_header(Bytes& out, const Header& h) {
  std::uint8_t buf[kHeaderSize];
  encode_header(h, buf);
  out.insert(out.end(), buf, buf + kHeaderSize);
}

Header decode_header(const std::uint8_t* in) noexcept {
  Header h;
  h.version = in[0];
  h.type = in[1];
  h.flags = static_cast<std::uint16_t>(in[2] << 8 | in[3]);
  h.stream_id = get32(in + 4);
  h.length = get32(in + 8);
  return h;
}

}  // namespace lotus::proto::yamux
