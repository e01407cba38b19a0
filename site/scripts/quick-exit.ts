// «Salir rápido» (site/components/QuickExit.astro), after GOV.UK's «Exit this page»: the button,
// Escape, or Shift pressed three times within 5 s blank the page at once, end the sessions with a
// beacon to /salir, and replace this history entry with the neutral site, so Back does not return
// here. Without this script the button is still a link to GET /salir, which does the same but
// leaves this page in the history.

const SHIFT_WINDOW_MS = 5000;

function enhance(root: HTMLElement): void {
  const button = root.querySelector<HTMLAnchorElement>('a[data-quick-exit-button]');
  const status = root.querySelector<HTMLElement>('[data-quick-exit-status]');
  if (!button || !status || !root.dataset.neutralUrl) return;
  const neutralUrl = root.dataset.neutralUrl;
  const exitUrl = button.href;
  let overlay: HTMLElement | null = null;

  function endSessions(): boolean {
    try {
      if (navigator.sendBeacon?.(exitUrl)) return true;
    } catch {
      // A beacon refused by the browser: try fetch below.
    }
    if (typeof fetch !== 'function') return false;
    fetch(exitUrl, { method: 'POST', keepalive: true, credentials: 'same-origin' }).catch(() => undefined);
    return true;
  }

  function exit(): void {
    if (overlay) return;
    // Hide the page itself, not only cover it: screen readers and Tab must not reach it meanwhile.
    document.body.classList.add('quick-exit-hidden');
    overlay = document.createElement('div');
    overlay.className = 'quick-exit-overlay';
    overlay.setAttribute('role', 'alert');
    document.body.append(overlay);
    // Text set after insertion: screen readers announce it more reliably (as GOV.UK found).
    overlay.textContent = root.dataset.leaving ?? '';
    // Sessions first; when no beacon can be sent, GET /salir ends them and redirects itself.
    window.location.replace(endSessions() ? neutralUrl : exitUrl);
  }

  button.addEventListener('click', (event) => {
    event.preventDefault();
    exit();
  });

  // Escape anywhere, unless a widget on the page already used it (a list closing, for example).
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !event.defaultPrevented && !event.isComposing) exit();
  });

  // Shift alone, three times in a row within 5 s. Shift used for a capital letter does not count:
  // its keyup follows a keyup with shiftKey set, and any other key starts the count again.
  let presses = 0;
  let lastKeyWasModified = false;
  let timer: number | undefined;
  const say = (text: string) => {
    status.textContent = text;
  };
  document.addEventListener(
    'keyup',
    (event) => {
      if (event.key === 'Shift' && !lastKeyWasModified) {
        presses += 1;
        window.clearTimeout(timer);
        if (presses >= 3) {
          presses = 0;
          say('');
          exit();
        } else {
          say(presses === 1 ? (root.dataset.pressTwo ?? '') : (root.dataset.pressOne ?? ''));
          timer = window.setTimeout(() => {
            presses = 0;
            say(root.dataset.timedOut ?? '');
            timer = window.setTimeout(() => say(''), SHIFT_WINDOW_MS);
          }, SHIFT_WINDOW_MS);
        }
      } else if (presses > 0) {
        presses = 0;
        window.clearTimeout(timer);
        say('');
      }
      lastKeyWasModified = event.shiftKey;
    },
    true,
  );

  // A browser that restores this page from its back/forward cache would show it blank.
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted || !overlay) return;
    overlay.remove();
    overlay = null;
    document.body.classList.remove('quick-exit-hidden');
  });
}

document.querySelectorAll<HTMLElement>('[data-quick-exit]').forEach(enhance);

// A module, so its names stay its own.
export {};
