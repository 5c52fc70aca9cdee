// The bar's connection status, from GET /api/health: checked at once, then every 20 s while the
// server answers; after a failure again in 2 s, then 4, 8, … up to a minute, so a server that is
// down is not hammered and one that comes back is seen soon. A hidden tab does not poll.

const steadyDelay = 20_000;
const firstRetry = 2_000;
const longestRetry = 60_000;
const timeout = 8_000;
const labels = { connecting: 'Connecting…', online: 'Online', offline: 'Offline' };

/**
 * Keeps `element` (`data-state` and its `.connection-text`) up to date; calls `onOnline` each
 * time the server answers after not answering (or on the first answer).
 */
export function watchConnection(element, { url = '/api/health', onOnline = () => {} } = {}) {
  const text = element.querySelector('.connection-text');
  let retry = firstRetry;
  let timer = null;
  let probing = false;

  const show = (state) => {
    const was = element.dataset.state;
    if (was === state) return;
    element.dataset.state = state;
    text.textContent = labels[state];
    if (state === 'online') onOnline();
  };

  const schedule = (delay) => {
    clearTimeout(timer);
    timer = setTimeout(probe, delay);
  };

  async function probe() {
    if (document.hidden || probing) return;  // visibilitychange probes again
    probing = true;
    let online = false;
    try {
      const response = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store', signal: AbortSignal.timeout(timeout) });
      online = response.ok;
    } catch {
      online = false;  // unreachable, or timed out
    }
    probing = false;
    show(online ? 'online' : 'offline');
    if (online) {
      retry = firstRetry;
      schedule(steadyDelay);
    } else {
      schedule(retry);
      retry = Math.min(retry * 2, longestRetry);
    }
  }

  window.addEventListener('online', () => { retry = firstRetry; probe(); });
  window.addEventListener('offline', () => show('offline'));
  document.addEventListener('visibilitychange', () => { if (!document.hidden) probe(); });
  probe();
}
