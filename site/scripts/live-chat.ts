// The web chat while she talks with a 198 operator: every few seconds, while the page is in view,
// /chat is fetched again (drawing it pulls the operator's new replies into her conversation) and,
// if the conversation changed, only the message list is swapped in and a polite live region says
// so. Nothing else on the page moves: not her half-written message, not the focus. Without this
// script the page works the same: she reloads it or sends a message. No third party is contacted.

const POLL_MS = 8_000;

function start(region: HTMLElement, status: HTMLElement): void {
  let busy = false;

  function announce(message: string): void {
    status.textContent = '';
    window.setTimeout(() => {
      status.textContent = message;
    }, 50);
  }

  async function check(timer: number): Promise<void> {
    if (busy || document.visibilityState !== 'visible') return;
    busy = true;
    try {
      const response = await fetch('/chat', { headers: { Accept: 'text/html' }, credentials: 'same-origin', cache: 'no-store' });
      if (!response.ok || new URL(response.url).pathname !== '/chat') return;
      const fresh = new DOMParser().parseFromString(await response.text(), 'text/html').getElementById(region.id);
      // The conversation ended or was deleted: stop asking.
      if (!fresh || fresh.dataset.liveChat === undefined) return window.clearInterval(timer);
      if (fresh.dataset.version === region.dataset.version) return;
      region.replaceChildren(...[...fresh.childNodes].map((node) => document.importNode(node, true)));
      region.dataset.version = fresh.dataset.version;
      announce(region.dataset.textNew ?? '');
    } catch {
      // A network hiccup: the next tick, or a reload, brings the conversation up to date.
    } finally {
      busy = false;
    }
  }

  const timer = window.setInterval(() => void check(timer), POLL_MS);
}

const chatRegion = document.querySelector<HTMLElement>('[data-live-chat]');
const chatStatus = document.querySelector<HTMLElement>('[data-live-chat-status]');
if (chatRegion && chatStatus) start(chatRegion, chatStatus);

export {};
