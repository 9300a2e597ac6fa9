// Muxer adapters over the yamux and mplex engines (see muxer.hpp).
#include "host/muxer.hpp"

#include <algorithm>

#include "host/host.hpp"
#include "proto/mplex/engine.hpp"
#include "proto/yamux/engine.hpp"

namespace lotus::host::detail {

namespace {

namespace yamux = proto::yamux;
namespace mplex = proto::mplex;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

class YamuxMuxer final : public Muxer {
 public:
  YamuxMuxer(bool outbound, const Config& cfg) : m_engine(outbound ? yamux::Role::client : yamux::Role::server, make_cfg(cfg)) {}

  const char* protocol() const override { return kYamuxProtocol; }
  Status on_bytes(BytesView in, TimePoint now) override { return m_engine.on_bytes(in, now); }
  Result<MuxStreamId> open_stream() override {
    auto r = m_engine.open_stream();
    if (!r) return r.error();
    return MuxStreamId{*r};
  }
  Result<std::size_t> write(MuxStreamId id, BytesView in) override { return m_engine.write(sid(id), in); }
  Result<std::size_t> write_by_reference(MuxStreamId id, BytesView in, PayloadRefs& payloads) override {
    return m_engine.write_by_reference(sid(id), in, payloads);
  }
  Status close_write(MuxStreamId id) override { return m_engine.close_write(sid(id)); }
  Status reset(MuxStreamId id) override { return m_engine.reset(sid(id)); }
  // The time drives window auto-tuning (a window update's round trip vs. the measured RTT).
  void consume(MuxStreamId id, std::size_t n) override { m_engine.consume(sid(id), n, Clock::now()); }
  void set_receive_window(MuxStreamId id, std::size_t bytes) override {
    if (bytes > yamux::kInitialWindow)
      (void)m_engine.set_receive_window(sid(id), static_cast<std::uint32_t>(std::min<std::size_t>(bytes, std::size_t{1} << 30)));
  }
  void go_away() override {
    if (!m_engine.local_went_away()) m_engine.go_away();
  }
  Bytes& output() override { return m_engine.output(); }
  std::optional<mux::Event> poll_event() override {
    while (auto ev = m_engine.poll_event()) {
      std::optional<mux::Event> out;
      std::visit(Overloaded{
                     [&](const yamux::StreamOpened& e) { out = mux::StreamOpened{e.id}; },
                     [&](const yamux::Data& e) { out = mux::Data{e.id}; },
                     [&](const yamux::RemoteClosed& e) { out = mux::RemoteClosed{e.id}; },
                     [&](const yamux::StreamReset& e) { out = mux::StreamReset{e.id, {}}; },
                     [&](const yamux::SendWindowOpened& e) { out = mux::SendWindowOpened{e.id}; },
                     [&](const yamux::Pong&) {},
                     [&](const yamux::GoAwayReceived&) { out = mux::GoAwayReceived{}; },
                     [&](const yamux::StreamClosed& e) { out = mux::StreamClosed{e.id}; },
                 },
                 *ev);
      if (out) return out;
    }
    return std::nullopt;
  }
  BytesView readable(MuxStreamId id) const override { return m_engine.readable(sid(id)); }
  bool has_stream(MuxStreamId id) const override { return id <= UINT32_MAX && m_engine.has_stream(sid(id)); }
  bool local_went_away() const override { return m_engine.local_went_away(); }
  bool is_closing_error(std::error_code ec) const override {
    return ec == yamux::errc::remote_go_away || ec == yamux::errc::session_closing;
  }

 private:
  static yamux::StreamId sid(MuxStreamId id) { return static_cast<yamux::StreamId>(id); }
  static yamux::Config make_cfg(const Config& cfg) {
    yamux::Config y;
    // One above the host's limit: the host refuses (and counts) first; the engine is a backstop.
    y.max_streams = cfg.max_streams_per_connection + 1;
    y.max_outbound_streams = cfg.max_streams_per_connection;
    // Auto-tuning grows windows past max_stream_buffer up to max_stream_window, within the
    // per-connection budget (see host::Config).
    y.max_window = static_cast<std::uint32_t>(std::clamp<std::size_t>(
        std::max(cfg.max_stream_buffer, cfg.max_stream_window), yamux::kInitialWindow, std::size_t{1} << 30));
    y.autotune = cfg.max_stream_window > cfg.max_stream_buffer;
    y.window_budget = cfg.connection_window_budget;
    return y;
  }
  yamux::Engine m_engine;
};

class MplexMuxer final : public Muxer {
 public:
  explicit MplexMuxer(const Config& cfg) : m_engine(make_cfg(cfg)), m_pause_at(make_cfg(cfg).max_stream_buffer / 2) {}

  const char* protocol() const override { return kMplexProtocol; }
  Status on_bytes(BytesView in, TimePoint now) override { return m_engine.on_bytes(in, now); }
  Result<MuxStreamId> open_stream() override {
    if (m_going_away) return mplex::errc::too_many_streams;
    return m_engine.open_stream();
  }
  Result<std::size_t> write(MuxStreamId id, BytesView in) override {
    return m_engine.write(id, in.first(std::min(in.size(), kMplexWriteChunk)));
  }
  Status close_write(MuxStreamId id) override { return m_engine.close_write(id); }
  Status reset(MuxStreamId id) override { return m_engine.reset(id); }
  void consume(MuxStreamId id, std::size_t n) override { m_engine.consume(id, n); }
  void set_receive_window(MuxStreamId, std::size_t) override {}
  void go_away() override { m_going_away = true; }
  Bytes& output() override { return m_engine.output(); }
  std::optional<mux::Event> poll_event() override {
    auto ev = m_engine.poll_event();
    if (!ev) return std::nullopt;
    mux::Event out;
    std::visit(Overloaded{
                   [&](const mplex::StreamOpened& e) {
                     if (m_going_away) {
                       (void)m_engine.reset(e.id);  // refused: no new streams after go_away()
                       out = mux::StreamReset{e.id, {}};
                       return;
                     }
                     out = mux::StreamOpened{e.id};
                   },
                   [&](const mplex::Data& e) { out = mux::Data{e.id}; },
                   [&](const mplex::RemoteClosed& e) { out = mux::RemoteClosed{e.id}; },
                   [&](const mplex::StreamReset& e) { out = mux::StreamReset{e.id, e.reason}; },
                   [&](const mplex::StreamClosed& e) { out = mux::StreamClosed{e.id}; },
               },
               *ev);
    return out;
  }
  BytesView readable(MuxStreamId id) const override { return m_engine.readable(id); }
  bool has_stream(MuxStreamId id) const override { return m_engine.has_stream(id); }
  bool local_went_away() const override { return m_going_away; }
  bool is_closing_error(std::error_code) const override { return m_going_away; }
  bool reader_should_pause() const override { return m_engine.largest_buffer() >= m_pause_at; }

 private:
  static mplex::Config make_cfg(const Config& cfg) {
    mplex::Config m;
    m.max_inbound_streams = cfg.max_streams_per_connection + 1;  // host refuses first (counted)
    m.max_outbound_streams = cfg.max_streams_per_connection;
    m.max_stream_buffer = std::max(cfg.mplex_stream_buffer, m.max_message_size);
    return m;
  }
  mplex::Engine m_engine;
  // Pause reading at half the bound: one read (≤ the transport read buffer) stays below it.
  std::size_t m_pause_at;
  bool m_going_away = false;
};

}  // namespace

bool is_supported_muxer(const std::string& protocol) { return protocol == kYamuxProtocol || protocol == kMplexProtocol; }

std::vector<std::string> supported_muxers(const Config& cfg) {
  std::vector<std::string> out;
  for (const auto& m : cfg.muxers) {
    if (is_supported_muxer(m) && std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  }
  return out;
}

std::string select_early_muxer(const std::vector<std::string>& ours, const std::vector<std::string>& theirs,
                               bool we_initiated) {
  const auto& first = we_initiated ? ours : theirs;
  const auto& second = we_initiated ? theirs : ours;
  for (const auto& m : first) {
    if (std::find(second.begin(), second.end(), m) != second.end()) return m;
  }
  return {};
}

std::unique_ptr<Muxer> make_muxer(const std::string& protocol, bool outbound, const Config& cfg) {
  if (protocol == kYamuxProtocol) return std::make_unique<YamuxMuxer>(outbound, cfg);
  if (protocol == kMplexProtocol) return std::make_unique<MplexMuxer>(cfg);
  return nullptr;
}

}  // namespace lotus::host::detail
