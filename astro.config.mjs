// @ts-check
import { defineConfig, passthroughImageService } from 'astro/config';
import portalAdapter from './site/adapter/integration.mjs';

// Pages render on request from the store, so officers' changes show at once. The adapter exports
// Astro's App; server.node.ts serves it and the Hono API from one process and one store.
export default defineConfig({
  srcDir: './site',
  output: 'server',
  adapter: portalAdapter(),
  trailingSlash: 'never',
  build: { inlineStylesheets: 'always', format: 'file' },
  compressHTML: true,
  devToolbar: { enabled: false },
  // The Hono edge checks the origin of every state-changing request once, against PUBLIC_BASE_URL
  // behind a TLS proxy (api/edge/origin-check.ts); Astro's own check compared against the proxy's
  // plain-HTTP URL and refused every redrawn form with 403.
  security: { checkOrigin: false },
  image: { service: passthroughImageService() },
  // assetsInlineLimit 0: scripts stay files under /_astro/, as the Content-Security-Policy (script-src 'self') needs.
  vite: { define: { __BUILD_ID__: JSON.stringify(Date.now().toString(36)) }, build: { assetsInlineLimit: 0 } },
});
