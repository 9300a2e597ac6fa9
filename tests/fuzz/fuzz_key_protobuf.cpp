// Arbitrary bytes as PublicKey and PrivateKey protobufs, and as raw key data of every type; a
// parsed public key must re-encode to something that parses to the same key.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "crypto/keys.hpp"

using namespace lotus;
using namespace lotus::crypto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in(data, size);
  if (auto pub = PublicKey::from_protobuf(in)) {
    auto again = PublicKey::from_protobuf(pub->to_protobuf());
    if (!again || !(*again == *pub)) std::abort();
    (void)pub->verify(in, in);
  }
  if (auto priv = PrivateKey::from_protobuf(in)) {
    auto sig = priv->sign(in);
    if (!sig || !priv->public_key().verify(in, *sig)) std::abort();
  }
  if (size > 0) {
    const auto type = static_cast<KeyType>(data[0] % 4);
    if (auto pub = PublicKey::from_raw(type, in.subspan(1))) (void)pub->verify(in, in.subspan(1));
    (void)PrivateKey::from_raw(type, in.subspan(1));
  }
  return 0;
}
