#include "proto/record/envelope.hpp"

#include "base/protobuf.hpp"
#include "base/varint.hpp"

namespace lotus::proto::record {

Bytes encode_envelope(const Envelope& e) {
  Bytes out;
  out.reserve(e.public_key.size() + e.payload_type.size() + e.payload.size() + e.signature.size() +
              16);
  pb::Writer w(out);
  if (!e.public_key.empty()) w.bytes(1, e.public_key);
  if (!e.payload_type.empty()) w.bytes(2, e.payload_type);
  if (!e.payload.empty()) w.bytes(3, e.payload);
  if (!e.signature.empty()) w.bytes(5, e.signature);
  return out;
}

Result<Envelope> decode_envelope(BytesView bytes, const Limits& limits) {
  if (bytes.size() > limits.max_envelope_size) return errc::envelope_too_large;
  Envelope e;
  pb::Reader r(bytes);
  pb::Field f;
  while (r.next(f)) {
    Bytes* dst = nullptr;
    switch (f.number) {
      case 1:
        dst = &e.public_key;
        break;
      case 2:
        dst = &e.payload_type;
        break;
      case 3:
        dst = &e.payload;
        break;
      case 5:
        dst = &e.signature;
        break;
      default:
        continue;  // unknown fields are skipped
    }
    if (f.type != pb::WireType::len) return errc::malformed_envelope;
    dst->assign(f.bytes.begin(), f.bytes.end());  // last occurrence wins, as in protobuf
  }
  if (r.error()) return errc::malformed_envelope;
  return e;
}

Bytes signing_buffer(std::string_view domain, BytesView payload_type, BytesView payload) {
  Bytes out;
  out.reserve(domain.size() + payload_type.size() + payload.size() +
              3 * varint::kMaxMultiformatsLen);
  varint::append(out, domain.size());
  append(out, as_bytes(domain));
  varint::append(out, payload_type.size());
  append(out, payload_type);
  varint::append(out, payload.size());
  append(out, payload);
  return out;
}

}  // namespace lotus::proto::record
