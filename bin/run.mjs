// `node bin/run.mjs scripts/x.node.ts …`: the Node version check in front of every command.
import { pathToFileURL } from 'node:url';
import { requireSupportedNode } from './node-version.mjs';

requireSupportedNode();
const [script, ...rest] = process.argv.slice(2);
process.argv = [process.argv[0], script, ...rest];
await import(pathToFileURL(script).href);
