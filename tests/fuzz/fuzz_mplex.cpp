// Fuzz mplex. Mode A: arbitrary bytes (fuzzer-chosen fragmentation and clock steps) into one
// engine with small limits, interleaved with local commands; the engine must never crash, never
// hold more unread data per stream than max_stream_buffer, never exceed its stream limits, and
// stay failed once failed. Mode B: two honest engines back to back driven by fuzzer-chosen
// operations: neither may ever report a connection error.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "proto/mplex/engine.hpp"

using namespace lotus;
using namespace lotus::proto::mplex;

namespace {

struct Input {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t byte() {
    if (!n) return 0;
    --n;
    return *p++;
  }
  std::uint32_t u16() { return std::uint32_t{byte()} << 8 | byte(); }
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

void collect(Engine& e, std::vector<StreamId>& ids) {
  while (auto ev = e.poll_event()) {
    if (auto* o = std::get_if<StreamOpened>(&*ev)) ids.push_back(o->id);
  }
  if (ids.size() > 64) ids.erase(ids.begin(), ids.begin() + 32);
}

void arbitrary(Input& in) {
  Config cfg;
  cfg.max_inbound_streams = 4;
  cfg.max_outbound_streams = 4;
  cfg.max_message_size = 64 + in.byte() * 4;
  cfg.max_stream_buffer = 1 + in.byte() * 2;
  cfg.max_stream_number = 1000;
  Engine e(cfg);
  TimePoint now{};
  std::vector<StreamId> ids;
  while (in.n) {
    const std::uint8_t op = in.byte();
    if (op < 200) {
      now += std::chrono::milliseconds(op % 8 * 100);
      if (!e.on_bytes(in.take(1 + op % 48), now)) {
        check(static_cast<bool>(e.error()));
        check(!e.open_stream());
        check(!e.on_bytes(BytesView{}, now));
        return;
      }
    } else {
      const StreamId id = ids.empty() ? 1 : ids[in.byte() % ids.size()];
      switch (op % 5) {
        case 0: if (auto r = e.open_stream()) ids.push_back(*r); break;
        case 1: { std::uint8_t buf[300] = {}; (void)e.write(id, BytesView(buf, in.byte())); break; }
        case 2: (void)e.close_write(id); break;
        case 3: (void)e.reset(id); break;
        case 4: e.consume(id, in.u16()); break;
      }
    }
    collect(e, ids);
    for (StreamId i : ids) check(e.readable(i).size() <= cfg.max_stream_buffer);
    check(e.stream_count() <= 8);
    e.output().clear();
  }
}

void pair(Input& in) {
  Config cfg;
  cfg.max_inbound_streams = 16;
  cfg.max_outbound_streams = 16;
  cfg.max_message_size = 1 + in.byte() * 64;
  cfg.max_stream_buffer = 1 + in.u16();
  cfg.disconnect_threshold = 0;  // honest resets leave messages in flight for freed streams
  Engine a(cfg), b(cfg);
  Bytes a2b, b2a;
  std::vector<StreamId> ids_a, ids_b;  // ids as each side knows them
  static const std::vector<std::uint8_t> blob(4096, 0x5a);
  TimePoint now{};
  while (in.n) {
    const std::uint8_t op = in.byte();
    const bool on_b = (op & 0x80) != 0;
    Engine& e = on_b ? b : a;
    std::vector<StreamId>& ids = on_b ? ids_b : ids_a;
    const StreamId id = ids.empty() ? 0 : ids[in.byte() % ids.size()];
    switch (op & 0x0f) {
      case 0: if (auto r = e.open_stream()) ids.push_back(*r); break;
      case 1:
      case 2: (void)e.write(id, BytesView(blob).first(in.u16() % blob.size())); break;
      case 3: (void)e.close_write(id); break;
      case 4: if (in.byte() < 40) (void)e.reset(id); break;
      case 5:
      case 6: e.consume(id, in.u16() * 4); break;
      default: {
        Bytes& q = on_b ? a2b : b2a;
        const std::size_t k = std::min<std::size_t>(q.size(), 1 + in.u16());
        now += std::chrono::milliseconds(1);
        if (k) {
          check(static_cast<bool>(e.on_bytes(BytesView(q).first(k), now)));
          q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(k));
        }
      }
    }
    append(a2b, a.output());
    a.output().clear();
    append(b2a, b.output());
    b.output().clear();
    collect(a, ids_a);
    collect(b, ids_b);
    for (StreamId i : ids_a) check(a.readable(i).size() <= cfg.max_stream_buffer);
    for (StreamId i : ids_b) check(b.readable(i).size() <= cfg.max_stream_buffer);
    check(!a.error() && !b.error());
  }
  check(static_cast<bool>(b.on_bytes(a2b, now)));
  check(static_cast<bool>(a.on_bytes(b2a, now)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{data, size};
  if (in.byte() & 1) pair(in);
  else arbitrary(in);
  return 0;
}
