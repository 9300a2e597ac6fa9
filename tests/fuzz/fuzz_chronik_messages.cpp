// Every Chronik response / request decoder (src/chronik/messages.hpp) on arbitrary bytes: the
// first byte picks the message type. A successful decode must re-encode and decode to the same
// value (our encoder is the inverse of our decoder on what the decoder accepts).
#include <cstddef>
#include <cstdint>

#include "chronik/messages.hpp"

namespace {
template <class T, class D, class E>
void roundtrip(lotus::BytesView in, D decode, E encode) {
  auto r = decode(in);
  if (!r) return;
  const lotus::Bytes again = encode(*r);
  auto r2 = decode(again);
  if (!r2 || !(*r2 == *r)) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lotus::chronik;
  if (size == 0) return 0;
  const lotus::BytesView in(data + 1, size - 1);
  const Limits lim{.max_elements = 4096};
  switch (data[0] % 9) {
    case 0: roundtrip<BlockchainInfo>(in, [](auto b) { return decode_blockchain_info(b); }, [](const auto& m) { return encode(m); }); break;
    case 1: roundtrip<Tx>(in, [&](auto b) { return decode_tx(b, lim); }, [](const auto& m) { return encode(m); }); break;
    case 2: roundtrip<Block>(in, [&](auto b) { return decode_block(b, lim); }, [](const auto& m) { return encode(m); }); break;
    case 3: roundtrip<std::vector<BlockInfo>>(in, [&](auto b) { return decode_blocks(b, lim); }, [](const auto& m) { return encode_blocks(m); }); break;
    case 4: roundtrip<std::vector<ScriptUtxos>>(in, [&](auto b) { return decode_utxos(b, lim); }, [](const auto& m) { return encode_utxos(m); }); break;
    case 5: roundtrip<TxHistoryPage>(in, [&](auto b) { return decode_tx_history_page(b, lim); }, [](const auto& m) { return encode(m); }); break;
    case 6: roundtrip<Error>(in, [](auto b) { return decode_error(b); }, [](const auto& m) { return encode(m); }); break;
    case 7: roundtrip<Subscription>(in, [](auto b) { return decode_subscription(b); }, [](const auto& m) { return encode(m); }); break;
    default: roundtrip<SubscribeMsg>(in, [](auto b) { return decode_subscribe_msg(b); }, [](const auto& m) { return encode(m); }); break;
  }
  return 0;
}
