// coordinator::Intake: the receive path once the bytes are in — accepted once, the second
// copy (another path, a replay) a duplicate, malformed JSON / invalid envelope / clock skew /
// validator refusals with their labels, our own broadcast never handled when it comes back.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "coordinator/intake.hpp"
#include "crypto/keys.hpp"

namespace lotus::coordinator {
namespace {

constexpr std::int64_t kNowMs = 1767225600000;

mf::PeerId peer(int n) {
  DeterministicRng rng(static_cast<std::uint64_t>(900 + n));
  return crypto::PrivateKey::generate(crypto::KeyType::ed25519, rng)->peer_id();
}

struct NoX : ProtocolValidator {
  bool validate_message(const P2PMessage& m, const mf::PeerId&) override { return m.type != "x"; }
};

TEST(Intake, AcceptsOnceAndLabelsEveryRefusal) {
  SecurityManager sm;
  Intake in(sm);
  DeterministicRng rng(1);
  const TimePoint now = TimePoint{} + std::chrono::hours(1);
  const auto a = peer(1);
  const auto m = create_message("greeting", json::Value("hi"), a.to_base58(), kNowMs, rng);
  const std::string text = serialize(m);

  auto v = in.accept(a, text, kNowMs, now);
  ASSERT_TRUE(v.accepted());
  EXPECT_EQ(*v.message, m);
  // The same message again (gossip copy after the direct one, or a replay): a duplicate.
  EXPECT_EQ(in.accept(peer(2), text, kNowMs + 50, now).outcome, IntakeVerdict::Outcome::duplicate);

  EXPECT_STREQ(in.accept(a, "{not json", kNowMs, now).reason(), "invalid_json");
  EXPECT_STREQ(in.accept(a, R"({"type":"t"})", kNowMs, now).reason(), "invalid_message");
  const auto old = create_message("greeting", json::Value("hi"), a.to_base58(), kNowMs - 301'000, rng);
  EXPECT_STREQ(in.accept(a, serialize(old), kNowMs, now).reason(), "clock_skew");
  sm.register_validator(std::make_shared<NoX>());
  const auto x = create_message("x", json::Value(1), a.to_base58(), kNowMs, rng);
  EXPECT_STREQ(in.accept(a, serialize(x), kNowMs, now).reason(), "validator");

  // Our own broadcast coming back is not handled.
  const auto own = create_message("mine", json::Value(2), peer(3).to_base58(), kNowMs, rng);
  in.mark_own(own, now);
  EXPECT_EQ(in.accept(a, serialize(own), kNowMs, now).outcome, IntakeVerdict::Outcome::duplicate);
}

}  // namespace
}  // namespace lotus::coordinator
