# Shared compile settings and helpers.
add_library(lotus_warnings INTERFACE)
target_compile_options(lotus_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused
  -Woverloaded-virtual -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # g++ 12 false positives in std::vector/std::variant code paths (known GCC bugs 105329, 106199).
  target_compile_options(lotus_warnings INTERFACE -Wno-maybe-uninitialized -Wno-stringop-overflow -Wno-array-bounds -Wno-restrict
    # memcpy inside inlined std::vector inserts in coroutine frames (dns_resolver, tests).
    -Wno-stringop-overread
    # -O2 flow analysis reports false positives inside inlined Asio scheduler code (pragmas around
    # the include cannot reach warnings emitted after inlining).
    -Wno-null-dereference
    # g++ 12 false positive on Asio awaitable frames (operator delete of the coroutine frame).
    -Wno-mismatched-new-delete)
endif()
if(LOTUS_WERROR)
  target_compile_options(lotus_warnings INTERFACE -Werror)
endif()

# LOTUS_SANITIZER_LINK_OPTIONS: also exported with the installed libraries (LotusInstall.cmake),
# since whatever links a sanitized static library needs the sanitizer runtime.
set(LOTUS_SANITIZER_LINK_OPTIONS "")
if(LOTUS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  set(LOTUS_SANITIZER_LINK_OPTIONS -fsanitize=address,undefined)
  add_link_options(${LOTUS_SANITIZER_LINK_OPTIONS})
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # clang 14: -fsanitize=function breaks C++20 coroutines ("Cannot represent a difference
    # across sections"); the runtime/host layers are coroutine code.
    add_compile_options(-fno-sanitize=function)
  endif()
endif()
if(LOTUS_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  set(LOTUS_SANITIZER_LINK_OPTIONS -fsanitize=thread)
  add_link_options(${LOTUS_SANITIZER_LINK_OPTIONS})
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
  # Headers include each other rooted at src/; installed, that tree is include/lotus-p2p/.
  target_include_directories(${L_NAME} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src> $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/lotus-p2p>)
  target_compile_features(${L_NAME} PUBLIC cxx_std_20)  # the headers need C++20 (consumers too)
  target_link_libraries(${L_NAME} PUBLIC ${L_DEPS} PRIVATE $<BUILD_INTERFACE:lotus_warnings> ${L_PRIVATE_DEPS})
  lotus_install_library(${L_NAME})  # cmake/LotusInstall.cmake: lotus_p2p::<name without lotus_>
endfunction()
