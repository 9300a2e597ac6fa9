// Identity keys per the libp2p peer-id spec (crypto.proto: PublicKey/PrivateKey { KeyType Type
// = 1; bytes Data = 2; }): Ed25519 (default), secp256k1, ECDSA P-256, RSA (verify only).
//  * Ed25519: Data = 32-byte public key / 64-byte (seed ‖ public) private key; pure Ed25519.
//  * secp256k1: Data = 33-byte compressed point / 32-byte scalar; ECDSA over sha256(msg), DER sig.
//  * ECDSA: Data = DER SubjectPublicKeyInfo / DER EC private key (P-256); sig DER over sha256.
//  * RSA: Data = DER PKIX public key; PKCS#1 v1.5 with SHA-256. Verify only (no signing keys).
// PrivateKey holds secret material: move-only, wiped on destruction, never logged. It keeps
// the imported OpenSSL key for signing (no re-import per signature).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "multiformats/peer_id.hpp"

struct evp_pkey_st;  // OpenSSL EVP_PKEY (openssl/types.h)

namespace lotus::crypto {

enum class errc {
  unsupported_key_type = 1,  // type not in {RSA, Ed25519, Secp256k1, ECDSA} or no signing for RSA
  invalid_public_key,        // malformed bytes / point not on curve
  invalid_private_key,       // malformed bytes / scalar out of range
  invalid_key_protobuf,      // the PublicKey/PrivateKey protobuf is malformed
  invalid_signature,         // signature malformed or does not verify
  key_too_large,             // encoded key exceeds the size limit (RSA > 8 KiB)
  key_file_io,               // key file could not be read or written
  key_file_permissions,      // key file is readable by group/others
  crypto_failure,            // the underlying library failed unexpectedly
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

enum class KeyType : std::uint8_t { rsa = 0, ed25519 = 1, secp256k1 = 2, ecdsa = 3 };
const char* to_string(KeyType t) noexcept;

class PublicKey {
 public:
  static Result<PublicKey> from_protobuf(BytesView pb);           // crypto.pb PublicKey
  static Result<PublicKey> from_raw(KeyType type, BytesView data);  // the Data field

  KeyType type() const noexcept { return m_type; }
  const Bytes& raw() const noexcept { return m_data; }
  Bytes to_protobuf() const;
  mf::PeerId peer_id() const;
  bool verify(BytesView message, BytesView signature) const;

  friend bool operator==(const PublicKey&, const PublicKey&) = default;

 private:
  friend class PrivateKey;
  PublicKey(KeyType t, Bytes d) : m_type(t), m_data(std::move(d)) {}
  KeyType m_type = KeyType::ed25519;
  Bytes m_data;
};

class PrivateKey {
 public:
  static Result<PrivateKey> generate(KeyType type, Rng& rng = SystemRng::instance());
  static Result<PrivateKey> from_protobuf(BytesView pb);
  static Result<PrivateKey> from_raw(KeyType type, BytesView data);
  // Key file: the protobuf-encoded PrivateKey, written with mode 0600 (atomically).
  static Result<PrivateKey> load_file(const std::string& path);
  Status save_file(const std::string& path) const;

  PrivateKey(PrivateKey&&) noexcept;
  PrivateKey& operator=(PrivateKey&&) noexcept;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey();

  KeyType type() const noexcept { return m_type; }
  const PublicKey& public_key() const noexcept { return m_public; }
  mf::PeerId peer_id() const { return m_public.peer_id(); }
  Result<Bytes> sign(BytesView message) const;
  Bytes to_protobuf() const;  // contains the secret: wipe the result after use

 private:
  PrivateKey(KeyType t, Bytes secret, PublicKey pub, evp_pkey_st* pkey = nullptr);
  KeyType m_type;
  Bytes m_secret;  // wiped in the destructor
  PublicKey m_public;
  // Ed25519 / ECDSA: the imported OpenSSL key, owned and kept for sign() (importing recomputes
  // the public key, which would dominate a signature's cost); freed (and cleared by OpenSSL) in
  // the destructor. Null for secp256k1.
  evp_pkey_st* m_pkey = nullptr;
};

}  // namespace lotus::crypto

LOTUS_ERRC_ENUM(lotus::crypto::errc)
