// Fuzz target: every MuSig2 payload parser (src/musig2/messages.hpp) on arbitrary JSON text —
// each returns a struct or a specific wire_errc, never crashes, hangs or over-allocates.
// The input is tried as a payload and, when it is a P2PMessage envelope, its payload too.
// Properties: what parses builds back to text that parses again to the same text (round trip);
// the signature checks of signing_inputs.hpp run on whatever parsed (no crash, any result);
// the field decoders agree with each other on the raw input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "coordinator/json.hpp"
#include "coordinator/message.hpp"
#include "musig2/messages.hpp"
#include "musig2/signing_inputs.hpp"

using namespace lotus;
using namespace lotus::musig2;

namespace {

template <class Parse>
void round_trip(const json::Value& v, Parse parse) {
  std::string field;
  auto r = parse(v, &field);
  if (!r) {
    if (field.empty()) std::abort();  // every refusal names its field
    return;
  }
  const std::string text = json::stringify(r->build());
  auto again = json::parse(text);
  if (!again) std::abort();
  auto r2 = parse(*again, nullptr);
  if (!r2) std::abort();
  if (json::stringify(r2->build()) != text) std::abort();
}

void all_parsers(const json::Value& v) {
  round_trip(v, parse_signer_unavailable);
  round_trip(v, parse_participant_joined);
  round_trip(v, parse_session_ready);
  round_trip(v, parse_session_join);
  round_trip(v, parse_nonce_commit);
  round_trip(v, parse_nonce_share);
  round_trip(v, parse_partial_sig_share);
  round_trip(v, parse_session_abort);
  round_trip(v, parse_validation_error);
  round_trip(v, parse_directory_index);
  if (auto a = parse_signer_advertisement(v)) {
    round_trip(v, parse_signer_advertisement);
    (void)verify_advertisement(*a);
  }
  if (auto q = parse_signing_request(v)) {
    round_trip(v, parse_signing_request);
    (void)verify_signing_request(*q);
  }
  if (auto s = parse_session_announcement(v)) {
    round_trip(v, parse_session_announcement);
    (void)verify_session_announcement(*s);
  }
  if (auto n = parse_nonce_share(v)) (void)nonce_commitment(n->public_nonce);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Field decoders on the raw text: a point is a public key is a point.
  auto p = deserialize_point(text);
  auto k = deserialize_public_key(text);
  if (p.has_value() != k.has_value()) std::abort();
  if (p && serialize_point(*p).size() != 66) std::abort();
  if (auto s = deserialize_partial_sig(text)) {
    if (!deserialize_scalar(serialize_scalar(*s))) std::abort();
  }
  if (auto m = deserialize_message(text)) {
    if (serialize_message(*m).size() != 2 * m->size()) std::abort();
  }
  auto v = json::parse(text);
  if (!v) return 0;
  all_parsers(*v);
  if (const json::Value* payload = v->find("payload")) all_parsers(*payload);
  return 0;
}
