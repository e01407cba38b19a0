// Enhances the /denuncia form; without this script every part still works (site/components/reports).
// - a character counter under «¿Qué pasó?» (announced politely, not on every key);
// - municipality and district lists that keep only the chosen parent's options;
// - «Usar mi ubicación» (shown only here; never drawn for violence cases);
// - «Buscar el trámite» answered in place from /api/search, so what she already wrote stays.
// Texts come from data attributes (site/i18n/es.ts), never from here.

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

function counter(): void {
  const textarea = document.querySelector<HTMLTextAreaElement>('#campo-description');
  const shown = document.querySelector<HTMLElement>('[data-counter]');
  const status = document.querySelector<HTMLElement>('[data-counter-status]');
  if (!textarea || !shown || !status) return;
  const max = Number(shown.dataset.counter);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const text = () => {
    const left = max - textarea.value.length;
    return left >= 0
      ? fill(shown.dataset.left ?? '', { count: left.toLocaleString('es-SV') })
      : fill(shown.dataset.over ?? '', { count: (-left).toLocaleString('es-SV') });
  };
  const update = () => {
    shown.textContent = text();
    shown.classList.toggle('error-message', textarea.value.length > max);
    clearTimeout(timer);
    timer = setTimeout(() => (status.textContent = text()), 1200);
  };
  shown.hidden = false;
  shown.textContent = text();
  textarea.addEventListener('input', update);
}

/** A lower select keeps only the optgroup of the chosen parent (all of them while none is chosen). */
function cascade(): void {
  for (const child of document.querySelectorAll<HTMLSelectElement>('select[data-place-child]')) {
    const parent = document.getElementById(child.dataset.placeChild ?? '') as HTMLSelectElement | null;
    if (!parent) continue;
    const groups = [...child.querySelectorAll('optgroup')];
    const update = () => {
      const chosen = child.value;
      for (const group of groups) group.remove();
      for (const group of groups) if (!parent.value || group.dataset.parent === parent.value) child.append(group);
      child.value = [...child.options].some((option) => option.value === chosen) ? chosen : '';
      if (child.value !== chosen) child.dispatchEvent(new Event('change'));
    };
    parent.addEventListener('change', update);
    update();
  }
}

function locate(): void {
  const box = document.querySelector<HTMLElement>('[data-locate]');
  if (!box || !('geolocation' in navigator)) return;
  const lat = box.querySelector<HTMLInputElement>('[data-locate-lat]');
  const lng = box.querySelector<HTMLInputElement>('[data-locate-lng]');
  const use = box.querySelector<HTMLButtonElement>('[data-locate-use]');
  const clear = box.querySelector<HTMLButtonElement>('[data-locate-clear]');
  const status = box.querySelector<HTMLElement>('[data-locate-status]');
  if (!lat || !lng || !use || !clear || !status) return;
  const text = box.dataset;
  const located = (yes: boolean) => {
    use.hidden = yes;
    clear.hidden = !yes;
  };
  box.hidden = false;
  located(lat.value !== '' && lng.value !== '');
  use.addEventListener('click', () => {
    status.textContent = text.asking ?? '';
    navigator.geolocation.getCurrentPosition(
      (position) => {
        lat.value = position.coords.latitude.toFixed(5);
        lng.value = position.coords.longitude.toFixed(5);
        status.textContent = fill(text.done ?? '', { meters: Math.round(position.coords.accuracy) });
        located(true);
        clear.focus();
      },
      () => {
        status.textContent = text.failed ?? '';
      },
      { enableHighAccuracy: false, timeout: 15_000, maximumAge: 60_000 },
    );
  });
  clear.addEventListener('click', () => {
    lat.value = '';
    lng.value = '';
    status.textContent = text.cleared ?? '';
    located(false);
    use.focus();
  });
}

interface ProcedureHit {
  slug: string;
  title: string;
  institution: { name: string };
}

function procedureSearch(): void {
  const form = document.querySelector<HTMLFormElement>('[data-procedure-search]');
  const list = document.querySelector<HTMLElement>('[data-procedure-options]');
  const status = document.querySelector<HTMLElement>('[data-procedure-status]');
  const query = document.querySelector<HTMLInputElement>('[data-procedure-query]');
  const input = form?.querySelector<HTMLInputElement>('input[type="search"]');
  if (!form || !list || !status || !query || !input) return;
  const line: HTMLElement = status;
  const text = form.dataset;
  const hint = form.querySelector<HTMLElement>('[data-live-hint]');
  if (hint) hint.textContent = hint.dataset.liveHint ?? hint.textContent;
  let controller: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function radio(index: number, value: string, label: string, meta?: string): HTMLElement {
    const row = document.createElement('div');
    row.className = 'radio-choice';
    const id = index === 0 ? 'campo-procedure' : `campo-procedure-${index}`;
    const box = document.createElement('input');
    box.type = 'radio';
    box.name = 'procedure';
    box.id = id;
    box.value = value;
    const name = document.createElement('label');
    name.htmlFor = id;
    name.textContent = label;
    if (meta) {
      const small = document.createElement('span');
      small.className = 'meta';
      small.textContent = ` · ${meta}`;
      name.append(small);
    }
    row.append(box, name);
    return row;
  }

  async function run(words: string, submitted: boolean): Promise<void> {
    controller?.abort();
    controller = new AbortController();
    line.textContent = text.searching ?? '';
    try {
      const response = await fetch(`/api/search?${new URLSearchParams({ q: words, limit: '8' })}`, { signal: controller.signal });
      if (!response.ok) throw new Error(String(response.status));
      const { hits } = (await response.json()) as { hits: ProcedureHit[] };
      const chosen = list!.querySelector<HTMLInputElement>('input[name="procedure"]:checked');
      const keep = chosen && chosen.value !== '' && !hits.some((hit) => hit.slug === chosen.value) ? chosen.closest('.radio-choice') : null;
      const rows: HTMLElement[] = [];
      if (keep) rows.push(keep as HTMLElement);
      hits.forEach((hit) => rows.push(radio(rows.length, hit.slug, hit.title, hit.institution.name)));
      if (text.none) rows.push(radio(rows.length, '', text.none));
      // Ids follow the order, so the error summary's link still reaches the first choice.
      rows.forEach((row, index) => {
        const box = row.querySelector('input')!;
        const id = index === 0 ? 'campo-procedure' : `campo-procedure-${index}`;
        box.id = id;
        row.querySelector('label')!.htmlFor = id;
      });
      const checked = chosen?.value;
      list!.replaceChildren(...rows);
      const again = [...list!.querySelectorAll<HTMLInputElement>('input[name="procedure"]')].find((box) => box.value === checked);
      if (again) again.checked = true;
      else if (text.none) (list!.querySelector<HTMLInputElement>('input[value=""]') as HTMLInputElement).checked = true;
      line.textContent = fill(hits.length > 0 ? (text.results ?? '') : (text.noresults ?? ''), { count: hits.length, q: words });
      query!.value = words;
    } catch (error) {
      // Offline or refused: a search she asked for falls back to the plain form (a page load).
      if ((error as Error).name !== 'AbortError') {
        line.textContent = '';
        if (submitted) form!.submit();
      }
    }
  }

  form.addEventListener('submit', (event) => {
    const words = input.value.trim();
    if (words === '') return;
    event.preventDefault();
    void run(words, true);
  });
  input.addEventListener('input', () => {
    clearTimeout(timer);
    const words = input.value.trim();
    if (words.length >= 3) timer = setTimeout(() => void run(words, false), 350);
  });
}

counter();
cascade();
locate();
procedureSearch();

export {};
