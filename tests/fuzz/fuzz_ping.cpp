// Fuzz the ping engines. Inbound: any byte stream; it echoes exactly the complete 32-byte
// blocks it received, in order, and never holds more than 31 bytes. Outbound: a script of
// fragments (echoes of what it sent, or fuzzer bytes), clock steps and timeouts; at most one
// Pong per start, and a failed engine stays failed.
#include <cstdint>
#include <cstdlib>

#include "base/rng.hpp"
#include "proto/ping/ping.hpp"

using namespace lotus;
using namespace lotus::proto::ping;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  TimePoint now{};
  if (data[0] & 1) {
    Inbound in;
    Bytes all_in, all_out;
    std::size_t i = 1;
    while (i < size) {
      const std::size_t k = std::min<std::size_t>(1 + data[i] % 70, size - i - 0);
      const BytesView chunk(data + i, std::min(k, size - i));
      all_in.insert(all_in.end(), chunk.begin(), chunk.end());
      (void)in.on_bytes(chunk, now);
      all_out.insert(all_out.end(), in.output().begin(), in.output().end());
      in.output().clear();
      i += chunk.size();
    }
    const std::size_t whole = all_in.size() / kPayloadSize * kPayloadSize;
    check(all_out.size() == whole);
    check(std::equal(all_out.begin(), all_out.end(), all_in.begin()));
    return 0;
  }
  DeterministicRng rng(data[0]);
  Outbound out(rng);
  int pongs = 0, starts = 0;
  bool failed = false;
  Bytes sent;
  for (std::size_t i = 1; i < size; ++i) {
    const std::uint8_t op = data[i];
    switch (op % 4) {
      case 0:
        if (out.start(now)) {
          ++starts;
          sent = out.output();
          out.output().clear();
        }
        break;
      case 1: {  // echo a prefix of what was sent (possibly all of it)
        const std::size_t k = std::min<std::size_t>(op / 4 % 33, sent.size());
        (void)out.on_bytes(BytesView(sent.data(), k), now);
        sent.erase(sent.begin(), sent.begin() + static_cast<std::ptrdiff_t>(k));
        break;
      }
      case 2: {  // fuzzer bytes
        const std::size_t k = std::min<std::size_t>(op / 4 % 8, size - i - 1);
        (void)out.on_bytes(BytesView(data + i + 1, k), now);
        i += k;
        break;
      }
      case 3:
        now += std::chrono::milliseconds(op) * 100;
        (void)out.on_timeout(now);
        break;
    }
    while (auto e = out.poll_event()) ++pongs;
    if (failed) check(out.failed());
    failed = out.failed();
  }
  check(pongs <= starts);
  return 0;
}
