import { CHANNELS, documentIssues, procedureDocumentSchema, type Office, type ProcedureDocument } from '../../store/catalog/exchange-format.ts';

/**
 * The officers' edit form in plain HTML fields: lists as one item per line, offices as repeatable
 * fieldsets (`office_0_name`, `office_0_address`, …) that work without JavaScript.
 */
export type ProcedureFormValues = Record<string, string>;

const LIST_FIELDS = ['requirements', 'documents', 'steps', 'keywords'] as const;
/** An office's fields, in the order the form shows them. */
export const OFFICE_FIELDS = ['name', 'note', 'address', 'department', 'municipality', 'district', 'hours', 'phone', 'fee'] as const;
export type OfficeField = (typeof OFFICE_FIELDS)[number];
/** The most offices the form holds (the exchange format's limit). */
export const MAX_OFFICES = 50;

const lines = (text: string | undefined) =>
  (text ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);

export const officeField = (index: number, field: OfficeField) => `office_${index}_${field}`;

/** How many office fieldsets the submitted form had (`office_count`, else the highest index sent). */
export function officeCount(values: ProcedureFormValues): number {
  const sent = Number(values.office_count);
  let count = Number.isInteger(sent) && sent >= 0 ? sent : 0;
  for (const key of Object.keys(values)) {
    const match = /^office_(\d{1,2})_/.exec(key);
    if (match) count = Math.max(count, Number(match[1]) + 1);
  }
  return Math.min(count, MAX_OFFICES);
}

export function formFromDocument(doc: ProcedureDocument): ProcedureFormValues {
  const values: ProcedureFormValues = {
    slug: doc.slug,
    title: doc.title,
    summary: doc.summary,
    category: doc.category,
    audience: doc.audience ?? '',
    cost_amount: doc.cost?.amount === undefined ? '' : String(doc.cost.amount),
    cost_note: doc.cost?.note ?? '',
    duration: doc.duration ?? '',
    online_url: doc.online_url ?? '',
    source_url: doc.source_url ?? '',
    legal_basis: doc.legal_basis ?? '',
    office_count: String(doc.offices.length),
  };
  doc.offices.forEach((office, index) => {
    for (const field of OFFICE_FIELDS) values[officeField(index, field)] = office[field] ?? '';
  });
  for (const field of LIST_FIELDS) values[field] = doc[field].join('\n');
  for (const channel of CHANNELS) values[`channel_${channel}`] = doc.channels.includes(channel) ? 'on' : '';
  return values;
}

/** The offices of the submitted fieldsets, in the order shown; a fieldset left all blank is no office. */
function officesFromForm(values: ProcedureFormValues): { offices: Record<string, string>[]; positions: number[] } {
  const offices: Record<string, string>[] = [];
  const positions: number[] = [];
  for (let index = 0; index < officeCount(values); index++) {
    const office: Record<string, string> = {};
    for (const field of OFFICE_FIELDS) {
      const value = values[officeField(index, field)]?.trim();
      if (value) office[field] = value;
    }
    if (Object.keys(office).length === 0) continue;
    offices.push(office);
    positions.push(index);
  }
  return { offices, positions };
}

/**
 * Turns submitted fields into a validated document, or Spanish messages by form field. `base` is
 * the entry as stored: what the form does not show (its source identifier, verification date,
 * synthetic flag) is carried over from it, so saving the form never drops or reorders anything.
 */
export function documentFromForm(
  values: ProcedureFormValues,
  institution: string,
  base?: ProcedureDocument,
): { document: ProcedureDocument; errors: null } | { document: null; errors: Record<string, string> } {
  const amount = (values.cost_amount ?? '').replace(',', '.').trim();
  const costNote = values.cost_note?.trim() ?? '';
  const { offices, positions } = officesFromForm(values);
  const chosen = CHANNELS.filter((channel) => values[`channel_${channel}`] === 'on');
  const { updated_at: _updated, institution_name: _name, ...kept } = base ?? ({} as Partial<ProcedureDocument>);
  const candidate = {
    ...kept,
    slug: values.slug?.trim(),
    title: values.title,
    summary: values.summary,
    category: values.category?.trim(),
    institution,
    audience: values.audience?.trim() || undefined,
    requirements: lines(values.requirements),
    documents: lines(values.documents),
    steps: lines(values.steps),
    // Lower case, but a keyword the entry already had keeps its spelling (no change for nothing).
    keywords: lines(values.keywords).map((keyword) => base?.keywords.find((known) => known.toLowerCase() === keyword.toLowerCase()) ?? keyword.toLowerCase()),
    // No amount and no note: the entry says nothing about cost. An unknown amount needs a note.
    cost:
      amount === '' && costNote === ''
        ? undefined
        : { ...(amount === '' ? {} : { amount: Number(amount) }), currency: 'USD' as const, ...(costNote ? { note: costNote } : {}) },
    duration: values.duration?.trim() || undefined,
    // The checkboxes come in the order of CHANNELS: keep the order the entry had.
    channels: base ? [...base.channels.filter((c) => chosen.includes(c)), ...chosen.filter((c) => !base.channels.includes(c))] : chosen,
    online_url: values.online_url?.trim() || undefined,
    source_url: values.source_url?.trim() || undefined,
    legal_basis: values.legal_basis?.trim() || undefined,
    offices,
  };
  const errors: Record<string, string> = {};
  if (amount !== '' && !Number.isFinite(Number(amount)))
    errors.cost_amount = 'Escriba el costo como número, por ejemplo 10.31 (0 si es gratuito; vacío si no se conoce).';
  const parsed = procedureDocumentSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of documentIssues(parsed.error)) {
      const [head, index, field] = issue.field.split('.');
      if (head === 'offices' && index !== undefined && field !== undefined) {
        const position = positions[Number(index)] ?? Number(index);
        errors[officeField(position, field as OfficeField)] ??= `Oficina ${position + 1}: ${issue.message}`;
        continue;
      }
      const formField = head === 'cost' ? (index === 'note' ? 'cost_note' : 'cost_amount') : head === 'channels' ? 'channels' : head;
      const where = LIST_FIELDS.includes(head as never) && index !== undefined ? `Línea ${Number(index) + 1}: ` : '';
      errors[formField] ??= `${where}${issue.message}`;
    }
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { document: null, errors };
  return { document: parsed.data, errors: null };
}

const OFFICE_LABELS: Record<OfficeField, string> = {
  name: 'nombre',
  address: 'dirección',
  department: 'departamento',
  municipality: 'municipio',
  district: 'distrito',
  hours: 'horario',
  phone: 'teléfono',
  fee: 'costo en esta oficina',
  note: 'nota',
};

/** An office on one line, its fields in the form's order and named: «Centro de Gobierno · horario: 8:00 a 16:00». */
export function officeLine(office: Office): string {
  return OFFICE_FIELDS.filter((field) => office[field])
    .map((field) => (field === 'name' ? office[field] : `${OFFICE_LABELS[field]}: ${office[field]}`))
    .join(' · ');
}

export interface FieldChange {
  field: string;
  /** The whole value before and after, as text (a list: one text per item); undefined when absent. */
  before?: string;
  after?: string;
  beforeItems?: string[];
  afterItems?: string[];
  /** Lists: items only in the new version, and only in the old one. */
  added?: string[];
  removed?: string[];
}

const showValue = (field: string, value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (field === 'cost' && typeof value === 'object') {
    const cost = value as { amount?: number; note?: string };
    const amount = cost.amount === undefined ? 'monto no confirmado' : cost.amount === 0 ? 'gratuito' : `$${cost.amount}`;
    return cost.note ? `${amount} (${cost.note})` : amount;
  }
  if (typeof value === 'boolean') return value ? 'sí' : 'no';
  return typeof value === 'object' ? Object.values(value as object).join(' · ') : String(value);
};

const showItem = (field: string, item: unknown) => (field === 'offices' ? officeLine(item as Office) : typeof item === 'string' ? item : JSON.stringify(item));

/**
 * A readable difference between two versions: every changed field with its whole value before and
 * after, and for lists also the items added and removed (a list only reordered has neither).
 */
export function diffDocuments(before: ProcedureDocument, after: ProcedureDocument): FieldChange[] {
  const changes: FieldChange[] = [];
  const fields = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const field of fields) {
    if (field === 'updated_at' || field === 'verified_at' || field === 'institution_name') continue;
    const a = (before as Record<string, unknown>)[field];
    const b = (after as Record<string, unknown>)[field];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (Array.isArray(a) || Array.isArray(b)) {
      const left = ((a as unknown[]) ?? []).map((item) => showItem(field, item));
      const right = ((b as unknown[]) ?? []).map((item) => showItem(field, item));
      changes.push({
        field,
        beforeItems: left,
        afterItems: right,
        added: right.filter((item) => !left.includes(item)),
        removed: left.filter((item) => !right.includes(item)),
      });
    } else {
      changes.push({ field, before: showValue(field, a), after: showValue(field, b) });
    }
  }
  return changes;
}
