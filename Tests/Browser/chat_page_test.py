#!/usr/bin/env python3
"""The /chat page (a PWA on <chat-bot>) and the /docs API reference in headless Chromium, against a live host.

Run by Tests/PatchbayEndToEndTests/BrowserChatPageTests.swift, which starts `patchbay serve` with
the echo plugin and passes its address and process id:

    chat_page_test.py --base-url http://127.0.0.1:PORT --server-pid PID --screenshots DIR

The host's configuration must offer `support` (a provider with no key), `default` and `writer`
(echo with delay_ms, so replies stream word by word). The last check stops the server (SIGTERM to
--server-pid) to see the page open offline from its service worker. Every check prints PASS or
FAIL, then a RESULT line (browser_session.py); the exit status is 0 only if all passed.
"""

import os
import signal
import socket
import sys
import urllib.parse

from selenium.webdriver.support.ui import Select

from browser_session import BrowserSession, expect, main

LONG = " ".join(f"word{n}" for n in range(1, 61))
THEME_KEY = "patchbay-chat-page:theme"
PAGE_JS = "const page = (s) => document.querySelector(s);"


class ChatPageSession(BrowserSession):
    def open_chat(self):
        self.driver.get(self.base_url + "/chat")
        self.wait("the widget on the chat page", lambda: self.js("return !!(root && q('textarea')) && bot.hasAttribute('assistant-type')"))

    def page(self, body):
        return self.js(PAGE_JS + body)

    def severe_console_entries(self):
        self.collect_console()
        return [entry["message"] for entry in self.console if entry["level"] == "SEVERE"
                or "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]]

    def emulate_scheme(self, scheme):
        self.cdp("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})

    def panel_background(self):
        return self.js("return getComputedStyle(q('.panel')).backgroundColor")

    # -- the checks, in order: each builds on what the one before left

    def loads(self):
        self.emulate_scheme("light")
        self.open_chat()
        manifest = self.page("return page('link[rel=manifest]').href")
        expect(manifest == self.base_url + "/chat/manifest.webmanifest", f"manifest link {manifest!r}")
        expect(self.js("return getComputedStyle(q('.status')).display") == "none", "the widget's own status line still shows")
        box = self.js("const r = bot.getBoundingClientRect(); return [r.height, innerHeight]")
        expect(box[0] > box[1] * 0.7, f"the chat does not fill the page: {box}")
        errors = self.severe_console_entries()
        expect(not errors, f"console errors: {errors}")

    def assistants(self):
        listed = self.server_json("/api/models")
        options = self.page("return [...page('#assistant').options].map(o => [o.value, o.textContent, o.disabled])")
        expect([value for value, _, _ in options] == [model["id"] for model in listed["models"]], f"options {options} for {listed}")
        support = next(option for option in options if option[0] == "support")
        expect(support[2] and "unavailable" in support[1], f"the unavailable assistant is not marked: {support}")
        expect(self.page("return page('#assistant').value") == listed["default"] == "default", "the server's default is not preselected")
        expect(self.js("return [bot.getAttribute('assistant-type'), q('h2').textContent]") == ["default", "Echo"], "the widget is not on the default")

    def online(self):
        self.wait("the status to say Online", lambda: self.page("const c = page('#connection'); return [c.dataset.state, c.textContent.trim()]")
                  == ["online", "Online"])

    def choose_and_stream(self):
        Select(self.driver.find_element("id", "assistant")).select_by_value("writer")
        self.wait("the widget to switch", lambda: self.js("return [bot.getAttribute('assistant-type'), q('h2').textContent]") == ["writer", "Writer"])
        expect(self.message_count() == 0, "the new assistant's transcript is not empty")
        message = " ".join(f"streamed{n}" for n in range(1, 21))
        self.send(message)
        seen = self.wait_for_whole_reply(message)
        expect(len(seen) >= 3 and all(message.startswith(text) for text in seen), f"the reply did not stream: {len(seen)} states")
        expect(self.driver.execute_script("return localStorage.getItem('patchbay-chat-page:assistant')") == "writer", "the choice is not remembered")

    def enter_and_shift_enter(self):
        self.reply_to("first line\nsecond line")
        user = self.js("return qa('.message.user .bubble').at(-1).textContent")
        expect(user == "first line\nsecond line", f"Shift+Enter did not add a line: {user!r}")

    def stop(self):
        before = len(self.assistant_texts())
        self.send(LONG)
        self.wait("a few words of the long reply", lambda: len(self.assistant_texts()) > before and len(self.assistant_texts()[-1].split()) >= 3)
        self.widget_button(".stop").click()
        self.wait("the reply to be marked Stopped", lambda: self.js("return qa('.message.assistant').at(-1).querySelector('.note')?.textContent") == "Stopped")
        shown = self.assistant_texts()[-1]
        expect(not self.busy() and 0 < len(shown) < len(LONG) and LONG.startswith(shown), f"after Stop the reply shows {shown!r}")

    def history(self):
        count = self.message_count()
        self.driver.refresh()
        self.wait("the widget after the reload", lambda: self.js("return !!(root && q('textarea'))"))
        expect(self.page("return page('#assistant').value") == "writer", "the chosen assistant was forgotten")
        self.wait("the conversation to be restored", lambda: self.message_count() == count)

    def dark_mode(self):
        # One clean conversation for the pictures of both themes (and the phone's, which restores it).
        self.widget_button(".new").click()
        self.reply_to("How do I add a provider?")
        self.reply_to("To add a provider:\n1. Put its key in the environment\n2. Name it in `providers.yaml`\n"
                      "3. Run `make run` and **reload** this page")
        self.emulate_scheme("light")
        expect(self.panel_background() == "rgb(255, 255, 255)", "not light in a light system")
        self.driver.find_element("id", "theme").click()
        state = self.page("return [document.documentElement.dataset.theme, page('#theme').getAttribute('aria-pressed'), bot.getAttribute('theme'),"
                          " getComputedStyle(document.body).backgroundColor]")
        expect(state == ["dark", "true", "dark", "rgb(2, 6, 23)"], f"after the toggle: {state}")
        expect(self.panel_background() == "rgb(15, 23, 42)", f"the widget is not dark: {self.panel_background()}")
        expect(self.driver.execute_script(f"return localStorage.getItem('{THEME_KEY}')") == "dark", "the choice is not remembered")
        self.open_chat()
        expect(self.panel_background() == "rgb(15, 23, 42)" and self.js("return bot.getAttribute('theme')") == "dark", "dark was forgotten on reload")
        self.screenshot("chat-dark.png")
        self.driver.find_element("id", "theme").click()
        expect(self.panel_background() == "rgb(255, 255, 255)" and self.page("return page('#theme').getAttribute('aria-pressed')") == "false",
               "the toggle does not go back to light")
        self.screenshot("chat-light.png")
        # Nothing chosen: the system's preference decides.
        self.driver.execute_script(f"localStorage.removeItem('{THEME_KEY}')")
        self.open_chat()
        self.emulate_scheme("dark")
        expect(self.js("return bot.getAttribute('theme')") == "auto" and self.panel_background() == "rgb(15, 23, 42)", "auto does not follow a dark system")
        self.emulate_scheme("light")

    def mobile(self):
        self.cdp("Emulation.setDeviceMetricsOverride", {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True})
        try:
            self.open_chat()
            self.wait("the restored conversation", lambda: self.message_count() >= 2)
            width = self.driver.execute_script("return document.documentElement.scrollWidth")
            expect(width <= 360, f"the page scrolls sideways at 360 px: {width}px wide")
            box = self.js("const r = bot.getBoundingClientRect(); const f = q('form').getBoundingClientRect();"
                          " const p = document.getElementById('assistant').getBoundingClientRect(); return [r.left, r.right, f.bottom, innerHeight, p.width]")
            expect(box[0] == 0 and box[1] == 360 and box[2] <= box[3] and box[4] >= 120, f"the layout does not fit a phone: {box}")
            self.screenshot("chat-mobile.png")
        finally:
            self.cdp("Emulation.clearDeviceMetricsOverride", {})

    def service_worker(self):
        self.open_chat()
        scope = self.driver.execute_async_script(
            "const done = arguments[0]; navigator.serviceWorker.ready.then(r => done(r.scope), e => done('error ' + e))")
        expect(scope == self.base_url + "/chat", f"service worker scope {scope!r}")
        self.driver.refresh()
        self.wait("the widget after the reload", lambda: self.js("return !!(root && q('textarea'))"))
        controller = self.driver.execute_script("return navigator.serviceWorker.controller && navigator.serviceWorker.controller.scriptURL")
        expect(controller == self.base_url + "/chat/sw.js", f"the page is not controlled: {controller!r}")

    def never_caches_api(self):
        self.reply_to("Is this cached?")
        cached = self.driver.execute_async_script("""const done = arguments[0];
            (async () => { const urls = [];
              for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) urls.push(new URL(r.url).pathname);
              return urls; })().then(done, (e) => done(['error ' + e]));""")
        expect("/chat" in cached and "/widget/chat-bot.js" in cached and "/chat/app.js" in cached, f"the shell is not cached: {cached}")
        api = [path for path in cached if path.startswith(("/api/", "/v1/", "/health"))]
        expect(not api, f"API responses in the cache: {api}")

    def docs(self):
        spec = self.server_json("/openapi.json")
        methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
        count = sum(1 for item in spec["paths"].values() for method in item if method in methods)
        self.driver.get(self.base_url + "/docs")
        self.wait("the operations", lambda: self.page("return document.querySelectorAll('.operation').length") == count)
        listed = self.page("return [...document.querySelectorAll('.operation')].map(o => o.dataset.method + ' ' + o.dataset.path)")
        expect("get /api/models" in listed and "get /chat" in listed and "post /api/chat" in listed, f"operations {listed[:8]}…")
        tags = self.page("return [...document.querySelectorAll('section.tag h2')].map(h => h.textContent)")
        used = {(operation.get("tags") or ["Other"])[0] for item in spec["paths"].values()
                for method, operation in item.items() if method in methods}
        expected = [tag["name"] for tag in spec["tags"] if tag["name"] in used]
        expect(tags[:len(expected)] == expected, f"tags {tags}, expected {expected} first")
        # The request body of POST /api/chat: its schema's fields, and an example to send.
        card = "const card = [...document.querySelectorAll('.operation')].find(o => o.dataset.method === 'post' && o.dataset.path === '/api/chat');"
        self.page(card + "card.open = true")
        fields = self.wait("the request body's fields", lambda: self.page(card + "return [...card.querySelectorAll('.field-name')].map(e => e.textContent)"))
        expect("message" in fields and "messages" in fields, f"request body fields {fields[:10]}")
        self.screenshot("docs.png")

    def docs_try_it(self):
        card = "const card = [...document.querySelectorAll('.operation')].find(o => o.dataset.method === 'get' && o.dataset.path === '/api/models');"
        self.driver.get(self.base_url + "/docs#" + self.page(card + "return card.id"))
        self.wait("the linked card to open", lambda: self.page(card + "return card.open && !!card.querySelector('.try-it')"))
        self.page(card + "card.querySelector('.try-it .send').click()")
        status = self.wait("the response", lambda: self.page(card + "return card.querySelector('.try-status').dataset.status && card.querySelector('.try-output').textContent ? card.querySelector('.try-status').textContent : null"))
        expect(status.startswith("200 "), f"status line {status!r}")
        body = self.page(card + "return card.querySelector('.try-output').textContent")
        expect('"models"' in body and '"writer"' in body, f"body {body[:200]!r}")
        expect("content-type: application/json" in self.page(card + "return card.querySelector('.try-headers').textContent"), "no headers shown")
        self.page("const f = document.getElementById('filter'); f.value = 'conversations'; f.dispatchEvent(new Event('input'))")
        shown = self.page("return [...document.querySelectorAll('.operation')].filter(o => !o.hidden).map(o => o.dataset.path)")
        expect(shown and all("conversations" in path for path in shown), f"the filter shows {shown}")

    def no_console_errors(self):
        errors = self.severe_console_entries()
        expect(not errors, f"console errors or CSP violations: {errors}")

    def offline(self):
        # The server goes away: the installed shell still opens, and the bar says so.
        os.kill(self.arguments.server_pid, signal.SIGTERM)
        address = urllib.parse.urlsplit(self.base_url)

        def refused():
            try:
                socket.create_connection((address.hostname, address.port), timeout=1).close()
                return False
            except OSError:
                return True

        self.wait("the server to stop", refused, poll=0.1)
        self.driver.get(self.base_url + "/chat")
        self.wait("the page from the service worker", lambda: self.js("return !!(root && q('textarea'))"))
        self.wait("the status to say Offline", lambda: self.page("return page('#connection').dataset.state") == "offline")
        expect(self.page("return page('#notice').hidden") is False, "no word that the assistants could not be loaded")

    def run(self):
        checks = [
            ("the page loads: manifest linked, the chat fills the page, no console error", self.loads),
            ("the dropdown lists the assistants from /api/models, the default preselected", self.assistants),
            ("the connection status from /api/health says Online", self.online),
            ("choosing an assistant switches the widget; a reply streams in", self.choose_and_stream),
            ("Enter sends, Shift+Enter adds a line", self.enter_and_shift_enter),
            ("Stop mid-reply", self.stop),
            ("reload keeps the assistant and restores the conversation", self.history),
            ("dark mode toggles, is remembered, and auto follows the system", self.dark_mode),
            ("usable at 360 px wide", self.mobile),
            ("the service worker registers and controls the page after a reload", self.service_worker),
            ("the service worker caches the shell and no API call", self.never_caches_api),
            ("/docs renders the operations of /openapi.json, grouped by tag, with schemas", self.docs),
            ("/docs: Try it sends the request and shows status, headers and body; the filter", self.docs_try_it),
            ("no console error and no CSP violation on either page", self.no_console_errors),
            ("offline: the page opens from the service worker and says Offline", self.offline),
        ]
        return self.run_checks(checks)


if __name__ == "__main__":
    sys.exit(main(ChatPageSession, __doc__.splitlines()[0], "a folder for chat-light.png, chat-dark.png, chat-mobile.png, docs.png",
                  lambda parser: parser.add_argument("--server-pid", type=int, required=True, help="stopped by the last check")))
