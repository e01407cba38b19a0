import { createApp } from 'astro/app/entrypoint';

// Whole responses, not streams: a page that fails half way must not reach a person half drawn.
export const app = createApp({ streaming: false });
