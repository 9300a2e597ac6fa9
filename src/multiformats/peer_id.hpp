// PeerId per the libp2p peer-id spec: the multihash of the protobuf-encoded public key —
// identity multihash when the encoded key is at most 42 bytes (Ed25519, secp256k1), sha2-256
// otherwise (ECDSA, RSA). Text forms: base58btc of the multihash ("12D3KooW…", "Qm…", "16U…")
// and CIDv1 (libp2p-key codec 0x72) in multibase, base32 by default ("bafz…").
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace lotus::mf {

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

template <>
struct std::hash<lotus::mf::PeerId> {
  std::size_t operator()(const lotus::mf::PeerId& p) const noexcept;
};
