// chain/script.hpp and chain/lokad.hpp / swapsig_burn.hpp over arbitrary scripts. Invariants:
// parse_script's opcodes cover the script exactly (re-encoding each opcode with its original
// length form reproduces the input); LOKAD data is found only in data outputs and its payload
// is never longer than the script; a parsed LTMS identity re-parses from the script built for
// its key; classify() agrees with the individual matchers.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "chain/lokad.hpp"
#include "chain/script.hpp"
#include "chain/swapsig_burn.hpp"

using namespace lotus;
using namespace lotus::chain;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const BytesView in(data, size);
  auto ops = parse_script(in);
  if (ops) {
    check(ops->size() <= size);
    // Each push's data is a view inside the script, in order, and the pieces tile it.
    std::size_t pos = 0;
    for (const auto& o : *ops) {
      check(pos < size && data[pos] == o.opcode);
      std::size_t header = 1;
      if (o.opcode == op::kPushData1) header = 2;
      if (o.opcode == op::kPushData2) header = 3;
      if (o.opcode == op::kPushData4) header = 5;
      if (o.is_push) {
        check(o.data.data() == data + pos + header || o.data.empty());
        pos += header + o.data.size();
      } else {
        check(o.data.empty());
        pos += 1;
      }
    }
    check(pos == size);
  } else {
    check(ops.error() == make_error_code(errc::script_push_truncated));
  }

  const bool data_out = is_data_output(in);
  check(!data_out || (ops && size <= kMaxDataOutputSize));
  auto lokad = parse_lokad(in);
  check(static_cast<bool>(lokad) == data_out);
  if (lokad && lokad->has_value()) {
    const LokadData& d = **lokad;
    check(!d.payload || d.payload->size() < size);
    check(has_lokad_prefix(in, d.prefix));
  }
  auto ltms = parse_ltms_identity(in);
  if (ltms) {
    check(ltms->payload.size() >= 33);
    auto rebuilt = ltms_identity_script(ltms->public_key);
    check(rebuilt && parse_ltms_identity(*rebuilt) && parse_ltms_identity(*rebuilt)->public_key == ltms->public_key);
  }
  const ScriptType t = classify(in);
  check((t == ScriptType::p2pkh) == static_cast<bool>(match_p2pkh(in)));
  if (t == ScriptType::taproot) check(static_cast<bool>(match_taproot(in)));
  if (t == ScriptType::data) check(data_out);
  if (auto tp = match_taproot(in)) check(taproot_script(tp->commitment, tp->state) == Bytes(in.begin(), in.end()));
  if (auto pk = match_p2pkh(in)) check(p2pkh_script(*pk) == Bytes(in.begin(), in.end()));

  const TxOutput out{1000, Bytes(in.begin(), in.end())};
  const std::array<std::uint8_t, 32> pool{};
  (void)validate_swapsig_burn(std::span<const TxOutput>(&out, 1), 1000, pool);
  return 0;
}
