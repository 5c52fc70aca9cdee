// The demo page: an assistant picker fed by /api/assistants, a theme picker, the embed snippet.
(() => {
  'use strict';
  const picker = document.getElementById('assistant');
  const themePicker = document.getElementById('theme');
  const snippet = document.getElementById('snippet');
  const notice = document.getElementById('notice');
  const slot = document.getElementById('widget');
  const remembered = 'patchbay-demo:assistant';

  const widget = document.createElement('chat-bot');
  widget.setAttribute('endpoint', new URL('/api/chat', location.href).href);
  widget.setAttribute('title', 'Patchbay assistant');
  widget.setAttribute('placeholder', 'Ask anything…');
  widget.setAttribute('theme', themePicker.value);

  function showSnippet() {
    const origin = location.origin;
    const attributes = [`endpoint="${origin}/api/chat"`, `assistant-type="${widget.getAttribute('assistant-type') || 'default'}"`];
    if (widget.getAttribute('theme') !== 'auto') attributes.push(`theme="${widget.getAttribute('theme')}"`);
    snippet.textContent = `<script src="${origin}/widget/chat-bot.js" defer></script>\n`
      + `<chat-bot\n${attributes.map((attribute) => `  ${attribute}`).join('\n')}>\n</chat-bot>`;
  }

  function choose(id) {
    widget.setAttribute('assistant-type', id);
    try { localStorage.setItem(remembered, id); } catch { /* storage blocked: not remembered */ }
    showSnippet();
  }

  picker.addEventListener('change', () => choose(picker.value));
  themePicker.addEventListener('change', () => {
    widget.setAttribute('theme', themePicker.value);
    document.documentElement.dataset.theme = themePicker.value;
    showSnippet();
  });

  async function loadAssistants() {
    let assistants = [];
    try {
      const response = await fetch('/api/assistants', { headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      assistants = (await response.json()).assistants || [];
    } catch {
      notice.textContent = 'The list of assistants could not be loaded; the widget uses the "default" assistant.';
      notice.hidden = false;
    }
    picker.replaceChildren(...assistants.map((assistant) => {
      const option = document.createElement('option');
      option.value = assistant.id;
      option.textContent = assistant.available ? assistant.name : `${assistant.name} — not configured`;
      return option;
    }));
    let saved = null;
    try { saved = localStorage.getItem(remembered); } catch { /* storage blocked */ }
    // The one chosen before; else the first that can answer, so the demo works with no key at all.
    const preferred = assistants.find((a) => a.id === saved) || assistants.find((a) => a.available) || assistants[0];
    if (preferred) {
      picker.value = preferred.id;
      widget.setAttribute('assistant-type', preferred.id);
    }
    if (assistants.length && !assistants.some((a) => a.available)) {
      notice.textContent = 'No assistant has a configured provider yet: set a provider key and restart the server.';
      notice.hidden = false;
    }
    showSnippet();
    slot.append(widget);
  }

  loadAssistants();
})();
