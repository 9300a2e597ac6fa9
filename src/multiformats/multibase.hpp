// Multibase per the multiformats spec (https://github.com/multiformats/multibase), restricted to
// the four bases libp2p uses: base58btc ('z', Bitcoin alphabet), base32 ('b', RFC 4648 lowercase,
// no padding), base64url ('u', RFC 4648 §5, no padding) and base16 ('f', lowercase).
//
// Decoding is strict: the canonical alphabet only (no uppercase variants, no '=' padding, no
// whitespace), impossible lengths and non-zero trailing bits are rejected, so every accepted
// string is the one our encoder produces. Not supported: the other multibase codes
// ('B', 'F', 'm', 'M', 'Q'…), which fail with unknown_prefix.
//
// Cost: base58 is quadratic in the input, so base58 decoding is capped at kMaxBase58Text
// characters; the linear bases at kMaxMultibaseText.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"

namespace lotus::mf {

enum class BaseErrc {
  unknown_prefix = 1,    // empty string or a multibase code we do not support
  invalid_character,     // a character outside the base's alphabet
  invalid_length,        // a length no encoding produces (odd base16, base32 len%8 in {1,3,6}…)
  nonzero_padding_bits,  // the unused low bits of the last character are not zero
  too_long,              // input longer than the decoder's limit
};
const std::error_category& multibase_category() noexcept;
inline std::error_code make_error_code(BaseErrc e) noexcept {
  return {static_cast<int>(e), multibase_category()};
}

// Multibase prefix characters.
enum class Base : char { base58btc = 'z', base32 = 'b', base64url = 'u', base16 = 'f' };

inline constexpr std::size_t kMaxBase58Text = 1024;
inline constexpr std::size_t kMaxMultibaseText = 64 * 1024;

std::string base58btc_encode(BytesView in);  // quadratic: keep inputs small (ids, hashes)
Result<Bytes> base58btc_decode(std::string_view text);
std::string base32_encode(BytesView in);
Result<Bytes> base32_decode(std::string_view text);
std::string base64url_encode(BytesView in);
Result<Bytes> base64url_decode(std::string_view text);
std::string base16_encode(BytesView in);
Result<Bytes> base16_decode(std::string_view text);

// `base` prefix followed by the encoding of `in`.
std::string multibase_encode(Base base, BytesView in);
// Decodes a prefixed string; `*which` (if given) receives the base used on success.
Result<Bytes> multibase_decode(std::string_view text, Base* which = nullptr);

}  // namespace lotus::mf

LOTUS_ERRC_ENUM(lotus::mf::BaseErrc)
