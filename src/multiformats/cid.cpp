#include "multiformats/cid.hpp"

#include "base/varint.hpp"
#include "multiformats/multihash.hpp"

namespace lotus::mf {

const std::error_category& cid_category() noexcept {
  static const TableCategory cat("cid", {
      {static_cast<int>(CidErrc::unsupported_version), "unsupported CID version (only CIDv1)"},
      {static_cast<int>(CidErrc::truncated), "input ends inside the CID header"},
      {static_cast<int>(CidErrc::too_long), "CID exceeds the size limit"},
  });
  return cat;
}

Result<Cid> Cid::from_bytes(BytesView binary) {
  if (binary.size() > kMaxCidSize) return CidErrc::too_long;
  varint::Decoded version, codec;
  if (auto ec = varint::decode_uvarint(binary, version)) {
    return ec == varint::errc::truncated ? std::error_code(CidErrc::truncated) : ec;
  }
  if (version.value != 1) return CidErrc::unsupported_version;
  if (auto ec = varint::decode_uvarint(binary.subspan(version.length), codec)) {
    return ec == varint::errc::truncated ? std::error_code(CidErrc::truncated) : ec;
  }
  const BytesView mh = binary.subspan(version.length + codec.length);
  LOTUS_TRY(parsed, decode_multihash(mh));
  (void)parsed;
  return Cid(codec.value, Bytes(mh.begin(), mh.end()));
}

Result<Cid> Cid::parse(std::string_view text) {
  // A multibase string longer than this cannot decode to kMaxCidSize bytes in any of our bases.
  if (text.size() > 1 + 2 * kMaxCidSize) return CidErrc::too_long;
  LOTUS_TRY(bin, multibase_decode(text));
  return from_bytes(bin);
}

Bytes Cid::to_bytes() const {
  Bytes out;
  out.reserve(m_mh.size() + 6);
  varint::append(out, 1);
  varint::append(out, m_codec);
  append(out, m_mh);
  return out;
}

std::string Cid::to_string(Base base) const { return multibase_encode(base, to_bytes()); }

}  // namespace lotus::mf
