#include "multiformats/multihash.hpp"

#include <openssl/evp.h>

#include <cstdlib>

#include "base/varint.hpp"

namespace lotus::mf {

const std::error_category& multihash_category() noexcept {
  static const TableCategory cat("multihash", {
      {static_cast<int>(MhErrc::truncated), "input ends inside the multihash"},
      {static_cast<int>(MhErrc::unknown_code), "unsupported hash code (only identity and sha2-256)"},
      {static_cast<int>(MhErrc::length_mismatch), "digest length does not match the hash code or the input"},
      {static_cast<int>(MhErrc::digest_too_long), "identity digest exceeds the size limit"},
  });
  return cat;
}

namespace {
std::error_code read_varint(BytesView in, std::size_t& pos, std::uint64_t& v) {
  varint::Decoded d;
  if (auto ec = varint::decode_uvarint(in.subspan(pos), d)) {
    if (ec == varint::errc::truncated) return MhErrc::truncated;
    return ec;
  }
  pos += d.length;
  v = d.value;
  return {};
}
}  // namespace

Result<MultihashView> decode_multihash_prefix(BytesView in) {
  std::size_t pos = 0;
  std::uint64_t code = 0, len = 0;
  if (auto ec = read_varint(in, pos, code)) return ec;
  if (code != hash_code::identity && code != hash_code::sha2_256) return MhErrc::unknown_code;
  if (auto ec = read_varint(in, pos, len)) return ec;
  if (code == hash_code::sha2_256 && len != kSha256Size) return MhErrc::length_mismatch;
  if (code == hash_code::identity && len > kMaxIdentityDigest) return MhErrc::digest_too_long;
  if (len > in.size() - pos) return MhErrc::truncated;
  MultihashView mh;
  mh.code = code;
  mh.digest = in.subspan(pos, static_cast<std::size_t>(len));
  mh.size = pos + static_cast<std::size_t>(len);
  return mh;
}

Result<MultihashView> decode_multihash(BytesView in) {
  LOTUS_TRY(mh, decode_multihash_prefix(in));
  if (mh.size != in.size()) return MhErrc::length_mismatch;
  return mh;
}

Bytes encode_multihash(std::uint64_t code, BytesView digest) {
  Bytes out;
  out.reserve(digest.size() + 4);
  varint::append(out, code);
  varint::append(out, digest.size());
  append(out, digest);
  return out;
}

Bytes identity_multihash(BytesView data) { return encode_multihash(hash_code::identity, data); }

Bytes sha2_256_multihash(BytesView data) {
  const auto d = sha2_256(data);
  return encode_multihash(hash_code::sha2_256, d);
}

std::array<std::uint8_t, kSha256Size> sha2_256(BytesView data) {
  std::array<std::uint8_t, kSha256Size> out{};
  unsigned int n = 0;
  // EVP_Digest only fails on allocation failure or a broken OpenSSL: treat as fatal.
  if (EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_sha256(), nullptr) != 1 || n != kSha256Size)
    std::abort();
  return out;
}

}  // namespace lotus::mf
