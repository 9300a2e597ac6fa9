// Coordinator election against tests/vectors/election.json (made by running lotus-sdk
// cebfdf1's lib/p2p/musig2/election.ts): for every signer set and all four methods the sorted
// order, index mapping, elected index and key, election proof, isCoordinator, verification,
// the full backup table (including out-of-range arguments) and the priority list.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "base/hex.hpp"
#include "musig2/election.hpp"

namespace lotus::musig2 {
namespace {

using Json = nlohmann::json;

Json vectors() {
  std::ifstream f(std::string(LOTUS_VECTORS_DIR) + "/election.json");
  EXPECT_TRUE(f.good()) << "tests/vectors/election.json missing";
  return Json::parse(f);
}

PublicKey key(const std::string& hex) {
  PublicKey k{};
  auto b = from_hex(hex);
  EXPECT_TRUE(b && b->size() == 33) << hex;
  if (b && b->size() == 33) std::copy(b->begin(), b->end(), k.begin());
  return k;
}

std::string hex(const PublicKey& k) { return to_hex(BytesView(k.data(), k.size())); }

TEST(Election, EveryVectorCaseAndMethod) {
  const auto v = vectors();
  ASSERT_EQ(v["cases"].size(), 8u);
  int checked = 0;
  for (const auto& c : v["cases"]) {
    SCOPED_TRACE(c["id"].get<std::string>());
    std::vector<PublicKey> signers;
    for (const auto& k : c["input_public_keys"]) signers.push_back(key(k));
    for (const auto& [method_name, r] : c["results"].items()) {
      SCOPED_TRACE(method_name);
      auto method = parse_election_method(method_name);
      ASSERT_TRUE(method.has_value());
      EXPECT_EQ(to_string(*method), method_name);
      auto e = elect_coordinator(signers, *method);
      ASSERT_TRUE(e.has_value());
      EXPECT_EQ(e->coordinator_index, r["coordinatorIndex"].get<std::size_t>());
      EXPECT_EQ(hex(e->coordinator_key), r["coordinatorPublicKey"]);
      std::vector<std::string> sorted;
      for (const auto& k : e->sorted) sorted.push_back(hex(k));
      EXPECT_EQ(sorted, r["sortedSigners"].get<std::vector<std::string>>());
      for (const auto& pair : r["indexMapping_original_to_sorted"])
        EXPECT_EQ(e->sorted_index_of.at(pair[0].get<std::size_t>()), pair[1].get<std::size_t>());
      EXPECT_EQ(to_hex(BytesView(e->proof.data(), e->proof.size())), r["electionProof"]);
      for (std::size_t i = 0; i < signers.size(); ++i)
        EXPECT_EQ(is_coordinator(signers, i, *method), r["isCoordinator_by_index"][i].get<bool>()) << i;
      EXPECT_TRUE(verify_election(signers, *e));
      auto tampered = *e;
      tampered.coordinator_index = e->coordinator_index + 1;  // (as the generator tampers: may leave the range)
      EXPECT_EQ(verify_election(signers, tampered), r["verifyElectionResult_tampered_index"].get<bool>());
      // The backup table, argument by argument (including -1 and n).
      for (const auto& [arg, want] : r["getBackupCoordinator_by_current_index"].items()) {
        auto got = backup_coordinator(signers, std::stoll(arg), *method);
        if (want.is_string()) {
          EXPECT_FALSE(got.has_value()) << "current " << arg;
          if (!got) {
            EXPECT_EQ(got.error(), make_error_code(errc::not_a_signer));
          }
        } else if (want.is_null()) {
          ASSERT_TRUE(got.has_value()) << "current " << arg;
          EXPECT_FALSE(got->has_value()) << "current " << arg;
        } else {
          ASSERT_TRUE(got.has_value()) << "current " << arg;
          ASSERT_TRUE(got->has_value()) << "current " << arg;
          EXPECT_EQ(**got, want.get<std::size_t>()) << "current " << arg;
        }
      }
      // The priority list is in sorted indices. It equals the reference's except for
      // lexicographic with signers not given sorted, where the reference mixes index spaces
      // (see election.hpp); ours is then the sorted order from the smallest key.
      auto list = priority_list(signers, *method);
      ASSERT_TRUE(list.has_value());
      const bool given_sorted = std::is_sorted(signers.begin(), signers.end());
      if (*method != ElectionMethod::lexicographic || given_sorted) {
        EXPECT_EQ(*list, r["getCoordinatorPriorityList"].get<std::vector<std::size_t>>());
      } else {
        std::vector<std::size_t> in_order(signers.size());
        for (std::size_t i = 0; i < in_order.size(); ++i) in_order[i] = i;
        EXPECT_EQ(*list, in_order);
      }
      // Any input order elects the same key with the same proof.
      auto reversed = signers;
      std::reverse(reversed.begin(), reversed.end());
      auto e2 = elect_coordinator(reversed, *method);
      ASSERT_TRUE(e2.has_value());
      EXPECT_EQ(e2->coordinator_key, e->coordinator_key);
      EXPECT_EQ(e2->proof, e->proof);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 32);
}

TEST(Election, ErrorCases) {
  const auto v = vectors();
  ASSERT_EQ(v["error_cases"].size(), 3u);
  EXPECT_EQ(elect_coordinator({}, ElectionMethod::hash_based).error(), make_error_code(errc::no_signers));
  EXPECT_EQ(parse_election_method("random").error(), make_error_code(errc::unknown_election_method));
  std::vector<PublicKey> three;
  for (const auto& k : v["cases"][3]["input_public_keys"]) three.push_back(key(k));
  EXPECT_FALSE(is_coordinator(three, 3, ElectionMethod::lexicographic));
  // Ours, not the reference's: a key twice is refused rather than elected.
  auto dup = three;
  dup.push_back(three[1]);
  EXPECT_EQ(elect_coordinator(dup, ElectionMethod::lexicographic).error(), make_error_code(errc::duplicate_signer));
}

}  // namespace
}  // namespace lotus::musig2
