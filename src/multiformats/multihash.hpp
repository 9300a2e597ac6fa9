// Multihash per the multiformats spec (https://github.com/multiformats/multihash):
// <varint hash code><varint digest length><digest>, varints in the minimal multiformats form.
// Only the two codes libp2p peer ids use are known: identity (0x00, digest = the data itself,
// at most kMaxIdentityDigest bytes) and sha2-256 (0x12, exactly 32 bytes). Any other code is
// rejected with unknown_code; we never guess at digests we cannot check.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <system_error>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"

namespace lotus::mf {

enum class MhErrc {
  truncated = 1,    // input ends inside the code, the length or the digest
  unknown_code,     // hash code other than identity / sha2-256
  length_mismatch,  // digest length wrong for the code, or bytes follow the digest
  digest_too_long,  // identity digest longer than kMaxIdentityDigest
};
const std::error_category& multihash_category() noexcept;
inline std::error_code make_error_code(MhErrc e) noexcept {
  return {static_cast<int>(e), multihash_category()};
}

namespace hash_code {
inline constexpr std::uint64_t identity = 0x00, sha2_256 = 0x12;
}
inline constexpr std::size_t kSha256Size = 32;
inline constexpr std::size_t kMaxIdentityDigest = 1024;

// A parsed multihash; `digest` points into the parsed input.
struct MultihashView {
  std::uint64_t code = 0;
  BytesView digest;
  std::size_t size = 0;  // bytes of input the multihash occupies
};

// Parses one multihash at the start of `in`; bytes after it are left to the caller.
// Varint errors other than truncation (not_minimal, overflow) are returned as varint::errc.
Result<MultihashView> decode_multihash_prefix(BytesView in);
// Parses `in` as exactly one multihash (trailing bytes -> length_mismatch).
Result<MultihashView> decode_multihash(BytesView in);

// Encodes code + digest (the caller guarantees the digest fits the code).
Bytes encode_multihash(std::uint64_t code, BytesView digest);
Bytes identity_multihash(BytesView data);
Bytes sha2_256_multihash(BytesView data);

// SHA-256 via OpenSSL EVP.
std::array<std::uint8_t, kSha256Size> sha2_256(BytesView data);

}  // namespace lotus::mf

LOTUS_ERRC_ENUM(lotus::mf::MhErrc)
