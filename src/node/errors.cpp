#include "node/errors.hpp"

namespace lotus::node {

const std::error_category& node_category() noexcept {
  static const TableCategory cat{
      "node",
      {{static_cast<int>(node_errc::identity_unreadable), "identity key file cannot be loaded"},
       {static_cast<int>(node_errc::identity_unwritable), "identity key file cannot be created"},
       {static_cast<int>(node_errc::data_dir_unusable), "data directory cannot be created or used"},
       {static_cast<int>(node_errc::db_open_failed), "peer store database cannot be opened"},
       {static_cast<int>(node_errc::db_write_failed), "peer store write failed (batch rolled back)"},
       {static_cast<int>(node_errc::db_read_failed), "peer store read failed"},
       {static_cast<int>(node_errc::api_not_loopback), "control API refuses non-loopback endpoints"},
       {static_cast<int>(node_errc::api_bind_failed), "cannot listen on the control API endpoint"},
       {static_cast<int>(node_errc::api_bad_endpoint), "malformed control API endpoint"},
       {static_cast<int>(node_errc::api_unreachable), "cannot connect to the daemon's control API (is lotus-p2pd running?)"},
       {static_cast<int>(node_errc::api_timeout), "control API call timed out"},
       {static_cast<int>(node_errc::api_bad_response), "malformed control API response"},
       {static_cast<int>(node_errc::api_remote_error), "the daemon reported an error"},
       {static_cast<int>(node_errc::bad_request), "malformed control API request"},
       {static_cast<int>(node_errc::unknown_method), "unknown control API method"},
       {static_cast<int>(node_errc::db_corrupt), "store database is damaged (integrity check failed or table missing)"},
       {static_cast<int>(node_errc::identity_missing), "identity key missing in a data directory that has been used"},
       {static_cast<int>(node_errc::identity_not_a_file), "identity key path is not a regular file"},
       {static_cast<int>(node_errc::unauthorized), "control API token missing or wrong"},
       {static_cast<int>(node_errc::forbidden), "request refused (Host, Origin or content type not allowed)"},
       {static_cast<int>(node_errc::overloaded), "control API busy (every request slot in use)"},
       {static_cast<int>(node_errc::chain_off),
        "chain access is off: set chain.chronik_urls (flag --chronik-url, env LOTUS_P2P_CHAIN_CHRONIK_URLS) "
        "to a Chronik server and restart the daemon"},
       {static_cast<int>(node_errc::stream_overflow), "stream cut: the client reads slower than items arrive"}}};
  return cat;
}

}  // namespace lotus::node
