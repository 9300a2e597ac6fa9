#include "proto/kad/validator.hpp"

#include "proto/kad/errc.hpp"
#include "proto/kad/pk_validator.hpp"

namespace lotus::proto::kad {

void ValidatorRegistry::add(std::string prefix, std::shared_ptr<const Validator> validator) {
  for (auto& [p, v] : m_entries) {
    if (p == prefix) {
      v = std::move(validator);
      return;
    }
  }
  m_entries.emplace_back(std::move(prefix), std::move(validator));
}

const Validator* ValidatorRegistry::find(BytesView key) const {
  const std::string_view k = as_string_view(key);
  const Validator* best = nullptr;
  std::size_t best_len = 0;
  for (const auto& [p, v] : m_entries) {
    if (k.substr(0, p.size()) == p && (best == nullptr || p.size() > best_len)) {
      best = v.get();
      best_len = p.size();
    }
  }
  return best;
}

Status ValidatorRegistry::validate(BytesView key, BytesView value) const {
  const Validator* v = find(key);
  if (!v) return errc::no_validator;
  return v->validate(key, value);
}

Result<std::size_t> ValidatorRegistry::select(BytesView key, std::span<const BytesView> values) const {
  const Validator* v = find(key);
  if (!v) return errc::no_validator;
  if (values.empty()) return errc::missing_record;
  return v->select(key, values);
}

ValidatorRegistry ValidatorRegistry::with_defaults() {
  ValidatorRegistry r;
  r.add(std::string(kPkPrefix), std::make_shared<PkValidator>());
  return r;
}

}  // namespace lotus::proto::kad
