# The dashboard (web/, docs/dashboard.md): the files served by the real
# gfcloud, and the pages driven in a real browser (Debian's chromium,
# headless, over the DevTools protocol).
gf_py_test(web_static SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_web_static.py
  TIMEOUT 120)
gf_py_test(web_machines_api
  SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_web_machines_api.py TIMEOUT 120)
# The pages in chromium (test_web_browser.py, cdp.py): screenshots in
# tests/browser/screenshots/ of the build folder.
gf_py_test(web_browser SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_web_browser.py
  TIMEOUT 180)
