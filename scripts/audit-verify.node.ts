// npm run audit:verify — checks the audit log's hash chain; exit 1 naming the first bad record.
import { parseConfig } from '../api/config.ts';
import { verifyAuditChain } from '../store/audit/audit.ts';
import { openConfiguredStore, prepareStore } from '../store/seed.node.ts';

const config = parseConfig(process.env);
const store = await openConfiguredStore(config);
await prepareStore(store, { seedCatalog: false });
const result = await verifyAuditChain(store.db);
store.close();
if (result.ok) {
  console.log(`Registro de auditoría íntegro: ${result.checked} registros verificados.`);
} else {
  console.error(`Registro de auditoría ROTO en el registro ${result.firstBad?.id}: ${result.firstBad?.reason}. ${result.checked} registros anteriores están bien.`);
  process.exit(1);
}
