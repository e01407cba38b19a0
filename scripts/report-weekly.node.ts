// npm run report:weekly [-- --institution SLUG] [--week YYYY-MM-DD]: builds last week's follow-up
// report now (the scheduled job does it every Monday), for the whole portal and each institution,
// or for one institution. The reports are kept and read in /admin/informes.
import { parseArgs } from 'node:util';
import { parseConfig } from '../api/config.ts';
import { isAppError } from '../store/app-error.ts';
import { openConfiguredStore, prepareStore } from '../store/seed.node.ts';
import { buildWeeklyReports, previousWeek } from '../store/transparency/weekly.ts';
import { today } from '../store/clock.ts';

let values: { institution?: string; week?: string };
try {
  ({ values } = parseArgs({ options: { institution: { type: 'string' }, week: { type: 'string' } } }));
} catch {
  console.error('Uso: npm run report:weekly [-- --institution IDENTIFICADOR] [--week AAAA-MM-DD (un lunes)]');
  process.exit(1);
}
const store = await openConfiguredStore(parseConfig(process.env));
await prepareStore(store, { seedCatalog: false });
const weekStart = values.week ?? previousWeek(today(store.clock));
try {
  const written = await buildWeeklyReports(store, { weekStart, institutionSlug: values.institution });
  console.log(`Informe semanal del ${weekStart}: ${written === 1 ? '1 informe listo' : `${written} informes listos`} en /admin/informes.`);
} catch (error) {
  if (!isAppError(error)) throw error;
  console.error(error.message);
  process.exitCode = 1;
} finally {
  store.close();
}
