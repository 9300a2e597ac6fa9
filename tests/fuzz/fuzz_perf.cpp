// Fuzz perf. The first byte picks client or server; the rest is a script of transport events:
// bytes from the peer (fuzzer-chosen content and fragmentation), EOF, partial writes of
// pending_output(), clock steps and timeouts. Invariants: no crash, counters never exceed
// what was requested/allowed, pending_output() only ever yields zeros after the header, and a
// failed engine stays failed and produces nothing.
#include <cstdint>
#include <cstdlib>

#include "proto/perf/perf.hpp"

using namespace lotus;
using namespace lotus::proto::perf;

namespace {

struct Input {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t byte() {
    if (!n) return 0;
    --n;
    return *p++;
  }
  std::uint64_t u16() { return std::uint64_t{byte()} << 8 | byte(); }
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

template <class E>
void step(E& e, Input& in, TimePoint& now) {
  const std::uint8_t op = in.byte();
  switch (op % 5) {
    case 0:
    case 1: (void)e.on_bytes(in.take(op / 5 % 32), now); break;
    case 2: if (op < 30) (void)e.on_eof(now); break;
    case 3: {
      BytesView out = e.pending_output();
      if (!out.empty()) e.advance_output(1 + in.u16() % out.size(), now);
      break;
    }
    case 4: now += std::chrono::milliseconds(op); (void)e.on_timeout(now); break;
  }
  while (e.poll_event()) {
  }
  if (e.error()) check(e.pending_output().empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{data, size};
  TimePoint now{};
  Config cfg;
  cfg.chunk_size = 1 + static_cast<std::size_t>(in.u16() % kZeroChunk);
  cfg.report_interval = std::chrono::milliseconds(in.byte());
  if (in.byte() & 1) {
    const std::uint64_t up = in.u16(), down = in.u16();
    Client c(up, down, cfg);
    c.start(now);
    while (in.n) {
      step(c, in, now);
      check(c.uploaded() <= up && c.downloaded() <= down);
      if (c.pending_output().size() > 0 && c.send_done()) std::abort();
    }
  } else {
    cfg.max_download_bytes = in.u16();
    cfg.max_upload_bytes = in.u16();
    Server s(cfg);
    while (in.n) {
      step(s, in, now);
      check(s.uploaded() <= cfg.max_upload_bytes && s.downloaded() <= s.requested());
      for (std::uint8_t x : s.pending_output()) check(x == 0);
    }
  }
  return 0;
}
