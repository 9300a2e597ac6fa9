// PeerId per the libp2p peer-id spec: the multihash of the protobuf-encoded public key —
// identity multihash when the encoded key is at most 42 bytes (Ed25519, secp256k1), sha2-256
// otherwise (ECDSA, RSA). Text forms: base58btc of the multihash ("12D3KooW…", "Qm…", "16U…")
// and CIDv1 (libp2p-key codec 0x72) in multibase, base32 by default ("bafz…").
// An identity id must inline a structurally valid PublicKey protobuf (fields 1 varint and
// 2 bytes); whether the key itself is valid for its type is the crypto layer's business.
#pragma once

#include <compare>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"

namespace lotus::mf {

// Peer-id specific failures. Decoding failures underneath are reported with their own codes:
// BaseErrc (text), MhErrc (multihash), CidErrc (CID), varint::errc.
enum class PeerIdErrc {
  unsupported_hash = 1,   // multihash other than identity / sha2-256
  identity_too_long,      // identity digest longer than 42 bytes
  invalid_public_key,     // identity digest is not a PublicKey protobuf
  wrong_codec,            // CID codec is not libp2p-key (0x72)
  invalid_text,           // text is neither base58btc ("1…", "Qm…") nor a multibase CID
  too_long,               // text longer than kMaxPeerIdText
};
const std::error_category& peer_id_category() noexcept;
inline std::error_code make_error_code(PeerIdErrc e) noexcept {
  return {static_cast<int>(e), peer_id_category()};
}

inline constexpr std::size_t kMaxInlineKeySize = 42;
inline constexpr std::size_t kMaxPeerIdText = 256;

class PeerId {
 public:
  // From the multihash bytes (as carried in /p2p/ multiaddr components and protocol messages).
  // Accepts identity (≤ 42 byte digest) and sha2-256 (32 byte digest) multihashes only.
  static Result<PeerId> from_bytes(BytesView multihash);
  // From a protobuf-encoded PublicKey (crypto.pb: KeyType + Data).
  static PeerId from_public_key(BytesView public_key_protobuf);
  // Parses base58btc ("12D3KooW…", "Qm…") or a CIDv1 string with the libp2p-key codec.
  static Result<PeerId> parse(std::string_view text);

  const Bytes& bytes() const noexcept { return m_mh; }  // multihash bytes
  std::string to_base58() const;
  std::string to_cid_string() const;  // CIDv1 base32, multibase prefix 'b'
  std::string to_string() const { return to_base58(); }
  // The protobuf-encoded public key if the id inlines it (identity multihash), else nullopt.
  std::optional<BytesView> inline_public_key() const noexcept;

  friend bool operator==(const PeerId&, const PeerId&) = default;
  friend auto operator<=>(const PeerId& a, const PeerId& b) { return a.m_mh <=> b.m_mh; }

 private:
  explicit PeerId(Bytes mh) : m_mh(std::move(mh)) {}
  Bytes m_mh;
};

}  // namespace lotus::mf

LOTUS_ERRC_ENUM(lotus::mf::PeerIdErrc)

template <>
struct std::hash<lotus::mf::PeerId> {
  std::size_t operator()(const lotus::mf::PeerId& p) const noexcept;
};
