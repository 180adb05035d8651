# Hardening tests of net/ (tests/net/). Another change may define test_net for the same folder; then that
# definition, which globs tests/net/*.cpp too, builds these files.
if(NOT TARGET test_net)
  fanout_tests(net fanout_net)
endif()
include(${CMAKE_CURRENT_LIST_DIR}/fuzz.cmake)
