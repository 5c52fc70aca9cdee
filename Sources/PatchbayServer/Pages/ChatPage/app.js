// The /chat page: <chat-bot> full size under a bar with the assistant dropdown, the connection
// status and the dark mode toggle; installable (manifest and service worker) and usable offline
// as far as an app shell goes. The widget does the chat itself: streaming, Stop, Enter to send
// and Shift+Enter for a new line, and the conversation kept across visits (per assistant).

import { fetchAssistants, fillPicker, ListFailure, rememberAssistant, rememberedAssistant } from './assistants.js';
import { watchConnection } from './connection.js';
import { chosenTheme, setUpThemeToggle } from './theme.js';

const picker = document.getElementById('assistant');
const notice = document.getElementById('notice');
const slot = document.getElementById('chat');

const widget = document.createElement('chat-bot');
widget.setAttribute('endpoint', new URL('/api/chat', location.href).href);
// The keys in the placeholder where there is room for them (a phone's keyboard has its own Send).
widget.setAttribute('placeholder', matchMedia('(min-width: 641px)').matches ? 'Write a message (Enter sends, Shift+Enter adds a line)' : 'Write a message…');
widget.setAttribute('theme', chosenTheme());
let models = [];

function say(text) {
  notice.textContent = text || '';
  notice.hidden = !text;
}

/** Points the widget at assistant `model`: it shows that assistant's own conversation. */
function choose(model) {
  widget.setAttribute('assistant-type', model.id);
  widget.setAttribute('title', model.name);
  document.title = `${model.name} · Patchbay Chat`;
  rememberAssistant(model.id);
}

function explain(failure) {
  if (failure.status === 0) return 'The server cannot be reached; the list of assistants will load when it is back.';
  if (failure.status === 401) return 'This server needs an API key, and this page has none: ask its operator for access.';
  return `The list of assistants could not be loaded (${failure.message}).`;
}

/** Fills the dropdown; until it can, the widget uses the assistant chosen last time. */
async function loadAssistants() {
  try {
    const list = await fetchAssistants();
    models = list.models;
    const chosen = fillPicker(picker, models, list.preselect);
    if (chosen) {
      choose(chosen);
      say(null);
    } else {
      say(models.length ? 'No assistant can answer right now: their providers are not configured.' : 'This server offers no assistant to this page.');
    }
  } catch (error) {
    if (!(error instanceof ListFailure)) throw error;
    say(explain(error));
    if (!widget.hasAttribute('assistant-type')) widget.setAttribute('assistant-type', rememberedAssistant() || 'default');
  }
  if (!widget.isConnected) slot.append(widget);
}

picker.addEventListener('change', () => {
  const model = models.find((candidate) => candidate.id === picker.value);
  if (model) choose(model);
});

setUpThemeToggle(document.getElementById('theme'), (theme) => widget.setAttribute('theme', theme));
// Back online with no list yet (the page opened offline, from the service worker): load it now.
watchConnection(document.getElementById('connection'), { onOnline: () => { if (!models.length && widget.isConnected) loadAssistants(); } });
loadAssistants();

if ('serviceWorker' in navigator) {
  // Scope /chat (the page itself): sw.js is served with Service-Worker-Allowed: /chat.
  navigator.serviceWorker.register('/chat/sw.js', { scope: '/chat' }).catch((error) => {
    console.warn('The chat page works, but not offline: its service worker did not register.', error);
  });
}
