#include "chain/script.hpp"

#include <algorithm>

#include "chain/codec.hpp"

namespace lotus::chain {

Result<std::vector<ScriptOp>> parse_script(BytesView script) {
  std::vector<ScriptOp> ops;
  Reader r(script);
  while (!r.empty()) {
    ScriptOp o;
    o.opcode = *r.u8();
    std::size_t len = 0;
    if (o.opcode < op::kPushData1) {
      len = o.opcode;
    } else if (o.opcode == op::kPushData1) {
      auto n = r.u8();
      if (!n) return errc::script_push_truncated;
      len = *n;
    } else if (o.opcode == op::kPushData2) {
      auto n = r.u16();
      if (!n) return errc::script_push_truncated;
      len = *n;
    } else if (o.opcode == op::kPushData4) {
      auto n = r.u32();
      if (!n) return errc::script_push_truncated;
      len = *n;
    } else {
      ops.push_back(o);
      continue;
    }
    if (len > r.remaining()) return errc::script_push_truncated;
    o.is_push = true;
    o.data = *r.bytes(len);
    ops.push_back(o);
  }
  return ops;
}

void push_data(Bytes& script, BytesView data) {
  const std::size_t n = data.size();
  if (n < op::kPushData1) {
    script.push_back(static_cast<std::uint8_t>(n));  // n == 0: OP_0
  } else if (n <= 0xff) {
    script.push_back(op::kPushData1);
    put_u8(script, static_cast<std::uint8_t>(n));
  } else if (n <= 0xffff) {
    script.push_back(op::kPushData2);
    put_u16(script, static_cast<std::uint16_t>(n));
  } else {
    script.push_back(op::kPushData4);
    put_u32(script, static_cast<std::uint32_t>(n));
  }
  append(script, data);
}

Bytes p2pkh_script(const Hash160& h) {
  Bytes s{op::kDup, op::kHash160, 20};
  append(s, h);
  s.push_back(op::kEqualVerify);
  s.push_back(op::kCheckSig);
  return s;
}

Bytes p2pkh_script_for_key(BytesView public_key33) { return p2pkh_script(hash160(public_key33)); }

std::optional<Hash160> match_p2pkh(BytesView s) {
  if (s.size() != 25 || s[0] != op::kDup || s[1] != op::kHash160 || s[2] != 20 ||
      s[23] != op::kEqualVerify || s[24] != op::kCheckSig)
    return std::nullopt;
  Hash160 h{};
  std::copy(s.begin() + 3, s.begin() + 23, h.begin());
  return h;
}

Bytes p2sh_script(const Hash160& h) {
  Bytes s{op::kHash160, 20};
  append(s, h);
  s.push_back(op::kEqual);
  return s;
}

std::optional<Hash160> match_p2sh(BytesView s) {
  if (s.size() != 23 || s[0] != op::kHash160 || s[1] != 20 || s[22] != op::kEqual) return std::nullopt;
  Hash160 h{};
  std::copy(s.begin() + 2, s.begin() + 22, h.begin());
  return h;
}

Bytes p2pkh_script_sig(BytesView signature, BytesView public_key33) {
  Bytes s;
  push_data(s, signature);
  push_data(s, public_key33);
  return s;
}

Bytes taproot_script(const std::array<std::uint8_t, 33>& commitment, const std::optional<Hash256>& state) {
  Bytes s{op::kScriptType, op::k1, 33};
  append(s, commitment);
  if (state) {
    s.push_back(32);
    append(s, *state);
  }
  return s;
}

std::optional<TaprootOutput> match_taproot(BytesView s) {
  constexpr std::size_t kWithout = 3 + 33, kWith = kWithout + 33;
  if (s.size() < kWithout || s[0] != op::kScriptType || s[1] != op::k1 || s[2] != 33) return std::nullopt;
  if (s.size() != kWithout && !(s.size() == kWith && s[kWithout] == 32)) return std::nullopt;
  TaprootOutput t;
  std::copy(s.begin() + 3, s.begin() + kWithout, t.commitment.begin());
  if (s.size() == kWith) {
    Hash256 st{};
    std::copy(s.begin() + kWithout + 1, s.end(), st.begin());
    t.state = st;
  }
  return t;
}

Bytes taproot_key_path_script_sig(BytesView signature) {
  Bytes s;
  push_data(s, signature);
  return s;
}

Result<Bytes> data_script(const std::vector<BytesView>& pushes) {
  std::size_t size = 1;
  for (const auto& p : pushes) {
    if (p.size() > kMaxDataOutputSize) return errc::data_too_large;
    size += p.size() + (p.size() < op::kPushData1 ? 1 : 2);
  }
  if (size > kMaxDataOutputSize) return errc::data_too_large;
  Bytes s{op::kReturn};
  s.reserve(size);
  for (const auto& p : pushes) push_data(s, p);
  return s;
}

bool is_data_output(BytesView script) {
  if (script.empty() || script[0] != op::kReturn || script.size() > kMaxDataOutputSize) return false;
  auto ops = parse_script(script);
  if (!ops) return false;
  return std::all_of(ops->begin() + 1, ops->end(),
                     [](const ScriptOp& o) { return o.opcode <= op::k16; });
}

ScriptType classify(BytesView script) {
  if (match_p2pkh(script)) return ScriptType::p2pkh;
  if (match_p2sh(script)) return ScriptType::p2sh;
  if (match_taproot(script)) return ScriptType::taproot;
  if (is_data_output(script)) return ScriptType::data;
  return ScriptType::other;
}

}  // namespace lotus::chain
