#include "musig2/election.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "base/hex.hpp"
#include "crypto/hash.hpp"

namespace lotus::musig2 {

const std::error_category& category() noexcept {
  static const TableCategory cat("musig2", {
      {static_cast<int>(errc::no_signers), "cannot elect a coordinator: no signers"},
      {static_cast<int>(errc::unknown_election_method), "unknown election method"},
      {static_cast<int>(errc::not_a_signer), "the current coordinator is not in the signer list"},
      {static_cast<int>(errc::duplicate_signer), "the same public key appears twice in the signer set"},
  });
  return cat;
}

std::string_view to_string(ElectionMethod m) noexcept {
  switch (m) {
    case ElectionMethod::lexicographic: return "lexicographic";
    case ElectionMethod::hash_based: return "hash-based";
    case ElectionMethod::first_signer: return "first-signer";
    case ElectionMethod::last_signer: return "last-signer";
  }
  return "lexicographic";
}

Result<ElectionMethod> parse_election_method(std::string_view text) {
  for (auto m : {ElectionMethod::lexicographic, ElectionMethod::hash_based, ElectionMethod::first_signer,
                 ElectionMethod::last_signer})
    if (to_string(m) == text) return m;
  return errc::unknown_election_method;
}

namespace {

// Indices of `signers` in byte order of their keys (stable for equal keys, refused anyway).
std::vector<std::size_t> sorted_order(std::span<const PublicKey> signers) {
  std::vector<std::size_t> order(signers.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return signers[a] < signers[b]; });
  return order;
}

}  // namespace

Result<Election> elect_coordinator(std::span<const PublicKey> signers, ElectionMethod method) {
  if (signers.empty()) return errc::no_signers;
  const auto order = sorted_order(signers);
  Election e;
  e.method = method;
  e.sorted.reserve(signers.size());
  e.sorted_index_of.resize(signers.size());
  for (std::size_t s = 0; s < order.size(); ++s) {
    e.sorted.push_back(signers[order[s]]);
    e.sorted_index_of[order[s]] = s;
  }
  for (std::size_t s = 1; s < e.sorted.size(); ++s)
    if (e.sorted[s] == e.sorted[s - 1]) return errc::duplicate_signer;
  // The proof's preimage: the sorted keys as lower-case hex, concatenated (the reference sorts
  // the hex strings, which for equal-length lower-case hex is byte order).
  std::string text;
  text.reserve(e.sorted.size() * 66);
  for (const auto& k : e.sorted) text += to_hex(BytesView(k.data(), k.size()));
  const auto digest = crypto::sha256(as_bytes(std::string_view(text)));
  std::copy(digest.begin(), digest.end(), e.proof.begin());
  const std::size_t n = e.sorted.size();
  switch (method) {
    case ElectionMethod::lexicographic:
    case ElectionMethod::first_signer: e.coordinator_index = 0; break;
    case ElectionMethod::last_signer: e.coordinator_index = n - 1; break;
    case ElectionMethod::hash_based: {
      const std::uint32_t v = (std::uint32_t{digest[0]} << 24) | (std::uint32_t{digest[1]} << 16) |
                              (std::uint32_t{digest[2]} << 8) | std::uint32_t{digest[3]};
      e.coordinator_index = v % n;
      break;
    }
  }
  e.coordinator_key = e.sorted[e.coordinator_index];
  return e;
}

Result<std::optional<std::size_t>> backup_coordinator(std::span<const PublicKey> signers, std::ptrdiff_t current,
                                                      ElectionMethod method) {
  using R = std::optional<std::size_t>;
  const auto n = static_cast<std::ptrdiff_t>(signers.size());
  if (n <= 1) return R{};
  switch (method) {
    case ElectionMethod::lexicographic: {
      if (current < 0 || current >= n) return errc::not_a_signer;
      const auto order = sorted_order(signers);
      const auto at = std::find(order.begin(), order.end(), static_cast<std::size_t>(current)) - order.begin();
      return R{order[static_cast<std::size_t>((at + 1) % n)]};
    }
    case ElectionMethod::hash_based: {
      // JavaScript's % keeps the dividend's sign: (-1 + 1) % n = 0, (n + 1) % n = 1.
      return R{static_cast<std::size_t>(((current + 1) % n + n) % n)};
    }
    case ElectionMethod::first_signer:
      if (current + 1 >= n) return R{};
      return R{static_cast<std::size_t>(current + 1)};
    case ElectionMethod::last_signer:
      if (current - 1 < 0) return R{};
      return R{static_cast<std::size_t>(current - 1)};
  }
  return errc::unknown_election_method;
}

Result<std::vector<std::size_t>> priority_list(std::span<const PublicKey> signers, ElectionMethod method) {
  auto e = elect_coordinator(signers, method);
  if (!e) return e.error();
  std::vector<std::size_t> out{e->coordinator_index};
  std::vector<bool> seen(e->sorted.size(), false);
  seen[e->coordinator_index] = true;
  for (;;) {
    auto next = backup_coordinator(e->sorted, static_cast<std::ptrdiff_t>(out.back()), method);
    if (!next) return next.error();
    if (!*next || seen[**next]) break;
    seen[**next] = true;
    out.push_back(**next);
  }
  return out;
}

bool verify_election(std::span<const PublicKey> signers, const Election& claimed) {
  auto e = elect_coordinator(signers, claimed.method);
  return e && e->coordinator_index == claimed.coordinator_index && e->coordinator_key == claimed.coordinator_key &&
         e->proof == claimed.proof;
}

bool is_coordinator(std::span<const PublicKey> signers, std::size_t index, ElectionMethod method) {
  auto e = elect_coordinator(signers, method);
  return e && e->coordinator_index == index;
}

}  // namespace lotus::musig2
