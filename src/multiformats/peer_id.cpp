#include "multiformats/peer_id.hpp"

#include <functional>

#include "base/protobuf.hpp"
#include "multiformats/cid.hpp"
#include "multiformats/multibase.hpp"
#include "multiformats/multihash.hpp"

namespace lotus::mf {

const std::error_category& peer_id_category() noexcept {
  static const TableCategory cat("peer id", {
      {static_cast<int>(PeerIdErrc::unsupported_hash), "multihash is neither identity nor sha2-256"},
      {static_cast<int>(PeerIdErrc::identity_too_long), "identity multihash longer than 42 bytes"},
      {static_cast<int>(PeerIdErrc::invalid_public_key), "identity digest is not a PublicKey protobuf"},
      {static_cast<int>(PeerIdErrc::wrong_codec), "CID codec is not libp2p-key"},
      {static_cast<int>(PeerIdErrc::invalid_text), "not a base58btc multihash or multibase CID"},
      {static_cast<int>(PeerIdErrc::too_long), "peer id text exceeds the size limit"},
  });
  return cat;
}

namespace {
// PublicKey { required KeyType Type = 1; required bytes Data = 2; } — structure only.
bool looks_like_public_key(BytesView pb_bytes) {
  pb::Reader r(pb_bytes);
  pb::Field f;
  bool type = false, data = false;
  while (r.next(f)) {
    if (f.number == 1) {
      if (f.type != pb::WireType::varint) return false;
      type = true;
    } else if (f.number == 2) {
      if (f.type != pb::WireType::len) return false;
      data = true;
    }
  }
  return !r.error() && type && data;
}
}  // namespace

Result<PeerId> PeerId::from_bytes(BytesView multihash) {
  auto mh = decode_multihash(multihash);
  if (!mh) return mh.error() == MhErrc::unknown_code ? std::error_code(PeerIdErrc::unsupported_hash) : mh.error();
  if (mh->code == hash_code::identity) {
    if (mh->digest.size() > kMaxInlineKeySize) return PeerIdErrc::identity_too_long;
    if (!looks_like_public_key(mh->digest)) return PeerIdErrc::invalid_public_key;
  }
  return PeerId(Bytes(multihash.begin(), multihash.end()));
}

PeerId PeerId::from_public_key(BytesView public_key_protobuf) {
  if (public_key_protobuf.size() <= kMaxInlineKeySize) return PeerId(identity_multihash(public_key_protobuf));
  return PeerId(sha2_256_multihash(public_key_protobuf));
}

Result<PeerId> PeerId::parse(std::string_view text) {
  if (text.size() > kMaxPeerIdText) return PeerIdErrc::too_long;
  if (text.empty()) return PeerIdErrc::invalid_text;
  // Bare base58btc multihash: identity ids start with '1' (0x00 byte), sha2-256 with "Qm".
  if (text[0] == '1' || text.substr(0, 2) == "Qm") {
    LOTUS_TRY(mh, base58btc_decode(text));
    return from_bytes(mh);
  }
  auto cid = Cid::parse(text);
  if (!cid) return cid.error() == BaseErrc::unknown_prefix ? std::error_code(PeerIdErrc::invalid_text) : cid.error();
  if (cid->codec() != multicodec::libp2p_key) return PeerIdErrc::wrong_codec;
  return from_bytes(cid->multihash());
}

std::string PeerId::to_base58() const { return base58btc_encode(m_mh); }

std::string PeerId::to_cid_string() const {
  return Cid(multicodec::libp2p_key, m_mh).to_string(Base::base32);
}

std::optional<BytesView> PeerId::inline_public_key() const noexcept {
  // Identity ids carry a digest of at most 42 bytes: code 0x00, one length byte, digest.
  if (m_mh.size() < 2 || m_mh[0] != hash_code::identity) return std::nullopt;
  return BytesView(m_mh).subspan(2);
}

}  // namespace lotus::mf

std::size_t std::hash<lotus::mf::PeerId>::operator()(const lotus::mf::PeerId& p) const noexcept {
  return std::hash<std::string_view>{}(lotus::as_string_view(p.bytes()));
}
