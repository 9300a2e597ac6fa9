#include "chain/lokad.hpp"

#include <algorithm>

#include "chain/script.hpp"
#include "crypto/hash.hpp"

namespace lotus::chain {

Result<std::optional<LokadData>> parse_lokad(BytesView script) {
  if (!is_data_output(script)) return errc::not_data_output;
  auto ops = parse_script(script);  // cannot fail: is_data_output parsed it
  if (!ops) return ops.error();
  const auto& o = *ops;
  if (o.size() < 3 || !o[1].is_push || o[1].data.size() != 4) return std::optional<LokadData>{};
  LokadData d;
  std::copy(o[1].data.begin(), o[1].data.end(), d.prefix.begin());
  if (o[2].is_push && o[2].data.size() == 1) d.version = o[2].data[0];
  for (std::size_t i = 3; i < o.size(); ++i) {
    if (!o[i].is_push) continue;
    if (!d.payload) d.payload.emplace();
    append(*d.payload, o[i].data);
  }
  return std::optional<LokadData>{std::move(d)};
}

bool has_lokad_prefix(BytesView script, const LokadPrefix& prefix) {
  auto ops = parse_script(script);
  if (!ops || ops->size() < 2) return false;
  const auto& p = (*ops)[1];
  return p.is_push && p.data.size() == 4 && std::equal(p.data.begin(), p.data.end(), prefix.begin());
}

std::optional<std::array<std::uint8_t, 33>> public_key_from_lokad_payload(BytesView payload) {
  if (payload.size() < 33 || (payload[0] != 0x02 && payload[0] != 0x03)) return std::nullopt;
  std::array<std::uint8_t, 33> k{};
  std::copy(payload.begin(), payload.begin() + 33, k.begin());
  return k;
}

Hash256 derive_identity_id(const Hash256& txid_display, std::uint32_t output_index) {
  std::array<std::uint8_t, 33> buf{};
  std::copy(txid_display.begin(), txid_display.end(), buf.begin());
  buf[32] = static_cast<std::uint8_t>(output_index & 0xff);  // reference: Buffer.from([n])
  return crypto::sha256(buf);
}

Hash256 derive_identity_id_from_txid(const Hash256& txid_internal, std::uint32_t output_index) {
  Hash256 display = txid_internal;
  std::reverse(display.begin(), display.end());
  return derive_identity_id(display, output_index);
}

Result<Bytes> ltms_identity_script(const std::array<std::uint8_t, 33>& public_key, BytesView extra,
                                   std::uint8_t version) {
  const std::array<std::uint8_t, 1> v{version};
  std::vector<BytesView> pushes{kLtmsPrefix, v, public_key};
  if (!extra.empty()) pushes.push_back(extra);
  return data_script(pushes);
}

Result<LtmsIdentity> parse_ltms_identity(BytesView script, std::uint8_t version) {
  LOTUS_TRY(lokad, parse_lokad(script));
  if (!lokad) return errc::not_lokad;
  if (lokad->prefix != kLtmsPrefix) return errc::wrong_lokad_prefix;
  if (lokad->version != version) return errc::wrong_lokad_version;
  if (!lokad->payload) return errc::missing_public_key;
  auto key = public_key_from_lokad_payload(*lokad->payload);
  if (!key) return errc::missing_public_key;
  return LtmsIdentity{*key, std::move(*lokad->payload)};
}

Hash256 identity_registration_message(const Hash256& identity_id) { return crypto::sha256(identity_id); }

Hash256 key_rotation_message(const Hash256& identity_id, const std::array<std::uint8_t, 33>& new_key) {
  static constexpr char kTag[] = "KEY_ROTATION";
  Bytes buf(identity_id.begin(), identity_id.end());
  append(buf, as_bytes(std::string_view(kTag, sizeof kTag - 1)));
  append(buf, new_key);
  return crypto::sha256(buf);
}

}  // namespace lotus::chain
