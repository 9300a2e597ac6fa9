// Lotus addresses ("XAddress"; lotusd src/addresses/xaddress.cpp is the authority, the xpi-ts
// XAddress class agrees with it):
//
//   address  = token || network char || base58(type byte || payload || checksum4)
//   token    = "lotus"
//   network  = '_' mainnet | 'T' testnet | 'R' regtest
//   type     = 0: payload is a whole output script (P2PKH 76a914..88ac, P2SH a914..87)
//              2: payload is a 33-byte Taproot commitment (script 62 51 21 <Q'>)
//   checksum = sha256(token || network char || type byte || payload)[0..4]
//              (decoding also accepts lotusd's legacy checksum of lotusd <= 1.0.1: the first 4
//              bytes of sha256(CompactSize+token || network || type || CompactSize+payload))
//
// Decoding splits at the first character that is upper case, a digit or '_' (lotusd;
// xpi-ts splits at upper case or '_' only — the two agree on every "lotus" address).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "chain/errc.hpp"

namespace lotus::chain {

enum class Network : char { mainnet = '_', testnet = 'T', regtest = 'R' };
enum class AddressType : std::uint8_t { script = 0, taproot = 2 };

inline constexpr std::string_view kAddressToken = "lotus";
// Far above any real address (~45 characters); bounds the quadratic base58 decoder.
inline constexpr std::size_t kMaxAddressLength = 200;

// What an address decodes to, before interpretation.
struct AddressContent {
  std::string token;
  char network = '_';
  std::uint8_t type = 0;
  Bytes payload;
};
Result<AddressContent> decode_address_content(std::string_view address);
std::string encode_address_content(const AddressContent& content);

// An address we can pay to: the output script it stands for.
struct Address {
  Network network = Network::mainnet;
  Bytes script;  // P2PKH, P2SH or Taproot output script
};
// Checks token "lotus", a known network (and `expected` if given), the type, and that the
// payload is a P2PKH/P2SH script (type 0) or a valid point (type 2).
Result<Address> parse_address(std::string_view address, std::optional<Network> expected = std::nullopt);
// errc::address_unsupported_script for scripts that have no address (data outputs, …). A
// Taproot script with a state gives the address of its commitment (lotusd does the same).
Result<std::string> address_from_script(BytesView script, Network network);

}  // namespace lotus::chain
