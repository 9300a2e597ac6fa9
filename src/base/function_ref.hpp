// FunctionRef<R(Args...)>: a non-owning reference to a callable (two pointers, no allocation),
// for callbacks that do not outlive the call they are passed to. The callable must outlive
// the FunctionRef.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace lotus {

template <class Sig>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::remove_cvref_t<F>, FunctionRef> &&
                                              std::is_invocable_r_v<R, F&, Args...>>>
  FunctionRef(F&& f) noexcept  // NOLINT(google-explicit-constructor): used like a function parameter
      : m_obj(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        m_call([](void* o, Args... a) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(a)...);
        }) {}

  R operator()(Args... a) const { return m_call(m_obj, std::forward<Args>(a)...); }

 private:
  void* m_obj;
  R (*m_call)(void*, Args...);
};

}  // namespace lotus
