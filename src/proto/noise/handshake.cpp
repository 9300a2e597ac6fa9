#include "proto/noise/handshake.hpp"

#include <algorithm>
#include <cassert>

#include "proto/noise/payload.hpp"

namespace lotus::proto::noise {

const std::error_category& category() noexcept {
  static const TableCategory cat("noise", {
      {static_cast<int>(errc::bad_frame_length), "frame too short for its message"},
      {static_cast<int>(errc::decrypt_failed), "handshake message authentication failed"},
      {static_cast<int>(errc::transport_decrypt_failed), "transport message authentication failed"},
      {static_cast<int>(errc::invalid_payload), "handshake payload protobuf invalid"},
      {static_cast<int>(errc::missing_identity_key), "handshake payload has no identity key"},
      {static_cast<int>(errc::invalid_identity_key), "remote identity key invalid"},
      {static_cast<int>(errc::invalid_signature), "remote static key signature invalid"},
      {static_cast<int>(errc::peer_id_mismatch),
       "remote peer id does not match the dialed /p2p/ id"},
      {static_cast<int>(errc::invalid_dh_key), "remote X25519 key invalid (low order)"},
      {static_cast<int>(errc::message_too_large), "handshake message exceeds maximum size"},
      {static_cast<int>(errc::early_data_too_large), "too much data after the handshake"},
      {static_cast<int>(errc::nonce_exhausted), "nonce exhausted"},
      {static_cast<int>(errc::data_after_failure), "data after failure"},
      {static_cast<int>(errc::handshake_incomplete), "handshake not complete"},
      {static_cast<int>(errc::sign_failed), "identity key could not sign"},
  });
  return cat;
}

namespace {
constexpr std::size_t kDhLen = crypto::kX25519KeySize;
constexpr std::size_t kTag = crypto::ChaChaPoly::kTagSize;
}  // namespace

Result<std::shared_ptr<const StaticKey>> make_static_key(const crypto::PrivateKey& identity,
                                                        Rng& rng) {
  auto sk = std::make_shared<StaticKey>(StaticKey{crypto::x25519_generate(rng), identity.public_key(),
                                                  identity.public_key().to_protobuf(), {}});
  Bytes to_sign = to_bytes(kStaticKeySigPrefix);
  append(to_sign, sk->keys.public_key());
  auto sig = identity.sign(to_sign);
  if (!sig) return errc::sign_failed;
  sk->identity_sig = std::move(*sig);
  return std::shared_ptr<const StaticKey>(std::move(sk));
}

Handshake::Handshake(Role role, Config config, Rng& rng)
    : m_role(role),
      m_cfg(std::move(config)),
      m_rng(rng),
      m_state(role == Role::initiator ? State::idle : State::await_msg1),
      m_ss(kProtocolName) {
  assert(m_cfg.identity != nullptr);
  m_cfg.max_handshake_message = std::min<std::size_t>(m_cfg.max_handshake_message, 65535);
  m_ss.mix_hash({});  // empty prologue
  if (!m_cfg.static_key) m_s = crypto::x25519_generate(m_rng);
}

Status Handshake::fail(std::error_code ec) {
  m_state = State::failed;
  m_in.clear();
  m_scratch.clear();
  m_s = {};
  m_e = {};
  m_cfg.static_key.reset();
  return ec;
}

Status Handshake::start() {
  if (m_role == Role::responder) return {};
  assert(m_state == State::idle);
  if (auto st = write_msg1(); !st) return fail(st.error());
  return {};
}

void Handshake::begin_frame() {
  m_frame_start = m_out.size();
  m_out.push_back(0);
  m_out.push_back(0);
}

Status Handshake::end_frame() {
  const std::size_t len = m_out.size() - m_frame_start - 2;
  if (len > 65535) return errc::message_too_large;
  m_out[m_frame_start] = static_cast<std::uint8_t>(len >> 8);
  m_out[m_frame_start + 1] = static_cast<std::uint8_t>(len);
  return {};
}

const crypto::X25519KeyPair& Handshake::static_pair() const noexcept {
  return m_cfg.static_key ? m_cfg.static_key->keys : m_s;
}

Status Handshake::dh_mix(const crypto::X25519KeyPair& local, BytesView remote) {
  auto dh = local.dh(remote);
  if (!dh) return errc::invalid_dh_key;
  m_ss.mix_key(dh->view());
  return {};
}

Status Handshake::write_msg1() {
  // -> e
  begin_frame();
  m_e = crypto::x25519_generate(m_rng);
  m_ss.mix_hash(m_e.public_key());
  append(m_out, m_e.public_key());
  LOTUS_CHECK(m_ss.encrypt_and_hash({}, m_out));  // empty payload (no key yet: plaintext)
  LOTUS_CHECK(end_frame());
  m_state = State::await_msg2;
  return {};
}

Status Handshake::process(BytesView msg) {
  switch (m_state) {
    case State::await_msg1: return read_msg1(msg);
    case State::await_msg2: return read_msg2(msg);
    case State::await_msg3: return read_msg3(msg);
    default: assert(false); return errc::handshake_incomplete;
  }
}

namespace {
Status build_payload(const Config& cfg, const crypto::X25519PublicKey& s_pub, Bytes& out) {
  if (cfg.static_key) {
    // Pre-signed: it must belong to this identity (else the peer would see a mismatch).
    if (cfg.static_key->identity != cfg.identity->public_key()) return errc::sign_failed;
    encode_payload(out, cfg.static_key->identity_key_pb, cfg.static_key->identity_sig, cfg.muxers);
    return {};
  }
  Bytes to_sign = to_bytes(kStaticKeySigPrefix);
  append(to_sign, s_pub);
  auto sig = cfg.identity->sign(to_sign);
  if (!sig) return errc::sign_failed;
  encode_payload(out, cfg.identity->public_key().to_protobuf(), *sig, cfg.muxers);
  return {};
}
}  // namespace

Status Handshake::read_msg1(BytesView msg) {
  // <- e (responder reads)
  if (msg.size() < kDhLen) return errc::bad_frame_length;
  std::copy_n(msg.begin(), kDhLen, m_re.begin());
  m_ss.mix_hash(m_re);
  m_scratch.clear();
  LOTUS_CHECK(m_ss.decrypt_and_hash(msg.subspan(kDhLen), m_scratch));  // ignored payload
  // -> e, ee, s, es, payload
  begin_frame();
  m_e = crypto::x25519_generate(m_rng);
  m_ss.mix_hash(m_e.public_key());
  append(m_out, m_e.public_key());
  LOTUS_CHECK(dh_mix(m_e, m_re));       // ee
  LOTUS_CHECK(m_ss.encrypt_and_hash(static_pair().public_key(), m_out));  // s
  LOTUS_CHECK(dh_mix(static_pair(), m_re));       // es
  m_scratch.clear();
  LOTUS_CHECK(build_payload(m_cfg, static_pair().public_key(), m_scratch));
  LOTUS_CHECK(m_ss.encrypt_and_hash(m_scratch, m_out));
  LOTUS_CHECK(end_frame());
  m_state = State::await_msg3;
  return {};
}

Status Handshake::read_static_and_payload(BytesView rest) {
  // rest = encrypted s (48 bytes) ‖ encrypted payload
  m_scratch.clear();
  LOTUS_CHECK(m_ss.decrypt_and_hash(rest.first(kDhLen + kTag), m_scratch));
  std::copy_n(m_scratch.begin(), kDhLen, m_rs.begin());
  // initiator: es = DH(e, rs); responder: se = DH(e, rs)
  LOTUS_CHECK(dh_mix(m_e, m_rs));
  m_scratch.clear();
  LOTUS_CHECK(m_ss.decrypt_and_hash(rest.subspan(kDhLen + kTag), m_scratch));

  LOTUS_TRY(payload, decode_payload(m_scratch));
  if (!payload.has_identity_key) return errc::missing_identity_key;
  auto key = crypto::PublicKey::from_protobuf(payload.identity_key);
  if (!key) return errc::invalid_identity_key;
  Bytes signed_msg = to_bytes(kStaticKeySigPrefix);
  append(signed_msg, m_rs);
  if (!payload.has_identity_sig || !key->verify(signed_msg, payload.identity_sig))
    return errc::invalid_signature;
  mf::PeerId peer = key->peer_id();
  if (m_cfg.expected_remote && *m_cfg.expected_remote != peer) return errc::peer_id_mismatch;
  m_remote_muxers = std::move(payload.stream_muxers);
  m_remote_key.emplace(std::move(*key));
  m_remote_peer.emplace(std::move(peer));
  return {};
}

Status Handshake::read_msg2(BytesView msg) {
  // <- e, ee, s, es, payload (initiator reads)
  if (msg.size() < kDhLen + kDhLen + kTag + kTag) return errc::bad_frame_length;
  std::copy_n(msg.begin(), kDhLen, m_re.begin());
  m_ss.mix_hash(m_re);
  LOTUS_CHECK(dh_mix(m_e, m_re));  // ee
  LOTUS_CHECK(read_static_and_payload(msg.subspan(kDhLen)));
  // -> s, se, payload
  begin_frame();
  LOTUS_CHECK(m_ss.encrypt_and_hash(static_pair().public_key(), m_out));  // s
  LOTUS_CHECK(dh_mix(static_pair(), m_re));    // se
  m_scratch.clear();
  LOTUS_CHECK(build_payload(m_cfg, static_pair().public_key(), m_scratch));
  LOTUS_CHECK(m_ss.encrypt_and_hash(m_scratch, m_out));
  LOTUS_CHECK(end_frame());
  do_split();
  return {};
}

Status Handshake::read_msg3(BytesView msg) {
  // <- s, se, payload (responder reads)
  if (msg.size() < kDhLen + kTag + kTag) return errc::bad_frame_length;
  LOTUS_CHECK(read_static_and_payload(msg));
  do_split();
  return {};
}

void Handshake::do_split() {
  SecretBytes<32> c1, c2;
  m_ss.split(c1, c2);
  if (m_role == Role::initiator)
    m_channel.emplace(SecureChannel(c1, c2));
  else
    m_channel.emplace(SecureChannel(c2, c1));
  m_s = {};
  m_e = {};
  m_cfg.static_key.reset();
  secure_wipe(m_scratch);
  m_scratch.clear();
  m_state = State::complete;
}

Status Handshake::on_bytes(BytesView in) {
  if (m_state == State::failed) return errc::data_after_failure;
  assert(m_state != State::idle && m_state != State::finished);
  if (m_state == State::idle || m_state == State::finished) return errc::handshake_incomplete;
  while (!in.empty() && m_state != State::complete) {
    if (m_in.empty() && in.size() >= 2) {
      const std::size_t len = static_cast<std::size_t>(in[0]) << 8 | in[1];
      if (len > m_cfg.max_handshake_message) return fail(errc::message_too_large);
      if (in.size() >= 2 + len) {  // whole frame in the input: no copy
        if (auto st = process(in.subspan(2, len)); !st) return fail(st.error());
        in = in.subspan(2 + len);
        continue;
      }
    }
    if (m_in.size() < 2) {
      const std::size_t take = std::min<std::size_t>(2 - m_in.size(), in.size());
      m_in.insert(m_in.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(take));
      in = in.subspan(take);
      if (m_in.size() < 2) break;
    }
    const std::size_t len = static_cast<std::size_t>(m_in[0]) << 8 | m_in[1];
    if (len > m_cfg.max_handshake_message) return fail(errc::message_too_large);
    const std::size_t take = std::min(2 + len - m_in.size(), in.size());
    m_in.insert(m_in.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(take));
    in = in.subspan(take);
    if (m_in.size() < 2 + len) break;
    Bytes frame = std::move(m_in);
    m_in.clear();
    auto st = process(BytesView(frame).subspan(2));
    m_in = std::move(frame);  // keep the allocation
    m_in.clear();
    if (!st) return fail(st.error());
  }
  if (!in.empty()) {
    assert(m_state == State::complete);
    if (in.size() > m_cfg.max_early_data - std::min(m_early.size(), m_cfg.max_early_data))
      return fail(errc::early_data_too_large);
    append(m_early, in);
  }
  return {};
}

Result<Session> Handshake::finish() {
  if (m_state != State::complete) return errc::handshake_incomplete;
  m_state = State::finished;
  return Session{std::move(*m_remote_key), std::move(*m_remote_peer), std::move(m_remote_muxers),
                 std::move(*m_channel), std::move(m_early)};
}

}  // namespace lotus::proto::noise
