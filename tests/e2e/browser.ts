import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Debian's Chromium (never a downloaded browser), or undefined when the machine has none. */
export const chromiumPath = CANDIDATES.find((path): path is string => Boolean(path && existsSync(path)));

if (!chromiumPath) {
  console.warn(
    '\n*** END-TO-END TESTS SKIPPED: no Chromium found (tried CHROMIUM_PATH, /usr/bin/chromium). ***\n' +
      '*** Install it with: apt-get install -y chromium                                       ***\n',
  );
}

/** Headless Chromium with the flags this closed network needs (no background connections). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
