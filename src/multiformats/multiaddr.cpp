#include "multiformats/multiaddr.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

#include "base/varint.hpp"
#include "multiformats/multibase.hpp"

namespace lotus::mf {

const std::error_category& multiaddr_category() noexcept {
  static const TableCategory cat("multiaddr", {
      {static_cast<int>(MaErrc::empty), "empty address"},
      {static_cast<int>(MaErrc::no_leading_slash), "text form must start with '/'"},
      {static_cast<int>(MaErrc::unknown_protocol), "unknown protocol"},
      {static_cast<int>(MaErrc::missing_value), "protocol value missing"},
      {static_cast<int>(MaErrc::invalid_value), "invalid value for protocol"},
      {static_cast<int>(MaErrc::truncated), "binary address ends inside a component"},
      {static_cast<int>(MaErrc::trailing_data), "length-prefixed value longer than the rest of the address"},
      {static_cast<int>(MaErrc::too_long), "address exceeds the size limit"},
  });
  return cat;
}

namespace {

// How a protocol's value is written.
enum class Kind : std::uint8_t {
  none,      // no value
  ip4,       // 4 bytes, dotted quad
  ip6,       // 16 bytes, RFC 5952 text
  port,      // 2 bytes big-endian, decimal 0..65535
  name,      // length-prefixed UTF-8 without '/', non-empty (dns*, sni, ip6zone)
  p2p,       // length-prefixed multihash, text base58btc (or CID on input)
  certhash,  // length-prefixed multihash, text multibase (base64url on output)
  path,      // length-prefixed path starting with '/', text = rest of the address (unix)
};

struct Proto {
  std::uint32_t code;
  const char* name;
  Kind kind;
};

constexpr Proto kProtos[] = {
    {proto::ip4, "ip4", Kind::ip4},
    {proto::tcp, "tcp", Kind::port},
    {proto::udp, "udp", Kind::port},
    {proto::dccp, "dccp", Kind::port},
    {proto::ip6, "ip6", Kind::ip6},
    {proto::ip6zone, "ip6zone", Kind::name},
    {proto::dns, "dns", Kind::name},
    {proto::dns4, "dns4", Kind::name},
    {proto::dns6, "dns6", Kind::name},
    {proto::dnsaddr, "dnsaddr", Kind::name},
    {proto::sctp, "sctp", Kind::port},
    {proto::unix_, "unix", Kind::path},
    {proto::p2p, "p2p", Kind::p2p},
    {proto::tls, "tls", Kind::none},
    {proto::sni, "sni", Kind::name},
    {proto::noise, "noise", Kind::none},
    {proto::quic, "quic", Kind::none},
    {proto::quic_v1, "quic-v1", Kind::none},
    {proto::webtransport, "webtransport", Kind::none},
    {proto::certhash, "certhash", Kind::certhash},
    {proto::http, "http", Kind::none},
    {proto::ws, "ws", Kind::none},
    {proto::wss, "wss", Kind::none},
    {proto::webrtc_direct, "webrtc-direct", Kind::none},
    {proto::webrtc, "webrtc", Kind::none},
    {proto::p2p_circuit, "p2p-circuit", Kind::none},
};

constexpr std::size_t kMaxBinary = 1024;
// Generous enough that the text of any valid 1 KiB binary address parses back ("/webrtc-direct"
// is 14 characters for 2 bytes); the binary limit is what bounds the result.
constexpr std::size_t kMaxText = 8192;
constexpr std::size_t kMaxName = 255;  // DNS name limit; also bounds sni / ip6zone

const Proto* by_code(std::uint64_t code) {
  for (const auto& p : kProtos)
    if (p.code == code) return &p;
  return nullptr;
}

const Proto* by_name(std::string_view name) {
  if (name == "ipfs") return by_code(proto::p2p);  // legacy alias, printed as /p2p
  for (const auto& p : kProtos)
    if (name == p.name) return &p;
  return nullptr;
}

bool has_length_prefix(Kind k) {
  return k == Kind::name || k == Kind::p2p || k == Kind::certhash || k == Kind::path;
}

std::size_t fixed_size(Kind k) {
  switch (k) {
    case Kind::ip4: return 4;
    case Kind::ip6: return 16;
    case Kind::port: return 2;
    default: return 0;
  }
}

// Validates a binary value (after the length prefix was stripped).
bool valid_value(const Proto& p, BytesView v) {
  switch (p.kind) {
    case Kind::none: return v.empty();
    case Kind::ip4:
    case Kind::ip6:
    case Kind::port: return v.size() == fixed_size(p.kind);
    case Kind::name: {
      if (v.empty() || v.size() > kMaxName) return false;
      for (auto b : v)
        if (b == '/') return false;
      return true;
    }
    case Kind::p2p: return PeerId::from_bytes(v).has_value();
    case Kind::certhash: return !v.empty();
    case Kind::path: return !v.empty() && v[0] == '/';
  }
  return false;
}

std::string ip6_to_text(BytesView b) {
  std::uint16_t w[8];
  for (int i = 0; i < 8; ++i) w[i] = static_cast<std::uint16_t>(b[2 * i] << 8 | b[2 * i + 1]);
  // IPv4-mapped (::ffff:0:0/96): RFC 5952 §5 mixed notation.
  if (w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0xffff) {
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, b.data() + 12, buf, sizeof buf);
    return std::string("::ffff:") + buf;
  }
  // Longest run of >= 2 zero groups, the first one on a tie (RFC 5952 §4.2).
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (w[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && w[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best = -1;
  std::string out;
  char buf[8];
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", static_cast<unsigned>(w[i]));
    out += buf;
  }
  return out;
}

std::string value_to_text(const Proto& p, BytesView v) {
  switch (p.kind) {
    case Kind::none: return {};
    case Kind::ip4: {
      if (v.size() != 4) return {};
      char buf[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, v.data(), buf, sizeof buf);
      return buf;
    }
    case Kind::ip6: return v.size() == 16 ? ip6_to_text(v) : std::string();
    case Kind::port: return v.size() == 2 ? std::to_string(v[0] << 8 | v[1]) : std::string();
    case Kind::name:
    case Kind::path: return std::string(as_string_view(v));
    case Kind::p2p: return base58btc_encode(v);
    case Kind::certhash: return multibase_encode(Base::base64url, v);
  }
  return {};
}

Result<Bytes> text_to_value(const Proto& p, std::string_view t) {
  switch (p.kind) {
    case Kind::none: return Bytes{};
    case Kind::ip4:
    case Kind::ip6: {
      if (t.size() > 45) return MaErrc::invalid_value;  // INET6_ADDRSTRLEN - 1
      char buf[64];
      std::memcpy(buf, t.data(), t.size());
      buf[t.size()] = '\0';
      Bytes out(p.kind == Kind::ip4 ? 4 : 16);
      if (inet_pton(p.kind == Kind::ip4 ? AF_INET : AF_INET6, buf, out.data()) != 1) return MaErrc::invalid_value;
      return out;
    }
    case Kind::port: {
      // Canonical decimal only: digits, no sign, no leading zeros, at most 65535.
      if (t.empty() || t.size() > 5 || (t.size() > 1 && t[0] == '0')) return MaErrc::invalid_value;
      std::uint32_t v = 0;
      for (char c : t) {
        if (c < '0' || c > '9') return MaErrc::invalid_value;
        v = v * 10 + static_cast<std::uint32_t>(c - '0');
      }
      if (v > 65535) return MaErrc::invalid_value;
      return Bytes{static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    }
    case Kind::name:
    case Kind::path: {
      Bytes out(t.begin(), t.end());
      if (!valid_value(p, out)) return MaErrc::invalid_value;
      return out;
    }
    case Kind::p2p: {
      auto id = PeerId::parse(t);
      if (!id) return MaErrc::invalid_value;
      return id->bytes();
    }
    case Kind::certhash: {
      auto b = multibase_decode(t);
      if (!b || b->empty()) return MaErrc::invalid_value;
      return std::move(*b);
    }
  }
  return MaErrc::invalid_value;
}

void append_component(Bytes& out, const Component& c, Kind k) {
  varint::append(out, c.code);
  if (has_length_prefix(k)) varint::append(out, c.value.size());
  append(out, c.value);
}

void append_component_text(std::string& out, const Component& c) {
  const Proto* p = by_code(c.code);
  if (!p) {  // only reachable through push() of an unvalidated component
    out += "/unknown-" + std::to_string(c.code);
    return;
  }
  out += '/';
  out += p->name;
  if (p->kind == Kind::none) return;
  const std::string v = value_to_text(*p, c.value);
  if (p->kind != Kind::path || v.empty() || v[0] != '/') out += '/';
  out += v;
}

}  // namespace

Result<Multiaddr> Multiaddr::parse(std::string_view text) {
  if (text.size() > kMaxText) return MaErrc::too_long;
  if (text.empty() || text == "/") return MaErrc::empty;
  if (text[0] != '/') return MaErrc::no_leading_slash;
  Multiaddr ma;
  std::size_t binary_size = 0;
  std::size_t pos = 1;
  while (pos < text.size()) {
    const std::size_t slash = text.find('/', pos);
    const std::string_view name = text.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    if (name.empty()) return MaErrc::unknown_protocol;  // "//"
    const Proto* p = by_name(name);
    if (!p) return MaErrc::unknown_protocol;
    pos = slash == std::string_view::npos ? text.size() : slash + 1;
    std::string_view value;
    if (p->kind == Kind::path) {
      // The rest of the address is the path, including its leading '/'.
      if (slash == std::string_view::npos) return MaErrc::missing_value;
      value = text.substr(slash);
      pos = text.size();
    } else if (p->kind != Kind::none) {
      if (slash == std::string_view::npos || pos >= text.size()) return MaErrc::missing_value;
      const std::size_t end = text.find('/', pos);
      value = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
      pos = end == std::string_view::npos ? text.size() : end + 1;
      if (value.empty()) return MaErrc::invalid_value;
    }
    LOTUS_TRY(bin, text_to_value(*p, value));
    Component c{p->code, std::move(bin)};
    binary_size += varint::encoded_size(c.code) + c.value.size() +
                   (has_length_prefix(p->kind) ? varint::encoded_size(c.value.size()) : 0);
    if (binary_size > kMaxBinary) return MaErrc::too_long;
    ma.m_parts.push_back(std::move(c));
  }
  if (ma.m_parts.empty()) return MaErrc::empty;
  return ma;
}

Result<Multiaddr> Multiaddr::from_bytes(BytesView binary) {
  if (binary.empty()) return MaErrc::empty;
  if (binary.size() > kMaxBinary) return MaErrc::too_long;
  Multiaddr ma;
  std::size_t pos = 0;
  auto read_varint = [&](std::uint64_t& v) -> std::error_code {
    varint::Decoded d;
    if (auto ec = varint::decode_uvarint(binary.subspan(pos), d))
      return ec == varint::errc::truncated ? std::error_code(MaErrc::truncated) : ec;
    pos += d.length;
    v = d.value;
    return {};
  };
  while (pos < binary.size()) {
    std::uint64_t code = 0;
    if (auto ec = read_varint(code)) return ec;
    const Proto* p = by_code(code);
    if (!p) return MaErrc::unknown_protocol;
    std::size_t len = fixed_size(p->kind);
    if (has_length_prefix(p->kind)) {
      std::uint64_t l = 0;
      if (auto ec = read_varint(l)) return ec;
      if (l > binary.size() - pos) return MaErrc::trailing_data;
      len = static_cast<std::size_t>(l);
    } else if (len > binary.size() - pos) {
      return MaErrc::truncated;
    }
    const BytesView v = binary.subspan(pos, len);
    pos += len;
    if (!valid_value(*p, v)) return MaErrc::invalid_value;
    // A path value swallows the rest of the text form, so it can only be the last component.
    if (p->kind == Kind::path && pos != binary.size()) return MaErrc::invalid_value;
    ma.m_parts.push_back(Component{p->code, Bytes(v.begin(), v.end())});
  }
  return ma;
}

std::string Multiaddr::to_string() const {
  std::string out;
  for (const auto& c : m_parts) append_component_text(out, c);
  return out;
}

Bytes Multiaddr::to_bytes() const {
  Bytes out;
  for (const auto& c : m_parts) {
    const Proto* p = by_code(c.code);
    append_component(out, c, p ? p->kind : Kind::name);
  }
  return out;
}

std::optional<std::string> Multiaddr::value_of(std::uint32_t code) const {
  for (const auto& c : m_parts) {
    if (c.code != code) continue;
    const Proto* p = by_code(code);
    if (!p) return std::nullopt;
    return value_to_text(*p, c.value);
  }
  return std::nullopt;
}

std::optional<PeerId> Multiaddr::peer_id() const {
  // The last /p2p/ component, but not a relay's id: one before /p2p-circuit/ is the relay.
  const Component* last = nullptr;
  for (const auto& c : m_parts) {
    if (c.code == proto::p2p) last = &c;
    if (c.code == proto::p2p_circuit) last = nullptr;
  }
  if (!last) return std::nullopt;
  auto id = PeerId::from_bytes(last->value);
  if (!id) return std::nullopt;
  return std::move(*id);
}

Multiaddr Multiaddr::without_peer_id() const {
  Multiaddr out = *this;
  if (!out.m_parts.empty() && out.m_parts.back().code == proto::p2p) out.m_parts.pop_back();
  return out;
}

Multiaddr Multiaddr::with_peer_id(const PeerId& id) const {
  Multiaddr out = without_peer_id();
  out.m_parts.push_back(Component{proto::p2p, id.bytes()});
  return out;
}

Multiaddr Multiaddr::encapsulate(const Multiaddr& inner) const {
  Multiaddr out = *this;
  out.m_parts.insert(out.m_parts.end(), inner.m_parts.begin(), inner.m_parts.end());
  return out;
}

}  // namespace lotus::mf
