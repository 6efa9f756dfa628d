# Runs at every build: writes version.h with the checkout's commit, touching it only when the
# text changes (so a build with nothing new recompiles nothing).
execute_process(COMMAND git -C "${SOURCE_DIR}" rev-parse --short=12 HEAD
                OUTPUT_VARIABLE CHECKRIDE_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET RESULT_VARIABLE git_failed)
if(git_failed OR CHECKRIDE_COMMIT STREQUAL "")
  set(CHECKRIDE_COMMIT "unknown")
else()
  execute_process(COMMAND git -C "${SOURCE_DIR}" status --porcelain --untracked-files=no
                  OUTPUT_VARIABLE dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT dirty STREQUAL "")
    string(APPEND CHECKRIDE_COMMIT "-dirty")
  endif()
endif()
configure_file("${SOURCE_DIR}/cli/version.h.in" "${OUTPUT}" @ONLY)
