// Context helpers and error reporting shared by the commands.
#include <iostream>

#include "commands.hpp"
#include "node/errors.hpp"

namespace lotus::cli {

std::optional<std::string> Context::get(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::optional<int> Context::int_option(const std::string& name, int def, int min, int max) const {
  auto v = get(name);
  if (!v) return def;
  int n = 0;
  try {
    std::size_t used = 0;
    n = std::stoi(*v, &used);
    if (used != v->size()) throw std::invalid_argument(*v);
  } catch (const std::exception&) {
    usage_error("--" + name + " needs a number, got '" + *v + "'");
    return std::nullopt;
  }
  if (n < min || n > max) {
    usage_error("--" + name + " must be " + std::to_string(min) + ".." + std::to_string(max) + ", got " + *v);
    return std::nullopt;
  }
  return n;
}

std::chrono::seconds Context::timeout() const {
  auto n = int_option("timeout", 10, 1, 3600);
  return std::chrono::seconds(n.value_or(10));
}

bool Context::api_explicit() const {
  auto it = env.find("LOTUS_P2P_API");
  return has("api") || (it != env.end() && !it->second.empty());
}

Result<node::ApiEndpoint> Context::endpoint() const { return node::default_api_endpoint(get("api"), get("data-dir"), env); }

std::optional<node::ControlClient> Context::client() const {
  auto ep = endpoint();
  if (!ep) {
    std::cerr << "lotus-p2p: bad control API endpoint";
    if (auto a = get("api")) std::cerr << " '" << *a << "'";
    std::cerr << ": " << ep.error().message() << "\n";
    return std::nullopt;
  }
  return node::ControlClient(*ep,
                             std::chrono::duration_cast<std::chrono::milliseconds>(timeout()) + std::chrono::seconds(5),
                             node::default_api_token(*ep, get("api-token"), get("data-dir"), env));
}

int report_error(const std::string& what, const node::ControlError& e) {
  std::cerr << "lotus-p2p: " << what << ": " << e.message;
  if (!e.remote_code.empty()) std::cerr << " [" << e.remote_code << "]";
  std::cerr << "\n";
  return 1;
}

int report_error(const std::string& what, std::error_code ec) {
  std::cerr << "lotus-p2p: " << what << ": " << ec.message() << "\n";
  return 1;
}

void print_json(const node::Json& j) { std::cout << j.dump(-1, ' ', false, node::Json::error_handler_t::replace) << std::endl; }

}  // namespace lotus::cli
