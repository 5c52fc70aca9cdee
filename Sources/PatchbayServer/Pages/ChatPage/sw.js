// The /chat page's service worker: keeps the app shell (the page, its scripts, style, icons and
// the widget) so the page opens offline, and never touches anything else. API calls (/api/, /v1/,
// anything that is not a GET of a shell file) go to the network untouched and are never cached:
// they are live answers, and some carry a key or a conversation.

const CACHE = 'patchbay-chat-shell-v1';
const SHELL = [
  '/chat',
  '/chat/app.js',
  '/chat/assistants.js',
  '/chat/connection.js',
  '/chat/theme.js',
  '/chat/chat.css',
  '/chat/manifest.webmanifest',
  '/chat/icon.svg',
  '/chat/icon-192.png',
  '/chat/icon-512.png',
  '/chat/icon-maskable-512.png',
  '/widget/chat-bot.js',
];
// Checked first, whatever SHELL says: these are never answered from a cache.
const NEVER_CACHED = ['/api/', '/v1/', '/admin/', '/health', '/metrics', '/openapi.json'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  // Earlier versions' caches go; the open page is taken over at once (no reload needed).
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name.startsWith('patchbay-chat-') && name !== CACHE).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

/** Whether the service worker answers `request`: a GET of a shell file of this origin, nothing else. */
function isShell(request) {
  if (request.method !== 'GET') return false;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return false;
  if (NEVER_CACHED.some((prefix) => url.pathname.startsWith(prefix))) return false;
  return SHELL.includes(url.pathname);
}

/** The network first, so a new version shows at once; the cached copy when the network fails. */
async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener('fetch', (event) => {
  if (isShell(event.request)) event.respondWith(networkFirst(event.request));
});
