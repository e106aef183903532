# gfcloud benchmark: N machines signed in and held, action round trips.
# Prints figures; not a ctest test. Run with
#   cmake --build BUILD --target bench_cloud_sessions
if(TARGET gfcloud)
  add_custom_target(bench_cloud_sessions
    COMMAND ${CMAKE_COMMAND} -E env GF_BUILD_DIR=${PROJECT_BINARY_DIR}
            GF_SOURCE_DIR=${PROJECT_SOURCE_DIR}
            ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/cloud_sessions.py
    DEPENDS gfcloud
    USES_TERMINAL)
endif()

# Big image uploads while the API is timed (the worker pool keeps the loop
# free), and the cost of locking a job to a machine. Prints figures.
if(TARGET gfcloud)
  add_custom_target(bench_cloud_uploads
    COMMAND ${CMAKE_COMMAND} -E env GF_BUILD_DIR=${PROJECT_BINARY_DIR}
            GF_SOURCE_DIR=${PROJECT_SOURCE_DIR}
            ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/cloud_uploads.py
    DEPENDS gfcloud
    USES_TERMINAL)
endif()

# One gfcloud with 5k..19k sessions from gfload processes: connect time,
# sign-ins/s, memory and idle CPU per session, action round trips under
# load, the reconnect storm after kill -9 (bench/fleet.py; issue 11).
if(TARGET gfcloud AND TARGET gfload)
  add_custom_target(bench_fleet
    COMMAND ${CMAKE_COMMAND} -E env GF_BUILD_DIR=${PROJECT_BINARY_DIR}
            ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/fleet.py
    DEPENDS gfcloud gfload
    USES_TERMINAL)
endif()

# The fleet bench's machinery (a tiny fleet, every figure measured); the
# figures themselves are not checked.
if(TARGET gfcloud AND TARGET gfload)
  add_test(NAME bench_fleet_smoke
    COMMAND ${Python3_EXECUTABLE} -u ${CMAKE_CURRENT_LIST_DIR}/fleet.py --smoke)
  set_tests_properties(bench_fleet_smoke PROPERTIES LABELS integration
    TIMEOUT 180 ENVIRONMENT "GF_BUILD_DIR=${PROJECT_BINARY_DIR}")
  # ... and on two nodes sharing a PostgreSQL server of its own.
  add_test(NAME bench_fleet_nodes_smoke
    COMMAND ${Python3_EXECUTABLE} -u ${CMAKE_CURRENT_LIST_DIR}/fleet.py --smoke
            --nodes 2)
  set_tests_properties(bench_fleet_nodes_smoke PROPERTIES
    LABELS "integration;postgresql" TIMEOUT 180
    ENVIRONMENT "GF_BUILD_DIR=${PROJECT_BINARY_DIR}")
endif()

# 200 machines held while hostile clients (pipelining, trickle, oversize,
# bad framing, bad frames) run for 60 s: round trip and API percentiles
# before and during, RSS and descriptors at the start and the end.
if(TARGET gfcloud)
  add_custom_target(bench_cloud_soak
    COMMAND ${CMAKE_COMMAND} -E env GF_BUILD_DIR=${PROJECT_BINARY_DIR}
            GF_SOURCE_DIR=${PROJECT_SOURCE_DIR}
            ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/cloud_soak.py
    DEPENDS gfcloud
    USES_TERMINAL)
endif()

# 100 jobs compiled from a 10k-segment SVG while 1000 machines are held:
# API and WebSocket round trips before and during. Prints figures.
if(TARGET gfcloud)
  add_custom_target(bench_cloud_jobs
    COMMAND ${CMAKE_COMMAND} -E env GF_BUILD_DIR=${PROJECT_BINARY_DIR}
            GF_SOURCE_DIR=${PROJECT_SOURCE_DIR}
            ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/cloud_jobs.py
    DEPENDS gfcloud
    USES_TERMINAL)
endif()

# Homing by the lid camera through the service: the error distribution of
# the service's position against the emulator's truth over 50 random
# starts (issue 13). Prints figures.
if(TARGET gfcloud AND TARGET gfmachine)
  add_custom_target(bench_cloud_camera
    COMMAND ${CMAKE_COMMAND} -E env GF_BUILD_DIR=${PROJECT_BINARY_DIR}
            GF_SOURCE_DIR=${PROJECT_SOURCE_DIR}
            ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/cloud_camera.py
    DEPENDS gfcloud gfmachine
    USES_TERMINAL)
endif()
