import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { serve, type ServerType } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Step } from '../../bot/engine/types.ts';
import { step } from '../../bot/engine/engine.ts';
import { createBotRunner } from '../../bot/runner.ts';
import { addReportEvent } from '../../store/reports/handling.ts';
import { consoleLog } from '../../api/errors.ts';
import { createWebApp } from '../../api/web-app.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { loadRenderPage, staticAssets } from '../../server.node.ts';
import { createStaff, FAST_CODE_WORD } from '../fixtures/reports.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';
import { chromiumPath, launchChromium } from './browser.ts';

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** A menu with choices, enough to render every part of the page (the real engine is tested on its own). */
const menuStep: Step = () => ({
  messages: [
    {
      text: 'Hola, ¿en qué le ayudo?\nElija una opción.',
      choices: [
        { value: 'buscar', label: 'Buscar un trámite' },
        { value: 'seguimiento', label: 'Seguimiento de mi caso' },
      ],
    },
  ],
  state: { flow: 'menu', step: 'start', data: {} },
});

describe.skipIf(!chromiumPath)('the web chat in Chromium', () => {
  let t: TestStore;
  let server: ServerType;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    t = await createTestStore();
    const search = createEmbeddedSearch(t.store.db);
    const runner = createBotRunner({ store: t.store, search, step: menuStep, passwordIterations: FAST_CODE_WORD });
    const optOuts = { isOptedOut: async () => false, optOut: async () => undefined, optIn: async () => undefined };
    const app = createWebApp({
      store: t.store,
      search,
      log: consoleLog,
      renderPage: await loadRenderPage(),
      staticAssets: staticAssets(),
      bot: { runner, optOuts },
    });
    server = await new Promise<ServerType>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    t?.cleanup();
  });

  async function axe(page: import('playwright-core').Page): Promise<string[]> {
    await page.addScriptTag({ content: axeSource });
    return page.evaluate(
      async (tags) =>
        (await (window as any).axe.run(document, { runOnly: { type: 'tag', values: tags } })).violations.map(
          (v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`,
        ),
      WCAG_TAGS,
    );
  }

  it('converses without JavaScript and passes axe (WCAG 2.2 AA) empty, in a conversation and with an error', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${url}/chat`);
    await page.getByLabel('Su mensaje').fill('hola');
    await Promise.all([page.waitForURL(/\/chat#ultimo$/), page.getByRole('button', { name: 'Enviar' }).click()]);
    await expect.poll(() => page.getByRole('button', { name: 'Buscar un trámite' }).count()).toBe(1);
    await Promise.all([page.waitForURL(/\/chat#ultimo$/), page.getByRole('button', { name: 'Buscar un trámite' }).click()]);
    expect(await page.locator('.chat-person').last().textContent()).toMatch(/Buscar un trámite/);
    await context.close();

    // axe needs a script, so these views are checked with JavaScript (CSP bypassed only to inject it).
    const checked = await browser.newContext({ bypassCSP: true });
    const view = await checked.newPage();
    const failures: string[] = [];
    await view.goto(`${url}/chat`);
    for (const violation of await axe(view)) failures.push(`empty — ${violation}`);
    await view.getByLabel('Su mensaje').fill('hola');
    await Promise.all([view.waitForURL(/\/chat#ultimo$/), view.getByRole('button', { name: 'Enviar' }).click()]);
    for (const violation of await axe(view)) failures.push(`conversation — ${violation}`);
    await Promise.all([view.waitForURL(/error=vacio/), view.getByRole('button', { name: 'Enviar' }).click()]);
    for (const violation of await axe(view)) failures.push(`error — ${violation}`);
    await Promise.all([view.waitForURL(/hecho=borrada/), view.getByRole('button', { name: 'Borrar conversación' }).click()]);
    for (const violation of await axe(view)) failures.push(`forgotten — ${violation}`);
    await checked.close();
    expect(failures).toEqual([]);
  });

  it('in the 198 live conversation, shows the operator’s reply without a reload, leaving her half-written message and focus alone', async () => {
    // The real engine this time, on its own server.
    const runner = createBotRunner({ store: t.store, search: createEmbeddedSearch(t.store.db), step, passwordIterations: FAST_CODE_WORD });
    const optOuts = { isOptedOut: async () => false, optOut: async () => undefined, optIn: async () => undefined };
    const app = createWebApp({
      store: t.store,
      search: createEmbeddedSearch(t.store.db),
      log: consoleLog,
      renderPage: await loadRenderPage(),
      staticAssets: staticAssets(),
      bot: { runner, optOuts },
    });
    const live = await new Promise<ServerType>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
    });
    const liveUrl = `http://127.0.0.1:${(live.address() as AddressInfo).port}`;
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const send = async (text: string) => {
        await page.getByLabel('Su mensaje').fill(text);
        await Promise.all([page.waitForURL(/\/chat#ultimo$/), page.getByRole('button', { name: 'Enviar' }).click()]);
      };
      const choose = async (value: string) => Promise.all([page.waitForURL(/\/chat#ultimo$/), page.locator(`button[name="choice"][value="${value}"]`).click()]);
      await page.goto(`${liveUrl}/chat`);
      await send('hola');
      for (const value of ['menu.line198', 'yes', 'no', 'line198.option.operator', 'yes', 'any', 'no']) await choose(value);
      await send('girasol');
      await choose('skip');
      const code = /Su código es (\S+)\./.exec((await page.locator('.chat-log').textContent()) ?? '')?.[1];
      expect(code).toBeTruthy();
      await send('Estoy en un lugar seguro');
      const staff = await createStaff(t);
      await page.getByLabel('Su mensaje').fill('Todavía estoy escrib');
      await addReportEvent(t.store, staff.operator198, code!, { type: 'public_reply', message: 'Le escuchamos. ¿Puede hablar?' });
      await expect.poll(() => page.locator('.chat-log').textContent(), { timeout: 20_000 }).toContain('Le escuchamos. ¿Puede hablar?');
      expect(await page.getByLabel('Su mensaje').inputValue()).toBe('Todavía estoy escrib');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('message');
      await expect.poll(() => page.locator('[data-live-chat-status]').textContent()).toBe('Hay un mensaje nuevo en la conversación.');
    } finally {
      await context.close();
      await new Promise((resolve) => live.close(resolve));
    }
  }, 40_000);
});
