# gfmachine integration tests: the real gfmachine process against a fake
# service that captures the wire (fakecloud.py), and against the real gfcloud.
foreach(t wire rules session e2e)
  gf_py_test(test_machine_${t}
    SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_machine_${t}.py TIMEOUT 120)
endforeach()
# gfmachine and the real gfcloud end to end, with gfcloud on PostgreSQL.
gf_py_test(test_machine_e2e_pg
  SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_machine_e2e.py TIMEOUT 120)
gf_on_postgresql(test_machine_e2e_pg)
# ... and with the status WebSocket on gfcloud's status-listen port: the
# real machine given that port as its status URL.
gf_py_test(test_machine_e2e_status
  SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_machine_e2e.py TIMEOUT 120)
set_property(TEST test_machine_e2e_status APPEND PROPERTY ENVIRONMENT
  GF_TEST_STATUS_LISTEN=1)
