# Shared compile settings and helpers.
add_library(lotus_warnings INTERFACE)
target_compile_options(lotus_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused
  -Woverloaded-virtual -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # g++ 12 false positives in std::vector/std::variant code paths (known GCC bugs 105329, 106199).
  target_compile_options(lotus_warnings INTERFACE -Wno-maybe-uninitialized -Wno-stringop-overflow -Wno-array-bounds -Wno-restrict
    # -O2 flow analysis reports false positives inside inlined Asio scheduler code (pragmas around
    # the include cannot reach warnings emitted after inlining).
    -Wno-null-dereference
    # g++ 12 false positive on Asio awaitable frames (operator delete of the coroutine frame).
    -Wno-mismatched-new-delete)
endif()
if(LOTUS_WERROR)
  target_compile_options(lotus_warnings INTERFACE -Werror)
endif()

if(LOTUS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # clang 14: -fsanitize=function breaks C++20 coroutines ("Cannot represent a difference
    # across sections"); the runtime/host layers are coroutine code.
    add_compile_options(-fno-sanitize=function)
  endif()
endif()
if(LOTUS_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
if(LOTUS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "LOTUS_FUZZ needs clang")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# lotus_library(NAME <target> DIR <dir> [DEPS ...]): one static library per folder, sources
# globbed so that adding a file needs no CMake edit.
function(lotus_library)
  cmake_parse_arguments(L "" "NAME;DIR" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${L_DIR}/*.cpp)
  if(NOT srcs)  # a layer that has no code yet still links
    set(srcs ${CMAKE_CURRENT_BINARY_DIR}/${L_NAME}_empty.cpp)
    file(WRITE ${srcs} "// no sources yet\n")
  endif()
  add_library(${L_NAME} STATIC ${srcs})
  target_include_directories(${L_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(${L_NAME} PUBLIC ${L_DEPS} PRIVATE lotus_warnings ${L_PRIVATE_DEPS})
endfunction()
