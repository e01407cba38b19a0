import { z } from 'zod';

// zod's own messages in Spanish, for every check a schema does not word itself (a field of the
// wrong type, a body that is not an object): people never read English. Imported by every module
// that validates (store/catalog/exchange-format.ts, api/errors.ts); the setting is global.
z.config(z.locales.es());
