/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    store: import('../api/env.ts').PageLocals['store'];
    search: import('../api/env.ts').PageLocals['search'];
    /** The public origin: PUBLIC_BASE_URL, or the server's own local address; never the request's Host. */
    publicBaseUrl: string;
    views?: import('../api/env.ts').PageLocals['views'];
    admin?: import('../api/env.ts').PageLocals['admin'];
    contactRetentionDays?: import('../api/env.ts').PageLocals['contactRetentionDays'];
    /** SITE_NAME, SITE_BANNER, SITE_FOOTER; site/layouts/Base.astro applies the defaults. */
    branding?: import('../api/env.ts').PageLocals['branding'];
  }
}

/** Changes with every build: part of page ETags, since the markup may change with the code. */
declare const __BUILD_ID__: string;
