# Writes OUTPUT (tend_version.h) with tend's version and commit; run with
# `cmake -P` at configure time and again at every build, so a new commit or
# tag is seen without re-running cmake. configure_file leaves the file alone
# when nothing changed, so an unchanged commit recompiles nothing.
#
# Version: the tag vX.Y.Z on HEAD if there is one, else the VERSION file.
# Commit: TEND_COMMIT when given (packagers, Dockerfile builds without .git),
# else git's, else "unknown". No dates and no paths: the binary stays
# reproducible.
# Inputs: SOURCE_DIR, OUTPUT, TEMPLATE, TEND_COMMIT (may be empty).
file(STRINGS "${SOURCE_DIR}/VERSION" TEND_VERSION_TEXT LIMIT_COUNT 1)
set(TEND_COMMIT_TEXT "unknown")
find_program(GIT git)
set(in_git FALSE)
if(GIT)
  # Only tend's own repository: a tarball unpacked inside another checkout
  # must not report that checkout's commit.
  execute_process(COMMAND ${GIT} rev-parse --show-toplevel WORKING_DIRECTORY "${SOURCE_DIR}"
    OUTPUT_VARIABLE top RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(rc EQUAL 0)
    get_filename_component(top "${top}" REALPATH)
    get_filename_component(src "${SOURCE_DIR}" REALPATH)
    if(top STREQUAL src)
      set(in_git TRUE)
    endif()
  endif()
endif()
if(in_git)
  execute_process(COMMAND ${GIT} rev-parse --short=7 HEAD WORKING_DIRECTORY "${SOURCE_DIR}"
    OUTPUT_VARIABLE commit RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(rc EQUAL 0 AND commit)
    set(TEND_COMMIT_TEXT "${commit}")
  endif()
  execute_process(COMMAND ${GIT} tag --points-at HEAD --list "v[0-9]*.[0-9]*.[0-9]*"
    WORKING_DIRECTORY "${SOURCE_DIR}" OUTPUT_VARIABLE tags RESULT_VARIABLE rc ERROR_QUIET)
  if(rc EQUAL 0 AND tags)
    string(REGEX MATCH "v([0-9]+\\.[0-9]+\\.[0-9]+[^\n]*)" tag "${tags}")
    if(CMAKE_MATCH_1)
      set(TEND_VERSION_TEXT "${CMAKE_MATCH_1}")
    endif()
  endif()
endif()
if(TEND_COMMIT)
  set(TEND_COMMIT_TEXT "${TEND_COMMIT}")
endif()
# Whatever came from outside ends up in a C string literal.
foreach(v TEND_VERSION_TEXT TEND_COMMIT_TEXT)
  if(NOT "${${v}}" MATCHES "^[A-Za-z0-9._+~-]+$")
    message(FATAL_ERROR "${v} '${${v}}' may hold only letters, digits and ._+~- (VERSION file, tag or TEND_COMMIT)")
  endif()
endforeach()
configure_file("${TEMPLATE}" "${OUTPUT}" @ONLY)
