// Multiaddr per the multiformats spec: text ("/ip4/1.2.3.4/tcp/4001/p2p/12D3…") and binary
// (varint protocol code + address) forms, validated component by component. Unknown protocols
// and malformed addresses are rejected with a specific errc.
// Supported: ip4 ip6 ip6zone tcp udp dccp sctp dns dns4 dns6 dnsaddr unix p2p (alias ipfs on
// input) p2p-circuit tls sni noise quic quic-v1 webtransport certhash http ws wss webrtc
// webrtc-direct. Text rules: ports are canonical decimal 0..65535 (no leading zeros); ip6 prints
// in RFC 5952 form (::ffff:a.b.c.d for IPv4-mapped); /p2p/ accepts base58btc or a libp2p-key CID
// and prints base58btc; /certhash/ accepts any multibase of multibase.hpp and prints base64url;
// /unix/ takes the rest of the address as its path (binary value keeps the leading '/'); one
// trailing '/' is tolerated, so /unix/ must be last (enforced for binary input too).
// Limits: 1 KiB binary, 8 KiB text. Not supported: onion, garlic,
// ipcidr, http-path, memory and the deprecated webrtc-star/websocket-star codes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"
#include "multiformats/peer_id.hpp"

namespace lotus::mf {

enum class MaErrc {
  empty = 1,            // "" or "/"
  no_leading_slash,     // text does not start with '/'
  unknown_protocol,     // protocol name or code we do not know
  missing_value,        // protocol needs a value and none followed
  invalid_value,        // value does not parse for its protocol (ip, port, peer id, base…)
  truncated,            // binary form ends inside a component
  trailing_data,        // binary varint-length value longer than the rest
  too_long,             // address exceeds the size limit (1 KiB binary)
};
const std::error_category& multiaddr_category() noexcept;
inline std::error_code make_error_code(MaErrc e) noexcept {
  return {static_cast<int>(e), multiaddr_category()};
}

// Protocol codes from the multiformats table.
namespace proto {
inline constexpr std::uint32_t ip4 = 4, tcp = 6, udp = 273, dccp = 33, ip6 = 41, dns = 53,
                               dns4 = 54, dns6 = 55, dnsaddr = 56, sctp = 132, p2p = 421,
                               p2p_circuit = 290, ws = 477, wss = 478, tls = 448, sni = 449,
                               noise = 454, quic = 460, quic_v1 = 461, webtransport = 465,
                               certhash = 466, webrtc_direct = 280, webrtc = 281, http = 480,
                               ip6zone = 42, unix_ = 400;
}

struct Component {
  std::uint32_t code = 0;
  Bytes value;  // binary value (empty for protocols without a value)
  friend bool operator==(const Component&, const Component&) = default;
};

class Multiaddr {
 public:
  Multiaddr() = default;
  static Result<Multiaddr> parse(std::string_view text);
  static Result<Multiaddr> from_bytes(BytesView binary);

  std::string to_string() const;
  Bytes to_bytes() const;
  const std::vector<Component>& components() const noexcept { return m_parts; }
  bool empty() const noexcept { return m_parts.empty(); }

  // Text value of the first component with `code` ("127.0.0.1", "4001", "example.com").
  std::optional<std::string> value_of(std::uint32_t code) const;
  std::optional<PeerId> peer_id() const;  // last /p2p/ component
  Multiaddr without_peer_id() const;      // drops a trailing /p2p/<id>
  Multiaddr with_peer_id(const PeerId& id) const;  // appends /p2p/<id> (replacing one)
  Multiaddr encapsulate(const Multiaddr& inner) const;
  void push(Component c) { m_parts.push_back(std::move(c)); }

  friend bool operator==(const Multiaddr&, const Multiaddr&) = default;
  friend bool operator<(const Multiaddr& a, const Multiaddr& b) { return a.to_bytes() < b.to_bytes(); }

 private:
  std::vector<Component> m_parts;
};

}  // namespace lotus::mf

LOTUS_ERRC_ENUM(lotus::mf::MaErrc)
