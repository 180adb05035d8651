# Third-party assertions compiled the way the shipped (Release, NDEBUG) build compiles them, in the Debug
# build too, so the Debug ASan+UBSan build tests what ships. fanout ships Release builds, where toml++ 3.3's and
# Beast 1.74's internal assertions are compiled out and both libraries answer the inputs below with a clean
# error; in a Debug build they abort first, so the regression tests for those inputs could not run under the
# sanitizers (tests/app/config_fuzz_regressions_test.cpp, tests/net/fuzz_regressions_test.cpp):
#   - toml++ asserts on a table name starting with '.' ("[.meta]") just before its parse error;
#   - Beast asserts in its chunk-header parser when a chunked body arrives a byte at a time.
# Directory-wide (every target here, whenever created): the libraries are header-only, and one inline
# function compiled with and without its assertions in two objects would break the one-definition rule.
# Our own assert()s are untouched. Release types define NDEBUG, which does the same already; the fuzz build
# (scripts/fuzz.sh) sets these for the targets that reach those inputs (cmake/fuzz.cmake).
if(NOT FANOUT_FUZZ AND NOT CMAKE_BUILD_TYPE MATCHES "^(Release|RelWithDebInfo|MinSizeRel)$")
  add_compile_definitions("TOML_ASSERT=(void)sizeof" BOOST_DISABLE_ASSERTS)
endif()
if(FANOUT_SANITIZE)
  # toml++ 3.3.0 reaches __builtin_unreachable() (its TOML_UNREACHABLE) deciding whether some non-ASCII code
  # points (U+035C, ...) are whitespace: undefined behaviour in every build, which GCC's code answers with
  # "not whitespace" (a parse error) at -O0 and -O2 alike. UBSan's `unreachable` check would stop the test
  # of that input; fanout's own code has no unreachable() to check. See fuzz/README.md (open findings).
  # Compile options, unlike definitions, reach only targets created later: the ones made so far get it here.
  add_compile_options(-fno-sanitize=unreachable)
  get_property(made DIRECTORY PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target ${made})
    get_target_property(type ${target} TYPE)
    if(NOT type STREQUAL "INTERFACE_LIBRARY" AND NOT type STREQUAL "UTILITY")
      target_compile_options(${target} PRIVATE -fno-sanitize=unreachable)
    endif()
  endforeach()
endif()
