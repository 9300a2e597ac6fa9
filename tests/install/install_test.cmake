# ctest install_consumer (label "install"), run as cmake -P with:
#   BUILD_DIR     the build tree to install (all of it must be built: libraries and apps)
#   WORK_DIR      scratch directory (emptied first, removed on success)
#   CXX           the compiler of the build (consumers of a sanitizer build need the same one)
#   BUILD_TYPE, GENERATOR, MAKE_PROGRAM, LIBDIR (CMAKE_INSTALL_LIBDIR), BINDIR, CONSUMER_DIR
#   REQUIRED_FILES  build outputs that must exist before installing (;-separated)
#
# 1. cmake --install into WORK_DIR/prefix; check the layout (binaries, headers, libraries,
#    CMake package, .pc file, systemd unit with ExecStart rewritten to the prefix, docs);
#    run the installed lotus-p2pd --help.
#    Internal headers (a marker line, cmake/LotusInstall.cmake) must not be installed.
# 2. configure + build + run tests/install/consumer with find_package(lotus_p2p CONFIG); the
#    build also compiles every installed header in one translation unit.
# 3. compile the same main.cpp with `pkg-config --cflags --libs lotus-p2p` and run it; both
#    builds must print the same peer id.
# 4. systemd-analyze verify on the installed unit, when systemd-analyze exists.
cmake_minimum_required(VERSION 3.25)

function(fail)
  string(JOIN "" msg ${ARGN})
  message(FATAL_ERROR "install test: ${msg}")
endfunction()

# run(<label> <output var> COMMAND ...): runs a command, fails with its output if it fails.
function(run label outvar)
  execute_process(${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    fail("${label} failed (${rc}):\n${out}\n${err}")
  endif()
  set(${outvar} "${out}" PARENT_SCOPE)
endfunction()

foreach(f ${REQUIRED_FILES})
  if(NOT EXISTS "${f}")
    fail("${f} is not built; build the whole tree (cmake --build --preset <name>) before "
         "running this test")
  endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

# 1. install
run("cmake --install" out COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")
foreach(f
    "${BINDIR}/lotus-p2pd" "${BINDIR}/lotus-p2p"
    include/lotus-p2p/base/result.hpp include/lotus-p2p/crypto/keys.hpp
    include/lotus-p2p/multiformats/peer_id.hpp include/lotus-p2p/host/host.hpp
    include/lotus-p2p/node/config.hpp
    "${LIBDIR}/liblotus_base.a" "${LIBDIR}/liblotus_crypto.a" "${LIBDIR}/liblotus_host.a"
    "${LIBDIR}/liblotus_node.a"
    "${LIBDIR}/cmake/lotus_p2p/lotus_p2pConfig.cmake"
    "${LIBDIR}/cmake/lotus_p2p/lotus_p2pConfigVersion.cmake"
    "${LIBDIR}/cmake/lotus_p2p/lotus_p2pTargets.cmake"
    "${LIBDIR}/pkgconfig/lotus-p2p.pc"
    share/lotus-p2p/lotus-p2pd.service share/lotus-p2p/lotus-p2pd.env.example
    share/doc/lotus-p2p/operations.md share/doc/lotus-p2p/configuration.md)
  if(NOT EXISTS "${prefix}/${f}")
    fail("cmake --install did not install ${f}")
  endif()
endforeach()
# Internal headers (cmake/LotusInstall.cmake: a marker line) stay out of the prefix.
if(EXISTS "${prefix}/include/lotus-p2p/host/detail.hpp")
  fail("the internal header host/detail.hpp was installed")
endif()
file(GLOB_RECURSE installed_headers "${prefix}/include/lotus-p2p/*.hpp")
foreach(h IN LISTS installed_headers)
  file(STRINGS "${h}" marked REGEX "^// lotus-p2p: internal header \\(not installed\\)")
  if(marked)
    fail("installed an internal header: ${h}")
  endif()
endforeach()
file(GLOB_RECURSE stray RELATIVE "${prefix}/include/lotus-p2p" "${prefix}/include/lotus-p2p/*")
list(FILTER stray EXCLUDE REGEX "\\.(hpp|h)$")
if(stray)
  fail("non-header files installed under include/lotus-p2p: ${stray}")
endif()
file(STRINGS "${prefix}/share/lotus-p2p/lotus-p2pd.service" exec REGEX "^ExecStart=")
if(NOT exec STREQUAL "ExecStart=${prefix}/${BINDIR}/lotus-p2pd --data-dir %S/lotus-p2p --profile full")
  fail("installed unit has '${exec}', expected ExecStart=${prefix}/${BINDIR}/lotus-p2pd ...")
endif()
run("installed lotus-p2pd --help" help COMMAND "${prefix}/${BINDIR}/lotus-p2pd" --help)
if(NOT help MATCHES "--data-dir")
  fail("installed lotus-p2pd --help does not mention --data-dir:\n${help}")
endif()
run("installed lotus-p2p --help" help COMMAND "${prefix}/${BINDIR}/lotus-p2p" --help)

# 2. find_package consumer
set(cbuild "${WORK_DIR}/consumer-build")
run("consumer configure (find_package)" out
    COMMAND "${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${cbuild}" -G "${GENERATOR}"
            "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}" "-DCMAKE_CXX_COMPILER=${CXX}"
            "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}" "-DCMAKE_PREFIX_PATH=${prefix}"
            -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
run("consumer build (find_package)" out COMMAND "${CMAKE_COMMAND}" --build "${cbuild}")
run("consumer run" cmake_out COMMAND "${cbuild}/consumer")
if(NOT cmake_out MATCHES "^peer-id 12D3KooW[1-9A-HJ-NP-Za-km-z]+\nmax-connections 77\n$")
  fail("unexpected consumer output:\n${cmake_out}")
endif()
run("consumer_crypto run" crypto_out COMMAND "${cbuild}/consumer_crypto")
string(REGEX MATCH "^peer-id [^\n]+\n" first_line "${cmake_out}")
if(NOT crypto_out STREQUAL first_line)
  fail("consumer_crypto printed '${crypto_out}', consumer '${first_line}'")
endif()

# 3. pkg-config consumer
find_program(PKG_CONFIG NAMES pkg-config pkgconf)
if(NOT PKG_CONFIG)
  fail("pkg-config not found")
endif()
set(ENV{PKG_CONFIG_PATH} "${prefix}/${LIBDIR}/pkgconfig")
run("pkg-config --cflags --libs lotus-p2p" flags
    COMMAND "${PKG_CONFIG}" --cflags --libs lotus-p2p)
string(STRIP "${flags}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
run("consumer build (pkg-config)" out
    COMMAND "${CXX}" -std=c++20 "${CONSUMER_DIR}/main.cpp" -o "${WORK_DIR}/consumer_pc" ${flags})
run("pkg-config consumer run" pc_out COMMAND "${WORK_DIR}/consumer_pc")
if(NOT pc_out STREQUAL cmake_out)
  fail("pkg-config consumer printed:\n${pc_out}\nthe find_package consumer:\n${cmake_out}")
endif()

# 4. systemd-analyze verify (the unit's ExecStart now names an existing binary)
find_program(SYSTEMD_ANALYZE systemd-analyze)
if(SYSTEMD_ANALYZE)
  run("systemd-analyze verify lotus-p2pd.service" out
      COMMAND "${SYSTEMD_ANALYZE}" verify "${prefix}/share/lotus-p2p/lotus-p2pd.service")
  message(STATUS "systemd-analyze verify: ok")
else()
  message(STATUS "systemd-analyze not found: unit file not verified")
endif()

message(STATUS "install test: ok (${cmake_out})")
file(REMOVE_RECURSE "${WORK_DIR}")
