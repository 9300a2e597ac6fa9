// Fuzz proto/framing's length-prefixed Reader. Input: two bytes choose the frame size limit
// (0..4095) and the fragmentation; the rest is the stream. Properties:
//  * fed at once or in fuzzer-chosen fragments, the reader yields the same frames and the same
//    error (and the same "inside a frame" state at the end);
//  * no frame exceeds the limit; at most one partial frame is buffered; nullopt only once the
//    chunk is used up;
//  * the prefix is canonical (minimal): re-encoding the frames gives back the consumed input.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "proto/framing/length_prefixed.hpp"

using namespace lotus;
using namespace lotus::proto::framing;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

struct Run {
  std::vector<Bytes> frames;
  std::error_code error;
  bool mid_frame = false;
};

// Feeds `in` in chunks of sizes from `step(i)` (0 = all at once).
template <class Step>
Run run(std::size_t max, BytesView in, Step step) {
  Run out;
  Reader r(max);
  std::size_t pos = 0;
  for (std::size_t i = 0; pos < in.size(); ++i) {
    const std::size_t n = std::min(in.size() - pos, step(i));
    BytesView chunk = in.subspan(pos, n);
    pos += n;
    while (true) {
      auto f = r.next(chunk);
      if (!f) {
        out.error = f.error();
        check(r.error() == f.error());
        return out;
      }
      if (!*f) break;
      check((*f)->size() <= max);
      out.frames.emplace_back((*f)->begin(), (*f)->end());
    }
    check(chunk.empty());
    check(r.buffered() <= std::max<std::size_t>(max, 8));
  }
  out.mid_frame = r.mid_frame();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t max = static_cast<std::size_t>(data[0]) << 4 | (data[1] & 0x0f);
  const std::size_t spread = 1 + (data[1] >> 4);
  const BytesView in(data + 2, size - 2);

  const Run whole = run(max, in, [&](std::size_t) { return in.size(); });
  const Run cut = run(max, in, [&](std::size_t i) { return 1 + (in[i % in.size()] % (spread * 4)); });
  check(whole.frames == cut.frames && whole.error == cut.error && whole.mid_frame == cut.mid_frame);

  Bytes again;
  for (const auto& f : whole.frames) append_frame(again, f);
  check(again.size() <= in.size());
  check(std::equal(again.begin(), again.end(), in.begin()));
  if (!whole.error && !whole.mid_frame) check(again.size() == in.size());
  return 0;
}
