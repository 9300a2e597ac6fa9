// Security upgrade: multistream-select "/noise", then the Noise XX handshake engine.
#include "host/security.hpp"

#include <algorithm>

#include "base/rng.hpp"
#include "host/detail.hpp"
#include "proto/noise/handshake.hpp"

namespace lotus::host::detail {

namespace noise = proto::noise;

namespace {

class NoiseLayer final : public SecureLayer {
 public:
  explicit NoiseLayer(noise::SecureChannel ch) : m_ch(std::move(ch)) {}
  Status seal(BytesView plain, ByteBuffer& out) override { return m_ch.encrypt(plain, out); }
  Status seal_gather(std::span<const BytesView> pieces, ByteBuffer& out) override {
    return m_ch.encrypt_gather(pieces, out);
  }
  Result<std::size_t> open_in_place(MutBytesView wire, FunctionRef<Status(BytesView)> sink) override {
    return m_ch.decrypt_in_place(wire, sink);
  }
  std::size_t frame_size(BytesView partial) const override { return noise::SecureChannel::frame_size(partial); }

 private:
  noise::SecureChannel m_ch;
};

}  // namespace

asio::awaitable<Status> secure_handshake(Conn& c, std::optional<mf::PeerId> expected) {
  const bool outbound = c.direction == Direction::outbound;
  {
    auto protos = one_protocol(kNoiseProtocol);
    // (no `c ? co_await a : co_await b`: g++ 12 double-destroys the temporaries)
    Result<std::string> r = errc::security_negotiation_failed;
    if (outbound) {
      r = co_await c.negotiate_out(protos, false);
    } else {
      r = co_await c.negotiate_in(protos, false);
    }
    if (!r) {
      if (r.error() == ms::errc::protocol_not_supported) co_return errc::security_negotiation_failed;
      co_return r.error();
    }
  }

  noise::Config nc;
  nc.identity = &c.host->identity;
  nc.expected_remote = expected;
  const bool early = c.host->cfg.early_muxer_negotiation;
  const auto ours = supported_muxers(c.host->cfg);
  if (early) nc.muxers = ours;
  noise::Handshake hs(outbound ? noise::Role::initiator : noise::Role::responder, std::move(nc),
                      SystemRng::instance());
  if (auto s = hs.start(); !s) co_return s.error();
  while (true) {
    if (!hs.output().empty()) {
      Bytes out;
      out.swap(hs.output());
      if (auto w = co_await c.raw_write(out); !w) co_return w.error();
    }
    if (hs.complete()) break;
    if (c.raw_in.empty()) {
      if (auto r = co_await c.raw_read_more(); !r) co_return r.error();
    }
    Bytes chunk;
    chunk.swap(c.raw_in);
    if (auto s = hs.on_bytes(chunk); !s) {
      if (s.error() == noise::errc::peer_id_mismatch) co_return errc::peer_id_mismatch;
      co_return s.error();
    }
  }
  auto session = hs.finish();
  if (!session) co_return session.error();
  if (expected && session->remote_peer != *expected) co_return errc::peer_id_mismatch;  // belt and braces

  c.remote_peer = session->remote_peer;
  c.remote_key = session->remote_key;
  c.secure = std::make_unique<NoiseLayer>(std::move(session->channel));
  // Early muxer negotiation (noise stream_muxers extension; libp2p/specs
  // connections/inlined-muxer-negotiation.md): the first muxer of the initiator's list that both
  // support. Nothing listed by the remote: multistream-select follows. Lists without overlap:
  // the spec says the handshake MUST fail (js fails it too).
  const auto& rm = session->remote_muxers;
  if (early && !rm.empty() && !ours.empty()) {
    auto chosen = select_early_muxer(ours, rm, outbound);
    if (chosen.empty()) co_return errc::muxer_negotiation_failed;
    c.muxer = std::move(chosen);
    c.muxer_from_noise = true;
  }
  if (!session->early_data.empty()) {
    c.rx.append(session->early_data);
    if (auto s = c.open_rx_into_plain_in(); !s) co_return s.error();
  }
  co_return Status{};
}

}  // namespace lotus::host::detail
