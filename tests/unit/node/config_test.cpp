#include <gtest/gtest.h>
#include "node/config.hpp"
TEST(Config, Defaults) {
  lotus::node::ConfigSources s; s.env["HOME"]="/home/u";
  auto r = lotus::node::load_config_from_text(s, std::nullopt, "");
  ASSERT_TRUE(r) << r.error().message;
  std::cout << lotus::node::render_config(*r);
}
