// npm run user:create -- --email E --role admin|officer|operator [--institution SLUG] [--queue Q] [--name N] [--supervisor]
// Prints the one-time password alone on the last line (CONTRACTS.md).
import { parseArgs } from 'node:util';
import { parseConfig } from '../api/config.ts';
import { isAppError } from '../store/app-error.ts';
import { createPerson, type Role } from '../store/people/people.ts';
import { openConfiguredStore, prepareStore } from '../store/seed.node.ts';

const USAGE =
  'Uso: npm run user:create -- --email CORREO --role admin|officer|operator [--institution SLUG] [--queue emergencias|198|quejas] [--name NOMBRE] [--supervisor]';
let values: Record<string, string | undefined>;
try {
  values = parseArgs({
    options: {
      email: { type: 'string' },
      role: { type: 'string' },
      institution: { type: 'string' },
      queue: { type: 'string' },
      name: { type: 'string' },
      // Supervisors receive the escalations of overdue cases of their queue or institution.
      supervisor: { type: 'boolean' },
    },
  }).values as Record<string, string | undefined>;
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(1);
}
if (!values.email || !values.role) {
  console.error(USAGE);
  process.exit(1);
}
const config = parseConfig(process.env);
const store = await openConfiguredStore(config);
await prepareStore(store);
try {
  // The command line stands for the system administrator of the machine.
  const { person, oneTimePassword } = await createPerson(
    store,
    {
      email: values.email,
      role: values.role as Role,
      institutionSlug: values.institution,
      queue: values.queue,
      name: values.name,
      supervisor: Boolean(values.supervisor),
    },
    null,
  );
  console.log(
    `Cuenta creada: ${person.email} (${person.role}${person.institutionSlug ? `, ${person.institutionSlug}` : ''}${person.queue ? `, cola ${person.queue}` : ''}).`,
  );
  console.log('Contraseña de un solo uso (debe cambiarse al entrar):');
  console.log(oneTimePassword);
} catch (error) {
  if (!isAppError(error)) throw error;
  console.error(error.message);
  process.exitCode = 1;
} finally {
  store.close();
}
