// Helper for per-module error categories. A module declares
//
//   namespace lotus::proto::yamux {
//   enum class errc { frame_too_large = 1, ... };
//   const std::error_category& category() noexcept;
//   inline std::error_code make_error_code(errc e) noexcept { return {int(e), category()}; }
//   }
//   LOTUS_ERRC_ENUM(lotus::proto::yamux::errc)
//
// and defines category() in its .cpp with a TableCategory listing one specific message per
// value ("yamux: frame length exceeds limit", not "error").
#pragma once

#include <initializer_list>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace lotus {

class TableCategory final : public std::error_category {
 public:
  TableCategory(const char* name, std::initializer_list<std::pair<int, const char*>> messages);
  const char* name() const noexcept override { return m_name; }
  std::string message(int value) const override;

 private:
  const char* m_name;
  std::vector<std::pair<int, const char*>> m_messages;
};

}  // namespace lotus

#define LOTUS_ERRC_ENUM(E) \
  template <>              \
  struct std::is_error_code_enum<E> : std::true_type {};
