// The Astro build's server entry (site/adapter/entry.mjs built into dist/server/entry.mjs), as
// worker.ts imports it: wrangler.toml's [alias] points this name at the built file.
declare module 'portal:astro-app' {
  export const app: {
    match(request: Request): unknown;
    render(request: Request, options: { locals?: object; addCookieHeader?: boolean; routeData?: unknown }): Promise<Response>;
  };
}
