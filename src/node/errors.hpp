// Error codes of the daemon library (everything in src/node except configuration, which has
// its own richer ConfigError in config.hpp): identity file, peer database, control API server
// and client.
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace lotus::node {

enum class node_errc {
  identity_unreadable = 1,  // the identity key file exists but cannot be loaded
  identity_unwritable,      // the identity key cannot be created in the data directory
  data_dir_unusable,        // the data directory cannot be created or is not a directory
  db_open_failed,           // the SQLite peer store cannot be opened or migrated
  db_write_failed,          // a batch of peer store writes failed (rolled back)
  db_read_failed,
  api_not_loopback,         // a control API endpoint that is not 127.0.0.1/::1/unix
  api_bind_failed,          // cannot listen on the control API endpoint
  api_bad_endpoint,         // malformed control API endpoint text
  api_unreachable,          // client: cannot connect to the daemon's control API
  api_timeout,              // client: no complete answer before the deadline
  api_bad_response,         // client: the reply is not the HTTP/JSON the API speaks
  api_remote_error,         // client: the daemon answered with an {"error": …} object
  bad_request,              // server: malformed request (JSON, missing/invalid parameter)
  unknown_method,           // server: no such control method
  db_corrupt,               // a store fails its integrity check or lost its table
  identity_missing,         // identity.key absent although this data directory has been used
  identity_not_a_file,      // identity.key is a dangling symlink, a FIFO, a directory, …
  unauthorized,             // server: missing or wrong control API token (TCP)
  forbidden,                // server: refused Host/Origin/content type (cross-site protection)
  overloaded,               // server: every request slot is busy
  chain_off,                // a chain method while chain access is off (no chain.chronik_urls)
  stream_overflow,          // a streaming reply's client reads slower than items arrive
};
const std::error_category& node_category() noexcept;
inline std::error_code make_error_code(node_errc e) noexcept { return {static_cast<int>(e), node_category()}; }

}  // namespace lotus::node

LOTUS_ERRC_ENUM(lotus::node::node_errc)
