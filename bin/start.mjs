// `npm start`: checks Node, builds the site when its sources changed, then starts the server.
import { requireSupportedNode } from './node-version.mjs';

requireSupportedNode();
const { ensureSiteBuilt } = await import('./build-site.mjs');
await ensureSiteBuilt();
const { main } = await import('../server.node.ts');
await main();
