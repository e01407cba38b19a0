// npm run open311:key -- --name APP      issues an Open311 api_key; prints it alone on the last line (CONTRACTS.md)
// npm run open311:key -- --list          lists the client applications
// npm run open311:key -- --revoke ID     revokes a client's key at once
import { parseArgs } from 'node:util';
import { parseConfig } from '../api/config.ts';
import { isAppError } from '../store/app-error.ts';
import { systemActor } from '../store/policy.ts';
import { issueOpen311Key, listOpen311Clients, revokeOpen311Client } from '../store/reports/open311.ts';
import { openConfiguredStore, prepareStore } from '../store/seed.node.ts';

const USAGE = 'Uso: npm run open311:key -- --name "NOMBRE DE LA APLICACIÓN" | --list | --revoke ID';
let values: { name?: string; list?: boolean; revoke?: string };
try {
  values = parseArgs({ options: { name: { type: 'string' }, list: { type: 'boolean' }, revoke: { type: 'string' } } }).values;
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(1);
}
const chosen = [values.name !== undefined, values.list === true, values.revoke !== undefined].filter(Boolean).length;
if (chosen !== 1 || (values.revoke !== undefined && !/^\d+$/.test(values.revoke))) {
  console.error(USAGE);
  process.exit(1);
}
const config = parseConfig(process.env);
const store = await openConfiguredStore(config);
await prepareStore(store);
// The command line stands for the system administrator of the machine.
const cli = systemActor('cli');
try {
  if (values.name !== undefined) {
    const { id, apiKey } = await issueOpen311Key(store, cli, values.name);
    console.log(`Aplicación cliente ${id} registrada: ${values.name.trim()}.`);
    console.log('Su api_key (se muestra solo esta vez; guárdela en la aplicación, no en el código):');
    console.log(apiKey);
  } else if (values.list) {
    const clients = await listOpen311Clients(store.db, cli);
    if (clients.length === 0) console.log('No hay aplicaciones cliente.');
    for (const client of clients) console.log(`${client.id}\t${client.createdAt}\t${client.revoked ? 'revocada' : 'activa'}\t${client.name}`);
  } else {
    await revokeOpen311Client(store, cli, Number(values.revoke));
    console.log(`Clave de la aplicación ${values.revoke} revocada.`);
  }
} catch (error) {
  if (!isAppError(error)) throw error;
  console.error(error.message);
  process.exitCode = 1;
} finally {
  store.close();
}
