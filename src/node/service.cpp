#include "node/service.hpp"

#include "runtime/asio.hpp"

namespace lotus::node {

asio::awaitable<void> Service::stop() { co_return; }
asio::awaitable<void> Service::after_host_stopped() { co_return; }

Service* ServiceDirectory::find(std::string_view name) const {
  for (const auto& s : m_services)
    if (s->name() == name) return s.get();
  return nullptr;
}

}  // namespace lotus::node
