"""The dashboard in a real browser: Debian's chromium, headless, driven over
the DevTools protocol (cdp.py), against the real gfcloud serving web/ and a
real gfmachine signed in to it, as the demo runs it (presses its own
button). An admin signs in, sees the machine online on the Fleet page,
confirms its home if it waits for one, takes a lid image, uploads an SVG
on the New job page, prints it, sees "press the button", then a progress
bar, then completed, and finds the job in History; the Admin page lists
the machine and the users, and a user added there signs in. A viewer sees
no Print button, no machine controls, and a request it forges from the page
(with its own CSRF token) is refused with 403. A wrong password is said on
the sign-in form.

Controls are found by accessible name, as a screen reader would; every wait
is on the page's state. Each page's screenshot goes to
<build>/tests/browser/screenshots/ (docs/dashboard.md shows them)."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402
import fakecloud as fc  # noqa: E402
import gfharness as gh  # noqa: E402

SERIAL = "S10000042"
DESIGN = os.path.join(gh.source_dir(), "tests", "fixtures", "designs",
                      "square.svg")
# Generous: a loaded 2-core machine, sanitizer binaries.
SLOW = 60.0


def screenshot_dir():
    return os.path.join(gh.build_dir(), "tests", "browser", "screenshots")


class Dashboard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cloud = gh.Cloud()
        cls.machine = None
        cls.browser = None
        try:
            password = cls.cloud.add_machine(SERIAL[1:])
            # The demo's machine (scripts/demo-run.sh): it presses its own
            # button 2 s after a print asks; played slowly enough that the
            # print runs a few seconds, with a progress frame every 0.3 s.
            cls.machine = fc.Machine(
                cls.cloud.base_url, "ws://127.0.0.1:%d" % cls.cloud.port,
                SERIAL[1:], password=password, speed=5, auto_button=2,
                warmup_ms=0, rest_ms=0, progress_interval_ms=300,
                images=os.path.join(gh.source_dir(), "tests", "fixtures",
                                    "img"))
            cls.users = {}
            for name, role in (("ada", "admin"), ("vic", "viewer")):
                cls.users[name] = cls.add_user(name, role)
            cls.browser = cdp.Browser(screenshots=screenshot_dir())
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def add_user(cls, name, role):
        """`gfcloud user add` prints the password alone."""
        out = cls.cloud.cli("user", "add", name, "--role", role).stdout
        return out.strip()

    @classmethod
    def tearDownClass(cls):
        if cls.browser:
            cls.browser.close()
        rc = None
        if cls.machine:
            rc = cls.machine.stop()
            if rc != 0:
                print("---- gfmachine ----\n" + cls.machine.stderr()[-4000:])
            cls.machine.cleanup()
        cls.cloud.close()
        assert rc in (None, 0), "gfmachine exited with %r" % (rc,)

    # -- steps ---------------------------------------------------------
    def sign_in(self, name):
        page = self.browser.new_page()
        page.goto(self.cloud.base_url + "/")
        page.wait("document.body.dataset.page === 'login'", what="Sign in")
        page.fill(page.find("textbox", "Name"), name)
        page.fill(page.find("textbox", "Password"), self.users[name])
        page.click("button", "Sign in")
        page.wait("document.body.dataset.page === 'fleet'", timeout=SLOW,
                  what="the Fleet page after signing in")
        self.assertEqual(page.eval(
            "document.getElementById('who-name').textContent"), name)
        return page

    def machine_card(self, page, predicate, what):
        """Wait for the Fleet page's card of the machine to show ..."""
        return page.wait(
            "(() => { const c = document.querySelector("
            "'article.machine[data-serial=\"%s\"]'); return c && (%s); })()"
            % (SERIAL, predicate), timeout=SLOW, what=what)

    def forge(self, page, method, path, body):
        """A request made from the page by hand, with the session's CSRF
        token, as a user who edits the page could; answers the status."""
        return page.eval(
            "(async () => { const { session } = await import('/api.js');"
            " const r = await fetch(%s, { method: %s, headers: {"
            " 'Content-Type': 'application/json',"
            " 'X-CSRF-Token': session.csrf }, body: %s,"
            " credentials: 'same-origin' }); return r.status; })()"
            % (json.dumps(path), json.dumps(method),
               json.dumps(json.dumps(body))))

    def said(self, page):
        """What the New job page's job box says (its live status line)."""
        return page.eval("document.querySelector('[data-job-state] "
                         "[role=status]')?.textContent")

    # -- tests ---------------------------------------------------------
    def test_admin_prints_and_finds_it_in_history(self):
        login = self.browser.new_page()
        login.goto(self.cloud.base_url + "/")
        login.wait("document.body.dataset.page === 'login'", what="Sign in")
        login.screenshot("login")

        page = self.sign_in("ada")
        self.machine_card(page, "c.dataset.online === 'yes'",
                          "the machine online on the Fleet page")
        page.screenshot("fleet-connecting")

        # The machine page; the service hunts on connect, then waits for
        # the operator to confirm the head is home (docs/cloud.md).
        page.click("link", SERIAL)
        page.wait("document.body.dataset.page === 'machine'", what="Machine")
        lifecycle = page.wait(
            "['waiting_for_home', 'ready'].includes("
            "document.querySelector('[data-lifecycle]')?.dataset.lifecycle)"
            " && document.querySelector('[data-lifecycle]').dataset"
            ".lifecycle", timeout=SLOW, what="the machine hunted")
        if lifecycle == "waiting_for_home":
            page.click("button", "Confirm home")
            page.wait("document.querySelector('[data-lifecycle]')?.dataset"
                      ".lifecycle === 'ready'", timeout=SLOW,
                      what="the machine ready after Confirm home")
        before = page.eval("Date.now()")
        page.click("button", "Take lid image")
        page.wait(
            "(() => { const i = document.querySelector("
            "'svg.bed[data-lid=\"shown\"] image.lid'); return i && Number("
            "new URL(i.getAttribute('href'), location.href).searchParams"
            ".get('t')) >= %d; })()" % before, timeout=SLOW,
            what="the new lid image drawn on the bed")
        page.screenshot("machine")

        # New job: upload, place, print.
        page.click("link", "New job")
        page.wait("document.body.dataset.page === 'new'", what="New job")
        page.set_files(page.find("button", "Upload design"), DESIGN)
        page.wait("document.querySelector('svg.bed .design image')",
                  what="the design drawn on the bed")
        page.fill(page.find("spinbutton", "X (mm)"), "120")
        page.fill(page.find("spinbutton", "Y (mm)"), "60")
        page.wait("document.querySelector('svg.bed .design rect')"
                  ".getAttribute('x') === '120'", what="the design moved")
        page.screenshot("newjob")
        # What the page lived through, as it drew it (a state can be short).
        page.eval("window.gfSeen = []; new MutationObserver(() => {"
                  " const b = document.querySelector('[data-job-state]');"
                  " const s = b && b.dataset.jobState;"
                  " if (s && window.gfSeen.at(-1) !== s) window.gfSeen.push(s);"
                  " if (b && b.querySelector('progress[aria-label=\"Job "
                  "progress\"]') && !window.gfSeen.includes('bar'))"
                  " window.gfSeen.push('bar');"
                  " }).observe(document.body, {subtree: true, childList: true,"
                  " attributes: true}); true")
        page.click("button", "Print")
        page.wait("document.querySelector('[data-job-state="
                  "\"waiting_for_button\"]')", timeout=SLOW,
                  what="the job waiting for the button")
        self.assertEqual(self.said(page), "Press the button on the machine")
        page.screenshot("newjob-press-the-button", "[data-job-state]")
        page.wait("document.querySelector('[data-job-state=\"running\"] "
                  "progress[aria-label=\"Job progress\"]')?.value > 0",
                  timeout=SLOW, what="the running job's progress bar moving")
        page.screenshot("newjob-running", "[data-job-state]")
        page.wait("document.querySelector('[data-job-state=\"completed\"]')",
                  timeout=SLOW, what="the job completed")
        self.assertEqual(self.said(page), "Completed.")
        seen = page.eval("window.gfSeen")
        self.assertLess(seen.index("waiting_for_button"), seen.index("bar"),
                        seen)
        self.assertLess(seen.index("bar"), seen.index("completed"), seen)
        job = page.eval("Number(document.querySelector('[data-job-id]')"
                        ".dataset.jobId)")
        page.screenshot("newjob-completed", "[data-job-state]")

        # The fleet shows the finished job; History has it, with who.
        page.click("link", "Fleet")
        self.machine_card(page, "c.querySelector('progress') && "
                          "c.dataset.lifecycle === 'ready'",
                          "the fleet card with the completed job")
        page.screenshot("fleet")
        page.click("link", "History")
        row = "document.querySelector('tr[data-job=\"%d\"]')" % job
        page.wait(row, timeout=SLOW, what="the job in History")
        cells = page.eval("[...%s.cells].map((c) => c.textContent)" % row)
        self.assertEqual(cells[2], SERIAL, cells)
        self.assertEqual(cells[3], "ada", cells)
        self.assertEqual(cells[6], "completed", cells)
        page.wait("document.querySelector('table[aria-label=\"Audit "
                  "trail\"] tbody tr')", timeout=SLOW,
                  what="the audit trail")
        page.screenshot("history")

        page.click("link", "Admin")
        page.wait("document.querySelector('table[aria-label=\"Users\"] "
                  "tbody tr') && document.querySelector('table[aria-label="
                  "\"Machines\"] tbody tr') && document.querySelector("
                  "'table[aria-label=\"API keys\"]')", timeout=SLOW,
                  what="the Admin page's lists")
        # A user added on the page: its password shown once, and it works.
        page.fill(page.find("textbox", "Name"), "otto")
        page.click("button", "Add user")
        password = page.wait("document.querySelector('.secret')?.textContent",
                             timeout=SLOW, what="the new user's password")
        page.wait("[...document.querySelectorAll('table[aria-label=\"Users\"]"
                  " td')].some((td) => td.textContent === 'otto')",
                  what="the new user listed")
        page.wait("[...document.querySelectorAll('#key-user option')]"
                  ".some((o) => o.value === 'otto')",
                  what="the new user among the API keys' owners")
        page.screenshot("admin")
        status, _, _ = self.cloud.http(
            "POST", "/api/v1/session", body={"name": "otto",
                                             "password": password})
        self.assertEqual(status, 200)
        self.assertEqual(page.page_errors(), [])

    def test_a_wrong_password_is_said(self):
        page = self.browser.new_page()
        page.goto(self.cloud.base_url + "/")
        page.fill(page.find("textbox", "Name"), "nobody")
        page.fill(page.find("textbox", "Password"), "not-a-password")
        page.click("button", "Sign in")
        page.wait("document.querySelector('form.login [role=alert]')"
                  ".textContent === 'Wrong name or password.'", timeout=SLOW,
                  what="the sign-in form saying why")
        self.assertEqual(page.eval("document.body.dataset.page"), "login")

    def test_viewer_looks_but_cannot_print(self):
        page = self.sign_in("vic")
        self.machine_card(page, "c.dataset.online === 'yes'",
                          "the machine online for the viewer")
        # No New job link, and the page itself is refused by the shell.
        self.assertTrue(page.absent("link", "New job"))
        self.assertTrue(page.absent("link", "Admin"))
        page.goto(self.cloud.base_url + "/#/new")
        page.wait("document.body.dataset.page === 'fleet'",
                  what="the viewer sent back to the Fleet page")
        self.assertTrue(page.absent("button", "Print"))

        page.goto(self.cloud.base_url + "/#/machine/" + SERIAL)
        page.wait("document.body.dataset.page === 'machine' && "
                  "document.querySelector('[data-lifecycle]')",
                  timeout=SLOW, what="the machine page for the viewer")
        for control in ("Take lid image", "Confirm home", "Calibrate camera",
                        "Hunt", "Cancel job", "Print"):
            self.assertTrue(page.absent("button", control), control)
        page.screenshot("machine-viewer")

        # Forged from the page: the service says no, whatever the page
        # shows. The token is the session's own, so it is the role, not
        # the CSRF check, that refuses.
        self.assertEqual(self.forge(page, "POST",
                                    "/api/v1/machines/%s/actions" % SERIAL,
                                    {"action_type": "lid_image"}), 403)
        self.assertEqual(self.forge(page, "POST",
                                    "/api/v1/machines/%s/home" % SERIAL,
                                    {"method": "manual"}), 403)
        with open(DESIGN) as f:
            design = f.read()
        status = page.eval(
            "(async () => { const { session } = await import('/api.js');"
            " const f = new FormData(); f.append('machine', %s);"
            " f.append('design', new Blob([%s], {type: 'image/svg+xml'}),"
            " 'x.svg'); const r = await fetch('/api/v1/jobs', {method:"
            " 'POST', body: f, headers: {'X-CSRF-Token': session.csrf}});"
            " return r.status; })()"
            % (json.dumps(SERIAL), json.dumps(design)))
        self.assertEqual(status, 403)
        self.assertEqual(self.forge(page, "POST", "/api/v1/users",
                                    {"name": "mallory", "role": "admin"}),
                         403)


if __name__ == "__main__":
    unittest.main(verbosity=2)
