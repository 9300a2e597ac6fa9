// TEMPORARY: weak stand-in for mf::PeerId until the multiformats implementation lands in main
// (the real, strong definitions win as soon as they are linked). Delete after merging main.
#include "crypto/hash.hpp"
#include "multiformats/peer_id.hpp"

namespace lotus::mf {
__attribute__((weak)) PeerId PeerId::from_public_key(BytesView pb) {
  Bytes mh;
  if (pb.size() <= 42) {
    mh = {0x00, static_cast<std::uint8_t>(pb.size())};
    mh.insert(mh.end(), pb.begin(), pb.end());
  } else {
    auto d = crypto::sha256(pb);
    mh = {0x12, 0x20};
    mh.insert(mh.end(), d.begin(), d.end());
  }
  return PeerId(std::move(mh));
}
}  // namespace lotus::mf
