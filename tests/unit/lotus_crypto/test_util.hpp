// Shared helpers of the lotus_crypto unit tests: vector loading and hex conversion.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "base/hex.hpp"

namespace lotus_test {

inline nlohmann::json load_vectors(const std::string& name) {
  std::ifstream f(std::string(LOTUS_VECTORS_DIR) + "/" + name);
  if (!f) throw std::runtime_error("cannot open vector file " + name);
  return nlohmann::json::parse(f);
}

inline lotus::Bytes hx(const nlohmann::json& j) {
  auto b = lotus::from_hex(j.get<std::string>());
  if (!b) throw std::runtime_error("bad hex in vector");
  return *b;
}

template <std::size_t N>
std::array<std::uint8_t, N> hxa(const nlohmann::json& j) {
  auto b = hx(j);
  if (b.size() != N) throw std::runtime_error("wrong length in vector");
  std::array<std::uint8_t, N> out{};
  std::memcpy(out.data(), b.data(), N);
  return out;
}

template <class C>
std::string h(const C& c) {
  return lotus::to_hex(lotus::BytesView(c.data(), c.size()));
}

}  // namespace lotus_test
