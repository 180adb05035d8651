# The PostgreSQL spool (libpq) and its tests against a real server (tests/postgres/).
find_package(PostgreSQL REQUIRED)
if(TARGET fanout_spool)
  fanout_link(fanout_spool PostgreSQL::PostgreSQL fanout_telemetry)
endif()
file(GLOB FANOUT_PG_TEST_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/postgres/*.cpp)
if(FANOUT_PG_TEST_SRCS)
  add_executable(test_postgres ${FANOUT_PG_TEST_SRCS} ${CMAKE_SOURCE_DIR}/tests/integration/harness.cpp)
  target_include_directories(test_postgres PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(test_postgres PRIVATE fanout_app GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(test_postgres PRIVATE FANOUT_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
                             FANOUT_BINARY="${FANOUT_BINARY_PATH}")
  if(TARGET fanout)
    add_dependencies(test_postgres fanout)
  endif()
  # One PostgreSQL server per test case; RUN_SERIAL keeps two of them off the shared cores at once.
  gtest_discover_tests(test_postgres DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 300 RUN_SERIAL TRUE)
endif()
