# Runs `${PROG} ${CASE}` and passes only if it ends abnormally (a signal or a non-zero exit)
# with standard error matching `${EXPECT}`: the abort is the point, the message its content.
execute_process(COMMAND "${PROG}" "${CASE}" RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err TIMEOUT 60)
if(rc EQUAL 0)
  message(FATAL_ERROR "${CASE}: exited normally; expected an abort with: ${EXPECT}\n${err}")
endif()
if(NOT err MATCHES "${EXPECT}")
  message(FATAL_ERROR "${CASE}: ended with '${rc}' but its message does not match '${EXPECT}':\n${err}")
endif()
message(STATUS "${CASE}: ${rc}: ${err}")
