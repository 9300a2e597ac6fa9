// Identity keys: see keys.hpp. OpenSSL 3 for Ed25519 / ECDSA P-256 / RSA, libsecp256k1 for
// secp256k1.
//
// Deliberate choices (interop notes):
//  * secp256k1 verify rejects high-S signatures, like js-libp2p (@noble/curves verify with its
//    default lowS: true) and libsecp256k1 itself; every libp2p signer emits low-S. (go-libp2p
//    and rust-libp2p would also accept/normalise high-S; nobody produces them.)
//  * Public keys are parsed strictly: a re-encoding must reproduce the input for ECDSA/RSA, so a
//    key has exactly one protobuf (and so one PeerId).
//  * ECDSA is P-256 only, public = DER SubjectPublicKeyInfo, private = DER ECPrivateKey
//    (RFC 5915, named curve + public key), DER signatures — the spec and go-libp2p encodings.
//    (js-libp2p's ECDSA uses a different public key form and raw r‖s signatures; it does not
//    interoperate with go either.)
//  * RSA is verify-only; keys must be 2048..8192 bits (go-libp2p's lower bound) and the DER at
//    most 8 KiB.
#include "crypto/keys.hpp"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <secp256k1.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "base/protobuf.hpp"
#include "base/secure.hpp"
#include "crypto/hash.hpp"

namespace lotus::crypto {

const std::error_category& category() noexcept {
  static const TableCategory cat("crypto", {
      {static_cast<int>(errc::unsupported_key_type), "unsupported key type"},
      {static_cast<int>(errc::invalid_public_key), "invalid public key"},
      {static_cast<int>(errc::invalid_private_key), "invalid private key"},
      {static_cast<int>(errc::invalid_key_protobuf), "malformed key protobuf"},
      {static_cast<int>(errc::invalid_signature), "signature invalid"},
      {static_cast<int>(errc::key_too_large), "key exceeds the size limit"},
      {static_cast<int>(errc::key_file_io), "key file could not be read or written"},
      {static_cast<int>(errc::key_file_permissions),
       "key file is readable by group or others (chmod 600)"},
      {static_cast<int>(errc::crypto_failure), "crypto library failure"},
  });
  return cat;
}

const char* to_string(KeyType t) noexcept {
  switch (t) {
    case KeyType::rsa: return "RSA";
    case KeyType::ed25519: return "Ed25519";
    case KeyType::secp256k1: return "Secp256k1";
    case KeyType::ecdsa: return "ECDSA";
  }
  return "unknown";
}

namespace {

constexpr std::size_t kMaxKeyDataSize = 8 * 1024;  // RSA 8192-bit PKIX is ~1.1 KiB; generous
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;
constexpr std::size_t kMaxKeyFileSize = 16 * 1024;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// Wipes a byte vector when it leaves scope.
struct WipeOnExit {
  Bytes& b;
  ~WipeOnExit() { secure_wipe(b.data(), b.size()); }
};

const secp256k1_context* secp_ctx() {
  static secp256k1_context* ctx = [] {
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    std::uint8_t seed[32];
    SystemRng::instance().fill(seed);
    // Randomisation only protects against side channels; failure is not fatal.
    if (secp256k1_context_randomize(c, seed) != 1) { /* keep the unrandomised context */ }
    secure_wipe(seed, sizeof seed);
    return c;
  }();
  return ctx;
}

// ---- DER helpers (OpenSSL) ----------------------------------------------------------------

PkeyPtr parse_spki(BytesView der) {
  const unsigned char* p = der.data();
  PkeyPtr k(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!k || p != der.data() + der.size()) return nullptr;
  return k;
}

Bytes encode_spki(EVP_PKEY* k) {
  unsigned char* buf = nullptr;
  const int n = i2d_PUBKEY(k, &buf);
  if (n <= 0) return {};
  Bytes out(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

bool is_p256(EVP_PKEY* k) {
  if (EVP_PKEY_is_a(k, "EC") != 1) return false;
  char name[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) != 1)
    return false;
  return std::strcmp(name, "prime256v1") == 0;
}

PkeyPtr parse_ec_private(BytesView der) {
  const unsigned char* p = der.data();
  PkeyPtr k(d2i_PrivateKey(EVP_PKEY_EC, nullptr, &p, static_cast<long>(der.size())));
  if (!k || p != der.data() + der.size() || !is_p256(k.get())) return nullptr;
  // The embedded public key is taken as is by the decoder: it must belong to the scalar.
  std::unique_ptr<EVP_PKEY_CTX, void (*)(EVP_PKEY_CTX*)> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, k.get(), nullptr), EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_pairwise_check(ctx.get()) != 1) return nullptr;
  return k;
}

Bytes encode_ec_private(EVP_PKEY* k) {
  unsigned char* buf = nullptr;
  const int n = i2d_PrivateKey(k, &buf);
  if (n <= 0) return {};
  Bytes out(buf, buf + n);
  OPENSSL_clear_free(buf, static_cast<std::size_t>(n));
  return out;
}

Result<Bytes> digest_sign(EVP_PKEY* k, const EVP_MD* md, BytesView msg) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, k) != 1) return errc::crypto_failure;
  std::size_t n = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &n, msg.data(), msg.size()) != 1) return errc::crypto_failure;
  Bytes sig(n);
  if (EVP_DigestSign(ctx.get(), sig.data(), &n, msg.data(), msg.size()) != 1)
    return errc::crypto_failure;
  sig.resize(n);
  return sig;
}

bool digest_verify(EVP_PKEY* k, const EVP_MD* md, BytesView msg, BytesView sig) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, k) != 1) return false;
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), msg.data(), msg.size()) == 1;
}

// ---- per-type public key validation ---------------------------------------------------------

Status check_public(KeyType type, BytesView data) {
  switch (type) {
    case KeyType::ed25519:
      if (data.size() != 32) return errc::invalid_public_key;
      return {};
    case KeyType::secp256k1: {
      if (data.size() != 33 || (data[0] != 0x02 && data[0] != 0x03)) return errc::invalid_public_key;
      secp256k1_pubkey pk;
      if (secp256k1_ec_pubkey_parse(secp_ctx(), &pk, data.data(), data.size()) != 1)
        return errc::invalid_public_key;
      return {};
    }
    case KeyType::ecdsa: {
      if (data.size() > kMaxKeyDataSize) return errc::key_too_large;
      PkeyPtr k = parse_spki(data);
      if (!k || !is_p256(k.get())) return errc::invalid_public_key;
      const Bytes again = encode_spki(k.get());
      if (again.size() != data.size() || !std::equal(again.begin(), again.end(), data.begin()))
        return errc::invalid_public_key;
      return {};
    }
    case KeyType::rsa: {
      if (data.size() > kMaxKeyDataSize) return errc::key_too_large;
      PkeyPtr k = parse_spki(data);
      if (!k || EVP_PKEY_is_a(k.get(), "RSA") != 1) return errc::invalid_public_key;
      const int bits = EVP_PKEY_get_bits(k.get());
      if (bits > kMaxRsaBits) return errc::key_too_large;
      if (bits < kMinRsaBits) return errc::invalid_public_key;
      const Bytes again = encode_spki(k.get());
      if (again.size() != data.size() || !std::equal(again.begin(), again.end(), data.begin()))
        return errc::invalid_public_key;
      return {};
    }
  }
  return errc::unsupported_key_type;
}

struct KeyProto {
  KeyType type = KeyType::ed25519;
  BytesView data;
};

Result<KeyProto> parse_key_protobuf(BytesView pb) {
  pb::Reader r(pb);
  pb::Field f;
  bool have_type = false, have_data = false;
  std::uint64_t type = 0;
  KeyProto out;
  while (r.next(f)) {
    if (f.number == 1) {
      if (f.type != pb::WireType::varint) return errc::invalid_key_protobuf;
      type = f.varint;
      have_type = true;
    } else if (f.number == 2) {
      if (f.type != pb::WireType::len) return errc::invalid_key_protobuf;
      out.data = f.bytes;
      have_data = true;
    }
  }
  if (r.error() || !have_type || !have_data) return errc::invalid_key_protobuf;
  if (type > 3) return errc::unsupported_key_type;
  out.type = static_cast<KeyType>(type);
  return out;
}

Bytes encode_key_protobuf(KeyType type, BytesView data) {
  Bytes out;
  out.reserve(data.size() + 8);
  pb::Writer w(out);
  w.varint(1, static_cast<std::uint64_t>(type));
  w.bytes(2, data);
  return out;
}

Bytes ed25519_public_from_seed(BytesView seed) {
  PkeyPtr k(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (!k) return {};
  Bytes pub(32);
  std::size_t n = pub.size();
  if (EVP_PKEY_get_raw_public_key(k.get(), pub.data(), &n) != 1 || n != 32) return {};
  return pub;
}

}  // namespace

// ---- PublicKey ----------------------------------------------------------------------------------

Result<PublicKey> PublicKey::from_raw(KeyType type, BytesView data) {
  LOTUS_CHECK(check_public(type, data));
  return PublicKey(type, Bytes(data.begin(), data.end()));
}

Result<PublicKey> PublicKey::from_protobuf(BytesView pb) {
  LOTUS_TRY(kp, parse_key_protobuf(pb));
  return from_raw(kp.type, kp.data);
}

Bytes PublicKey::to_protobuf() const { return encode_key_protobuf(m_type, m_data); }

mf::PeerId PublicKey::peer_id() const { return mf::PeerId::from_public_key(to_protobuf()); }

bool PublicKey::verify(BytesView message, BytesView signature) const {
  switch (m_type) {
    case KeyType::ed25519: {
      if (signature.size() != 64) return false;
      PkeyPtr k(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, m_data.data(), m_data.size()));
      return k && digest_verify(k.get(), nullptr, message, signature);
    }
    case KeyType::secp256k1: {
      secp256k1_pubkey pk;
      secp256k1_ecdsa_signature sig;
      if (secp256k1_ec_pubkey_parse(secp_ctx(), &pk, m_data.data(), m_data.size()) != 1) return false;
      if (signature.empty() ||
          secp256k1_ecdsa_signature_parse_der(secp_ctx(), &sig, signature.data(), signature.size()) != 1)
        return false;
      const Sha256Digest h = sha256(message);
      // Rejects high-S (see the file comment).
      return secp256k1_ecdsa_verify(secp_ctx(), &sig, h.data(), &pk) == 1;
    }
    case KeyType::ecdsa:
    case KeyType::rsa: {
      PkeyPtr k = parse_spki(m_data);
      return k && digest_verify(k.get(), EVP_sha256(), message, signature);
    }
  }
  return false;
}

// ---- PrivateKey ---------------------------------------------------------------------------------

PrivateKey::PrivateKey(KeyType t, Bytes secret, PublicKey pub, evp_pkey_st* pkey)
    : m_type(t), m_secret(std::move(secret)), m_public(std::move(pub)), m_pkey(pkey) {}

PrivateKey::PrivateKey(PrivateKey&& o) noexcept
    : m_type(o.m_type),
      m_secret(std::move(o.m_secret)),
      m_public(std::move(o.m_public)),
      m_pkey(o.m_pkey) {
  o.m_secret.clear();
  o.m_pkey = nullptr;
}

PrivateKey& PrivateKey::operator=(PrivateKey&& o) noexcept {
  if (this != &o) {
    secure_wipe(m_secret.data(), m_secret.size());
    m_type = o.m_type;
    m_secret = std::move(o.m_secret);
    o.m_secret.clear();
    m_public = std::move(o.m_public);
    EVP_PKEY_free(m_pkey);
    m_pkey = o.m_pkey;
    o.m_pkey = nullptr;
  }
  return *this;
}

PrivateKey::~PrivateKey() {
  secure_wipe(m_secret.data(), m_secret.size());
  EVP_PKEY_free(m_pkey);  // OpenSSL clears the private key material on free
}

Result<PrivateKey> PrivateKey::from_raw(KeyType type, BytesView data) {
  switch (type) {
    case KeyType::ed25519: {
      // 64 bytes seed‖public (preferred) or legacy 96 bytes seed‖public‖public.
      if (data.size() != 64 && data.size() != 96) return errc::invalid_private_key;
      if (data.size() == 96 && !std::equal(data.begin() + 32, data.begin() + 64, data.begin() + 64))
        return errc::invalid_private_key;
      const BytesView seed = data.first(32);
      PkeyPtr k(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
      if (!k) return errc::crypto_failure;
      Bytes pub(32);
      std::size_t n = pub.size();
      if (EVP_PKEY_get_raw_public_key(k.get(), pub.data(), &n) != 1 || n != 32)
        return errc::crypto_failure;
      if (!std::equal(pub.begin(), pub.end(), data.begin() + 32)) return errc::invalid_private_key;
      Bytes secret(data.begin(), data.begin() + 64);
      return PrivateKey(type, std::move(secret), PublicKey(type, std::move(pub)), k.release());
    }
    case KeyType::secp256k1: {
      if (data.size() != 32 || secp256k1_ec_seckey_verify(secp_ctx(), data.data()) != 1)
        return errc::invalid_private_key;
      secp256k1_pubkey pk;
      if (secp256k1_ec_pubkey_create(secp_ctx(), &pk, data.data()) != 1)
        return errc::invalid_private_key;
      Bytes pub(33);
      std::size_t n = pub.size();
      secp256k1_ec_pubkey_serialize(secp_ctx(), pub.data(), &n, &pk, SECP256K1_EC_COMPRESSED);
      return PrivateKey(type, Bytes(data.begin(), data.end()), PublicKey(type, std::move(pub)));
    }
    case KeyType::ecdsa: {
      if (data.size() > kMaxKeyDataSize) return errc::key_too_large;
      PkeyPtr k = parse_ec_private(data);
      if (!k) return errc::invalid_private_key;
      Bytes canonical = encode_ec_private(k.get());
      Bytes pub = encode_spki(k.get());
      if (canonical.empty() || pub.empty()) return errc::crypto_failure;
      return PrivateKey(type, std::move(canonical), PublicKey(type, std::move(pub)), k.release());
    }
    case KeyType::rsa:
      return errc::unsupported_key_type;  // verify-only
  }
  return errc::unsupported_key_type;
}

Result<PrivateKey> PrivateKey::from_protobuf(BytesView pb) {
  LOTUS_TRY(kp, parse_key_protobuf(pb));
  return from_raw(kp.type, kp.data);
}

Result<PrivateKey> PrivateKey::generate(KeyType type, Rng& rng) {
  switch (type) {
    case KeyType::ed25519: {
      Bytes raw(64);
      WipeOnExit wipe{raw};
      rng.fill(MutBytesView(raw).first(32));
      const Bytes pub = ed25519_public_from_seed(BytesView(raw).first(32));
      if (pub.empty()) return errc::crypto_failure;
      std::copy(pub.begin(), pub.end(), raw.begin() + 32);
      return from_raw(type, raw);
    }
    case KeyType::secp256k1: {
      Bytes raw(32);
      WipeOnExit wipe{raw};
      for (int i = 0; i < 64; ++i) {  // a random 256-bit value is out of range with p ~ 2^-128
        rng.fill(raw);
        if (secp256k1_ec_seckey_verify(secp_ctx(), raw.data()) == 1) return from_raw(type, raw);
      }
      return errc::crypto_failure;
    }
    case KeyType::ecdsa: {
      // Uses OpenSSL's CSPRNG (the scalar is not drawn from `rng`).
      PkeyPtr k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
      if (!k) return errc::crypto_failure;
      Bytes der = encode_ec_private(k.get());
      WipeOnExit wipe{der};
      if (der.empty()) return errc::crypto_failure;
      return from_raw(type, der);
    }
    case KeyType::rsa:
      return errc::unsupported_key_type;
  }
  return errc::unsupported_key_type;
}

Result<Bytes> PrivateKey::sign(BytesView message) const {
  switch (m_type) {
    case KeyType::ed25519:
      if (m_pkey == nullptr) return errc::crypto_failure;  // moved-from
      return digest_sign(m_pkey, nullptr, message);
    case KeyType::secp256k1: {
      const Sha256Digest h = sha256(message);
      secp256k1_ecdsa_signature sig;
      if (secp256k1_ecdsa_sign(secp_ctx(), &sig, h.data(), m_secret.data(), nullptr, nullptr) != 1)
        return errc::crypto_failure;
      Bytes der(72);
      std::size_t n = der.size();
      if (secp256k1_ecdsa_signature_serialize_der(secp_ctx(), der.data(), &n, &sig) != 1)
        return errc::crypto_failure;
      der.resize(n);
      return der;
    }
    case KeyType::ecdsa: {
      if (m_pkey == nullptr) return errc::crypto_failure;  // moved-from
      return digest_sign(m_pkey, EVP_sha256(), message);
    }
    case KeyType::rsa:
      return errc::unsupported_key_type;
  }
  return errc::unsupported_key_type;
}

Bytes PrivateKey::to_protobuf() const { return encode_key_protobuf(m_type, m_secret); }

// ---- key files ----------------------------------------------------------------------------------

Result<PrivateKey> PrivateKey::load_file(const std::string& path) {
  // O_NONBLOCK: a FIFO in its place must not block the caller (fstat then refuses it).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return errc::key_file_io;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return errc::key_file_io;
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    return errc::key_file_permissions;
  }
  if (st.st_size < 0 || static_cast<std::size_t>(st.st_size) > kMaxKeyFileSize) {
    ::close(fd);
    return errc::key_too_large;
  }
  Bytes buf(kMaxKeyFileSize + 1);
  WipeOnExit wipe{buf};
  std::size_t got = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return errc::key_file_io;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
    if (got > kMaxKeyFileSize) {
      ::close(fd);
      return errc::key_too_large;
    }
  }
  ::close(fd);
  return from_protobuf(BytesView(buf).first(got));
}

Status PrivateKey::save_file(const std::string& path) const {
  Bytes pb = to_protobuf();
  WipeOnExit wipe{pb};
  std::string tmp = path + ".tmpXXXXXX";
  const int fd = ::mkstemp(tmp.data());  // creates with mode 0600
  if (fd < 0) return errc::key_file_io;
  bool ok = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0;
  std::size_t done = 0;
  while (ok && done < pb.size()) {
    const ssize_t n = ::write(fd, pb.data() + done, pb.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (ok) ok = ::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) {
    ::unlink(tmp.c_str());
    return errc::key_file_io;
  }
  return {};
}

}  // namespace lotus::crypto
