# `cmake --install <build> [--prefix <p>]` (docs/operations.md, "Install"):
#
#   bin/lotus-p2pd, bin/lotus-p2p                      (apps/CMakeLists.txt)
#   include/lotus-p2p/<layer>/*.hpp                    the src/ tree's PUBLIC headers; they include
#                                                      each other rooted there ("base/result.hpp")
#   lib/liblotus_<layer>.a                             one static library per layer
#   lib/cmake/lotus_p2p/                               find_package(lotus_p2p CONFIG): imported
#                                                      targets lotus_p2p::<layer> (base, crypto,
#                                                      host, node, ...) and lotus_p2p::lotus_p2p
#                                                      (everything)
#   lib/pkgconfig/lotus-p2p.pc                         pkg-config --cflags --libs lotus-p2p
#   share/lotus-p2p/lotus-p2pd.service, .env.example   systemd unit (packaging/)
#   share/doc/lotus-p2p/                               operator's guide, configuration reference
#
# Everything is relocatable (--prefix at install time, DESTDIR staging): the CMake package and
# the .pc file locate the prefix relative to themselves. The libraries are static, so their
# link dependencies (OpenSSL 3, libsecp256k1, SQLite3, toml++, Threads) travel with them: as
# find_dependency() in the package, as Requires/Libs in the .pc file. A sanitizer build
# exports its sanitizer link flags too (LOTUS_SANITIZER_LINK_OPTIONS), so a consumer of an
# installed ASan build links; it must use the same compiler.
#
# Public and internal headers. Every header under src/ is public (installed) unless it carries
# this line, exactly, by convention right after its file comment (before #pragma once):
#
#     // lotus-p2p: internal header (not installed)
#
# Internal headers are for the library's own sources (and its tests, fuzz targets and bench,
# which build from the source tree): implementation details such as host/detail.hpp, or headers
# that pull in what users should not need (Beast in runtime/ws_stream.hpp, <secp256k1.h> in
# crypto/lotus/secp.hpp). The marker is read when `cmake --install` runs (install_headers.cmake),
# not at configure time: adding or removing it takes effect without re-running CMake, and
# nothing is cached that could go stale. A public header must not include an internal one (the
# installed copy would not compile): lotus_test_layers (tests/unit/layers) checks that, using the
# same marker (LOTUS_INTERNAL_HEADER_MARKER below and kInternalMarker there must stay equal).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LOTUS_INTERNAL_HEADER_MARKER "// lotus-p2p: internal header (not installed)")

set(LOTUS_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/lotus_p2p
    CACHE STRING "Where cmake --install puts the lotus_p2p CMake package (relative to the prefix)")
set_property(GLOBAL PROPERTY LOTUS_INSTALLED_LIBRARIES "")

# Called by lotus_library() for every layer library: exported as lotus_p2p::<name without the
# lotus_ prefix>; the same name is an ALIAS in the build tree (for add_subdirectory users).
function(lotus_install_library name)
  string(REGEX REPLACE "^lotus_" "" short ${name})
  set_target_properties(${name} PROPERTIES EXPORT_NAME ${short})
  add_library(lotus_p2p::${short} ALIAS ${name})
  install(TARGETS ${name} EXPORT lotus_p2p_targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  set_property(GLOBAL APPEND PROPERTY LOTUS_INSTALLED_LIBRARIES ${name})
endfunction()

# Called once at the end of the top-level CMakeLists.txt, after all libraries exist.
function(lotus_install_package)
  get_property(libs GLOBAL PROPERTY LOTUS_INSTALLED_LIBRARIES)
  set(gen ${PROJECT_BINARY_DIR}/lotus_p2p_install)

  # lotus_p2p::lotus_p2p: the whole stack (the top layer pulls in the rest).
  list(GET libs -1 top)
  add_library(lotus_p2p INTERFACE)
  target_link_libraries(lotus_p2p INTERFACE ${top})
  install(TARGETS lotus_p2p EXPORT lotus_p2p_targets)
  add_library(lotus_p2p::lotus_p2p ALIAS lotus_p2p)

  if(LOTUS_SANITIZER_LINK_OPTIONS)
    list(GET libs 0 bottom)
    target_link_options(${bottom} INTERFACE "$<INSTALL_INTERFACE:${LOTUS_SANITIZER_LINK_OPTIONS}>")
  endif()

  # CMake package.
  install(EXPORT lotus_p2p_targets NAMESPACE lotus_p2p:: FILE lotus_p2pTargets.cmake
          DESTINATION ${LOTUS_INSTALL_CMAKEDIR})
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/lotus_p2pConfig.cmake.in
                                ${gen}/lotus_p2pConfig.cmake
                                INSTALL_DESTINATION ${LOTUS_INSTALL_CMAKEDIR})
  # 0.x: a minor version may break the API.
  write_basic_package_version_file(${gen}/lotus_p2pConfigVersion.cmake
                                   VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
  install(FILES ${gen}/lotus_p2pConfig.cmake ${gen}/lotus_p2pConfigVersion.cmake
          DESTINATION ${LOTUS_INSTALL_CMAKEDIR})

  # Headers: the src/ tree's public headers (internal ones are marked, see the top of this file).
  install(CODE "set(LOTUS_HEADERS_FROM \"${PROJECT_SOURCE_DIR}/src\")
set(LOTUS_HEADERS_TO \"${CMAKE_INSTALL_INCLUDEDIR}/lotus-p2p\")
set(LOTUS_INTERNAL_HEADER_MARKER \"${LOTUS_INTERNAL_HEADER_MARKER}\")")
  install(SCRIPT ${PROJECT_SOURCE_DIR}/cmake/install_headers.cmake)
  if(IS_DIRECTORY ${PROJECT_SOURCE_DIR}/include)
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/lotus-p2p)
  endif()

  # pkg-config: libraries top layer first; compile definitions the headers need.
  set(pc_libs "")
  set(pc_defs "")
  foreach(lib ${libs})
    list(PREPEND pc_libs -l${lib})
    get_target_property(defs ${lib} INTERFACE_COMPILE_DEFINITIONS)
    if(defs)
      foreach(d ${defs})
        list(APPEND pc_defs -D${d})
      endforeach()
    endif()
  endforeach()
  list(JOIN pc_libs " " LOTUS_PC_LIBS)
  list(JOIN pc_defs " " LOTUS_PC_CFLAGS)
  list(JOIN LOTUS_SANITIZER_LINK_OPTIONS " " LOTUS_PC_LINK_FLAGS)
  file(RELATIVE_PATH LOTUS_PC_RELPREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
  string(REGEX REPLACE "/$" "" LOTUS_PC_RELPREFIX "${LOTUS_PC_RELPREFIX}")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/lotus-p2p.pc.in ${gen}/lotus-p2p.pc @ONLY)
  install(FILES ${gen}/lotus-p2p.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

  # systemd unit: its ExecStart names /usr/local/bin/lotus-p2pd; the installed copy names the
  # binary under the actual install prefix (known only at install time).
  set(LOTUS_UNIT_SOURCE ${PROJECT_SOURCE_DIR}/packaging/lotus-p2pd.service)
  set(LOTUS_UNIT_STAGING ${gen}/unit)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/install_systemd_unit.cmake.in
                 ${gen}/install_systemd_unit.cmake @ONLY)
  install(SCRIPT ${gen}/install_systemd_unit.cmake)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/lotus-p2pd.env.example
          DESTINATION ${CMAKE_INSTALL_DATADIR}/lotus-p2p)

  install(FILES ${PROJECT_SOURCE_DIR}/docs/operations.md ${PROJECT_SOURCE_DIR}/docs/configuration.md
                ${PROJECT_SOURCE_DIR}/docs/lotus-p2pd.example.toml
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/lotus-p2p)
endfunction()
