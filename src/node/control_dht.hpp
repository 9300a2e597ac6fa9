// Control API methods of the DHT service (see control.hpp for the model). All unary, JSON in/out:
//
//   dht.put       {key, value | value_b64}          -> {stored, attempted, stats}
//   dht.get       {key}                              -> {key, value?, value_b64, records_seen, corrected, stats}
//   dht.provide   {key | key_b64 | cid}              -> {stored, attempted, stats}
//   dht.findprovs {key | key_b64 | cid, limit=20}   -> {providers: [{id, addrs}], stats}
//   dht.findpeer  {peer}                             -> {id, addrs, stats}
//
// key: UTF-8 string ("resource:<type>:<id>", "/pk/…" needs key_b64); key_b64 / value_b64:
// standard base64 (RFC 4648 §4, padding optional); cid: a CIDv1/v0 string whose multihash is
// the provider key (what js-libp2p's provide(cid) announces). "value" in replies is present only
// when the value is valid UTF-8. stats = {hops, queried, rpcs, failures, elapsed_ms}.
// Bad requests fail with node::control_errc::bad_request; DHT errors pass through (dht.*, kad.*).
#pragma once

#include <string>
#include <system_error>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"
#include "node/control.hpp"

namespace lotus::dht {
class Dht;
}

namespace lotus::node {

enum class control_errc {
  bad_request = 1,  // missing or ill-typed field
  bad_base64,       // a *_b64 field is not base64
  bad_peer_id,      // "peer" does not parse
  bad_cid,          // "cid" does not parse
};
const std::error_category& control_category() noexcept;
inline std::error_code make_error_code(control_errc e) noexcept { return {static_cast<int>(e), control_category()}; }

void register_dht_methods(ControlRouter& router, dht::Dht& dht);

// Standard base64 with padding; decode also accepts unpadded input.
std::string base64_encode(BytesView in);
Result<Bytes> base64_decode(std::string_view text);

}  // namespace lotus::node

LOTUS_ERRC_ENUM(lotus::node::control_errc)
