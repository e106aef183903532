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
