// Results as you type, for every search form marked data-live-search. The plain form keeps working
// without this script; with it, the input becomes an ARIA 1.2 combobox with a listbox of results.
// Texts come from data attributes or from /api/search (both from site/i18n/es.ts), never from here.
// Suggestions ask for every word (modo=sugerencias): precision over recall while typing. A search
// that reads like danger shows the 911/198 help above the suggestions, as /buscar does.

interface Danger {
  level: 'immediate' | 'violence';
  text: string;
  calls: { number: string; href: string }[];
}

interface Hit {
  slug: string;
  title: string;
  highlight: { title: string };
  institution: { acronym: string | null; name: string };
}

function enhance(form: HTMLFormElement): void {
  const foundInput = form.querySelector<HTMLInputElement>('input[type="search"]');
  const foundList = form.querySelector<HTMLUListElement>('[data-live-results]');
  const foundStatus = form.querySelector<HTMLElement>('[data-live-status]');
  if (!foundInput || !foundList || !foundStatus) return;
  const input: HTMLInputElement = foundInput;
  const list: HTMLUListElement = foundList;
  const status: HTMLElement = foundStatus;
  const text = form.dataset;
  let active = -1;
  let controller: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  // The help sits outside the listbox (it is not an option) and is announced when it appears.
  const help = document.createElement('div');
  help.className = 'notice alert danger-help';
  help.setAttribute('role', 'alert');
  help.hidden = true;
  list.before(help);

  function showDanger(danger: Danger | undefined): void {
    help.replaceChildren();
    help.hidden = !danger;
    if (!danger) return;
    const textLine = document.createElement('p');
    textLine.textContent = danger.text;
    const calls = document.createElement('p');
    danger.calls.forEach((call, index) => {
      const link = document.createElement('a');
      link.href = call.href;
      link.textContent = call.number;
      if (index > 0) calls.append(' · ');
      calls.append(link);
    });
    help.append(textLine, calls);
  }

  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', list.id);

  const options = () => [...list.querySelectorAll<HTMLLIElement>('[role="option"]')];

  function option(id: string, href: string): HTMLLIElement {
    const item = document.createElement('li');
    item.id = id;
    item.dataset.href = href;
    item.setAttribute('role', 'option');
    item.setAttribute('aria-selected', 'false');
    // Keep focus in the input while the pointer picks an option.
    item.addEventListener('mousedown', (event) => event.preventDefault());
    item.addEventListener('click', () => window.location.assign(href));
    return item;
  }

  function close(): void {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function highlight(index: number): void {
    const items = options();
    if (items.length === 0) return;
    active = (index + items.length) % items.length;
    items.forEach((item, i) => item.setAttribute('aria-selected', String(i === active)));
    input.setAttribute('aria-activedescendant', items[active].id);
    items[active].scrollIntoView({ block: 'nearest' });
  }

  function render(hits: Hit[], total: number, query: string): void {
    list.replaceChildren();
    hits.forEach((hit, index) => {
      // Options hold text, not links (an option must not contain interactive content);
      // Enter or a click follows the option's address.
      const item = option(`${list.id}-${index}`, `/tramites/${hit.slug}`);
      // highlight.title is escaped by the server; only <mark> is markup.
      item.innerHTML = hit.highlight.title;
      const meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = ` · ${hit.institution.acronym ?? hit.institution.name}`;
      item.append(meta);
      list.append(item);
    });
    if (total > hits.length) {
      const more = option(`${list.id}-todos`, `/buscar?q=${encodeURIComponent(query)}`);
      more.textContent = (text.liveAll ?? '').replace('{count}', String(total));
      list.append(more);
    }
    const open = hits.length > 0;
    list.hidden = !open;
    input.setAttribute('aria-expanded', String(open));
    active = -1;
    input.removeAttribute('aria-activedescendant');
    status.textContent = open ? (text.liveCount ?? '').replace('{count}', String(total)) : (text.liveNone ?? '');
  }

  async function lookup(): Promise<void> {
    const query = input.value;
    if (query.trim().length < 2) {
      close();
      showDanger(undefined);
      status.textContent = '';
      return;
    }
    controller?.abort();
    controller = new AbortController();
    try {
      const response = await fetch(`/api/search?limit=6&modo=sugerencias&q=${encodeURIComponent(query)}`, { signal: controller.signal });
      if (!response.ok) return close();
      const body = (await response.json()) as { hits: Hit[]; total: number; danger?: Danger };
      if (input.value !== query) return;
      showDanger(body.danger);
      render(body.hits, body.total, query);
    } catch {
      // Aborted by newer typing, or offline: the plain form still works.
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(lookup, 150);
  });
  input.addEventListener('keydown', (event) => {
    const open = !list.hidden;
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      if (open) highlight(active + 1);
      else void lookup();
    } else if (event.key === 'ArrowUp' && open) {
      event.preventDefault();
      highlight(active - 1);
    } else if (event.key === 'Enter' && open && active >= 0) {
      event.preventDefault();
      const href = options()[active].dataset.href;
      if (href) window.location.assign(href);
    } else if (event.key === 'Escape') {
      // Search inputs clear themselves on Escape; with the list open, Escape only closes it.
      if (open) {
        event.preventDefault();
        close();
      } else input.value = '';
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 100));
}

document.querySelectorAll<HTMLFormElement>('form[data-live-search]').forEach(enhance);
