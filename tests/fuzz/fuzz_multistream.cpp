// Fuzz multistream-select: arbitrary bytes into a dialer or listener (fuzzer-chosen
// fragmentation), or an honest dialer/listener pair whose fragmentation the fuzzer chooses
// (which must always agree on the protocol).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "proto/multistream/multistream.hpp"

using namespace lotus;
using namespace lotus::proto::multistream;

namespace {

struct Input {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t byte() {
    if (!n) return 0;
    --n;
    return *p++;
  }
  BytesView take(std::size_t k) {
    k = std::min(k, n);
    BytesView v(p, k);
    p += k;
    n -= k;
    return v;
  }
};

void check(bool ok) {
  if (!ok) std::abort();
}

template <class Engine>
void feed_arbitrary(Engine& e, Input& in) {
  while (in.n) {
    const std::size_t k = 1 + in.byte() % 64;
    const auto st = e.on_bytes(in.take(k));
    check(e.output().size() < 1 << 20);
    if (!st) {
      check(!e.done());
      return;
    }
    if (e.done()) {
      check(e.selected().has_value());
      (void)e.take_leftover();
      check(e.on_bytes(in.take(1)).error() == errc::negotiation_finished || in.n == 0);
      return;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{data, size};
  const std::uint8_t mode = in.byte() % 4;
  Listener::Config lc;
  lc.protocols = {"/noise", "/yamux/1.0.0", "/ipfs/id/1.0.0"};
  lc.max_attempts = 8;
  lc.max_protocol_len = 64 + in.byte();
  if (mode == 0) {
    Listener l(lc);
    feed_arbitrary(l, in);
  } else if (mode == 1 || mode == 2) {
    Dialer d(mode == 1 ? Dialer::Config{{"/tls/1.0.0", "/noise"}, false}
                       : Dialer::Config{{"/yamux/1.0.0"}, true});
    check(static_cast<bool>(d.start()));
    feed_arbitrary(d, in);
  } else {
    // Honest pair, fuzzer-chosen fragmentation and proposal list.
    std::vector<std::string> props;
    const std::uint8_t mask = in.byte();
    const char* all[] = {"/a", "/b", "/noise", "/c", "/yamux/1.0.0"};
    for (int i = 0; i < 5; ++i)
      if (mask & (1 << i)) props.emplace_back(all[i]);
    if (props.empty()) props.emplace_back("/noise");
    const bool lazy = props.size() == 1 && (mask & 0x80);
    Dialer d({props, lazy});
    Listener l(lc);
    check(static_cast<bool>(d.start()));
    Bytes to_l, to_d;
    bool failed = false;
    for (int round = 0; round < 1000 && !failed && !(d.done() && l.done()); ++round) {
      append(to_l, d.output());
      d.output().clear();
      append(to_d, l.output());
      l.output().clear();
      const std::uint8_t b = in.byte();
      Bytes& q = (b & 1) ? to_l : to_d;
      if (q.empty()) continue;
      const std::size_t k = std::min<std::size_t>(q.size(), 1 + (b >> 1));
      Status st = (b & 1) ? (l.done() ? Status{} : l.on_bytes(BytesView(q).first(k)))
                          : (d.done() ? Status{} : d.on_bytes(BytesView(q).first(k)));
      q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(k));
      if (!st) {
        // Only a genuine "nothing in common" may fail.
        check(st.error() == errc::protocol_not_supported);
        failed = true;
      }
    }
    if (d.done() && l.done()) check(*d.selected() == *l.selected());
  }
  return 0;
}
