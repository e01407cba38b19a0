/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    store: import('../api/web-app.ts').PageLocals['store'];
    search: import('../api/web-app.ts').PageLocals['search'];
    /** The public origin: PUBLIC_BASE_URL, or the server's own local address; never the request's Host. */
    publicBaseUrl: string;
    views?: import('../api/web-app.ts').PageLocals['views'];
    admin?: import('../api/web-app.ts').PageLocals['admin'];
  }
}

/** Changes with every build: part of page ETags, since the markup may change with the code. */
declare const __BUILD_ID__: string;
