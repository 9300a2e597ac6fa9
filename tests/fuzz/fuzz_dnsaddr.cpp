// Fuzz target: /dnsaddr expansion (runtime::DnsResolver::resolve / resolve_dnsaddr) against
// hostile TXT data, served by the in-process fake DNS server on 127.0.0.1 (nothing else is
// ever asked: the resolver's only server is that one).
//
// Input, one record per line:  <d><TAB><string>[<TAB><string>…]
//   <d> = a digit naming the TXT owner "_dnsaddr.n<d>.test"; the strings are the record's
//   character-strings (each ≤ 255 bytes, as DNS allows). A line "=<suffix>" sets the suffix
//   asked for: /dnsaddr/n0.test<suffix> (e.g. "=/p2p/Qm…"); a line "@" asks resolve() (which
//   also expands /dns*/ results through A/AAAA) instead of resolve_dnsaddr(); a line "A<d>"
//   gives the name n<d>.test the address 10.0.0.<d>.
// Invariants checked: every call ends (no hang: the fake server answers every query), results
// are capped, never a /dnsaddr/ entry, all end with the asked suffix, at most
// max_dnsaddr_queries TXT lookups per call, and an empty result is an error, never "ok, empty".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/rng.hpp"
#include "runtime/dns_resolver.hpp"
#include "unit/dns/fake_dns_server.hpp"

using namespace lotus;

namespace {

struct World {
  asio::io_context io;
  testing::FakeDnsServer server{io};
  DeterministicRng rng{7};
  runtime::DnsResolverConfig cfg;
  World() {
    cfg.servers.push_back(server.endpoint());
    cfg.timeout = std::chrono::seconds(2);  // only reached if an answer is lost: a defect
    cfg.attempts = 1;
    cfg.max_dnsaddr_results = 16;
    cfg.max_dnsaddr_queries = 12;
    cfg.max_dnsaddr_depth = 4;
  }
};

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto i = s.find(sep);
    out.push_back(s.substr(0, i));
    if (i == std::string_view::npos) return out;
    s.remove_prefix(i + 1);
  }
}

bool ends_with(const mf::Multiaddr& a, const std::vector<mf::Component>& suffix) {
  const auto& c = a.components();
  if (c.size() < suffix.size()) return false;
  for (std::size_t i = 0; i < suffix.size(); ++i)
    if (!(c[c.size() - suffix.size() + i] == suffix[i])) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* w = new World();  // one server for the whole run (a port per input would churn)
  if (size > 4096) return 0;
  w->server.clear();
  std::string suffix;
  bool full_resolve = false;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto line : split(text, '\n')) {
    if (line.empty()) continue;
    if (line[0] == '=') {
      suffix.assign(line.substr(1));
      continue;
    }
    if (line == "@") {
      full_resolve = true;
      continue;
    }
    if (line.size() == 2 && line[0] == 'A' && line[1] >= '0' && line[1] <= '9') {
      w->server.add_a(std::string("n") + line[1] + ".test", {10, 0, 0, static_cast<std::uint8_t>(line[1] - '0')});
      continue;
    }
    if (line.size() < 2 || line[0] < '0' || line[0] > '9' || line[1] != '\t') continue;
    std::vector<std::string> strings;
    for (auto s : split(line.substr(2), '\t')) strings.emplace_back(s.substr(0, 255));
    w->server.add_txt(std::string("_dnsaddr.n") + line[0] + ".test", std::move(strings));
  }
  auto root = mf::Multiaddr::parse("/dnsaddr/n0.test" + suffix);
  if (!root) return 0;
  const std::vector<mf::Component> want_suffix(root->components().begin() + 1, root->components().end());

  runtime::DnsResolver resolver(w->io.get_executor(), w->cfg, &w->rng);
  bool done = false;
  Result<std::vector<mf::Multiaddr>> result = runtime::DnsErrc::timeout;
  asio::co_spawn(
      w->io,
      [](runtime::DnsResolver* r, mf::Multiaddr a, bool full, Result<std::vector<mf::Multiaddr>>* out,
         bool* flag) -> asio::awaitable<void> {
        if (full)
          *out = co_await r->resolve(std::move(a));
        else
          *out = co_await r->resolve_dnsaddr(std::move(a));
        *flag = true;
      }(&resolver, *root, full_resolve, &result, &done),
      asio::detached);
  w->io.restart();
  while (!done) w->io.run_one();

  const auto asked = w->server.names_asked();
  std::size_t txt_queries = 0;
  for (const auto& n : asked)
    if (n.rfind("_dnsaddr.", 0) == 0) ++txt_queries;
  if (txt_queries > w->cfg.max_dnsaddr_queries) std::abort();
  if (!result) return 0;
  if (result->empty()) std::abort();                         // "no addresses" must be an error
  if (result->size() > w->cfg.max_dnsaddr_results) std::abort();
  for (const auto& a : *result) {
    if (a.empty() || a.components()[0].code == mf::proto::dnsaddr) std::abort();
    if (!ends_with(a, want_suffix)) std::abort();
    // resolve() returns addresses to dial: /ip4/ or /ip6/ only (names it could not expand and
    // other protocols are dropped)
    if (full_resolve && a.components()[0].code != mf::proto::ip4 && a.components()[0].code != mf::proto::ip6)
      std::abort();
  }
  return 0;
}
