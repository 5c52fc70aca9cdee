// Dark mode: the page follows the system's preference until the toggle picks a theme, which is
// remembered (localStorage) and wins from then on.

const key = 'patchbay-chat-page:theme';
const systemDark = window.matchMedia('(prefers-color-scheme: dark)');
// The browser's own bar around an installed app: the colour of the page's bar.
const barColours = { light: '#ffffff', dark: '#0f172a' };

function stored() {
  try {
    const value = localStorage.getItem(key);
    return value === 'light' || value === 'dark' ? value : null;
  } catch {
    return null;  // storage blocked: the system decides
  }
}

function store(theme) {
  try { localStorage.setItem(key, theme); } catch { /* storage blocked: not remembered */ }
}

/** The theme for `<chat-bot theme>`: `light`, `dark`, or `auto` when nothing was chosen. */
export function chosenTheme() {
  return stored() || 'auto';
}

/**
 * Wires the toggle `button` (aria-pressed: dark) and applies the theme now and whenever the
 * choice or the system's preference changes; `onChange` gets what `chosenTheme()` returns.
 */
export function setUpThemeToggle(button, onChange) {
  const themeColour = document.querySelector('meta[name="theme-color"]');
  const apply = () => {
    const chosen = stored();
    const dark = chosen ? chosen === 'dark' : systemDark.matches;
    if (chosen) document.documentElement.dataset.theme = chosen;
    else delete document.documentElement.dataset.theme;
    button.setAttribute('aria-pressed', String(dark));
    button.title = dark ? 'Switch to light mode' : 'Switch to dark mode';
    if (themeColour) themeColour.content = dark ? barColours.dark : barColours.light;
    onChange(chosen || 'auto');
  };
  button.addEventListener('click', () => {
    store(button.getAttribute('aria-pressed') === 'true' ? 'light' : 'dark');
    apply();
  });
  systemDark.addEventListener('change', apply);
  apply();
}
