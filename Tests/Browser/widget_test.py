#!/usr/bin/env python3
"""The <chat-bot> widget in real headless Chromium (Debian's), against a live Patchbay host.

Run by Tests/PatchbayEndToEndTests/BrowserWidgetTests.swift, which starts `patchbay serve` with the echo
plugin and passes its address:

    widget_test.py --base-url http://127.0.0.1:PORT --screenshots DIR

The host's configuration must offer `support` (a provider with no key, listed first) and `demo`
(echo with delay_ms, so replies stream word by word). Every check prints PASS or FAIL; the last
line is `RESULT {"planned": [...], "passed": [...], "failed": [...]}`; the exit status is 0 only if all passed.
Waits are bounded polls on a condition (WebDriverWait), never fixed sleeps (browser_session.py).
"""

import sys
import urllib.request

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from browser_session import WAIT, BrowserSession, Failure, expect, main

XSS = "<img src=x onerror=alert(1)>"
MARKDOWN = "**Bold** and _soft_ `x<y` [docs](https://example.com/docs) [bad](javascript:alert(1))\n```\nif a < b { print(\"<b>\") }\n```"
LONG = " ".join(f"word{n}" for n in range(1, 61))


class WidgetSession(BrowserSession):
    def open_demo(self):
        self.driver.get(self.base_url + "/")
        self.wait("the widget on the demo page", lambda: self.js("return !!(root && q('textarea'))"))

    # -- the checks, in order: each builds on what the one before left on the page

    def demo_page(self):
        self.open_demo()
        # `support` has no key and comes first: the picker must skip it.
        options = self.driver.execute_script(
            "return [...document.querySelectorAll('#assistant option')].map(o => [o.value, o.textContent])")
        expect([value for value, _ in options] == ["support", "demo"], f"picker options {options}")
        expect("not configured" in options[0][1], f"the unconfigured assistant is not marked: {options[0][1]!r}")
        expect(self.driver.execute_script("return document.getElementById('assistant').value") == "demo", "demo not preselected")
        expect(self.js("return bot.getAttribute('assistant-type')") == "demo", "the widget does not use the preselected assistant")
        snippet = self.driver.execute_script("return document.getElementById('snippet').textContent")
        expect(f'<script src="{self.base_url}/widget/chat-bot.js"' in snippet and 'assistant-type="demo"' in snippet,
               f"snippet {snippet!r}")
        styled = self.js("return getComputedStyle(q('.panel')).display === 'flex' && getComputedStyle(q('.send')).borderRadius === '12px'")
        expect(styled, "the widget's constructed stylesheet is not applied")

    def connection_status(self):
        self.wait("the status to say Online", lambda: self.js("return q('.status-text').textContent") == "Online")

    def stream(self):
        message = " ".join(f"streamed{n}" for n in range(1, 21))
        # Records whether the typing indicator showed before the first word, however fast that came.
        self.js("""window.typingSeen = false;
            new MutationObserver(() => { if (visible(q('.typing')) && visible(q('.stop')) && !qa('.message.assistant').length)
                window.typingSeen = true; }).observe(q('.typing'), {attributes: true});""")
        self.send(message)
        seen = self.wait_for_whole_reply(message)
        expect(self.driver.execute_script("return window.typingSeen"), "no typing indicator and Stop button before the first word")
        partial = [text for text in seen if text != message]
        expect(partial and all(message.startswith(text) for text in partial),
               f"never saw a partial reply growing into the whole one: {sorted(seen, key=len)[:3]}")
        expect(len(seen) >= 3, f"saw only {len(seen)} states of the reply; it did not stream")
        expect(self.conversation_id(), "no conversationId in localStorage")
        announced = self.wait("the live region to announce the reply", lambda: self.js("return q('.announcer').textContent"))
        expect(announced == message, f"announced {announced!r}")
        expect(self.js("return q('.transcript').getAttribute('role')") == "log", "the transcript is not role=log")

    def enter_and_shift_enter(self):
        self.reply_to("Steps:\n- first\n- second")
        items = self.js("return [...qa('.message.assistant').at(-1).querySelectorAll('p, li')].map(e => e.tagName + ' ' + e.textContent)")
        expect(items == ["P Steps:", "LI first", "LI second"], f"the reply renders as {items}")
        user = self.js("return qa('.message.user .bubble').at(-1).textContent")
        expect(user == "Steps:\n- first\n- second", f"Shift+Enter did not make new lines: {user!r}")

    def grows(self):
        box = self.input()
        height = box.size["height"]
        box.click()
        ActionChains(self.driver).send_keys("one").key_down(Keys.SHIFT).send_keys(Keys.ENTER).send_keys(Keys.ENTER) \
            .key_up(Keys.SHIFT).send_keys("three").perform()
        grown = box.size["height"]
        expect(grown > height + 20, f"the textarea stayed {height}px -> {grown}px")
        ActionChains(self.driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(Keys.BACKSPACE).perform()
        expect(box.get_attribute("value") == "", f"the textarea still holds {box.get_attribute('value')!r}")
        self.wait("the textarea to shrink back", lambda: box.size["height"] < grown)

    def stop(self):
        before = len(self.assistant_texts())
        self.send(LONG)
        self.wait("a few words of the long reply", lambda: len(self.assistant_texts()) > before
                  and len(self.assistant_texts()[-1].split()) >= 3)
        self.driver.find_element("css selector", "chat-bot").shadow_root.find_element("css selector", ".stop").click()
        self.wait("the reply to be marked Stopped", lambda: self.js("return qa('.message.assistant').at(-1).querySelector('.note')?.textContent") == "Stopped")
        expect(not self.busy(), "still busy after Stop")
        shown = self.assistant_texts()[-1]
        expect(0 < len(shown) < len(LONG) and LONG.startswith(shown), f"after Stop the reply shows {shown!r}")
        conversation = self.conversation_id()

        def stored_cancelled():
            messages = self.server_json(f"/api/conversations/{conversation}?limit=200")["messages"]
            last = messages[-1]
            return last if last["role"] == "assistant" and last["status"] == "cancelled" else None

        last = self.wait("the server to store the reply as cancelled", stored_cancelled, poll=0.1)
        expect(LONG.startswith(last["content"]) and len(last["content"]) < len(LONG),
               f"the server kept streaming after Stop: stored {len(last['content'])} of {len(LONG)} characters")

    def follows_unless_scrolled_up(self):
        at_bottom = "const t = q('.transcript'); return t.scrollHeight - t.scrollTop - t.clientHeight < 32"
        words = lambda: len(self.assistant_texts()[-1].split())
        before = len(self.assistant_texts())
        self.send(" ".join(f"follow{n}" for n in range(1, 51)))
        self.wait("a few words", lambda: len(self.assistant_texts()) > before and words() >= 3)
        expect(self.js(at_bottom), "the view does not follow the new text")
        self.js("q('.transcript').scrollTop = 0")
        seen = words()
        self.wait("more words after scrolling up", lambda: words() > seen + 3)
        expect(self.js("return q('.transcript').scrollTop") == 0, "the view jumped down while the reader was scrolled up")
        expect(self.js("return visible(q('.jump'))"), "no button to jump to the latest message")
        self.wait("the reply to end", lambda: not self.busy())
        self.driver.find_element("css selector", "chat-bot").shadow_root.find_element("css selector", ".jump").click()
        expect(self.js(at_bottom) and not self.js("return visible(q('.jump'))"), "the jump button does not go to the end")

    def xss(self):
        reply = self.reply_to(XSS)
        expect(reply == XSS, f"the reply shows {reply!r}")
        expect(self.js("return qa('img').length") == 0, "the reply became an <img> element")
        try:
            alert = self.driver.switch_to.alert
            raise Failure(f"an alert opened: {alert.text}")
        except NoAlertPresentException:
            pass

    def markdown(self):
        self.reply_to(MARKDOWN)
        bubble = "qa('.message.assistant .bubble').at(-1)"
        found = self.js(f"""const b = {bubble};
            return {{strong: b.querySelector('strong')?.textContent, em: b.querySelector('em')?.textContent,
                     code: b.querySelector('p code')?.textContent, block: b.querySelector('pre > code')?.textContent,
                     links: [...b.querySelectorAll('a')].map(a => [a.getAttribute('href'), a.rel, a.textContent]),
                     text: b.textContent}}""")
        expect(found["strong"] == "Bold" and found["em"] == "soft" and found["code"] == "x<y", f"inline Markdown: {found}")
        expect(found["links"] == [["https://example.com/docs", "noopener noreferrer", "docs"]], f"links: {found['links']}")
        expect("[bad](javascript:alert(1))" in found["text"], "the javascript: link is not shown as text")
        expect(found["block"] == 'if a < b { print("<b>") }', f"code block: {found['block']!r}")

    def restored_after_reload(self):
        before = self.js("return qa('.message').map(e => [e.className, e.querySelector('.bubble').textContent, e.querySelector('.note')?.textContent || null])")
        conversation = self.conversation_id()
        self.driver.refresh()
        self.wait("the widget after the reload", lambda: self.js("return !!(root && q('textarea'))"))
        self.wait("the conversation to be restored", lambda: self.message_count() == len(before))
        after = self.js("return qa('.message').map(e => [e.className, e.querySelector('.bubble').textContent, e.querySelector('.note')?.textContent || null])")
        expect(self.conversation_id() == conversation, "the conversationId changed on reload")
        # The stopped reply is restored as the server stored it: maybe a word longer than shown.
        for (cls_b, text_b, note_b), (cls_a, text_a, note_a) in zip(before, after):
            expect(cls_b == cls_a and note_b == note_a and text_a.startswith(text_b),
                   f"restored {cls_a} {text_a[:40]!r} {note_a} for {cls_b} {text_b[:40]!r} {note_b}")
        expect(self.js("return qa('img').length") == 0, "the restored XSS reply became an element")

    def error_and_retry(self):
        # The request cannot leave the browser: the widget says so in plain words, and Retry works.
        self.cdp("Network.enable", {})
        self.cdp("Network.setBlockedURLs", {"urls": ["*/api/chat"]})
        try:
            count = len(self.assistant_texts())
            self.send("Are you there?")
            self.wait("an error", lambda: self.js("return visible(q('.error'))"))
            text = self.js("return q('.error p').textContent")
            expect(text.startswith("The chat server cannot be reached."), f"error text {text!r}")
            expect(self.js("return q('.error').getAttribute('role')") == "alert", "the error is not role=alert")
        finally:
            self.cdp("Network.setBlockedURLs", {"urls": []})
        self.driver.find_element("css selector", "chat-bot").shadow_root.find_element("css selector", ".error button").click()
        self.wait("the retried reply", lambda: not self.busy() and len(self.assistant_texts()) == count + 1
                  and self.assistant_texts()[-1] == "Are you there?")
        expect(not self.js("return visible(q('.error'))"), "the error stayed after a successful retry")

    def provider_error(self):
        # An assistant whose provider has no key: the server's own words, shown as they are.
        self.driver.execute_script("const p = document.getElementById('assistant'); p.value = 'support'; p.dispatchEvent(new Event('change'))")
        self.wait("an empty transcript for the other assistant", lambda: self.message_count() == 0)
        self.send("Hello")
        self.wait("an error", lambda: self.js("return visible(q('.error'))"))
        text = self.js("return q('.error p').textContent")
        expect(text == "The assistant 'support' is not available right now.", f"error text {text!r}")
        self.driver.execute_script("const p = document.getElementById('assistant'); p.value = 'demo'; p.dispatchEvent(new Event('change'))")
        self.wait("the demo conversation again", lambda: self.message_count() > 4)

    def new_conversation(self):
        old = self.conversation_id()
        self.driver.find_element("css selector", "chat-bot").shadow_root.find_element("css selector", ".new").click()
        expect(self.message_count() == 0, "the transcript is not empty")
        expect(self.conversation_id() is None, "the old conversationId is still stored")
        expect(self.js("return root.activeElement === q('textarea')"), "focus is not in the message box")
        self.reply_to("A fresh start")
        new = self.conversation_id()
        expect(new and new != old, f"conversation ids {old} -> {new}")

    def keyboard_only(self):
        self.open_demo()
        self.wait("the restored conversation", lambda: self.message_count() == 2)
        body = self.driver.find_element("css selector", "body")
        body.click()
        # Tab from the top of the page until the message box has focus.
        for _ in range(12):
            ActionChains(self.driver).send_keys(Keys.TAB).perform()
            if self.js("return document.activeElement === bot && root.activeElement === q('textarea')"):
                break
        else:
            raise Failure("Tab never reached the message box")
        ActionChains(self.driver).send_keys("Typed with the keyboard", Keys.ENTER).perform()
        self.wait("the reply", lambda: not self.busy() and self.assistant_texts()[-1] == "Typed with the keyboard")
        ActionChains(self.driver).send_keys(Keys.TAB).perform()
        focused = self.js("const e = root.activeElement; const s = getComputedStyle(e); return [e.className, s.outlineStyle, s.outlineWidth]")
        expect(focused[0] == "send" and focused[1] != "none" and focused[2] != "0px", f"focus on the Send button is not visible: {focused}")

    def launcher_mode(self):
        self.js("bot.setAttribute('mode', 'launcher')")
        expect(self.js("return visible(q('.launcher')) && !visible(q('.panel'))"), "launcher mode does not start closed")
        expect(self.js("return q('.launcher').getAttribute('aria-expanded')") == "false", "aria-expanded is not false")
        self.driver.find_element("css selector", "chat-bot").shadow_root.find_element("css selector", ".launcher").click()
        expect(self.js("return visible(q('.panel')) && root.activeElement === q('textarea')"), "opening does not focus the message box")
        ActionChains(self.driver).send_keys(Keys.ESCAPE).perform()
        expect(self.js("return !visible(q('.panel')) && root.activeElement === q('.launcher')"), "Escape does not close and return focus")
        self.js("bot.removeAttribute('mode')")
        expect(self.js("return visible(q('.panel'))"), "inline mode is not open")

    def pick_theme(self, theme):
        self.driver.execute_script(f"const t = document.getElementById('theme'); t.value = '{theme}'; t.dispatchEvent(new Event('change'))")

    def dark_theme(self):
        # One clean conversation for the pictures of both themes.
        self.driver.find_element("css selector", "chat-bot").shadow_root.find_element("css selector", ".new").click()
        self.reply_to("How do I add a provider?")
        self.reply_to("To add a provider:\n1. Put its key in the environment\n2. Name it in `providers.yaml`\n"
                      "3. Run `make run` and **reload** this page")
        self.pick_theme("light")
        expect(self.js("return getComputedStyle(q('.panel')).backgroundColor") == "rgb(255, 255, 255)", "the light panel is not white")
        self.screenshot("widget-light.png")
        self.pick_theme("dark")
        background = self.js("return getComputedStyle(q('.panel')).backgroundColor")
        expect(background == "rgb(15, 23, 42)", f"dark panel background {background}")
        self.screenshot("widget-dark.png")
        # theme=auto follows the system's preference.
        self.pick_theme("auto")
        self.cdp("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})
        expect(self.js("return getComputedStyle(q('.panel')).backgroundColor") == "rgb(255, 255, 255)", "auto is not light in a light system")
        self.cdp("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        expect(self.js("return getComputedStyle(q('.panel')).backgroundColor") == "rgb(15, 23, 42)", "auto is not dark in a dark system")
        self.cdp("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})

    def reduced_motion(self):
        dots = "return getComputedStyle(q('.typing span')).animationName"
        expect(self.js(dots) == "chat-bot-blink", f"the typing dots do not move: {self.js(dots)}")
        self.cdp("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]})
        expect(self.js(dots) == "none", "the typing dots still move under prefers-reduced-motion")
        self.cdp("Emulation.setEmulatedMedia", {"features": []})

    def mobile(self):
        self.cdp("Emulation.setDeviceMetricsOverride", {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True})
        try:
            self.open_demo()
            self.wait("the restored conversation", lambda: self.message_count() >= 2)
            width = self.driver.execute_script("return document.documentElement.scrollWidth")
            expect(width <= 360, f"the page scrolls sideways at 360 px: {width}px wide")
            box = self.js("const r = bot.getBoundingClientRect(); const f = q('form').getBoundingClientRect(); return [r.left, r.right, f.bottom, innerHeight]")
            expect(box[0] >= 0 and box[1] <= 360 and box[2] <= box[3], f"the widget does not fit: {box}")
            self.reply_to("Fits on a small screen")
            self.screenshot("widget-mobile.png")
        finally:
            self.cdp("Emulation.clearDeviceMetricsOverride", {})

    def content_security_policy(self):
        self.collect_console()
        refused = [entry["message"] for entry in self.console
                   if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]]
        expect(not refused, f"CSP violations: {refused}")
        with urllib.request.urlopen(self.base_url + "/", timeout=WAIT) as response:
            policy = response.headers.get("Content-Security-Policy", "")
        expect("script-src 'self'" in policy and "unsafe-inline" not in policy, f"the demo page's CSP: {policy!r}")

    def run(self):
        checks = [
            ("demo page: assistants listed, first configured one preselected, snippet, styles", self.demo_page),
            ("connection status from /health", self.connection_status),
            ("a reply streams in, with typing indicator and live region", self.stream),
            ("Enter sends, Shift+Enter adds a line, lists render", self.enter_and_shift_enter),
            ("the textarea grows", self.grows),
            ("Stop mid-stream aborts, and the server cancels", self.stop),
            ("the view follows new text unless the reader scrolled up", self.follows_unless_scrolled_up),
            ("a reply with HTML shows as text", self.xss),
            ("Markdown subset with safe links", self.markdown),
            ("reload restores the conversation", self.restored_after_reload),
            ("an error in plain words, with Retry", self.error_and_retry),
            ("the server's error message for an unavailable assistant", self.provider_error),
            ("new conversation", self.new_conversation),
            ("keyboard only, with visible focus", self.keyboard_only),
            ("launcher mode opens, closes with Escape", self.launcher_mode),
            ("dark theme, and auto follows prefers-color-scheme", self.dark_theme),
            ("prefers-reduced-motion stops the animation", self.reduced_motion),
            ("usable at 360 px wide", self.mobile),
            ("no CSP violation under the strict policy", self.content_security_policy),
        ]
        return self.run_checks(checks)


if __name__ == "__main__":
    sys.exit(main(WidgetSession, __doc__.splitlines()[0], "a folder for widget-light.png, widget-dark.png, widget-mobile.png"))
