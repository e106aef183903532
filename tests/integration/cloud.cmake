# gfcloud integration tests: each starts the real gfcloud binary on
# 127.0.0.1 (port 0) with a temporary data directory and talks to it over
# real HTTP and WebSocket (tests/integration/gfharness.py).
foreach(t signin actions deadline files durability hostile wire limits tls
    workers operator logfile remove slow keepalive lifecycle jobs events
    metrics webhooks users)
  gf_py_test(cloud_${t} SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_cloud_${t}.py
    TIMEOUT 120)
endforeach()

# The tests whose outcome rests on the store, again on PostgreSQL (one
# throwaway server for the whole run: cmake/GfTesting.cmake).
foreach(t actions deadline files durability remove lifecycle jobs metrics
    webhooks users)
  gf_py_test(cloud_${t}_pg SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_cloud_${t}.py
    TIMEOUT 120)
  gf_on_postgresql(cloud_${t}_pg)
endforeach()
# The tests of the loop's own work (wire edge cases, keep-alive timers,
# actions and deadlines) again on libwebsockets' poll loop, the
# event-loop that is not the default.
foreach(t wire keepalive actions deadline)
  gf_py_test(cloud_${t}_poll SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_cloud_${t}.py
    TIMEOUT 120)
  set_property(TEST cloud_${t}_poll APPEND PROPERTY ENVIRONMENT
    GF_TEST_EVENT_LOOP=poll)
endforeach()
# The sessions' tests again with the status WebSocket on a status-listen
# port of its own: a second libwebsockets context on the one loop, whose
# timers (keep-alive hang-ups, the slow-handshake sweep) are set from the
# other's (tick.c).
foreach(t signin actions keepalive remove tls)
  gf_py_test(cloud_${t}_status SCRIPT
    ${CMAKE_CURRENT_LIST_DIR}/test_cloud_${t}.py TIMEOUT 120)
  set_property(TEST cloud_${t}_status APPEND PROPERTY ENVIRONMENT
    GF_TEST_STATUS_LISTEN=1)
endforeach()
# Several nodes on one database: PostgreSQL only.
gf_py_test(cloud_nodes_pg SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_cloud_nodes.py
  TIMEOUT 180)
gf_on_postgresql(cloud_nodes_pg)

# Homing by the lid camera with real gfmachine processes (50 offsets on
# four machines at once; 12 in the sanitizer build, whose pictures compose
# many times slower), and again on PostgreSQL for the stored calibration.
gf_py_test(cloud_camera SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_cloud_camera.py
  TIMEOUT 600)
gf_py_test(cloud_camera_pg SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_cloud_camera.py
  TIMEOUT 600)
gf_on_postgresql(cloud_camera_pg)
if(GF_SANITIZE)
  set_property(TEST cloud_camera APPEND PROPERTY ENVIRONMENT GF_CAMERA_OFFSETS=12)
endif()
