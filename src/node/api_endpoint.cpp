#include "node/api_endpoint.hpp"

#include <algorithm>

#include "node/errors.hpp"

namespace lotus::node {

std::string ApiEndpoint::to_string() const {
  if (kind == Kind::unix_socket) return "unix:" + path;
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

ApiEndpoint ApiEndpoint::unix_socket(std::filesystem::path p) {
  ApiEndpoint e;
  e.kind = Kind::unix_socket;
  e.path = p.string();
  return e;
}

Result<ApiEndpoint> ApiEndpoint::parse(std::string_view text) {
  if (text.rfind("unix:", 0) == 0) text.remove_prefix(5);
  if (!text.empty() && text.front() == '/') {
    if (text.size() > 100) return node_errc::api_bad_endpoint;  // sun_path is 108 bytes
    return unix_socket(std::string(text));
  }
  if (text.rfind("http://", 0) == 0) {
    text.remove_prefix(7);
    if (!text.empty() && text.back() == '/') text.remove_suffix(1);
  }
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return node_errc::api_bad_endpoint;
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return node_errc::api_bad_endpoint;
  const unsigned long p = std::stoul(std::string(port));
  if (p > 65535) return node_errc::api_bad_endpoint;
  ApiEndpoint e;
  e.kind = Kind::tcp;
  e.port = static_cast<std::uint16_t>(p);
  if (host == "127.0.0.1" || host == "localhost") {
    e.host = "127.0.0.1";
  } else if (host == "[::1]") {
    e.host = "::1";
  } else {
    return node_errc::api_not_loopback;
  }
  return e;
}

Result<ApiEndpoint> server_endpoint(std::string_view api_listen, const std::filesystem::path& data_dir) {
  if (api_listen == "off") return node_errc::api_bad_endpoint;
  if (api_listen == "unix") return ApiEndpoint::unix_socket(data_dir / "control.sock");
  return ApiEndpoint::parse(api_listen);
}

}  // namespace lotus::node
