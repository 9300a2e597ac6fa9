// CIDv1 per the multiformats CID spec (https://github.com/multiformats/cid):
// binary <varint version=1><varint codec><multihash>, text = multibase of the binary form.
// Deliberately not supported: CIDv0 (bare base58 sha2-256 "Qm…" multihashes — PeerId parses
// those itself) and multihash codes other than identity / sha2-256 (see multihash.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"
#include "multiformats/multibase.hpp"

namespace lotus::mf {

enum class CidErrc {
  unsupported_version = 1,  // version other than 1 (CIDv0 included)
  truncated,                // input ends inside the version or codec varint
  too_long,                 // binary CID larger than kMaxCidSize
};
const std::error_category& cid_category() noexcept;
inline std::error_code make_error_code(CidErrc e) noexcept { return {static_cast<int>(e), cid_category()}; }

namespace multicodec {
inline constexpr std::uint64_t raw = 0x55, dag_pb = 0x70, libp2p_key = 0x72;
}
inline constexpr std::size_t kMaxCidSize = 2048;

class Cid {
 public:
  // The caller guarantees `multihash` is a valid multihash (e.g. from encode_multihash).
  Cid(std::uint64_t codec, Bytes multihash) : m_codec(codec), m_mh(std::move(multihash)) {}
  // Errors: CidErrc, MhErrc for the embedded multihash, varint::errc for non-minimal varints.
  static Result<Cid> from_bytes(BytesView binary);
  // Multibase text (any base of multibase.hpp); BaseErrc on a bad encoding.
  static Result<Cid> parse(std::string_view text);

  static constexpr std::uint64_t version() noexcept { return 1; }
  std::uint64_t codec() const noexcept { return m_codec; }
  const Bytes& multihash() const noexcept { return m_mh; }
  Bytes to_bytes() const;
  std::string to_string(Base base = Base::base32) const;

  friend bool operator==(const Cid&, const Cid&) = default;

 private:
  std::uint64_t m_codec;
  Bytes m_mh;
};

}  // namespace lotus::mf

LOTUS_ERRC_ENUM(lotus::mf::CidErrc)
