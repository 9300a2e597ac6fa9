// Record validation and selection (libp2p/specs kad-dht "Entry validation"): a Validator per
// key namespace, found by key prefix in a ValidatorRegistry. validate() is a pure check of one
// (key, value); select() picks the best of several valid values and must be stable.
// Keys in no registered namespace are rejected (errc::no_validator), as go-libp2p-kad-dht does.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace lotus::proto::kad {

class Validator {
 public:
  virtual ~Validator() = default;
  virtual Status validate(BytesView key, BytesView value) const = 0;
  // Index of the best of `values` (non-empty, each already valid for `key`).
  virtual std::size_t select(BytesView key, std::span<const BytesView> values) const = 0;
};

class ValidatorRegistry {
 public:
  // Registers `validator` for keys starting with `prefix` ("/pk/", an application's
  // namespace). The longest matching prefix wins.
  void add(std::string prefix, std::shared_ptr<const Validator> validator);
  const Validator* find(BytesView key) const;

  Status validate(BytesView key, BytesView value) const;
  // Best of `values`; error if no validator is registered for the key.
  Result<std::size_t> select(BytesView key, std::span<const BytesView> values) const;

  // "/pk/" (PkValidator), the one namespace of the kad-dht spec we validate. Applications add
  // theirs (Lotus: coordinator::dht_validators() adds "resource:").
  static ValidatorRegistry with_defaults();

 private:
  std::vector<std::pair<std::string, std::shared_ptr<const Validator>>> m_entries;
};

}  // namespace lotus::proto::kad
