/*
 * <chat-bot> — Patchbay's chat widget. One file, no build step, no dependencies.
 *
 *   <script src="https://chat.example.com/widget/chat-bot.js" defer></script>
 *   <chat-bot endpoint="https://chat.example.com/api/chat" assistant-type="technical"></chat-bot>
 *
 * Everything lives in a Shadow DOM, styled by one constructed stylesheet (adoptedStyleSheets):
 * no inline <style> and no style attribute, so it works under a page's strict CSP and neither
 * side's CSS reaches the other. Reply text is never parsed as HTML: the Markdown subset below
 * builds DOM nodes and sets text with text nodes only.
 */
(() => {
  'use strict';
  if (window.customElements.get('chat-bot')) return;

  // The endpoint when the page names none: the host this script came from.
  const scriptSource = document.currentScript && document.currentScript.src;

  // ---- styles --------------------------------------------------------------------------------

  const darkColours = `
    --_bg: var(--chat-bot-background, #0f172a);
    --_surface: var(--chat-bot-surface, #1e293b);
    --_text: var(--chat-bot-text, #e2e8f0);
    --_muted: var(--chat-bot-muted, #94a3b8);
    --_border: var(--chat-bot-border, #334155);
    --_accent: var(--chat-bot-accent, #60a5fa);
    --_accent-text: var(--chat-bot-accent-text, #0f172a);
    --_user-bg: var(--chat-bot-user-background, var(--_accent));
    --_user-text: var(--chat-bot-user-text, var(--_accent-text));
    --_code-bg: #0b1220;
    --_error-bg: #3b1219; --_error-text: #fecaca; --_error-border: #7f1d1d;
    --_ok: #4ade80; --_bad: #f87171;
    color-scheme: dark;`;

  const css = `
    :host {
      --_bg: var(--chat-bot-background, #ffffff);
      --_surface: var(--chat-bot-surface, #f1f5f9);
      --_text: var(--chat-bot-text, #0f172a);
      --_muted: var(--chat-bot-muted, #64748b);
      --_border: var(--chat-bot-border, #e2e8f0);
      --_accent: var(--chat-bot-accent, #2563eb);
      --_accent-text: var(--chat-bot-accent-text, #ffffff);
      --_user-bg: var(--chat-bot-user-background, var(--_accent));
      --_user-text: var(--chat-bot-user-text, var(--_accent-text));
      --_code-bg: #0f172a;
      --_error-bg: #fef2f2; --_error-text: #991b1b; --_error-border: #fecaca;
      --_ok: #16a34a; --_bad: #dc2626;
      --_radius: var(--chat-bot-radius, 14px);
      color-scheme: light;
      display: block;
      font-family: var(--chat-bot-font, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif);
      font-size: 15px;
      line-height: 1.5;
      color: var(--_text);
    }
    :host([theme="dark"]) { ${darkColours} }
    @media (prefers-color-scheme: dark) { :host(:not([theme="light"])) { ${darkColours} } }
    [hidden] { display: none !important; }
    *, *::before, *::after { box-sizing: border-box; }
    button { font: inherit; color: inherit; cursor: pointer; }
    :focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; }
    .sr-only {
      position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
      overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
    }

    .panel {
      display: flex; flex-direction: column;
      width: 100%; height: var(--chat-bot-height, 560px); min-height: 320px;
      background: var(--_bg); color: var(--_text);
      border: 1px solid var(--_border); border-radius: var(--_radius);
      overflow: hidden;
      box-shadow: 0 10px 30px rgba(15, 23, 42, .12);
    }
    header {
      display: flex; align-items: center; gap: 8px;
      padding: 12px 12px 12px 16px;
      border-bottom: 1px solid var(--_border);
    }
    .heading { flex: 1; min-width: 0; }
    h2 {
      margin: 0; font-size: 16px; font-weight: 600; line-height: 1.3;
      overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
    }
    .status { display: flex; align-items: center; gap: 6px; font-size: 12px; color: var(--_muted); }
    .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--_muted); flex: none; }
    .status[data-state="online"] .dot { background: var(--_ok); }
    .status[data-state="offline"] .dot { background: var(--_bad); }
    .icon {
      display: inline-flex; align-items: center; justify-content: center;
      width: 36px; height: 36px; flex: none;
      border: 0; border-radius: 10px; background: transparent; color: var(--_muted);
    }
    .icon:hover { background: var(--_surface); color: var(--_text); }
    svg { width: 20px; height: 20px; }

    .transcript {
      flex: 1; overflow-y: auto; overscroll-behavior: contain;
      padding: 16px; display: flex; flex-direction: column; gap: 12px;
    }
    .empty { margin: auto; max-width: 260px; text-align: center; color: var(--_muted); font-size: 14px; }
    .message { display: flex; flex-direction: column; max-width: 85%; }
    .message.user { align-self: flex-end; align-items: flex-end; }
    .message.assistant { align-self: flex-start; }
    .bubble {
      padding: 9px 13px; border-radius: 16px;
      overflow-wrap: anywhere; min-width: 0; max-width: 100%;
    }
    .user .bubble { background: var(--_user-bg); color: var(--_user-text); border-bottom-right-radius: 5px; white-space: pre-wrap; }
    .assistant .bubble { background: var(--_surface); border-bottom-left-radius: 5px; }
    .bubble > :first-child { margin-top: 0; }
    .bubble > :last-child { margin-bottom: 0; }
    .bubble p { margin: 0 0 .6em; }
    .bubble ul, .bubble ol { margin: 0 0 .6em; padding-left: 1.4em; }
    .bubble li + li { margin-top: .2em; }
    .bubble code {
      font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em;
      padding: .1em .35em; border-radius: 5px; background: color-mix(in srgb, var(--_text) 10%, transparent);
    }
    .bubble pre {
      margin: 0 0 .6em; padding: 10px 12px; border-radius: 10px; overflow-x: auto;
      background: var(--_code-bg); color: #e2e8f0;
    }
    .bubble pre code { padding: 0; background: none; font-size: .85em; white-space: pre; }
    .bubble a { color: var(--_accent); text-decoration: underline; text-underline-offset: 2px; }
    .note { margin-top: 4px; font-size: 12px; color: var(--_muted); }

    .typing { display: flex; gap: 4px; align-self: flex-start; padding: 12px 14px; border-radius: 16px; background: var(--_surface); }
    .typing span { width: 7px; height: 7px; border-radius: 50%; background: var(--_muted); animation: chat-bot-blink 1.2s infinite ease-in-out; }
    .typing span:nth-child(2) { animation-delay: .2s; }
    .typing span:nth-child(3) { animation-delay: .4s; }
    @keyframes chat-bot-blink { 0%, 80%, 100% { opacity: .25; transform: translateY(0); } 40% { opacity: 1; transform: translateY(-3px); } }

    .error {
      align-self: stretch; display: flex; align-items: center; gap: 10px; flex-wrap: wrap;
      padding: 10px 12px; border-radius: 12px; font-size: 14px;
      background: var(--_error-bg); color: var(--_error-text); border: 1px solid var(--_error-border);
    }
    .error p { flex: 1; margin: 0; min-width: 160px; }
    .error button {
      border: 1px solid currentColor; border-radius: 8px; padding: 4px 12px; background: transparent; font-size: 13px; font-weight: 600;
    }

    .jump {
      position: relative; align-self: center; margin: -44px 0 8px; z-index: 1;
      border: 1px solid var(--_border); border-radius: 999px; padding: 4px 12px; font-size: 13px;
      background: var(--_bg); box-shadow: 0 2px 8px rgba(15, 23, 42, .15);
    }

    form {
      display: flex; align-items: flex-end; gap: 8px;
      margin: 0; padding: 10px 12px 12px; border-top: 1px solid var(--_border);
    }
    textarea {
      flex: 1; min-width: 0; resize: none; max-height: 160px;
      font: inherit; color: var(--_text); background: var(--_surface);
      border: 1px solid transparent; border-radius: 12px; padding: 8px 12px; line-height: 1.45;
    }
    textarea::placeholder { color: var(--_muted); }
    textarea:focus-visible { outline: none; border-color: var(--_accent); box-shadow: 0 0 0 3px color-mix(in srgb, var(--_accent) 30%, transparent); }
    .send, .stop {
      width: 40px; height: 40px; flex: none; border: 0; border-radius: 12px;
      display: inline-flex; align-items: center; justify-content: center;
      background: var(--_accent); color: var(--_accent-text);
    }
    .stop { background: var(--_text); color: var(--_bg); }
    .send:disabled { opacity: .45; cursor: default; }

    /* Launcher mode: a round button in the corner opens the panel. */
    .launcher {
      position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
      width: 56px; height: 56px; border: 0; border-radius: 50%;
      display: inline-flex; align-items: center; justify-content: center;
      background: var(--_accent); color: var(--_accent-text);
      box-shadow: 0 8px 24px rgba(15, 23, 42, .25);
    }
    .launcher svg { width: 26px; height: 26px; }
    :host([mode="launcher"]) .panel {
      position: fixed; right: 20px; bottom: 88px; z-index: 2147483000;
      width: min(380px, calc(100vw - 24px)); height: min(var(--chat-bot-height, 600px), calc(100vh - 112px));
      box-shadow: 0 16px 48px rgba(15, 23, 42, .25);
    }
    @media (max-width: 480px) {
      :host([mode="launcher"]) .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; border: 0; }
      .message { max-width: 92%; }
    }
    @media (prefers-reduced-motion: reduce) {
      *, *::before, *::after { animation: none !important; transition: none !important; scroll-behavior: auto !important; }
    }
  `;

  let sharedSheet = null;
  /** One constructed stylesheet shared by every instance (CSP-safe: no inline style). */
  function adoptStyles(root) {
    if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
      if (!sharedSheet) {
        sharedSheet = new CSSStyleSheet();
        sharedSheet.replaceSync(css);
      }
      root.adoptedStyleSheets = [sharedSheet];
    } else {
      // Older browsers: a <style> element (a page whose CSP forbids inline styles shows it unstyled).
      const style = document.createElement('style');
      style.textContent = css;
      root.append(style);
    }
  }

  const icons = {
    chat: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg>',
    send: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M12 19V5M5 12l7-7 7 7"/></svg>',
    stop: '<svg viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><rect x="6" y="6" width="12" height="12" rx="2"/></svg>',
    plus: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M12 20h9M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z"/></svg>',
    close: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>',
  };

  // Static markup only: no attribute value or reply text is ever put into it. The `part`s let a
  // page restyle the frame (the /chat page drops the panel's border and its own status line).
  const template = `
    <button class="launcher" type="button" aria-label="Open chat" aria-expanded="false" aria-controls="panel" hidden>${icons.chat}</button>
    <section class="panel" id="panel" part="panel" title="" aria-labelledby="heading">
      <header part="header">
        <div class="heading">
          <h2 id="heading"></h2>
          <div class="status" part="status" data-state="connecting"><span class="dot"></span><span class="status-text">Connecting…</span></div>
        </div>
        <button class="icon new" type="button" aria-label="New conversation" title="New conversation">${icons.plus}</button>
        <button class="icon close" type="button" aria-label="Close chat" title="Close" hidden>${icons.close}</button>
      </header>
      <div class="transcript" role="log" aria-live="off" aria-labelledby="heading" tabindex="0">
        <p class="empty">Send a message to start the conversation.</p>
        <div class="typing" role="img" aria-label="The assistant is typing" hidden><span></span><span></span><span></span></div>
      </div>
      <button class="jump" type="button" hidden>Jump to the latest message</button>
      <form novalidate>
        <label class="sr-only" for="input">Message</label>
        <textarea id="input" rows="1" autocomplete="off" enterkeyhint="send"></textarea>
        <button class="send" type="submit" aria-label="Send message" title="Send (Enter)">${icons.send}</button>
        <button class="stop" type="button" aria-label="Stop the reply" title="Stop" hidden>${icons.stop}</button>
      </form>
      <div class="sr-only announcer" role="status" aria-live="polite"></div>
    </section>`;

  // ---- Markdown, as DOM ------------------------------------------------------------------------

  // Inline patterns, tried at every position; the earliest match wins, then the order below.
  const inlinePatterns = [
    { kind: 'code', re: /(`+)([^`][\s\S]*?)\1(?!`)/ },
    { kind: 'link', re: /\[([^\]\n]+)\]\(([^()\s]+)\)/ },
    { kind: 'strong', re: /\*\*(?=\S)([\s\S]*?\S)\*\*/ },
    { kind: 'strong', re: /(?<![\w])__(?=\S)([\s\S]*?\S)__(?![\w])/ },
    { kind: 'em', re: /\*(?=[^\s*])([^*]*?[^\s*])\*/ },
    { kind: 'em', re: /(?<![\w])_(?=[^\s_])([^_]*?[^\s_])_(?![\w])/ },
    { kind: 'url', re: /\bhttps?:\/\/[^\s<>()]*[^\s<>().,;:!?'"]/ },
  ];

  /** Only these link targets become links; anything else (javascript:, data:) stays text. */
  function safeHref(target) {
    try {
      const url = new URL(target);
      return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? url.href : null;
    } catch {
      return null;
    }
  }

  function link(href, parent) {
    const a = document.createElement('a');
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    parent.append(a);
    return a;
  }

  function renderInline(text, parent, inLink = false) {
    let rest = text;
    while (rest) {
      let best = null;
      for (const pattern of inlinePatterns) {
        if (inLink && (pattern.kind === 'link' || pattern.kind === 'url')) continue;
        const match = pattern.re.exec(rest);
        if (match && (!best || match.index < best.match.index)) best = { kind: pattern.kind, match };
      }
      if (!best) break;
      const { kind, match } = best;
      if (match.index > 0) parent.append(document.createTextNode(rest.slice(0, match.index)));
      if (kind === 'code') {
        const code = document.createElement('code');
        code.textContent = match[2];
        parent.append(code);
      } else if (kind === 'link') {
        const href = safeHref(match[2]);
        if (href) renderInline(match[1], link(href, parent), true);
        else parent.append(document.createTextNode(match[0]));
      } else if (kind === 'url') {
        const href = safeHref(match[0]);
        if (href) link(href, parent).textContent = match[0];
        else parent.append(document.createTextNode(match[0]));
      } else {
        const element = document.createElement(kind);
        renderInline(match[match.length - 1], element, inLink);
        parent.append(element);
      }
      rest = rest.slice(match.index + match[0].length);
    }
    if (rest) parent.append(document.createTextNode(rest));
  }

  /** Appends `text` to `parent` as paragraphs, lists and code blocks; never as HTML. */
  function renderMarkdown(text, parent) {
    const lines = text.replace(/\r\n?/g, '\n').split('\n');
    let paragraph = [];
    let list = null;
    const flushParagraph = () => {
      if (!paragraph.length) return;
      const p = document.createElement('p');
      paragraph.forEach((line, index) => {
        if (index) p.append(document.createElement('br'));
        renderInline(line, p);
      });
      parent.append(p);
      paragraph = [];
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const fence = /^\s*(```|~~~)\s*([\w+-]*)\s*$/.exec(line);
      if (fence) {
        flushParagraph();
        list = null;
        const body = [];
        // An unclosed fence (a reply still streaming) runs to the end.
        for (i++; i < lines.length && !lines[i].trim().startsWith(fence[1]); i++) body.push(lines[i]);
        const pre = document.createElement('pre');
        const code = document.createElement('code');
        if (fence[2]) code.dataset.language = fence[2];
        code.textContent = body.join('\n');
        pre.append(code);
        parent.append(pre);
        continue;
      }
      const item = /^\s*(?:([-*+])|(\d{1,9})[.)])\s+(.*)$/.exec(line);
      if (item) {
        flushParagraph();
        const tag = item[1] ? 'ul' : 'ol';
        if (!list || list.tagName.toLowerCase() !== tag) {
          list = document.createElement(tag);
          if (tag === 'ol' && item[2] !== '1') list.start = Number(item[2]);
          parent.append(list);
        }
        const li = document.createElement('li');
        renderInline(item[3], li);
        list.append(li);
        continue;
      }
      if (!line.trim()) {
        flushParagraph();
        list = null;
        continue;
      }
      const heading = /^\s*#{1,6}\s+(.*)$/.exec(line);
      if (heading) {
        flushParagraph();
        list = null;
        const p = document.createElement('p');
        const strong = document.createElement('strong');
        renderInline(heading[1], strong);
        p.append(strong);
        parent.append(p);
        continue;
      }
      if (list && /^\s{2,}\S/.test(line)) {
        // An indented line continues the list item above it.
        const last = list.lastElementChild;
        last.append(document.createTextNode(' '));
        renderInline(line.trim(), last);
        continue;
      }
      list = null;
      paragraph.push(line);
    }
    flushParagraph();
  }

  // ---- the server --------------------------------------------------------------------------

  /** Server-Sent Events from a fetch body: yields each event's parsed `data`. */
  async function* serverSentEvents(body) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
        let boundary;
        while ((boundary = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary).replace(/^\r?\n\r?\n/, '');
          const data = block.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
          if (data) yield JSON.parse(data);
        }
        if (done) return;
      }
    } finally {
      reader.releaseLock();
    }
  }

  /** A failure the user reads: `message` is already in plain words. */
  class ChatFailure extends Error {
    constructor(message, code) {
      super(message);
      this.code = code;
    }
  }

  async function failureFrom(response) {
    try {
      const body = await response.json();
      if (body && body.error && typeof body.error.message === 'string') return new ChatFailure(body.error.message, body.error.code);
    } catch { /* not JSON: fall through */ }
    return new ChatFailure(`The chat server answered with an error (HTTP ${response.status}). Please try again.`, 'HTTP_' + response.status);
  }

  const unreachable = () => new ChatFailure('The chat server cannot be reached. Check your connection and try again.', 'NETWORK');

  function storage() {
    try { return window.localStorage; } catch { return null; }  // blocked in some sandboxed frames
  }

  const historyLimit = 20;  // turns sent along to a server that keeps no conversation
  const restoreLimit = 200; // the API's largest page

  // ---- the element ---------------------------------------------------------------------------

  class ChatBot extends HTMLElement {
    static get observedAttributes() {
      return ['endpoint', 'assistant-type', 'title', 'placeholder', 'mode', 'open', 'api-key'];
    }

    constructor() {
      super();
      const root = this.attachShadow({ mode: 'open' });
      adoptStyles(root);
      root.innerHTML = template;
      const $ = (selector) => root.querySelector(selector);
      this.ui = {
        launcher: $('.launcher'), panel: $('.panel'), heading: $('h2'), status: $('.status'),
        statusText: $('.status-text'), newButton: $('.new'), closeButton: $('.close'),
        transcript: $('.transcript'), empty: $('.empty'), typing: $('.typing'), jump: $('.jump'),
        form: $('form'), input: $('textarea'), send: $('.send'), stop: $('.stop'), announcer: $('.announcer'),
      };
      this.messages = [];
      this.request = null;        // the AbortController of the reply in flight
      this.following = true;      // keep the newest text in view until the user scrolls up
      this.generation = 0;        // bumps when the conversation changes, so stale loads are dropped
      this.healthTimer = null;
      this.bindEvents();
    }

    connectedCallback() {
      this.connected = true;
      this.applyAttributes();
      this.restore();
      this.checkHealth();
      this.healthTimer = setInterval(() => { if (!document.hidden) this.checkHealth(); }, 30000);
    }

    disconnectedCallback() {
      this.connected = false;
      clearInterval(this.healthTimer);
      this.healthTimer = null;
      if (this.request) this.request.abort();
    }

    attributeChangedCallback(name, previous, value) {
      // Before connectedCallback, which applies every attribute itself.
      if (!this.connected || previous === value) return;
      this.applyAttributes();
      if (name === 'open' && this.launcherMode) this.setOpen(value !== null, false);
      if (name === 'endpoint' || name === 'assistant-type') {
        if (this.request) this.request.abort();
        this.clearTranscript();
        this.restore();
        if (name === 'endpoint') this.checkHealth();
      }
    }

    // -- attributes

    get endpoint() {
      const given = this.getAttribute('endpoint');
      if (given) return new URL(given, document.baseURI).href;
      return new URL(scriptSource ? '../api/chat' : '/api/chat', scriptSource || document.baseURI).href;
    }

    get assistantType() { return this.getAttribute('assistant-type') || 'default'; }

    /** The host's root: the endpoint without its `/api/chat`. */
    get serverRoot() {
      const url = new URL(this.endpoint);
      url.search = '';
      url.hash = '';
      url.pathname = url.pathname.replace(/\/api\/chat\/?$/, '') || '/';
      return url.href.replace(/\/$/, '');
    }

    get storageKey() { return `patchbay-chat:${this.endpoint}:${this.assistantType}`; }

    get conversationId() {
      const store = storage();
      return store ? store.getItem(this.storageKey) : this.memoryConversationId || null;
    }

    set conversationId(id) {
      const store = storage();
      if (!store) this.memoryConversationId = id;
      else if (id) store.setItem(this.storageKey, id);
      else store.removeItem(this.storageKey);
    }

    applyAttributes() {
      const { ui } = this;
      ui.heading.textContent = this.getAttribute('title') || 'Chat';
      ui.input.placeholder = this.getAttribute('placeholder') || 'Write a message…';
      const launcher = this.getAttribute('mode') === 'launcher';
      ui.launcher.hidden = !launcher;
      ui.closeButton.hidden = !launcher;
      if (!launcher) this.setOpen(true, false);
      else if (this.openState === undefined || !this.launcherMode) this.setOpen(this.hasAttribute('open'), false);
      this.launcherMode = launcher;
      ui.panel.setAttribute('role', launcher ? 'dialog' : 'region');
    }

    setOpen(open, moveFocus) {
      this.openState = open;
      this.ui.panel.hidden = !open;
      this.ui.launcher.setAttribute('aria-expanded', String(open));
      this.ui.launcher.setAttribute('aria-label', open ? 'Close chat' : 'Open chat');
      this.ui.launcher.title = open ? 'Close chat' : 'Open chat';  // also hides the host's own title
      if (!moveFocus) return;
      if (open) {
        this.ui.input.focus();
        this.scrollToEnd();
      } else {
        this.ui.launcher.focus();
      }
    }

    // -- events

    bindEvents() {
      const { ui } = this;
      ui.form.addEventListener('submit', (event) => {
        event.preventDefault();
        this.sendInput();
      });
      ui.input.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.sendInput();
        }
      });
      ui.input.addEventListener('input', () => this.fitInput());
      ui.stop.addEventListener('click', () => {
        if (this.request) this.request.abort();
      });
      ui.newButton.addEventListener('click', () => this.newConversation());
      ui.launcher.addEventListener('click', () => this.setOpen(!this.openState, true));
      ui.closeButton.addEventListener('click', () => this.setOpen(false, true));
      ui.panel.addEventListener('keydown', (event) => {
        if (event.key === 'Escape' && this.launcherMode) {
          event.stopPropagation();
          this.setOpen(false, true);
        }
      });
      ui.transcript.addEventListener('scroll', () => {
        const { scrollTop, scrollHeight, clientHeight } = ui.transcript;
        this.following = scrollHeight - scrollTop - clientHeight < 32;
        if (this.following) ui.jump.hidden = true;
      }, { passive: true });
      ui.jump.addEventListener('click', () => {
        this.following = true;
        this.scrollToEnd();
        ui.input.focus();
      });
    }

    fitInput() {
      const { input } = this.ui;
      input.style.height = 'auto';  // CSSOM, not a style attribute: allowed under a strict CSP
      input.style.height = `${Math.min(input.scrollHeight + 2, 160)}px`;
    }

    sendInput() {
      const text = this.ui.input.value;
      if (!text.trim() || this.request) return;
      this.ui.input.value = '';
      this.fitInput();
      this.following = true;
      this.addMessage('user', text);
      this.ask(text);
    }

    /** Starts a new conversation: the old one stays on the server, this widget forgets it. */
    newConversation() {
      if (this.request) this.request.abort();
      this.conversationId = null;
      this.clearTranscript();
      this.ui.input.focus();
    }

    // -- the transcript

    clearTranscript() {
      this.generation++;
      for (const message of this.messages) message.element.remove();
      this.messages = [];
      this.ui.transcript.querySelectorAll('.error').forEach((element) => element.remove());
      this.ui.empty.hidden = false;
      this.ui.typing.hidden = true;
      this.ui.jump.hidden = true;
    }

    addMessage(role, text, note) {
      const element = document.createElement('div');
      element.className = `message ${role}`;
      const label = document.createElement('span');
      label.className = 'sr-only';
      label.textContent = role === 'user' ? 'You said:' : 'Assistant:';
      const bubble = document.createElement('div');
      bubble.className = 'bubble';
      element.append(label, bubble);
      const message = { role, text, element, bubble, frame: 0 };
      this.ui.empty.hidden = true;
      this.ui.transcript.insertBefore(element, this.ui.typing);
      this.messages.push(message);
      this.renderMessage(message);
      if (note) this.addNote(message, note);
      this.scrollToEnd();
      return message;
    }

    renderMessage(message) {
      message.frame = 0;
      if (message.role === 'user') {
        message.bubble.textContent = message.text;
      } else {
        message.bubble.replaceChildren();
        renderMarkdown(message.text, message.bubble);
      }
    }

    /** Re-renders a growing reply at most once a frame. */
    scheduleRender(message) {
      if (message.frame) return;
      message.frame = requestAnimationFrame(() => {
        this.renderMessage(message);
        this.scrollToEnd();
      });
    }

    addNote(message, text) {
      const note = document.createElement('div');
      note.className = 'note';
      note.textContent = text;
      message.element.append(note);
    }

    scrollToEnd() {
      const { transcript, jump } = this.ui;
      if (this.following) {
        transcript.scrollTop = transcript.scrollHeight;
        // At once, not on the scroll event that follows: the button must not outlive its jump.
        jump.hidden = true;
      } else if (transcript.scrollHeight > transcript.clientHeight) {
        jump.hidden = false;
      }
    }

    /** A failure in plain words, with a Retry button that runs `retry`. */
    showError(message, retry) {
      const box = document.createElement('div');
      box.className = 'error';
      box.setAttribute('role', 'alert');
      const text = document.createElement('p');
      text.textContent = message;
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Retry';
      button.addEventListener('click', () => {
        if (this.request) return;
        box.remove();
        this.following = true;
        retry();
      });
      box.append(text, button);
      this.ui.transcript.insertBefore(box, this.ui.typing);
      this.scrollToEnd();
    }

    setBusy(busy) {
      const { ui } = this;
      ui.send.hidden = busy;
      ui.stop.hidden = !busy;
      ui.typing.hidden = !busy;
      ui.transcript.setAttribute('aria-busy', String(busy));
      if (busy) this.scrollToEnd();
    }

    // -- talking to the server

    headers(json) {
      const headers = { Accept: json ? 'application/json' : 'text/event-stream' };
      if (!json) headers['Content-Type'] = 'application/json';
      const key = this.getAttribute('api-key');
      if (key) headers['X-API-Key'] = key;
      return headers;
    }

    /** Streams one reply to `text` (already shown as the user's message). */
    async ask(text) {
      const controller = new AbortController();
      const generation = this.generation;
      this.request = controller;
      this.setBusy(true);
      let reply = null;
      let finished = false;
      const body = { message: text, assistantType: this.assistantType, stream: true };
      const conversationId = this.conversationId;
      if (conversationId) {
        body.conversationId = conversationId;  // the server has the history
      } else {
        // A server that stores no conversations (it returns no id) gets the turns shown so far.
        body.history = this.messages.slice(0, -1).slice(-historyLimit)
          .filter((message) => message.text)
          .map((message) => ({ text: message.text, sender: message.role }));
      }
      try {
        let response;
        try {
          response = await fetch(this.endpoint, {
            method: 'POST', headers: this.headers(false), body: JSON.stringify(body), signal: controller.signal,
          });
        } catch (error) {
          if (controller.signal.aborted) throw error;
          this.setStatus('offline');
          throw unreachable();
        }
        const id = response.headers.get('X-Conversation-ID');
        if (id && generation === this.generation) this.conversationId = id;
        if (!response.ok) throw await failureFrom(response);
        this.setStatus('online');
        for await (const event of serverSentEvents(response.body)) {
          if (event.conversationId && generation === this.generation) this.conversationId = event.conversationId;
          if (event.error) throw new ChatFailure(event.error.message, event.error.code);
          if (event.content) {
            if (!reply) {
              this.ui.typing.hidden = true;
              reply = this.addMessage('assistant', '');
            }
            reply.text += event.content;
            this.scheduleRender(reply);
          }
          if (event.done) {
            finished = true;
            break;
          }
        }
        if (!finished) throw new ChatFailure('The reply was cut off. Please try again.', 'INTERRUPTED');
        if (reply) {
          this.renderMessage(reply);
          this.announce(reply.text);
        }
      } catch (error) {
        if (generation !== this.generation) return;  // the conversation was replaced meanwhile
        if (controller.signal.aborted) {
          if (reply) this.renderMessage(reply);
          else reply = this.addMessage('assistant', '');
          this.addNote(reply, 'Stopped');
          this.announce('Reply stopped.');
        } else {
          if (reply) this.renderMessage(reply);
          this.showError((error instanceof ChatFailure ? error : unreachable()).message, () => this.ask(text));
        }
      } finally {
        if (this.request === controller) {
          this.request = null;
          this.setBusy(false);
        }
        this.scrollToEnd();
      }
    }

    announce(text) {
      // Cleared first, so the same words twice are still announced.
      this.ui.announcer.textContent = '';
      requestAnimationFrame(() => { this.ui.announcer.textContent = text.length > 600 ? text.slice(0, 600) + '…' : text; });
    }

    /** Shows the stored conversation this widget last had, after a reload. */
    async restore() {
      const id = this.conversationId;
      if (!id) return;
      const generation = this.generation;
      const url = `${this.serverRoot}/api/conversations/${encodeURIComponent(id)}`;
      try {
        let response = await fetch(`${url}?limit=${restoreLimit}`, { headers: this.headers(true) });
        if (response.status === 404) {
          if (generation === this.generation) this.conversationId = null;
          return;
        }
        if (!response.ok) throw await failureFrom(response);
        let page = await response.json();
        if (page.pagination && page.pagination.pages > 1) {
          // The newest messages are on the last page.
          response = await fetch(`${url}?limit=${restoreLimit}&page=${page.pagination.pages}`, { headers: this.headers(true) });
          if (!response.ok) throw await failureFrom(response);
          page = await response.json();
        }
        if (generation !== this.generation || this.messages.length) return;
        for (const message of page.messages || []) {
          if (message.role !== 'user' && message.role !== 'assistant') continue;
          const note = message.status === 'cancelled' ? 'Stopped' : message.status === 'error' ? 'This reply failed.' : null;
          this.addMessage(message.role, message.content, note);
        }
      } catch (error) {
        if (generation !== this.generation) return;
        const failure = error instanceof ChatFailure ? error : unreachable();
        this.showError(`The earlier conversation could not be loaded. ${failure.message}`, () => this.restore());
      }
    }

    async checkHealth() {
      try {
        const response = await fetch(`${this.serverRoot}/health`, { headers: { Accept: 'application/json' } });
        const health = await response.json();
        this.setStatus(response.ok && (health.status === 'healthy' || health.status === 'ok' || health.status === 'degraded') ? 'online' : 'offline');
      } catch {
        this.setStatus('offline');
      }
    }

    setStatus(state) {
      const { status, statusText } = this.ui;
      if (status.dataset.state === state) return;
      status.dataset.state = state;
      statusText.textContent = state === 'online' ? 'Online' : state === 'offline' ? 'Offline' : 'Connecting…';
    }
  }

  window.customElements.define('chat-bot', ChatBot);
})();
