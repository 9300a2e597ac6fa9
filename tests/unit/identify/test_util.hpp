// Helpers shared by the identify/record tests: the js-libp2p generated vectors.
#pragma once

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "base/bytes.hpp"
#include "base/hex.hpp"
#include "base/varint.hpp"

namespace lotus::test {

inline const nlohmann::json& js_vectors() {
  static const nlohmann::json j = [] {
    std::ifstream in(std::string(LOTUS_VECTORS_DIR) + "/identify/js_identify_vectors.json");
    return nlohmann::json::parse(in);
  }();
  return j;
}
inline Bytes js_hex(const char* field) { return *from_hex(js_vectors().at(field).get<std::string>()); }
inline Bytes hx(std::string_view h) { return *from_hex(h); }
inline Bytes framed(BytesView body) {
  Bytes out;
  varint::append(out, body.size());
  append(out, body);
  return out;
}

}  // namespace lotus::test
