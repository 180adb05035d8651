# libFuzzer targets (fuzz/*_fuzz.cpp -> fuzz_<name>), built only with -DFANOUT_FUZZ=ON and clang, which
# scripts/fuzz.sh does in its own build-fuzz/ directory with every library compiled under
# -fsanitize=fuzzer-no-link,address,undefined. Only the libraries the targets link are built there.
option(FANOUT_FUZZ "Build the libFuzzer targets (clang; see scripts/fuzz.sh)" OFF)
if(FANOUT_FUZZ)
  set(fuzz_targets)
  file(GLOB fuzz_srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/fuzz/*_fuzz.cpp)
  foreach(src ${fuzz_srcs})
    get_filename_component(stem ${src} NAME_WE)
    string(REGEX REPLACE "_fuzz$" "" name ${stem})
    set(target fuzz_${name})
    add_executable(${target} ${src})
    # The config loader and classify() need the config code of app/ alone, not the whole app library
    # (delivery, sandbox): it is compiled into those targets directly.
    if(name STREQUAL "config" OR name STREQUAL "classify")
      target_sources(${target} PRIVATE ${CMAKE_SOURCE_DIR}/src/app/config.cpp)
      target_include_directories(${target} PRIVATE ${FANOUT_INCLUDE_ROOT}/fanout_app)
      target_link_libraries(${target} PRIVATE fanout_spool)  # config.cpp opens the configured spool
    endif()
    target_link_libraries(${target} PRIVATE fanout_ingest fanout_destinations fanout_identity fanout_net fanout_core)
    target_link_options(${target} PRIVATE -fsanitize=fuzzer)
    list(APPEND fuzz_targets ${target})
  endforeach()
  add_custom_target(fuzz_all DEPENDS ${fuzz_targets})
  # Shipped builds define NDEBUG; the fuzz build keeps our own assertions but not two libraries' internal
  # ones that fire before the library reports the problem properly (checked with NDEBUG under ASan):
  # toml++ 3.3 asserts on a key starting with '.' ("[.meta]") just before its parse error, and Beast 1.74
  # asserts in its chunk-header parser when a chunked body arrives a byte at a time. Both have
  # regression tests (tests/app/config_fuzz_regressions_test.cpp, tests/net/fuzz_regressions_test.cpp).
  target_compile_definitions(fanout_core PRIVATE "TOML_ASSERT=static_cast<void>")
  target_compile_definitions(fuzz_config PRIVATE "TOML_ASSERT=static_cast<void>")
  target_compile_definitions(fuzz_classify PRIVATE "TOML_ASSERT=static_cast<void>")
  target_compile_definitions(fanout_net PRIVATE BOOST_DISABLE_ASSERTS)
  target_compile_definitions(fuzz_http_request PRIVATE BOOST_DISABLE_ASSERTS)
endif()
