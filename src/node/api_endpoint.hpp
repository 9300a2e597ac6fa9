// Control API endpoints: where lotus-p2pd's control API listens and where lotus-p2p connects.
//
// Text forms (the config key api.listen, lotus-p2p --api, LOTUS_P2P_API, <data dir>/api):
//   unix:<absolute path>          a Unix domain socket (mode 0600, owner only)
//   <absolute path>               same, without the prefix (client side convenience)
//   127.0.0.1:<port>  [::1]:<port>  localhost:<port>   TCP on loopback (port 0 = any, server)
//   http://<one of the above TCP forms>[/]
// Anything that is not loopback is refused: the control API has no authentication beyond the
// file-system permissions of the socket, so it must never face a network.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace lotus::node {

struct ApiEndpoint {
  enum class Kind { unix_socket, tcp };
  Kind kind = Kind::unix_socket;
  std::string path;            // unix_socket
  std::string host;            // tcp: "127.0.0.1" or "::1"
  std::uint16_t port = 0;      // tcp

  // "unix:/x/control.sock" or "127.0.0.1:5701" / "[::1]:5701" (parses back with parse()).
  std::string to_string() const;
  bool operator==(const ApiEndpoint&) const = default;

  // Parses the forms above; node_errc::api_not_loopback for other hosts,
  // node_errc::api_bad_endpoint for malformed text.
  static Result<ApiEndpoint> parse(std::string_view text);
  static ApiEndpoint unix_socket(std::filesystem::path p);
};

// The server endpoint for the config value api.listen ("unix" = <data dir>/control.sock).
// Returns nullopt-like error api_bad_endpoint for "off" (the caller checks "off" first).
Result<ApiEndpoint> server_endpoint(std::string_view api_listen, const std::filesystem::path& data_dir);

}  // namespace lotus::node
