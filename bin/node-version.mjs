// Plain JavaScript on purpose: it must run (and explain itself) on the old Node it refuses.
const [major, minor] = process.versions.node.split('.').map(Number);
export const nodeIsSupported = major > 22 || (major === 22 && minor >= 12);

/** Exits with a clear Spanish message when this Node is older than 22.12. */
export function requireSupportedNode() {
  if (nodeIsSupported) return;
  console.error(
    [
      `Este proyecto necesita Node.js 22.12 o más reciente; este equipo tiene ${process.version}.`,
      'Instale una versión nueva (https://nodejs.org) o, sin permisos de administrador:',
      '  npm install --prefix ~/.node24 node@24 && export PATH=~/.node24/node_modules/.bin:$PATH',
      'y vuelva a ejecutar el comando.',
    ].join('\n'),
  );
  process.exit(1);
}
