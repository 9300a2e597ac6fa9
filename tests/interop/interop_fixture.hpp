// GoogleTest fixture for the interop suite: one C++ host (CppNode) and one js-libp2p peer
// (JsPeer), both started fresh for every test; on failure TearDown prints the js peer's stderr
// and the C++ host's events so a failing cell explains itself.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "interop_harness.hpp"

namespace lotus::interop {

inline constexpr const char* kJsAgent = "lotus-interop-js/1.0";
inline constexpr const char* kCppAgent = "lotus-p2p-interop/1.0";
inline constexpr std::uint64_t kMiB = 1024 * 1024;

inline bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}
inline bool contains(const json& arr, const std::string& s) {
  if (!arr.is_array()) return false;
  return std::any_of(arr.begin(), arr.end(), [&](const json& x) { return x.is_string() && x.get<std::string>() == s; });
}
// "/ip4/../tcp/N/p2p/<id>" -> "/ip4/../tcp/N" (js suffixes observed addresses with /p2p/).
inline std::string strip_p2p(const std::string& a) {
  const auto pos = a.find("/p2p/");
  return pos == std::string::npos ? a : a.substr(0, pos);
}
inline std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

class InteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node = std::make_unique<CppNode>(CppNode::Options{"/ip4/127.0.0.1/tcp/0", kCppAgent, true});
    js = std::make_unique<JsPeer>(JsPeer::Options{{"--agent", kJsAgent}, 20s, "js"});
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "---- C++ host " << (node ? node->peer_id_str() : std::string("?")) << " events ----\n"
                << (node ? node->describe_events() : std::string()) << "---- js peer "
                << (js ? js->peer_id() : std::string("?")) << " stderr ----\n"
                << (js ? js->stderr_text() : std::string()) << "---- end ----\n";
      if (js && js->running()) {
        try {
          std::cerr << "---- js events ----\n" << js->call("events", {{"since", 0}}, 5s).dump(1) << "\n";
        } catch (const std::exception& e) {
          std::cerr << "(js events unavailable: " << e.what() << ")\n";
        }
      }
    }
    js.reset();
    node.reset();
  }

  mf::PeerId js_pid() const { return pid(js->peer_id()); }

  Result<host::ConnectionInfo> dial(const std::string& addr) {
    return node->run([this, addr]() { return node->host().dial(ma(addr)); });
  }

  std::vector<host::ConnectionInfo> cpp_connections_to(const mf::PeerId& peer) {
    auto all = node->run([this]() -> asio::awaitable<std::vector<host::ConnectionInfo>> {
      co_return node->host().connections();
    });
    std::vector<host::ConnectionInfo> out;
    for (auto& c : all) {
      if (c.remote_peer == peer) out.push_back(std::move(c));
    }
    return out;
  }

  // Waits for `count` js events matching `match` (seq >= since); returns them.
  std::vector<json> wait_js_events(const json& match, std::size_t count, std::int64_t since = 0) {
    std::vector<json> out;
    while (out.size() < count) {
      json ev = js->wait_event(match, since);
      since = ev.at("seq").get<std::int64_t>() + 1;
      out.push_back(std::move(ev));
    }
    return out;
  }

  std::unique_ptr<CppNode> node;
  std::unique_ptr<JsPeer> js;
};

}  // namespace lotus::interop
