import { CHANNELS, documentIssues, procedureDocumentSchema, type ProcedureDocument } from '../../store/catalog/exchange-format.ts';

/**
 * The officers' edit form in plain HTML fields: lists as one item per line, offices as one office
 * per line with « | » between name, address, department, municipality, hours and phone.
 */
export type ProcedureFormValues = Record<string, string>;

const LIST_FIELDS = ['requirements', 'documents', 'steps', 'keywords'] as const;
const OFFICE_FIELDS = ['name', 'address', 'department', 'municipality', 'hours', 'phone'] as const;

const lines = (text: string | undefined) =>
  (text ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);

export function formFromDocument(doc: ProcedureDocument): ProcedureFormValues {
  const values: ProcedureFormValues = {
    slug: doc.slug,
    title: doc.title,
    summary: doc.summary,
    category: doc.category,
    audience: doc.audience ?? '',
    cost_amount: doc.cost ? String(doc.cost.amount) : '0',
    cost_note: doc.cost?.note ?? '',
    duration: doc.duration ?? '',
    online_url: doc.online_url ?? '',
    legal_basis: doc.legal_basis ?? '',
    offices: doc.offices.map((office) => OFFICE_FIELDS.map((field) => office[field] ?? '').join(' | ')).join('\n'),
  };
  for (const field of LIST_FIELDS) values[field] = doc[field].join('\n');
  for (const channel of CHANNELS) values[`channel_${channel}`] = doc.channels.includes(channel) ? 'on' : '';
  return values;
}

/** Turns submitted fields into a validated document, or Spanish messages by form field. */
export function documentFromForm(
  values: ProcedureFormValues,
  institution: string,
): { document: ProcedureDocument; errors: null } | { document: null; errors: Record<string, string> } {
  const amount = (values.cost_amount ?? '').replace(',', '.').trim();
  const candidate = {
    slug: values.slug?.trim(),
    title: values.title,
    summary: values.summary,
    category: values.category?.trim(),
    institution,
    audience: values.audience?.trim() || undefined,
    requirements: lines(values.requirements),
    documents: lines(values.documents),
    steps: lines(values.steps),
    keywords: lines(values.keywords).map((keyword) => keyword.toLowerCase()),
    cost: { amount: amount === '' ? 0 : Number(amount), currency: 'USD', ...(values.cost_note?.trim() ? { note: values.cost_note.trim() } : {}) },
    duration: values.duration?.trim() || undefined,
    channels: CHANNELS.filter((channel) => values[`channel_${channel}`] === 'on'),
    online_url: values.online_url?.trim() || undefined,
    legal_basis: values.legal_basis?.trim() || undefined,
    offices: lines(values.offices).map((line) => {
      const parts = line.split('|').map((part) => part.trim());
      return Object.fromEntries(OFFICE_FIELDS.map((field, index) => [field, parts[index] || undefined]).filter(([, value]) => value !== undefined));
    }),
  };
  const errors: Record<string, string> = {};
  if (amount !== '' && !Number.isFinite(Number(amount))) errors.cost_amount = 'Escriba el costo como número, por ejemplo 10.31 (0 si es gratuito).';
  const parsed = procedureDocumentSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of documentIssues(parsed.error)) {
      const [head, index, field] = issue.field.split('.');
      const formField = head === 'cost' ? (index === 'note' ? 'cost_note' : 'cost_amount') : head === 'channels' ? 'channels' : head;
      const where =
        head === 'offices' && index !== undefined
          ? `Oficina ${Number(index) + 1}${field ? ` (${field})` : ''}: `
          : LIST_FIELDS.includes(head as never) && index !== undefined
            ? `Línea ${Number(index) + 1}: `
            : '';
      errors[formField] ??= `${where}${issue.message}`;
    }
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { document: null, errors };
  return { document: parsed.data, errors: null };
}

export interface FieldChange {
  field: string;
  before?: string;
  after?: string;
  added?: string[];
  removed?: string[];
}

/** A readable difference between two versions: changed fields, and items added or removed from lists. */
export function diffDocuments(before: ProcedureDocument, after: ProcedureDocument): FieldChange[] {
  const changes: FieldChange[] = [];
  const fields = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const field of fields) {
    if (field === 'updated_at' || field === 'institution_name') continue;
    const a = (before as Record<string, unknown>)[field];
    const b = (after as Record<string, unknown>)[field];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (Array.isArray(a) || Array.isArray(b)) {
      const show = (item: unknown) => (typeof item === 'string' ? item : Object.values(item as object).join(' · '));
      const left = ((a as unknown[]) ?? []).map(show);
      const right = ((b as unknown[]) ?? []).map(show);
      changes.push({ field, added: right.filter((item) => !left.includes(item)), removed: left.filter((item) => !right.includes(item)) });
    } else {
      const show = (value: unknown) =>
        value === undefined ? undefined : typeof value === 'object' ? Object.values(value as object).join(' · ') : String(value);
      changes.push({ field, before: show(a), after: show(b) });
    }
  }
  return changes;
}
