# bench/spool: what the spool's event id index costs per event (WAL frames, bytes, instructions), by layout.
add_executable(bench_spool_ids bench/spool/id_index_bench.cpp)
target_link_libraries(bench_spool_ids PRIVATE fanout_spool SQLite::SQLite3)
