// A minimal Astro adapter: the build exports an `App` that renders a web Request into a Response.
// server.node.ts (and, later, the Workers entry) put it behind one Hono app together with the API,
// so every response — pages included — shares compression, caching and error handling, and pages
// receive the store through `locals` instead of a module-level singleton.

/** @returns {import('astro').AstroIntegration} */
export default function portalAdapter() {
  return {
    name: 'portal-web-app',
    hooks: {
      'astro:config:done': ({ setAdapter }) => {
        setAdapter({
          name: 'portal-web-app',
          serverEntrypoint: new URL('./entry.mjs', import.meta.url),
          entrypointResolution: 'auto',
          adapterFeatures: { buildOutput: 'server' },
          supportedAstroFeatures: {
            serverOutput: 'stable',
            staticOutput: 'stable',
            hybridOutput: 'stable',
            sharpImageService: 'unsupported',
            envGetSecret: 'unsupported',
          },
        });
      },
    },
  };
}
