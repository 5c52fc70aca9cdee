// The assistant ("model") dropdown: filled from GET /api/models, the assistants this caller may
// use; the choice is remembered for the next visit.

const rememberedKey = 'patchbay-chat-page:assistant';

/** A list that could not be loaded: `status` is the HTTP status, 0 when the server was unreachable. */
export class ListFailure extends Error {
  constructor(status) {
    super(status ? `HTTP ${status}` : 'unreachable');
    this.status = status;
  }
}

/** `GET /api/models`: `{models: [{id, name, description, provider, model, available}], default}`. */
export async function fetchAssistants() {
  let response;
  try {
    response = await fetch('/api/models', { headers: { Accept: 'application/json' }, cache: 'no-store' });
  } catch {
    throw new ListFailure(0);
  }
  if (!response.ok) throw new ListFailure(response.status);
  const body = await response.json();
  return { models: Array.isArray(body.models) ? body.models : [], preselect: body.default || null };
}

export function rememberedAssistant() {
  try { return localStorage.getItem(rememberedKey); } catch { return null; }
}

export function rememberAssistant(id) {
  try { localStorage.setItem(rememberedKey, id); } catch { /* storage blocked: not remembered */ }
}

/**
 * Fills `select` with `models` (those that cannot answer are shown but disabled) and returns
 * the one to start with: the one chosen last time if it can answer, else the server's
 * `preselect`, else the first that can answer.
 */
export function fillPicker(select, models, preselect) {
  select.replaceChildren(...models.map((model) => {
    const option = document.createElement('option');
    option.value = model.id;
    option.textContent = model.available ? `${model.name} · ${model.model}` : `${model.name} — unavailable`;
    option.title = [model.description, `${model.provider} / ${model.model}`].filter(Boolean).join(' — ');
    option.disabled = !model.available;
    return option;
  }));
  const usable = models.filter((model) => model.available);
  const chosen = usable.find((model) => model.id === rememberedAssistant())
    || usable.find((model) => model.id === preselect) || usable[0] || null;
  select.disabled = usable.length === 0;
  if (chosen) select.value = chosen.id;
  return chosen;
}
