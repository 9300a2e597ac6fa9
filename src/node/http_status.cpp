// http_status_for (control_server.hpp): which HTTP status a control method's error gets.
#include "chain/errc.hpp"
#include "chronik/burn_verifier.hpp"
#include "chronik/errc.hpp"
#include "chronik/transaction_monitor.hpp"
#include "coordinator/errc.hpp"
#include "dht/dht.hpp"
#include "host/errors.hpp"
#include "node/control_server.hpp"
#include "node/errors.hpp"
#include "proto/kad/errc.hpp"
#include "pubsub/errc.hpp"

namespace lotus::node {

unsigned http_status_for(std::error_code ec) {
  constexpr unsigned bad = 400, not_found = 404, unavailable = 503, internal = 500;
  const auto& cat = ec.category();
  if (cat == node_category()) {
    switch (static_cast<node_errc>(ec.value())) {
      case node_errc::bad_request: return bad;
      case node_errc::unknown_method: return not_found;
      case node_errc::unauthorized: return 401;
      case node_errc::forbidden: return 403;
      case node_errc::overloaded:
      case node_errc::chain_off: return unavailable;
      default: return internal;
    }
  }
  // Records and keys the caller gave that do not validate: the request's fault.
  if (cat == coordinator::category() || cat == proto::kad::category()) return bad;
  if (cat == dht::category()) {
    switch (static_cast<dht::errc>(ec.value())) {
      case dht::errc::invalid_record:
      case dht::errc::record_too_large:
      case dht::errc::empty_key: return bad;
      case dht::errc::not_found: return not_found;
      case dht::errc::local_quota: return 507;  // Insufficient Storage: dht.max_local_keys
      case dht::errc::store_io:
      case dht::errc::store_corrupt: return internal;
      default: return unavailable;  // no peers, timeouts, nobody stored it, stopping
    }
  }
  if (cat == pubsub::category()) {
    switch (static_cast<pubsub::errc>(ec.value())) {
      case pubsub::errc::bad_request: return bad;
      case pubsub::errc::not_subscribed: return not_found;
      default: return unavailable;
    }
  }
  if (cat == host::category()) {
    switch (static_cast<host::errc>(ec.value())) {
      case host::errc::unsupported_address:
      case host::errc::dial_to_self: return bad;
      case host::errc::no_addresses: return not_found;
      default: return unavailable;  // dial, handshake and stream failures: the network's state
    }
  }
  // Chain access: what Chronik says is authoritative (404, 400); the rest is its reachability.
  if (cat == chronik::category()) {
    switch (static_cast<chronik::errc>(ec.value())) {
      case chronik::errc::not_found: return not_found;
      case chronik::errc::bad_request: return bad;
      default: return unavailable;
    }
  }
  if (cat == chronik::burn_category()) return ec == chronik::burn_errc::not_found ? not_found : bad;
  if (cat == chronik::monitor_category()) return ec == chronik::monitor_errc::deadline ? 504 : 409;
  if (cat == chain::category()) return bad;  // an address or transaction the caller gave
  return internal;
}

}  // namespace lotus::node
