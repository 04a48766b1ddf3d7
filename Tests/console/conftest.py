"""Fixtures for the console's browser tests: one promo-server (temporary data dir, protocol and console
ports 0), one headless Chromium per run, a fresh browser context per test, and a binary-protocol client
(scripts/lib/promo_client.py) to set things up and redeem codes the way a game server does.

Environment (set by scripts/console-tests): CONSOLE_TEST_SERVER_BINARY, PYTHONPATH with the generated promo_pb2,
CONSOLE_TEST_SCREENSHOTS (optional: a folder to save page screenshots into).
"""
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))

from promo.v1 import promo_pb2 as pb  # noqa: E402
import promo_client  # noqa: E402

# Generous: CI is a loaded 2-core machine. Playwright waits only as long as it must.
EXPECT_TIMEOUT_MS = 60_000
START_TIMEOUT_S = 120


class Server:
    def __init__(self, process, log_path, host, port, console_url, admin_key, data_dir):
        self.process = process
        self.log_path = log_path
        self.host = host
        self.port = port
        self.console_url = console_url
        self.admin_key = admin_key
        self.data_dir = data_dir

    def connect(self, key):
        connection = promo_client.Connection(self.host, self.port, timeout=120)
        connection.hello(key)
        return connection

    def admin(self, **call):
        """One call as admin over the binary protocol; fails the test on a non-OK status."""
        connection = self.connect(self.admin_key)
        try:
            answer = connection.call(**call)
        finally:
            connection.close()
        assert answer.status.code == pb.STATUS_CODE_OK, answer.status
        return answer

    def create_key(self, name, role):
        answer = self.admin(create_api_key=pb.CreateApiKeyRequest(name=name, role=role))
        return answer.create_api_key.key_id, answer.create_api_key.api_key


def _wait_for_ports(process, log_path):
    deadline = time.monotonic() + START_TIMEOUT_S
    listening = console = None
    while time.monotonic() < deadline:
        with open(log_path, encoding="utf-8", errors="replace") as log:
            text = log.read()
        listening = listening or re.search(r"^listening on (\S+):(\d+)$", text, re.M)
        console = console or re.search(r"^console on (\S+):(\d+)$", text, re.M)
        if listening and console:
            return listening, console
        if process.poll() is not None:
            raise RuntimeError("promo-server exited before listening:\n" + text)
        time.sleep(0.1)  # polling the log, not waiting for a fixed time
    raise RuntimeError("promo-server did not print its ports within %d s:\n%s" % (START_TIMEOUT_S, text))


@pytest.fixture(scope="session")
def server():
    binary = os.environ.get("CONSOLE_TEST_SERVER_BINARY")
    assert binary and os.access(binary, os.X_OK), "set CONSOLE_TEST_SERVER_BINARY to a built promo-server"
    data_dir = tempfile.mkdtemp(prefix="promo-console-test-")
    log_path = os.path.join(data_dir, "server.log")
    admin_key = "pk_console_" + secrets.token_hex(24)
    # The server refuses unknown PROMO_* variables: pass only the admin key.
    env = {name: value for name, value in os.environ.items() if not name.startswith("PROMO_")}
    env["PROMO_ADMIN_KEY"] = admin_key
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [binary, "--host", "127.0.0.1", "--port", "0", "--metrics-port", "0", "--console-port", "0",
             "--data-dir", os.path.join(data_dir, "data"), "--log-level", "warning"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    try:
        listening, console = _wait_for_ports(process, log_path)
        yield Server(process, log_path, "127.0.0.1", int(listening.group(2)),
                     "http://%s:%s/" % (console.group(1), console.group(2)), admin_key, data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CONSOLE_TEST_CHROMIUM", "/usr/bin/chromium")
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=args)
        yield browser
        browser.close()


class PageProblems:
    """Things no page may do: open a dialog, break the CSP, throw."""

    def __init__(self, page):
        self.dialogs = []
        self.errors = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append("page error: %s" % error))
        page.on("console", self._console)

    def _dialog(self, dialog):
        self.dialogs.append("%s: %s" % (dialog.type, dialog.message))
        dialog.dismiss()

    def _console(self, message):
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or "Refused to" in text):
            self.errors.append("console: " + text)

    def assert_none(self):
        assert self.dialogs == [], self.dialogs
        assert self.errors == [], self.errors


@pytest.fixture()
def page(browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    context = browser.new_context(accept_downloads=True, viewport={"width": 1360, "height": 900})
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    page = context.new_page()
    page.problems = PageProblems(page)
    yield page
    context.close()


@pytest.fixture()
def shot():
    """shot(page, name[, part]): saves a PNG of the full page (or of the locator `part`) when
    CONSOLE_TEST_SCREENSHOTS names a folder."""
    folder = os.environ.get("CONSOLE_TEST_SCREENSHOTS")

    def save(page, name, part=None):
        if folder:
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, name + ".png")
            if part is not None:
                part.screenshot(path=path)
            else:
                page.screenshot(path=path, full_page=True)

    return save
