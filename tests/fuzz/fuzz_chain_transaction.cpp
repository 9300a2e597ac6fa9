// chain/transaction.hpp parse_transaction / parse_output. Invariants: a parsed transaction
// re-serialises to exactly the input (the format has one encoding: canonical CompactSizes are
// enforced), serialized_size agrees, its txid is stable and independent of the scriptSigs,
// and a parse with tight limits fails with the limit's errc or succeeds identically.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "chain/transaction.hpp"

using namespace lotus;
using namespace lotus::chain;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in(data, size);
  auto tx = parse_transaction(in);
  if (tx) {
    const Bytes again = serialize(*tx);
    check(again.size() == size && std::equal(again.begin(), again.end(), data));
    check(serialized_size(*tx) == size);
    const Hash256 id = txid(*tx);
    Transaction stripped = *tx;
    for (auto& i : stripped.inputs) i.script_sig.clear();
    check(txid(stripped) == id);
    (void)tx_hash(*tx);
    (void)check_amounts(*tx);
    ParseLimits tight;
    tight.max_inputs = 1;
    tight.max_outputs = 1;
    tight.max_script_size = 16;
    auto t = parse_transaction(in, tight);
    if (t) {
      check(*t == *tx);
    } else {
      const auto e = t.error();
      check(e == make_error_code(errc::too_many_inputs) || e == make_error_code(errc::too_many_outputs) ||
            e == make_error_code(errc::script_too_large));
    }
  } else {
    check(tx.error().category() == category());
  }
  auto out = parse_output(in);
  if (out) {
    const Bytes again = serialize(*out);
    check(again.size() == size && std::equal(again.begin(), again.end(), data));
  }
  return 0;
}
