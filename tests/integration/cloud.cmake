# gfcloud integration tests: each starts the real gfcloud binary on
# 127.0.0.1 (port 0) with a temporary data directory and talks to it over
# real HTTP and WebSocket (tests/integration/gfharness.py).
foreach(t signin actions deadline files durability hostile tls workers operator
    logfile remove slow keepalive lifecycle jobs events)
  gf_py_test(cloud_${t} SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_cloud_${t}.py
    TIMEOUT 120)
endforeach()
