import type { ProcedureDocument } from './exchange-format.ts';

/**
 * Synthetic procedures for load tests and benchmarks, marked `synthetic: true` and titled so nobody
 * mistakes them for real ones. Deterministic: the same count and seed give the same file.
 */

const ACTIONS = [
  'Solicitud',
  'Renovación',
  'Reposición',
  'Certificación',
  'Inscripción',
  'Constancia',
  'Registro',
  'Permiso',
  'Autorización',
  'Modificación',
  'Cancelación',
  'Consulta',
];
const SUBJECTS = [
  'licencia de funcionamiento',
  'permiso de construcción',
  'carné de productor',
  'registro sanitario',
  'constancia de residencia',
  'certificado de estudios',
  'matrícula de comercio',
  'permiso ambiental',
  'solvencia de pago',
  'credencial de guía turístico',
  'licencia de pesca artesanal',
  'registro de cooperativa',
  'permiso de eventos públicos',
  'carné de manipulador de alimentos',
  'autorización de rótulo',
  'inscripción de asociación',
  'constancia de ingresos',
  'permiso de tala',
  'registro de marca colectiva',
  'certificado de libre venta',
  'licencia de transporte escolar',
  'permiso de importación de semillas',
  'registro de profesional técnico',
  'constancia de no adeudo',
  'inscripción de beneficiario',
  'licencia de venta de bebidas',
  'certificado de uso de suelo',
];
const AUDIENCES = [
  'personas naturales',
  'empresas',
  'cooperativas',
  'productores agrícolas',
  'estudiantes',
  'personas adultas mayores',
  'asociaciones',
  'transportistas',
  'comerciantes',
  'municipalidades',
];
const PLACES: [string, string][] = [
  ['San Salvador', 'San Salvador Centro'],
  ['Santa Ana', 'Santa Ana Centro'],
  ['San Miguel', 'San Miguel Centro'],
  ['La Libertad', 'La Libertad Sur'],
  ['Sonsonate', 'Sonsonate Centro'],
  ['Usulután', 'Usulután Este'],
  ['Chalatenango', 'Chalatenango Centro'],
];
const WORDS = [
  'trámite',
  'gestión',
  'servicio',
  'atención',
  'registro',
  'documento',
  'solicitud',
  'oficina',
  'ventanilla',
  'requisito',
  'formulario',
  'pago',
  'revisión',
  'resolución',
  'notificación',
  'expediente',
];

/** Small, fast, seedable pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticOptions {
  count: number;
  seed?: number;
  /** Institution and category slugs to spread the procedures over. */
  institutions: { slug: string; name: string }[];
  categories: string[];
  /** YYYY-MM-DD: «last checked» dates fall in the year before it. */
  today: string;
}

export function generateSyntheticCatalog(options: SyntheticOptions): ProcedureDocument[] {
  const next = random(options.seed ?? 2026);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const sentence = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const documents: ProcedureDocument[] = [];
  for (let i = 1; i <= options.count; i++) {
    const action = pick(ACTIONS);
    const subject = pick(SUBJECTS);
    const audience = pick(AUDIENCES);
    const institution = pick(options.institutions);
    const [department, municipality] = pick(PLACES);
    const online = next() < 0.3;
    const number = String(i).padStart(6, '0');
    const amount = next() < 0.4 ? 0 : Math.round(next() * 5000) / 100;
    // Checked some day in the year up to `today`: never in the future, which imports refuse.
    const checked = new Date(Date.parse(`${options.today}T12:00:00Z`) - Math.floor(next() * 365) * 86_400_000).toISOString().slice(0, 10);
    documents.push({
      slug: `sintetico-${number}-${slugify(`${action} ${subject}`)}`,
      title: `${action} de ${subject} para ${audience} (sintético ${number})`,
      summary: `Dato sintético de prueba. ${action} de ${subject} dirigida a ${audience}: ${sentence(12)}.`,
      category: pick(options.categories),
      institution: institution.slug,
      institution_name: institution.name,
      audience: `Dirigido a ${audience}.`,
      requirements: Array.from({ length: 2 + Math.floor(next() * 4) }, () => `Presentar ${sentence(5)}`),
      documents: Array.from({ length: 1 + Math.floor(next() * 3) }, () => `Copia de ${sentence(3)}`),
      steps: Array.from({ length: 3 + Math.floor(next() * 3) }, (_, step) => `Paso ${step + 1}: ${sentence(8)}.`),
      cost: { amount, currency: 'USD' },
      duration: `${1 + Math.floor(next() * 20)} días hábiles`,
      channels: online ? ['presencial', 'en_linea'] : ['presencial'],
      ...(online ? { online_url: `https://ejemplo.gob.sv/sintetico/${number}` } : {}),
      offices: [
        { name: `Oficina sintética ${number}`, address: 'Dirección de prueba', department, municipality, hours: 'Lunes a viernes de 8:00 a. m. a 4:00 p. m.' },
      ],
      keywords: [subject, action.toLowerCase(), audience, 'sintetico'],
      updated_at: checked,
      synthetic: true,
    });
  }
  return documents;
}

function slugify(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
