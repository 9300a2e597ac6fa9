// Fuzz target: proto::dns::parse on arbitrary bytes must return a Message or an errc (never
// crash, hang or over-allocate); what parses re-encodes (uncompressed) and re-parses to the
// same questions and decoded records.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "proto/dns/message.hpp"

using namespace lotus;
namespace dns = lotus::proto::dns;

namespace {
bool same_records(const std::vector<dns::Record>& a, const std::vector<dns::Record>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& x = a[i];
    const auto& y = b[i];
    if (!dns::same_name(x.name, y.name) || x.type != y.type || x.rclass != y.rclass || x.ttl != y.ttl ||
        x.txt != y.txt || x.target != y.target || x.address != y.address)
      return false;
    // Raw rdata survives unchanged except CNAME, whose name may have been compressed.
    if (x.type != dns::type::cname && x.rdata != y.rdata) return false;
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dns::Limits limits;
  limits.max_records = 64;
  auto m = dns::parse(BytesView(data, size), limits);
  if (!m) return 0;
  auto wire = dns::encode(*m);
  if (!wire) return 0;  // uncompressed form can exceed 65535 octets
  auto again = dns::parse(*wire, limits);
  if (!again) std::abort();
  if (again->id != m->id || again->rcode != m->rcode || again->truncated != m->truncated ||
      again->questions != m->questions || !same_records(again->answers, m->answers) ||
      !same_records(again->authorities, m->authorities) || !same_records(again->additionals, m->additionals))
    std::abort();
  return 0;
}
