// Live queue: when a case in this queue changes, the list is fetched again (the same address, so
// filters and page stay) and swapped in, and a polite live region says so. Without this script the
// page works the same with its «Actualizar» link. Never a meta refresh: reloading the whole page
// under a screen reader's cursor loses the reader's place.
// Events come from /admin/casos/eventos (server-sent events); where the stream cannot be opened the
// same version is polled from /admin/casos/version. Texts come from data attributes (site/i18n/es.ts).

const POLL_MS = 10_000;

function start(region: HTMLElement, status: HTMLElement): void {
  const text = region.dataset;
  let busy = false;
  let again = false;
  let pending = false;

  function announce(message: string): void {
    // Emptied first, so the same sentence twice is announced twice.
    status.textContent = '';
    window.setTimeout(() => {
      status.textContent = message;
    }, 50);
  }

  const focusInside = () => region.contains(document.activeElement) && document.activeElement !== document.body;

  async function refresh(): Promise<void> {
    if (busy) {
      again = true;
      return;
    }
    // Someone is reading or moving through the list: do not pull it from under them.
    if (focusInside()) {
      pending = true;
      announce(text.textDeferred ?? '');
      return;
    }
    busy = true;
    try {
      const response = await fetch(window.location.href, { headers: { Accept: 'text/html' }, credentials: 'same-origin', cache: 'no-store' });
      // Signed out meanwhile (the answer is the sign-in page): leave the page as it is.
      if (!response.ok || !new URL(response.url).pathname.startsWith('/admin/casos')) return;
      const html = await response.text();
      const fresh = new DOMParser().parseFromString(html, 'text/html').getElementById(region.id);
      if (!fresh) return;
      const before = Number(region.dataset.total ?? '0');
      const after = Number(fresh.dataset.total ?? '0');
      if (fresh.dataset.version === region.dataset.version) return;
      region.replaceChildren(...[...fresh.childNodes].map((node) => document.importNode(node, true)));
      region.dataset.total = fresh.dataset.total;
      region.dataset.version = fresh.dataset.version;
      announce((after > before ? text.textNew : text.textChanged) ?? '');
    } catch {
      // A network hiccup: the next event or «Actualizar» brings the list up to date.
    } finally {
      busy = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  }

  region.addEventListener('focusout', (event) => {
    const next = (event as FocusEvent).relatedTarget;
    if (pending && !(next instanceof Node && region.contains(next))) {
      pending = false;
      void refresh();
    }
  });

  function poll(): void {
    const url = text.versionUrl;
    if (!url) return;
    let known = text.version ?? '';
    const timer = window.setInterval(async () => {
      try {
        const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
        if (response.status === 401 || response.status === 403) return window.clearInterval(timer);
        if (!response.ok) return;
        const { version } = (await response.json()) as { version: string };
        if (version !== known) {
          known = version;
          void refresh();
        }
      } catch {
        // Try again at the next tick.
      }
    }, POLL_MS);
  }

  if (!text.events || typeof EventSource === 'undefined') return poll();
  const source = new EventSource(text.events);
  source.addEventListener('cambio', () => void refresh());
  source.addEventListener('error', () => {
    // CONNECTING: the browser reconnects by itself (the stream ends every few minutes). CLOSED: the
    // server refused the stream (a runtime without long-lived answers, or the session ended).
    if (source.readyState === EventSource.CLOSED) poll();
  });
}

const liveRegion = document.querySelector<HTMLElement>('[data-live-queue]');
const liveStatus = document.querySelector<HTMLElement>('[data-live-status]');
if (liveRegion && liveStatus) start(liveRegion, liveStatus);
