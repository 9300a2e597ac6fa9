// Result<T>: a value or a std::error_code. Expected failures (remote input, I/O, limits) are
// returned as errors, never thrown. Each module defines an `enum class errc` registered as a
// std::error_code enum (see base/error.hpp), so `return errc::frame_too_large;` just works.
#pragma once

#include <cassert>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace lotus {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(std::error_code ec) : m_v(std::in_place_index<1>, ec) { assert(ec); }  // NOLINT
  template <class E, std::enable_if_t<std::is_error_code_enum_v<E>, int> = 0>
  Result(E e) : Result(std::error_code(make_error_code(e))) {}  // NOLINT

  bool has_value() const noexcept { return m_v.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(m_v); }
  const T& value() const& { assert(has_value()); return std::get<0>(m_v); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(m_v)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  std::error_code error() const noexcept {
    return has_value() ? std::error_code{} : std::get<1>(m_v);
  }

 private:
  std::variant<T, std::error_code> m_v;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(std::error_code ec) : m_ec(ec) {}  // NOLINT
  template <class E, std::enable_if_t<std::is_error_code_enum_v<E>, int> = 0>
  Result(E e) : m_ec(make_error_code(e)) {}  // NOLINT

  bool has_value() const noexcept { return !m_ec; }
  explicit operator bool() const noexcept { return has_value(); }
  void value() const { assert(has_value()); }
  std::error_code error() const noexcept { return m_ec; }

 private:
  std::error_code m_ec;
};

using Status = Result<void>;

}  // namespace lotus

// LOTUS_TRY(var, expr): evaluate a Result, return its error from the enclosing function if it
// failed, otherwise move its value into a new local `var`.
#define LOTUS_CONCAT_INNER(a, b) a##b
#define LOTUS_CONCAT(a, b) LOTUS_CONCAT_INNER(a, b)
#define LOTUS_TRY(var, expr) LOTUS_TRY_IMPL(var, expr, LOTUS_CONCAT(lotus_try_, __LINE__))
#define LOTUS_TRY_IMPL(var, expr, tmp)        \
  auto tmp = (expr);                          \
  if (!tmp.has_value()) return tmp.error();   \
  auto var = std::move(tmp).value()
// LOTUS_CHECK(expr): for Result<void>/Status.
#define LOTUS_CHECK(expr)                                      \
  do {                                                         \
    if (auto lotus_check_r = (expr); !lotus_check_r.has_value()) \
      return lotus_check_r.error();                            \
  } while (0)
