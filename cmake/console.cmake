# The web console (src/console/): its module, its static assets compiled into the binary at build time,
# its unit tests and its browser test (headless Chromium driven by puppeteer-core, tests/browser/).
file(GLOB FANOUT_CONSOLE_ASSETS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/console/assets/*)
set(FANOUT_CONSOLE_ASSETS_CPP ${CMAKE_BINARY_DIR}/generated/console_assets.cpp)
add_custom_command(
  OUTPUT ${FANOUT_CONSOLE_ASSETS_CPP}
  COMMAND ${CMAKE_COMMAND} -DDIR=${CMAKE_SOURCE_DIR}/src/console/assets -DOUT=${FANOUT_CONSOLE_ASSETS_CPP}
          -P ${CMAKE_SOURCE_DIR}/cmake/console_assets.cmake
  DEPENDS ${FANOUT_CONSOLE_ASSETS} ${CMAKE_SOURCE_DIR}/cmake/console_assets.cmake
  COMMENT "Embedding the console's assets"
  VERBATIM)

fanout_module(fanout_console console)
target_sources(fanout_console PRIVATE ${FANOUT_CONSOLE_ASSETS_CPP})
fanout_link(fanout_console fanout_core fanout_destinations fanout_spool fanout_net fanout_ingest fanout_telemetry)
fanout_link(fanout_app fanout_console)

fanout_tests(console fanout_console fanout_app)

# The console as a user sees it: the real binary, the sandbox platforms, Debian's chromium.
add_test(NAME browser_console COMMAND bash ${CMAKE_SOURCE_DIR}/tests/browser/run.sh $<TARGET_FILE:fanout>
                                      console.test.mjs ${CMAKE_BINARY_DIR}/console.png)
# The README's quick start: `fanout demo --keep-running` and the console link it prints.
add_test(NAME browser_demo COMMAND bash ${CMAKE_SOURCE_DIR}/tests/browser/run.sh $<TARGET_FILE:fanout> demo.test.mjs)
# One at a time: they share node_modules (npm ci) and two Chromiums would crowd two cores.
set_tests_properties(browser_console browser_demo PROPERTIES TIMEOUT 300 RESOURCE_LOCK browser)

# The counts on a PostgreSQL spool are tested against a throwaway server (tests/postgres/pg_server.*).
if(TARGET test_console)
  target_sources(test_console PRIVATE ${CMAKE_SOURCE_DIR}/tests/postgres/pg_server.cpp)
  target_include_directories(test_console PRIVATE ${CMAKE_SOURCE_DIR}/tests)
endif()
