#include "proto/gossipsub/rpc.hpp"

#include <algorithm>
#include <iterator>
#include <type_traits>

#include "base/protobuf.hpp"
#include "base/varint.hpp"
#include "proto/framing/length_prefixed.hpp"

namespace lotus::proto::gossipsub {
namespace {

void put_submessage(pb::Writer& w, std::uint32_t field, const Bytes& body) { w.bytes(field, body); }

void encode_control(const ControlMessage& c, Bytes& out) {
  pb::Writer w(out);
  Bytes tmp;
  for (const auto& ih : c.ihave) {
    tmp.clear();
    pb::Writer t(tmp);
    t.string(1, ih.topic);
    for (const auto& id : ih.ids) t.bytes(2, id);
    put_submessage(w, 1, tmp);
  }
  for (const auto& iw : c.iwant) {
    tmp.clear();
    pb::Writer t(tmp);
    for (const auto& id : iw.ids) t.bytes(1, id);
    put_submessage(w, 2, tmp);
  }
  for (const auto& g : c.graft) {
    tmp.clear();
    pb::Writer t(tmp);
    t.string(1, g.topic);
    put_submessage(w, 3, tmp);
  }
  for (const auto& p : c.prune) {
    tmp.clear();
    pb::Writer t(tmp);
    t.string(1, p.topic);
    Bytes pi;
    for (const auto& info : p.peers) {
      pi.clear();
      pb::Writer tp(pi);
      tp.bytes(1, info.peer_id);
      if (info.signed_peer_record) tp.bytes(2, *info.signed_peer_record);
      t.bytes(2, pi);
    }
    if (p.backoff) t.varint(3, *p.backoff);
    put_submessage(w, 4, tmp);
  }
  for (const auto& d : c.idontwant) {
    tmp.clear();
    pb::Writer t(tmp);
    for (const auto& id : d.ids) t.bytes(1, id);
    put_submessage(w, 5, tmp);
  }
}

std::error_code expect(const pb::Field& f, pb::WireType t) {
  return f.type == t ? std::error_code{} : make_error_code(pb::errc::wrong_wire_type);
}

Result<std::string> topic_of(const pb::Field& f, const Limits& l) {
  if (auto ec = expect(f, pb::WireType::len)) return ec;
  if (f.bytes.size() > l.max_topic_size) return errc::topic_too_long;
  return std::string(as_string_view(f.bytes));
}

Status push_id(std::vector<MessageId>& ids, const pb::Field& f, const Limits& l) {
  if (auto ec = expect(f, pb::WireType::len)) return ec;
  if (f.bytes.size() > l.max_message_id_size) return errc::message_id_too_long;
  if (ids.size() >= l.max_message_ids) return errc::too_many_message_ids;
  ids.emplace_back(f.bytes.begin(), f.bytes.end());
  return {};
}

Result<std::vector<MessageId>> decode_ids(BytesView in, std::uint32_t field, const Limits& l) {
  std::vector<MessageId> ids;
  pb::Reader r(in);
  pb::Field f;
  while (r.next(f)) {
    if (f.number == field) LOTUS_CHECK(push_id(ids, f, l));
  }
  if (r.error()) return r.error();
  return ids;
}

Result<ControlIHave> decode_ihave(BytesView in, const Limits& l) {
  ControlIHave out;
  pb::Reader r(in);
  pb::Field f;
  while (r.next(f)) {
    if (f.number == 1) {
      LOTUS_TRY(t, topic_of(f, l));
      out.topic = std::move(t);
    } else if (f.number == 2) {
      LOTUS_CHECK(push_id(out.ids, f, l));
    }
  }
  if (r.error()) return r.error();
  return out;
}

Result<PeerInfo> decode_peer_info(BytesView in) {
  PeerInfo out;
  pb::Reader r(in);
  pb::Field f;
  while (r.next(f)) {
    if (f.number == 1 || f.number == 2) {
      if (auto ec = expect(f, pb::WireType::len)) return ec;
      Bytes b(f.bytes.begin(), f.bytes.end());
      if (f.number == 1)
        out.peer_id = std::move(b);
      else
        out.signed_peer_record = std::move(b);
    }
  }
  if (r.error()) return r.error();
  return out;
}

Result<ControlPrune> decode_prune(BytesView in, const Limits& l) {
  ControlPrune out;
  pb::Reader r(in);
  pb::Field f;
  while (r.next(f)) {
    if (f.number == 1) {
      LOTUS_TRY(t, topic_of(f, l));
      out.topic = std::move(t);
    } else if (f.number == 2) {
      if (auto ec = expect(f, pb::WireType::len)) return ec;
      if (out.peers.size() >= l.max_prune_peers) return errc::too_many_prune_peers;
      LOTUS_TRY(pi, decode_peer_info(f.bytes));
      out.peers.push_back(std::move(pi));
    } else if (f.number == 3) {
      if (auto ec = expect(f, pb::WireType::varint)) return ec;
      out.backoff = f.varint;
    }
  }
  if (r.error()) return r.error();
  return out;
}

Result<ControlMessage> decode_control(BytesView in, const Limits& l) {
  ControlMessage out;
  pb::Reader r(in);
  pb::Field f;
  auto room = [&](std::size_t n) -> Status {
    if (n >= l.max_control_entries) return errc::too_many_control;
    return {};
  };
  while (r.next(f)) {
    if (f.number < 1 || f.number > 5) continue;
    if (auto ec = expect(f, pb::WireType::len)) return ec;
    switch (f.number) {
      case 1: {
        LOTUS_CHECK(room(out.ihave.size()));
        LOTUS_TRY(v, decode_ihave(f.bytes, l));
        out.ihave.push_back(std::move(v));
        break;
      }
      case 2: {
        LOTUS_CHECK(room(out.iwant.size()));
        LOTUS_TRY(v, decode_ids(f.bytes, 1, l));
        out.iwant.push_back(ControlIWant{std::move(v)});
        break;
      }
      case 3: {
        LOTUS_CHECK(room(out.graft.size()));
        ControlGraft g;
        pb::Reader gr(f.bytes);
        pb::Field gf;
        while (gr.next(gf)) {
          if (gf.number == 1) {
            LOTUS_TRY(t, topic_of(gf, l));
            g.topic = std::move(t);
          }
        }
        if (gr.error()) return gr.error();
        out.graft.push_back(std::move(g));
        break;
      }
      case 4: {
        LOTUS_CHECK(room(out.prune.size()));
        LOTUS_TRY(v, decode_prune(f.bytes, l));
        out.prune.push_back(std::move(v));
        break;
      }
      default: {
        LOTUS_CHECK(room(out.idontwant.size()));
        LOTUS_TRY(v, decode_ids(f.bytes, 1, l));
        out.idontwant.push_back(ControlIDontWant{std::move(v)});
        break;
      }
    }
  }
  if (r.error()) return r.error();
  return out;
}

Result<SubOpts> decode_subopts(BytesView in, const Limits& l) {
  SubOpts out;
  pb::Reader r(in);
  pb::Field f;
  while (r.next(f)) {
    if (f.number == 1) {
      if (auto ec = expect(f, pb::WireType::varint)) return ec;
      out.subscribe = f.varint != 0;
    } else if (f.number == 2) {
      LOTUS_TRY(t, topic_of(f, l));
      out.topic = std::move(t);
    }
  }
  if (r.error()) return r.error();
  return out;
}

}  // namespace

void encode(const Message& m, Bytes& out) {
  pb::Writer w(out);
  if (m.from) w.bytes(1, *m.from);
  w.bytes(2, m.data);
  if (m.seqno) w.bytes(3, *m.seqno);
  w.string(4, m.topic);
  if (m.signature) w.bytes(5, *m.signature);
  if (m.key) w.bytes(6, *m.key);
}

Bytes encode_for_signing(const Message& m) {
  Message copy;
  copy.from = m.from;
  copy.data = m.data;
  copy.seqno = m.seqno;
  copy.topic = m.topic;
  Bytes out;
  encode(copy, out);
  return out;
}

void encode(const Rpc& rpc, Bytes& out) {
  pb::Writer w(out);
  Bytes tmp;
  for (const auto& s : rpc.subscriptions) {
    tmp.clear();
    pb::Writer t(tmp);
    t.boolean(1, s.subscribe);
    t.string(2, s.topic);
    w.bytes(1, tmp);
  }
  for (const auto& m : rpc.publish) {
    tmp.clear();
    encode(m, tmp);
    w.bytes(2, tmp);
  }
  if (!rpc.control.empty()) {
    tmp.clear();
    encode_control(rpc.control, tmp);
    w.bytes(3, tmp);
  }
}

Bytes encode(const Rpc& rpc) {
  Bytes out;
  encode(rpc, out);
  return out;
}

Bytes encode_frame(const Rpc& rpc) { return framing::encode_frame(encode(rpc)); }

std::vector<Rpc> split_rpc(Rpc rpc, const Limits& l) {
  auto chunk_ids = [&](auto& entries) {
    using Entry = typename std::decay_t<decltype(entries)>::value_type;
    std::vector<Entry> out;
    for (auto& e : entries) {
      if (e.ids.size() <= l.max_message_ids) {
        out.push_back(std::move(e));
        continue;
      }
      for (std::size_t i = 0; i < e.ids.size(); i += l.max_message_ids) {
        Entry part;
        const std::size_t end = std::min(e.ids.size(), i + l.max_message_ids);
        part.ids.assign(std::make_move_iterator(e.ids.begin() + static_cast<std::ptrdiff_t>(i)),
                        std::make_move_iterator(e.ids.begin() + static_cast<std::ptrdiff_t>(end)));
        out.push_back(std::move(part));
      }
    }
    entries = std::move(out);
  };
  chunk_ids(rpc.control.iwant);
  chunk_ids(rpc.control.idontwant);
  std::vector<Rpc> parts(1);
  parts[0].subscriptions = std::move(rpc.subscriptions);
  parts[0].control = std::move(rpc.control);
  std::size_t size = encode(parts[0]).size();
  std::size_t count = 0;
  Bytes tmp;
  for (auto& m : rpc.publish) {
    tmp.clear();
    encode(m, tmp);
    const std::size_t need = tmp.size() + 1 + varint::encoded_size(tmp.size());
    if (need > l.max_rpc_size) continue;
    if (count + 1 > l.max_messages || size + need > l.max_rpc_size) {
      parts.emplace_back();
      size = 0;
      count = 0;
    }
    parts.back().publish.push_back(std::move(m));
    size += need;
    ++count;
  }
  return parts;
}

Result<Message> decode_message(BytesView in, const Limits& l) {
  Message m;
  bool have_topic = false;
  pb::Reader r(in);
  pb::Field f;
  while (r.next(f)) {
    if (f.number < 1 || f.number > 6) continue;
    if (f.number == 4) {
      LOTUS_TRY(t, topic_of(f, l));
      m.topic = std::move(t);
      have_topic = true;
      continue;
    }
    if (auto ec = expect(f, pb::WireType::len)) return ec;
    Bytes b(f.bytes.begin(), f.bytes.end());
    switch (f.number) {
      case 1: m.from = std::move(b); break;
      case 2: m.data = std::move(b); break;
      case 3: m.seqno = std::move(b); break;
      case 5: m.signature = std::move(b); break;
      default: m.key = std::move(b); break;
    }
  }
  if (r.error()) return r.error();
  if (!have_topic) return errc::missing_topic;
  return m;
}

Result<Rpc> decode_rpc(BytesView in, const Limits& l) {
  if (in.size() > l.max_rpc_size) return errc::rpc_too_large;
  Rpc rpc;
  pb::Reader r(in);
  pb::Field f;
  while (r.next(f)) {
    if (f.number < 1 || f.number > 3) continue;
    if (auto ec = expect(f, pb::WireType::len)) return ec;
    if (f.number == 1) {
      if (rpc.subscriptions.size() >= l.max_subscriptions) return errc::too_many_subscriptions;
      LOTUS_TRY(s, decode_subopts(f.bytes, l));
      rpc.subscriptions.push_back(std::move(s));
    } else if (f.number == 2) {
      if (rpc.publish.size() >= l.max_messages) return errc::too_many_messages;
      LOTUS_TRY(m, decode_message(f.bytes, l));
      rpc.publish.push_back(std::move(m));
    } else {
      // Several control fields merge, as protobuf requires for a repeated-less submessage.
      LOTUS_TRY(c, decode_control(f.bytes, l));
      auto merge = [&](auto& dst, auto& src) -> Status {
        if (dst.size() + src.size() > l.max_control_entries) return errc::too_many_control;
        for (auto& e : src) dst.push_back(std::move(e));
        return {};
      };
      LOTUS_CHECK(merge(rpc.control.ihave, c.ihave));
      LOTUS_CHECK(merge(rpc.control.iwant, c.iwant));
      LOTUS_CHECK(merge(rpc.control.graft, c.graft));
      LOTUS_CHECK(merge(rpc.control.prune, c.prune));
      LOTUS_CHECK(merge(rpc.control.idontwant, c.idontwant));
    }
  }
  if (r.error()) return r.error();
  return rpc;
}

}  // namespace lotus::proto::gossipsub
