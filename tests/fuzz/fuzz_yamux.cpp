// Fuzz yamux. Mode A: arbitrary bytes (fuzzer-chosen fragmentation) into a client or server
// engine, interleaved with local commands. Mode B: two honest engines back to back driven by
// fuzzer-chosen operations; neither may ever report a protocol error, and no receive buffer
// may exceed the window.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "proto/yamux/engine.hpp"

using namespace lotus;
using namespace lotus::proto::yamux;

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

void drain(Engine& e) {
  while (e.poll_event()) {
  }
}

void arbitrary(Input& in) {
  Config cfg;
  cfg.max_streams = 8;
  Engine e(in.byte() & 1 ? Role::client : Role::server, cfg);
  std::vector<StreamId> ids;
  while (in.n) {
    const std::uint8_t op = in.byte();
    if (op < 200) {
      const std::size_t k = 1 + op % 48;
      if (!e.on_bytes(in.take(k))) {
        check(static_cast<bool>(e.error()));
        check(!e.open_stream());
        return;
      }
      while (auto ev = e.poll_event()) {
        if (auto* o = std::get_if<StreamOpened>(&*ev)) ids.push_back(o->id);
      }
    } else {
      const StreamId id = ids.empty() ? 1 : ids[in.byte() % ids.size()];
      switch (op % 6) {
        case 0: if (auto r = e.open_stream()) ids.push_back(*r); break;
        case 1: { std::uint8_t buf[100] = {}; (void)e.write(id, BytesView(buf, in.byte() % 100)); break; }
        case 2: (void)e.close_write(id); break;
        case 3: (void)e.reset(id); break;
        case 4: e.consume(id, in.u16()); break;
        case 5: (void)e.ping(); break;
      }
      drain(e);
    }
    check(e.stream_count() <= 8 + 1024);
    e.output().clear();
  }
}

void pair(Input& in) {
  Config cfg;
  cfg.max_streams = 16;
  cfg.max_frame_data = 1 + in.byte() * 64;
  Engine c(Role::client, cfg), s(Role::server, cfg);
  Bytes c2s, s2c;
  std::vector<StreamId> ids;  // any id either side may know
  static const std::vector<std::uint8_t> blob(20000, 0x5a);
  while (in.n) {
    const std::uint8_t op = in.byte();
    Engine& e = (op & 0x80) ? s : c;
    const StreamId id = ids.empty() ? 1 : ids[in.byte() % ids.size()];
    switch (op & 0x0f) {
      case 0: if (auto r = e.open_stream()) ids.push_back(*r); break;
      case 1: (void)e.write(id, BytesView(blob).first(in.u16() % blob.size())); break;
      case 2: {
        // By reference: the payload views go after the header bytes they follow, as the
        // connection seals them; the peer must see the same stream as with write().
        std::vector<std::pair<std::size_t, BytesView>> refs;
        (void)e.write_by_reference(id, BytesView(blob).first(in.u16() % blob.size()), refs);
        const Bytes& out = e.output();
        Bytes joined;
        std::size_t from = 0;
        for (const auto& [offset, payload] : refs) {
          check(offset >= from && offset <= out.size());
          joined.insert(joined.end(), out.begin() + static_cast<std::ptrdiff_t>(from),
                        out.begin() + static_cast<std::ptrdiff_t>(offset));
          joined.insert(joined.end(), payload.begin(), payload.end());
          from = offset;
        }
        joined.insert(joined.end(), out.begin() + static_cast<std::ptrdiff_t>(from), out.end());
        e.output() = std::move(joined);
        break;
      }
      case 3: (void)e.close_write(id); break;
      case 4: if (in.byte() < 40) (void)e.reset(id); break;
      case 5:
      case 6: e.consume(id, in.u16() * 4); break;
      case 7: (void)e.ping(); break;
      case 8: if (in.byte() < 20) e.go_away(); break;
      default: {
        // Deliver a fuzzer-chosen number of bytes in one direction.
        Bytes& q = (op & 0x80) ? c2s : s2c;
        const std::size_t k = std::min<std::size_t>(q.size(), 1 + in.u16());
        if (k) {
          check(static_cast<bool>(e.on_bytes(BytesView(q).first(k))));
          q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(k));
        }
      }
    }
    append(c2s, c.output());
    c.output().clear();
    append(s2c, s.output());
    s.output().clear();
    for (Engine* x : {&c, &s}) {
      while (auto ev = x->poll_event())
        if (auto* o = std::get_if<StreamOpened>(&*ev)) ids.push_back(o->id);
    }
    for (StreamId i : ids) {
      for (Engine* x : {&c, &s}) check(x->readable(i).size() + x->receive_credit(i) <= kInitialWindow);
    }
    check(!c.error() && !s.error());
    if (ids.size() > 64) ids.erase(ids.begin(), ids.begin() + 32);
  }
  // Flush everything: must be accepted without error.
  check(static_cast<bool>(s.on_bytes(c2s)));
  check(static_cast<bool>(c.on_bytes(s2c)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{data, size};
  if (in.byte() & 1) pair(in);
  else arbitrary(in);
  return 0;
}
