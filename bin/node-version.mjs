// Plain JavaScript on purpose: it must run (and explain itself) on the old Node it refuses.
// `npm start`, `npm test` and every `npm run` script use the Node 24 that `npm install` puts in
// node_modules/.bin (the node-linux-* packages); this check only speaks when a script is started
// with another, older `node` directly, or on a system for which no such package exists.
const [major, minor] = process.versions.node.split('.').map(Number);
export const nodeIsSupported = major > 22 || (major === 22 && minor >= 12);

/** Exits with a clear Spanish message when this Node is older than 22.12. */
export function requireSupportedNode() {
  if (nodeIsSupported) return;
  console.error(
    [
      `Este proyecto necesita Node.js 22.12 o más reciente; este equipo tiene ${process.version}.`,
      'Use los comandos de npm (npm install && npm start, npm test): en Linux traen su propio Node 24.',
      'En otros sistemas, instale Node.js 22.12 o más reciente (https://nodejs.org) y vuelva a intentarlo.',
    ].join('\n'),
  );
  process.exit(1);
}
