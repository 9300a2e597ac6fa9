// Coordinator election for MuSig2 signing sessions (lotus-wire.md §8.10; the reference is
// lotus-sdk lib/p2p/musig2/election.ts). Pure functions over the signers' 33-byte compressed
// public keys: no I/O, no clock, no randomness — every signer computes the same result.
//
// Every method first sorts the keys by byte order (the order of MuSig2 key aggregation);
// the elected index is an index into that SORTED list:
//   lexicographic  0 (the smallest key)
//   hash_based     first 4 bytes (big-endian) of sha256(concatenated lower-case hex of the
//                  sorted keys), mod n
//   first_signer   0 (the same as lexicographic, despite the name)
//   last_signer    n − 1 (the largest key)
// The election proof is sha256 of that same concatenated hex text.
//
// Backups (who takes over when the coordinator goes silent) follow the reference call by call,
// so that C++ and TypeScript signers agree on the next coordinator (vectors:
// tests/vectors/election.json, every set and method):
//   lexicographic  the next key in sorted order after the signer at `current`, wrapping; both
//                  `current` and the result are indices into the list AS GIVEN
//   hash_based     (current + 1) mod n
//   first_signer   current + 1, none past the end
//   last_signer    current − 1, none below 0
// The reference mixes index spaces: electCoordinator returns a sorted index, but its
// lexicographic backup reads and returns indices of the given list, so its priority list is
// only meaningful when the signers are given sorted (which its session code does). Ours does
// not mix them: priority_list() always works on the sorted signers and returns sorted indices,
// which equals the reference's list whenever the signers are given sorted.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "base/error.hpp"
#include "base/result.hpp"

namespace lotus::musig2 {

enum class errc {
  no_signers = 1,         // an election needs at least one signer
  unknown_election_method,
  not_a_signer,           // backup_coordinator: `current` is not an index of the list
  duplicate_signer,       // the same public key twice in one signer set
};
const std::error_category& category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

}  // namespace lotus::musig2

LOTUS_ERRC_ENUM(lotus::musig2::errc)

namespace lotus::musig2 {

using PublicKey = std::array<std::uint8_t, 33>;  // compressed secp256k1 point

enum class ElectionMethod { lexicographic, hash_based, first_signer, last_signer };
// "lexicographic", "hash-based", "first-signer", "last-signer" (the reference's strings).
std::string_view to_string(ElectionMethod m) noexcept;
Result<ElectionMethod> parse_election_method(std::string_view text);

struct Election {
  ElectionMethod method = ElectionMethod::lexicographic;
  std::size_t coordinator_index = 0;  // into `sorted`
  PublicKey coordinator_key{};
  std::vector<PublicKey> sorted;
  // For every signer as given: its index in `sorted` (original index i -> sorted_index_of[i]).
  std::vector<std::size_t> sorted_index_of;
  std::array<std::uint8_t, 32> proof{};
};

// Elects the coordinator of `signers` (any order; duplicates refused).
Result<Election> elect_coordinator(std::span<const PublicKey> signers, ElectionMethod method);

// The next coordinator after `current` (see the header comment for each method's index space);
// nullopt when there is none (one signer; first/last signer past the end). errc::not_a_signer
// when lexicographic is given a `current` outside the list.
Result<std::optional<std::size_t>> backup_coordinator(std::span<const PublicKey> signers, std::ptrdiff_t current,
                                                      ElectionMethod method);

// The coordinator, then its backups in order, as indices into the SORTED signers, until none
// is left or one repeats.
Result<std::vector<std::size_t>> priority_list(std::span<const PublicKey> signers, ElectionMethod method);

// True when `claimed` is what elect_coordinator gives for these signers and method (index, key
// and proof), e.g. for a coordinator announced by another node.
bool verify_election(std::span<const PublicKey> signers, const Election& claimed);

// Whether the signer at SORTED index `index` is the elected coordinator.
bool is_coordinator(std::span<const PublicKey> signers, std::size_t index, ElectionMethod method);

}  // namespace lotus::musig2
