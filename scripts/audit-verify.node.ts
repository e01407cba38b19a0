// npm run audit:verify — checks the audit log: its keyed hash chain and its signed checkpoint.
// Exit 1 naming the first bad record, or what is missing (records cut from the end, an emptied
// log, a deleted or forged checkpoint). Needs the portal's DATA_KEY: the chain is keyed with it.
import { parseConfig } from '../api/config.ts';
import { verifyAuditChain } from '../store/audit/audit.ts';
import { openConfiguredStore, prepareStore } from '../store/seed.node.ts';

const config = parseConfig(process.env);
const store = await openConfiguredStore(config);
await prepareStore(store, { seedCatalog: false });
const result = await verifyAuditChain(store);
store.close();
if (result.ok) {
  console.log(`Registro de auditoría íntegro: ${result.checked} registros verificados.`);
  if (result.head) console.log(`Último registro: ${result.head.id}, huella ${result.head.hash} (anótela fuera del portal para compararla después).`);
} else if (result.firstBad) {
  console.error(
    `Registro de auditoría ROTO en el registro ${result.firstBad.id}: ${result.firstBad.reason}. ${result.checked} registros anteriores están bien.`,
  );
  process.exit(1);
} else {
  console.error(`Registro de auditoría ROTO: ${result.problem}. ${result.checked} registros verificados antes de notarlo.`);
  process.exit(1);
}
