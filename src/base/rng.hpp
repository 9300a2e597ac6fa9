// Randomness as an interface: SystemRng (OS CSPRNG via OpenSSL) for production, a seeded
// DeterministicRng for tests and simulation. Secrets must only ever come from SystemRng.
#pragma once

#include <cstdint>

#include "base/bytes.hpp"

namespace lotus {

class Rng {
 public:
  virtual ~Rng() = default;
  virtual void fill(MutBytesView out) = 0;
  std::uint64_t next_u64();
  // Uniform in [0, bound) (bound > 0).
  std::uint64_t uniform(std::uint64_t bound);
};

class SystemRng final : public Rng {
 public:
  void fill(MutBytesView out) override;  // aborts if the OS CSPRNG fails
  static SystemRng& instance();
};

// xoshiro256** seeded with splitmix64: reproducible, NOT for secrets.
class DeterministicRng final : public Rng {
 public:
  explicit DeterministicRng(std::uint64_t seed);
  void fill(MutBytesView out) override;

 private:
  std::uint64_t m_s[4];
  std::uint64_t step();
};

}  // namespace lotus
