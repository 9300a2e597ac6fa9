# Runs PROGRAM; passes when it exits 0 and its output has a line matching each pattern of
# EXPECT (regexes separated by "|||", matched from the start of a line).
execute_process(COMMAND ${PROGRAM} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 100)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} exited with ${rc}\n${err}")
endif()
string(REPLACE "|||" ";" patterns "${EXPECT}")
foreach(p IN LISTS patterns)
  if(NOT "\n${out}" MATCHES "\n${p}")
    message(FATAL_ERROR "missing line: ${p}")
  endif()
endforeach()
