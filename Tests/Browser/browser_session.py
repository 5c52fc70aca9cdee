"""What the browser tests share: headless Chromium (Debian's) under Selenium, bounded waits, the
PASS/FAIL/RESULT report, and helpers that reach into the page's <chat-bot> widget.

Every check prints PASS or FAIL; the last line is `RESULT {"planned": [...], "passed": [...],
"failed": [...]}` (read by Tests/PatchbayEndToEndTests/ScriptedChecks.swift). Waits are bounded
polls on a condition (WebDriverWait), never fixed sleeps.
"""

import argparse
import json
import traceback
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 15  # seconds, the bound of every wait

# Helpers that run in the page: the widget's shadow root and what it shows.
JS_HELPERS = """
const bot = document.querySelector('chat-bot');
const root = bot && bot.shadowRoot;
const q = (s) => root && root.querySelector(s);
const qa = (s) => root ? [...root.querySelectorAll(s)] : [];
const visible = (e) => !!e && !e.hidden && e.getClientRects().length > 0;
"""


class Failure(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise Failure(message)


class BrowserSession:
    def __init__(self, base_url, screenshots):
        self.base_url = base_url.rstrip("/")
        self.screenshots = screenshots
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--window-size=1280,860", "--force-device-scale-factor=1", "--hide-scrollbars",
                         "--lang=en-US", "--no-first-run", "--disable-extensions"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        self.driver.set_script_timeout(WAIT)
        self.passed = []
        self.failed = []
        self.console = []

    # -- plumbing

    def js(self, body, *arguments):
        return self.driver.execute_script(JS_HELPERS + body, *arguments)

    def wait(self, description, condition, timeout=WAIT, poll=0.02):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=poll).until(lambda _: condition())
        except TimeoutException:
            raise Failure(f"timed out after {timeout} s waiting for {description}") from None

    def cdp(self, command, parameters):
        return self.driver.execute_cdp_cmd(command, parameters)

    def check(self, name, function):
        try:
            function()
            self.passed.append(name)
            print(f"PASS {name}", flush=True)
        except Exception as error:  # noqa: BLE001 - every failure is reported, then the run goes on
            detail = str(error) if isinstance(error, Failure) else traceback.format_exc()
            self.failed.append(name)
            print(f"FAIL {name}: {detail}", flush=True)

    def run_checks(self, checks):
        """Runs `checks` ([(name, function)]) in order, quits the browser, prints RESULT; True if all passed."""
        try:
            for name, function in checks:
                self.check(name, function)
        finally:
            self.driver.quit()
        planned = [name for name, _ in checks]
        print("RESULT " + json.dumps({"planned": planned, "passed": self.passed, "failed": self.failed}), flush=True)
        return not self.failed

    def collect_console(self):
        self.console += self.driver.get_log("browser")

    def server_json(self, path):
        with urllib.request.urlopen(self.base_url + path, timeout=WAIT) as response:
            return json.load(response)

    # -- the widget on the page

    def input(self):
        return self.driver.find_element("css selector", "chat-bot").shadow_root.find_element("css selector", "textarea")

    def widget_button(self, selector):
        return self.driver.find_element("css selector", "chat-bot").shadow_root.find_element("css selector", selector)

    def busy(self):
        return self.js("return visible(q('.stop'))")

    def assistant_texts(self):
        return self.js("return qa('.message.assistant .bubble').map(e => e.textContent)")

    def message_count(self):
        return self.js("return qa('.message').length")

    def wait_for_whole_reply(self, message):
        """Waits until the last reply is `message` and the widget is idle; returns every partial
        text seen on the way (one per poll), to tell a streamed reply from one that came whole."""
        seen = set()

        def finished():
            texts = self.assistant_texts()
            if texts and texts[-1]:
                seen.add(texts[-1])
            return not self.busy() and texts and texts[-1] == message

        self.wait("the whole reply", finished)
        return seen

    def send(self, text):
        """Types `text` (newlines with Shift+Enter) and sends it with Enter."""
        box = self.input()
        box.click()
        lines = text.split("\n")
        actions = ActionChains(self.driver)
        for index, line in enumerate(lines):
            if index:
                actions.key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT)
            actions.send_keys(line)
        actions.perform()
        expect(box.get_attribute("value") == text, f"the textarea holds {box.get_attribute('value')!r}")
        before = self.message_count()
        box.send_keys(Keys.ENTER)
        self.wait("the user's message in the transcript", lambda: self.message_count() > before)

    def reply_to(self, text):
        """Sends `text` and waits for the whole echoed reply."""
        before = len(self.assistant_texts())
        self.send(text)
        self.wait("the reply to end", lambda: not self.busy() and len(self.assistant_texts()) > before)
        return self.assistant_texts()[-1]

    def conversation_id(self):
        return self.driver.execute_script(
            "return Object.keys(localStorage).filter(k => k.startsWith('patchbay-chat:'))"
            ".filter(k => k.endsWith(':' + document.querySelector('chat-bot').getAttribute('assistant-type')))"
            ".map(k => localStorage.getItem(k))[0] || null")

    def screenshot(self, name):
        if self.screenshots:
            # Nothing moving in the picture: no caret, no typing dots.
            self.js("document.activeElement && document.activeElement.blur(); root && root.activeElement && root.activeElement.blur()")
            self.driver.save_screenshot(f"{self.screenshots}/{name}")


def main(session_class, description, screenshots_help, add_arguments=None):
    """Parses `--base-url`, `--screenshots` and what `add_arguments(parser)` adds, runs the session
    (its `arguments` hold them all); the exit status."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--screenshots", help=screenshots_help)
    if add_arguments:
        add_arguments(parser)
    arguments = parser.parse_args()
    session = session_class(arguments.base_url, arguments.screenshots)
    session.arguments = arguments
    return 0 if session.run() else 1
