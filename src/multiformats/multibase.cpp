#include "multiformats/multibase.hpp"

#include <array>
#include <cstdint>

namespace lotus::mf {

const std::error_category& multibase_category() noexcept {
  static const TableCategory cat("multibase", {
      {static_cast<int>(BaseErrc::unknown_prefix), "missing or unsupported multibase prefix"},
      {static_cast<int>(BaseErrc::invalid_character), "character outside the base's alphabet"},
      {static_cast<int>(BaseErrc::invalid_length), "encoded length is impossible for this base"},
      {static_cast<int>(BaseErrc::nonzero_padding_bits), "unused trailing bits are not zero"},
      {static_cast<int>(BaseErrc::too_long), "encoded input exceeds the decoder's size limit"},
  });
  return cat;
}

namespace {

constexpr char kB58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
constexpr char kB32[] = "abcdefghijklmnopqrstuvwxyz234567";
constexpr char kB64u[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kB16[] = "0123456789abcdef";

// Reverse lookup table: 0xff for characters outside the alphabet.
struct Lookup {
  std::array<std::uint8_t, 256> t{};
  constexpr explicit Lookup(const char* alphabet) {
    for (auto& v : t) v = 0xff;
    for (int i = 0; alphabet[i] != '\0'; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  }
  std::uint8_t operator()(char c) const noexcept { return t[static_cast<unsigned char>(c)]; }
};
constexpr Lookup kB58Rev(kB58);
constexpr Lookup kB32Rev(kB32);
constexpr Lookup kB64uRev(kB64u);
constexpr Lookup kB16Rev(kB16);

// RFC 4648 style bit packing, `bits` per character, no padding characters.
std::string encode_bits(BytesView in, const char* alphabet, unsigned bits) {
  std::string out;
  out.reserve((in.size() * 8 + bits - 1) / bits);
  const unsigned mask = (1u << bits) - 1;
  std::uint32_t acc = 0;
  unsigned n = 0;
  for (std::uint8_t b : in) {
    acc = (acc << 8) | b;
    n += 8;
    while (n >= bits) {
      n -= bits;
      out.push_back(alphabet[(acc >> n) & mask]);
    }
    acc &= (1u << n) - 1;
  }
  if (n > 0) out.push_back(alphabet[(acc << (bits - n)) & mask]);
  return out;
}

Result<Bytes> decode_bits(std::string_view text, const Lookup& rev, unsigned bits) {
  if (text.size() > kMaxMultibaseText) return BaseErrc::too_long;
  // A valid length leaves fewer than `bits` unused bits (else the last character carries no data).
  if ((text.size() * bits) % 8 >= bits) return BaseErrc::invalid_length;
  Bytes out;
  out.reserve(text.size() * bits / 8);
  std::uint32_t acc = 0;
  unsigned n = 0;
  for (char c : text) {
    const std::uint8_t v = rev(c);
    if (v == 0xff) return BaseErrc::invalid_character;
    acc = (acc << bits) | v;
    n += bits;
    if (n >= 8) {
      n -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> n));
      acc &= (1u << n) - 1;
    }
  }
  if (acc != 0) return BaseErrc::nonzero_padding_bits;
  return out;
}

}  // namespace

std::string base58btc_encode(BytesView in) {
  std::size_t zeros = 0;
  while (zeros < in.size() && in[zeros] == 0) ++zeros;
  // Big number in base 58, least significant digit first. log(256)/log(58) < 1.366.
  std::string digits;
  digits.reserve((in.size() - zeros) * 1366 / 1000 + 1);
  for (std::size_t i = zeros; i < in.size(); ++i) {
    std::uint32_t carry = in[i];
    for (char& d : digits) {
      carry += static_cast<std::uint32_t>(static_cast<unsigned char>(d)) << 8;
      d = static_cast<char>(carry % 58);
      carry /= 58;
    }
    while (carry > 0) {
      digits.push_back(static_cast<char>(carry % 58));
      carry /= 58;
    }
  }
  std::string out(zeros, '1');
  out.reserve(zeros + digits.size());
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) out.push_back(kB58[static_cast<unsigned char>(*it)]);
  return out;
}

Result<Bytes> base58btc_decode(std::string_view text) {
  if (text.size() > kMaxBase58Text) return BaseErrc::too_long;
  std::size_t ones = 0;
  while (ones < text.size() && text[ones] == '1') ++ones;
  Bytes le;  // base-256 digits, least significant first
  le.reserve(text.size());
  for (std::size_t i = ones; i < text.size(); ++i) {
    const std::uint8_t v = kB58Rev(text[i]);
    if (v == 0xff) return BaseErrc::invalid_character;
    std::uint32_t carry = v;
    for (auto& b : le) {
      carry += static_cast<std::uint32_t>(b) * 58;
      b = static_cast<std::uint8_t>(carry);
      carry >>= 8;
    }
    while (carry > 0) {
      le.push_back(static_cast<std::uint8_t>(carry));
      carry >>= 8;
    }
  }
  Bytes out(ones, 0);
  out.insert(out.end(), le.rbegin(), le.rend());
  return out;
}

std::string base32_encode(BytesView in) { return encode_bits(in, kB32, 5); }
Result<Bytes> base32_decode(std::string_view text) { return decode_bits(text, kB32Rev, 5); }
std::string base64url_encode(BytesView in) { return encode_bits(in, kB64u, 6); }
Result<Bytes> base64url_decode(std::string_view text) { return decode_bits(text, kB64uRev, 6); }
std::string base16_encode(BytesView in) { return encode_bits(in, kB16, 4); }
Result<Bytes> base16_decode(std::string_view text) { return decode_bits(text, kB16Rev, 4); }

std::string multibase_encode(Base base, BytesView in) {
  std::string body;
  switch (base) {
    case Base::base58btc: body = base58btc_encode(in); break;
    case Base::base32: body = base32_encode(in); break;
    case Base::base64url: body = base64url_encode(in); break;
    case Base::base16: body = base16_encode(in); break;
  }
  body.insert(body.begin(), static_cast<char>(base));
  return body;
}

Result<Bytes> multibase_decode(std::string_view text, Base* which) {
  if (text.empty()) return BaseErrc::unknown_prefix;
  const std::string_view body = text.substr(1);
  Base b;
  Result<Bytes> r = BaseErrc::unknown_prefix;
  switch (text[0]) {
    case 'z': b = Base::base58btc; r = base58btc_decode(body); break;
    case 'b': b = Base::base32; r = base32_decode(body); break;
    case 'u': b = Base::base64url; r = base64url_decode(body); break;
    case 'f': b = Base::base16; r = base16_decode(body); break;
    default: return BaseErrc::unknown_prefix;
  }
  if (r && which) *which = b;
  return r;
}

}  // namespace lotus::mf
