"""cdp: Debian's chromium, headless, driven over the DevTools protocol.

For the dashboard's browser tests (test_web_browser.py). Standard library
plus python3-websocket (module ``websocket``), like gfharness; no browser
download, no npm: the browser is the system's ``chromium`` ($GF_CHROMIUM
to name another).

    with Browser(screenshots="build/tests/browser/screenshots") as b:
        page = b.new_page()                    # a tab of its own
        page.goto("http://127.0.0.1:8080/")
        page.fill(page.find("textbox", "Name"), "admin")
        page.click("button", "Sign in")
        page.wait("document.body.dataset.page === 'fleet'")
        page.screenshot("fleet")

Controls are found by their accessible name and role, as the browser's
accessibility tree has them (a label, an aria-label, a button's text), so
a test finds what a screen reader would. ``wait`` polls an expression in
the page until it is truthy: tests wait on the page's state, never a time.
A page's uncaught exceptions and console errors are kept
(``page_errors()``); a failed load (a lid image not taken yet) is not one.
"""

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import websocket

WAIT_TIMEOUT = 30.0


def chromium_binary():
    return os.environ.get("GF_CHROMIUM") or shutil.which("chromium") or \
        "/usr/bin/chromium"


class CdpError(AssertionError):
    pass


class Connection:
    """One DevTools WebSocket; commands by id, events kept until read."""

    def __init__(self, url):
        # Chromium refuses a DevTools socket with an Origin it was not told
        # to allow; a client that sends none is a local tool, let in.
        self.ws = websocket.create_connection(url, timeout=WAIT_TIMEOUT,
                                              suppress_origin=True)
        self.ids = itertools.count(1)
        self.events = []

    def call(self, method, session=None, timeout=WAIT_TIMEOUT, **params):
        msg_id = next(self.ids)
        msg = {"id": msg_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CdpError("no answer to %s" % method)
            self.ws.settimeout(left)
            reply = json.loads(self.ws.recv())
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise CdpError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def drain(self):
        """Events that arrived while nothing was asked."""
        self.ws.settimeout(0.01)
        try:
            while True:
                self.events.append(json.loads(self.ws.recv()))
        except (websocket.WebSocketTimeoutException, BlockingIOError):
            pass
        out, self.events = self.events, []
        return out

    def close(self):
        self.ws.close()


class Browser:
    """A headless chromium with a throwaway profile."""

    def __init__(self, screenshots=None, width=1280, height=900):
        self.tmp = tempfile.mkdtemp(prefix="gfbrowser-")
        self.screenshots = screenshots
        self.size = (width, height)
        self.log_path = os.path.join(self.tmp, "chromium.log")
        self._log = open(self.log_path, "wb")
        args = [chromium_binary(), "--headless=new",
                "--remote-debugging-port=0",
                "--user-data-dir=" + os.path.join(self.tmp, "profile"),
                "--no-first-run", "--no-default-browser-check",
                "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--metrics-recording-only", "--mute-audio",
                "--password-store=basic", "--use-mock-keychain",
                "--window-size=%d,%d" % self.size, "about:blank"]
        if os.geteuid() == 0:  # chromium's sandbox will not run as root
            args.insert(1, "--no-sandbox")
        self.proc = subprocess.Popen(args, stdout=self._log,
                                     stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            self.conn = Connection(self._browser_url())
        except BaseException:
            self.close()
            raise

    def _browser_url(self):
        """The browser's DevTools address, from the file chromium writes
        into its profile once it listens (port 0: any free one)."""
        path = os.path.join(self.tmp, "profile", "DevToolsActivePort")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CdpError("chromium exited: " + self.log_text())
            try:
                with open(path) as f:
                    lines = f.read().split("\n")
                if len(lines) >= 2 and lines[1]:
                    return "ws://127.0.0.1:%s%s" % (lines[0].strip(),
                                                    lines[1].strip())
            except OSError:
                pass
            time.sleep(0.05)
        raise CdpError("chromium did not open its DevTools port: "
                       + self.log_text())

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-4000:]
        except OSError:
            return ""

    def new_page(self):
        """A fresh tab in a context of its own (its own cookies)."""
        ctx = self.conn.call("Target.createBrowserContext")["browserContextId"]
        target = self.conn.call("Target.createTarget", url="about:blank",
                                browserContextId=ctx)["targetId"]
        session = self.conn.call("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        return Page(self, session)

    def close(self):
        if getattr(self, "conn", None):
            try:
                self.conn.call("Browser.close", timeout=10)
            except Exception:
                pass
            self.conn.close()
            self.conn = None
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        # Its helpers (renderer, zygote) are in the group it leads.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self._log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Page:
    """One tab: navigate, find by accessible name, act, wait, look."""

    def __init__(self, browser, session):
        self.browser = browser
        self.session = session
        self.errors = []
        for domain in ("Page", "Runtime", "DOM", "Accessibility"):
            self.call(domain + ".enable")
        w, h = browser.size
        self.call("Emulation.setDeviceMetricsOverride", width=w, height=h,
                  deviceScaleFactor=1, mobile=False)

    def call(self, method, **params):
        return self.browser.conn.call(method, session=self.session, **params)

    def _collect(self):
        """Keep this tab's uncaught exceptions and console.error calls."""
        for ev in self.browser.conn.drain():
            if ev.get("sessionId") != self.session:
                continue
            p = ev.get("params", {})
            if ev["method"] == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                self.errors.append(d.get("exception", {}).get(
                    "description", d.get("text")))
            elif ev["method"] == "Runtime.consoleAPICalled" and \
                    p["type"] == "error":
                self.errors.append(" ".join(
                    str(a.get("value", a.get("description")))
                    for a in p["args"]))

    # -- script --------------------------------------------------------
    def eval(self, expression, await_promise=True):
        """The value of a JavaScript expression (JSON-able) in the page."""
        r = self.call("Runtime.evaluate", expression=expression,
                      returnByValue=True, awaitPromise=await_promise)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CdpError("%s: %s" % (expression, d.get("exception", {})
                                       .get("description", d.get("text"))))
        return r["result"].get("value")

    def on(self, node, function, *args):
        """Call ``function(this=node, ...args)`` (source text) in the page."""
        r = self.call("Runtime.callFunctionOn", objectId=node,
                      functionDeclaration=function, returnByValue=True,
                      awaitPromise=True,
                      arguments=[{"value": a} for a in args])
        if "exceptionDetails" in r:
            raise CdpError("%s: %s" % (function, r["exceptionDetails"]))
        return r["result"].get("value")

    def wait(self, expression, timeout=WAIT_TIMEOUT, what=None):
        """Poll ``expression`` until it is truthy; returns its value (true
        for a node)."""
        deadline = time.monotonic() + timeout
        last = None
        probe = "((v) => v instanceof Node ? true : v)(%s)" % expression
        while True:
            try:
                value = self.eval(probe)
                if value:
                    return value
            except CdpError as e:  # a page in the middle of loading
                last = e
            if time.monotonic() > deadline:
                self._collect()
                self.screenshot("failed")
                raise CdpError("timed out waiting for %s (%s); page errors: "
                               "%s" % (what or expression, last, self.errors))
            time.sleep(0.1)

    # -- navigation ----------------------------------------------------
    def goto(self, url):
        self.call("Page.navigate", url=url)
        self.wait("document.readyState === 'complete' && location.href === "
                  + json.dumps(url), what="the page at " + url)

    # -- the accessibility tree ---------------------------------------
    def query(self, role, name):
        """Object ids of the rendered nodes with this role and accessible
        name (exact, as the browser's accessibility tree computes it).
        The whole tree is read: Accessibility.queryAXTree misses some
        controls (an <input type=file> named by its label)."""
        nodes = self.call("Accessibility.getFullAXTree")["nodes"]
        out = []
        for n in nodes:
            if n.get("ignored") or "backendDOMNodeId" not in n:
                continue
            if n.get("role", {}).get("value") != role or \
                    n.get("name", {}).get("value") != name:
                continue
            try:
                obj = self.call("DOM.resolveNode",
                                backendNodeId=n["backendDOMNodeId"])
            except CdpError:  # gone with a redraw since the tree was read
                continue
            out.append(obj["object"]["objectId"])
        return out

    def find(self, role, name, timeout=WAIT_TIMEOUT):
        """The one node with this role and name, once it is there."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.query(role, name)
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise CdpError("%d %s nodes named %r" % (len(found), role,
                                                         name))
            if time.monotonic() > deadline:
                self._collect()
                self.screenshot("failed")
                raise CdpError("no %s named %r; page errors: %s"
                               % (role, name, self.errors))
            time.sleep(0.1)

    def absent(self, role, name):
        return not self.query(role, name)

    # -- acting ----------------------------------------------------------
    def click(self, role, name, timeout=WAIT_TIMEOUT):
        """Click the control with this role and name once it is shown and
        enabled: a real mouse press at its middle, so what covers it would
        get the click instead. A live page may draw the control anew at
        any moment; a node that left the page is looked up again."""
        deadline = time.monotonic() + timeout
        why = "not found"
        while time.monotonic() < deadline:
            for node in self.query(role, name)[:1]:
                try:
                    box = self.on(node, """function () {
                      if (!this.isConnected) return "gone";
                      if (this.disabled) return "disabled";
                      this.scrollIntoView({block: "center"});
                      const r = this.getBoundingClientRect();
                      if (r.width <= 0 || r.height <= 0) return "not shown";
                      return [r.x + r.width / 2, r.y + r.height / 2]; }""")
                except CdpError:  # the node went with a redraw
                    box = "gone"
                if isinstance(box, list):
                    for kind in ("mousePressed", "mouseReleased"):
                        self.call("Input.dispatchMouseEvent", type=kind,
                                  x=box[0], y=box[1], button="left",
                                  clickCount=1)
                    return
                why = box
            time.sleep(0.1)
        self._collect()
        self.screenshot("failed")
        raise CdpError("cannot click the %s %r: %s; page errors: %s"
                       % (role, name, why, self.errors))

    def fill(self, node, text):
        """Type into a text field (focus, select all, insert)."""
        self.on(node, "function () { this.focus(); this.select(); }")
        self.call("Input.insertText", text=text)

    def choose(self, node, value):
        """Pick an option of a <select> by value, as a user would."""
        self.on(node, "function (v) { this.value = v; this.dispatchEvent("
                "new Event('input', {bubbles: true})); this.dispatchEvent("
                "new Event('change', {bubbles: true})); }", value)

    def set_files(self, node, *paths):
        """Choose files in an <input type=file> (fires its change)."""
        self.call("DOM.setFileInputFiles", objectId=node,
                  files=[os.path.abspath(p) for p in paths])

    # -- looking -------------------------------------------------------
    def screenshot(self, name, selector=None):
        """The whole page (or the element ``selector`` picks) as
        <screenshots>/<name>.png; returns the path. $GF_SCREENSHOT_SCALE
        (default 1) draws it smaller: docs/img has them at 0.6."""
        if not self.browser.screenshots:
            return None
        os.makedirs(self.browser.screenshots, exist_ok=True)
        if selector:
            x, y, w, h = self.eval(
                "(() => { const r = document.querySelector(%s)"
                ".getBoundingClientRect(); return [r.x + scrollX, r.y + "
                "scrollY, r.width, r.height]; })()" % json.dumps(selector))
        else:
            x, y, w = 0, 0, self.browser.size[0]
            h = max(200, self.eval(
                "Math.ceil(document.documentElement.scrollHeight)"))
        scale = float(os.environ.get("GF_SCREENSHOT_SCALE") or 1)
        shot = self.call("Page.captureScreenshot", format="png",
                         captureBeyondViewport=True,
                         clip={"x": x, "y": y, "width": w, "height": h,
                               "scale": scale})
        path = os.path.join(self.browser.screenshots, name + ".png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        return path

    def page_errors(self):
        self._collect()
        return list(self.errors)
