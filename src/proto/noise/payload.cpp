#include "proto/noise/payload.hpp"

#include "base/protobuf.hpp"
#include "proto/noise/errc.hpp"

namespace lotus::proto::noise {

namespace {
Status decode_extensions(BytesView in, HandshakePayload& out) {
  pb::Reader r(in);
  pb::Field f;
  while (r.next(f)) {
    if (f.number != 1 && f.number != 2) continue;
    if (f.type != pb::WireType::len) return errc::invalid_payload;
    if (out.webtransport_certhashes.size() + out.stream_muxers.size() >= kMaxExtensionEntries)
      return errc::invalid_payload;
    if (f.number == 1)
      out.webtransport_certhashes.push_back(f.bytes);
    else
      out.stream_muxers.emplace_back(as_string_view(f.bytes));
  }
  if (r.error()) return errc::invalid_payload;
  return {};
}
}  // namespace

Result<HandshakePayload> decode_payload(BytesView in) {
  HandshakePayload out;
  pb::Reader r(in);
  pb::Field f;
  while (r.next(f)) {
    switch (f.number) {
      case 1:
        if (f.type != pb::WireType::len) return errc::invalid_payload;
        out.identity_key = f.bytes;
        out.has_identity_key = true;
        break;
      case 2:
        if (f.type != pb::WireType::len) return errc::invalid_payload;
        out.identity_sig = f.bytes;
        out.has_identity_sig = true;
        break;
      case 4:
        // An embedded message: repeated occurrences merge (protobuf semantics).
        if (f.type != pb::WireType::len) return errc::invalid_payload;
        LOTUS_CHECK(decode_extensions(f.bytes, out));
        break;
      default:
        break;  // unknown fields are skipped
    }
  }
  if (r.error()) return errc::invalid_payload;
  return out;
}

void encode_payload(Bytes& out, BytesView identity_key, BytesView identity_sig,
                    const std::vector<std::string>& muxers) {
  pb::Writer w(out);
  w.bytes(1, identity_key);
  w.bytes(2, identity_sig);
  if (!muxers.empty()) {
    Bytes ext;
    pb::Writer we(ext);
    for (const auto& m : muxers) we.string(2, m);
    w.bytes(4, ext);
  }
}

}  // namespace lotus::proto::noise
