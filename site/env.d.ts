/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    store: import('../api/env.ts').PageLocals['store'];
    search: import('../api/env.ts').PageLocals['search'];
    /** The public origin: PUBLIC_BASE_URL, or the server's own local address; never the request's Host. */
    publicBaseUrl: string;
    views?: import('../api/env.ts').PageLocals['views'];
    admin?: import('../api/env.ts').PageLocals['admin'];
  }
}

/** Changes with every build: part of page ETags, since the markup may change with the code. */
declare const __BUILD_ID__: string;
