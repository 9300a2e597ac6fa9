# Run by `cmake --install` (cmake/LotusInstall.cmake sets the variables): installs the public
# headers of LOTUS_HEADERS_FROM (the src/ tree) under <prefix>/LOTUS_HEADERS_TO, keeping their
# folders, and skips every header that has a line exactly equal to LOTUS_INTERNAL_HEADER_MARKER.
# file(INSTALL) honours DESTDIR and records the files in install_manifest.txt.
string(REGEX REPLACE "([][+.*()^$?|\\\\])" "\\\\\\1" marker_re "${LOTUS_INTERNAL_HEADER_MARKER}")
if(IS_ABSOLUTE "${LOTUS_HEADERS_TO}")
  set(dest "${LOTUS_HEADERS_TO}")
else()
  set(dest "${CMAKE_INSTALL_PREFIX}/${LOTUS_HEADERS_TO}")
endif()

file(GLOB_RECURSE headers RELATIVE "${LOTUS_HEADERS_FROM}" "${LOTUS_HEADERS_FROM}/*.hpp" "${LOTUS_HEADERS_FROM}/*.h")
list(SORT headers)
set(internal "")
foreach(h IN LISTS headers)
  file(STRINGS "${LOTUS_HEADERS_FROM}/${h}" marked REGEX "^${marker_re}[ \t]*$")
  if(marked)
    list(APPEND internal "${h}")
    continue()
  endif()
  get_filename_component(dir "${h}" DIRECTORY)
  file(INSTALL DESTINATION "${dest}/${dir}" TYPE FILE FILES "${LOTUS_HEADERS_FROM}/${h}")
endforeach()
list(LENGTH internal n)
list(JOIN internal " " internal)
message(STATUS "Not installed (${n} internal headers): ${internal}")
