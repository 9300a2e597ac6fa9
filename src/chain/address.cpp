#include "chain/address.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "chain/codec.hpp"
#include "chain/script.hpp"
#include "crypto/hash.hpp"
#include "crypto/lotus/schnorr.hpp"
#include "multiformats/multibase.hpp"

namespace lotus::chain {
namespace {

crypto::Sha256Digest checksum(std::string_view token, char network, std::uint8_t type, BytesView payload) {
  crypto::Sha256 h;
  h.update(as_bytes(token));
  const std::uint8_t nt[2] = {static_cast<std::uint8_t>(network), type};
  h.update(BytesView(nt, 2));
  h.update(payload);
  return h.finish();
}

crypto::Sha256Digest legacy_checksum(std::string_view token, char network, std::uint8_t type, BytesView payload) {
  // lotusd LegacyHashAddressContents: CHashWriter(...).GetSHA256() — a single SHA-256 of the
  // serialised string, two bytes and the serialised vector.
  Bytes buf;
  put_var_bytes(buf, as_bytes(token));
  buf.push_back(static_cast<std::uint8_t>(network));
  buf.push_back(type);
  put_var_bytes(buf, payload);
  return crypto::sha256(buf);
}

bool known_network(char c) { return c == '_' || c == 'T' || c == 'R'; }

}  // namespace

Result<AddressContent> decode_address_content(std::string_view address) {
  if (address.size() > kMaxAddressLength) return errc::address_too_long;
  const auto pos = std::find_if(address.begin(), address.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isupper(u) || std::isdigit(u) || c == '_';
  });
  if (pos == address.end()) return errc::address_no_network;
  AddressContent c;
  c.token.assign(address.begin(), pos);
  c.network = *pos;
  const std::string_view encoded(pos + 1, address.end());
  if (encoded.empty()) return errc::address_too_short;
  auto raw = mf::base58btc_decode(encoded);
  if (!raw) return errc::address_base58;
  if (raw->size() < 5) return errc::address_too_short;
  c.type = (*raw)[0];
  c.payload.assign(raw->begin() + 1, raw->end() - 4);
  const BytesView got(raw->data() + raw->size() - 4, 4);
  const auto sum = checksum(c.token, c.network, c.type, c.payload);
  if (std::memcmp(sum.data(), got.data(), 4) != 0) {
    const auto legacy = legacy_checksum(c.token, c.network, c.type, c.payload);
    if (std::memcmp(legacy.data(), got.data(), 4) != 0) return errc::address_checksum;
  }
  return c;
}

std::string encode_address_content(const AddressContent& c) {
  Bytes raw;
  raw.reserve(c.payload.size() + 5);
  raw.push_back(c.type);
  append(raw, c.payload);
  const auto sum = checksum(c.token, c.network, c.type, c.payload);
  raw.insert(raw.end(), sum.begin(), sum.begin() + 4);
  std::string out = c.token;
  out.push_back(c.network);
  out += mf::base58btc_encode(raw);
  return out;
}

Result<Address> parse_address(std::string_view address, std::optional<Network> expected) {
  LOTUS_TRY(c, decode_address_content(address));
  if (c.token != kAddressToken) return errc::address_wrong_token;
  if (!known_network(c.network)) return errc::address_unknown_network;
  const auto network = static_cast<Network>(c.network);
  if (expected && *expected != network) return errc::address_wrong_network;
  if (c.type == static_cast<std::uint8_t>(AddressType::script)) {
    if (!match_p2pkh(c.payload) && !match_p2sh(c.payload)) return errc::address_unsupported_script;
    return Address{network, std::move(c.payload)};
  }
  if (c.type == static_cast<std::uint8_t>(AddressType::taproot)) {
    if (c.payload.size() != 33 || !crypto::lotus_sig::PublicKey::parse(c.payload)) return errc::address_bad_taproot_key;
    std::array<std::uint8_t, 33> q{};
    std::copy(c.payload.begin(), c.payload.end(), q.begin());
    return Address{network, taproot_script(q)};
  }
  return errc::address_unknown_type;
}

Result<std::string> address_from_script(BytesView script, Network network) {
  AddressContent c;
  c.token = std::string(kAddressToken);
  c.network = static_cast<char>(network);
  if (match_p2pkh(script) || match_p2sh(script)) {
    c.type = static_cast<std::uint8_t>(AddressType::script);
    c.payload.assign(script.begin(), script.end());
  } else if (auto t = match_taproot(script)) {
    // lotusd ExtractDestination: the destination is the commitment alone, also for a script
    // that carries a state — so parse_address() of the result gives the stateless script.
    c.type = static_cast<std::uint8_t>(AddressType::taproot);
    c.payload.assign(t->commitment.begin(), t->commitment.end());
  } else {
    return errc::address_unsupported_script;
  }
  return encode_address_content(c);
}

}  // namespace lotus::chain
