import { describe, expect, it } from 'vitest';
import { procedureDocumentSchema } from '../../store/catalog/exchange-format.ts';
import {
  correctedEntry,
  detailsOf,
  drawForReview,
  institutionDetailsOf,
  mergedEvidence,
  mergedInstitutionEvidence,
  passedDates,
  datedDetails,
  pendingSlugs,
  unquotedCounts,
  unquotedFigures,
  unsaidYears,
  loneOfficeFacts,
  type EvidenceFile,
} from '../../store/catalog/review.ts';
import type { ProcedureDocument } from '../../store/catalog/exchange-format.ts';

const slugs = Array.from({ length: 30 }, (_, i) => `entrada-${i + 1}`);

describe('drawing a review round', () => {
  it('gives the same round for the same seed, and another for another seed', () => {
    const round = drawForReview(slugs, 23122026);
    expect(round).toHaveLength(20);
    expect(new Set(round).size).toBe(20);
    expect(drawForReview(slugs, 23122026)).toEqual(round);
    expect(drawForReview(slugs, 24122026)).not.toEqual(round);
  });

  it('is the shuffle the review records name (mulberry32, Fisher–Yates from the end)', () => {
    // The order the inline command recorded in data/reviews/2026-12-02.md gives for this seed:
    // changing the generator would make the recorded rounds impossible to draw again.
    expect(drawForReview(['a', 'b', 'c', 'd', 'e', 'f'], 1, new Set(), 6)).toEqual(['e', 'b', 'f', 'c', 'a', 'd']);
  });

  it('leaves out the excluded entries and keeps the order of the rest', () => {
    const all = drawForReview(slugs, 7, new Set(), 30);
    const excluded = new Set(all.slice(0, 5));
    expect(drawForReview(slugs, 7, excluded, 10)).toEqual(all.slice(5, 15));
  });
});

const entry = {
  slug: 'tramite-de-prueba',
  title: 'Sacar la constancia de prueba',
  summary: 'Es una constancia sintética para las pruebas.',
  category: 'identidad-y-documentos',
  institution: 'rnpn',
  requirements: ['Tener DUI'],
  documents: ['DUI original'],
  steps: ['Pregunte en la oficina cómo pedirla'],
  channels: ['presencial'],
  offices: [{ name: 'Oficina central', address: 'Calle sintética 1' }],
  keywords: ['constancia'],
  updated_at: '2026-01-01',
};

describe('applying a reviewer’s correction', () => {
  it('keeps the catalog’s key order, adds new keys last and dates the change', () => {
    const corrected = {
      ...entry,
      keywords: ['constancia'],
      channels: ['presencial', 'en_linea'],
      summary: 'Otra',
      legal_basis: 'Ley sintética',
      title: entry.title,
    };
    const out = correctedEntry(entry, corrected, '2026-12-02');
    expect(Object.keys(out)).toEqual([...Object.keys(entry), 'legal_basis']);
    expect(out).toMatchObject({ summary: 'Otra', channels: ['presencial', 'en_linea'], updated_at: '2026-12-02' });
  });

  it('adds the new facts and drops the evidence of text the entry no longer has', () => {
    const before = procedureDocumentSchema.parse(entry);
    const after = procedureDocumentSchema.parse({ ...entry, documents: ['DUI vigente'] });
    const evidence: EvidenceFile = {
      slug: entry.slug,
      checked_on: '2026-01-01',
      facts: [
        ...detailsOf(before).map((detail) => ({ ...detail, source: 'https://ejemplo.gob.sv/ficha', quote: 'las palabras de la página' })),
        { field: 'offices.name', text: '*', source: 'https://ejemplo.gob.sv/oficinas', quote: 'la lista de todas las oficinas' },
      ],
    };
    const added = [
      { field: 'documents', text: 'DUI vigente', source: 'https://ejemplo.gob.sv/nueva', quote: 'presentar el DUI vigente' },
      { field: 'documents', text: 'DUI vigente', source: 'https://ejemplo.gob.sv/nueva', quote: 'presentar el DUI vigente' },
    ];
    const { evidence: merged, dropped } = mergedEvidence(evidence, added, after, '2026-12-02');
    expect(dropped).toBe(1);
    expect(merged.checked_on).toBe('2026-12-02');
    expect(merged.facts.filter((fact) => fact.field === 'documents')).toEqual([added[0]]);
    expect(merged.facts.some((fact) => fact.field === 'offices.name' && fact.text === '*')).toBe(true);
    // Every detail of the corrected entry still has its fact.
    const backed = new Set(merged.facts.map((fact) => `${fact.field}|${fact.text}`));
    expect(detailsOf(after).filter((detail) => !backed.has(`${detail.field}|${detail.text}`))).toEqual([]);
  });

  it('drops a withdrawn fact of text the entry keeps, by page when the text has several, and names a withdrawal that matches nothing', () => {
    const parsed = procedureDocumentSchema.parse(entry);
    const [first] = detailsOf(parsed);
    const wrong = { ...first, source: 'https://ejemplo.gob.sv/otro-servicio', quote: 'las palabras de otro servicio' };
    const right = { ...first, source: 'https://ejemplo.gob.sv/ficha', quote: 'las palabras de esta ficha' };
    const evidence: EvidenceFile = { slug: entry.slug, checked_on: '2026-01-01', facts: [wrong, right] };
    const fixed = { ...first, source: 'https://ejemplo.gob.sv/nueva', quote: 'las palabras nuevas de la ficha' };
    const typo = { field: first.field, text: `${first.text} (con una errata)` };
    const {
      evidence: merged,
      dropped,
      unmatched,
    } = mergedEvidence(evidence, [fixed], parsed, '2026-12-04', [{ field: first.field, text: first.text, source: wrong.source }, typo]);
    expect(merged.facts).toEqual([right, fixed]);
    expect(dropped).toBe(1);
    expect(unmatched).toEqual([typo]);
    // Without a page, every fact of that text goes.
    expect(mergedEvidence(evidence, [fixed], parsed, '2026-12-04', [{ field: first.field, text: first.text }]).evidence.facts).toEqual([fixed]);
  });
});

describe('an institution record’s evidence', () => {
  const record = {
    slug: 'mh',
    name: 'Ministerio de Hacienda',
    website: 'https://www.mh.gob.sv',
    phone: '2244-3444',
    information_office: { name: 'Unidad de Acceso a la Información Pública', email: 'uaip@mh.gob.sv' },
  };

  it('lists every value a person acts on, the information office’s too, and not the name or the check', () => {
    expect(institutionDetailsOf({ ...record, source_url: 'https://x.sv', verified_at: '2026-12-03' })).toEqual([
      { field: 'website', text: 'https://www.mh.gob.sv' },
      { field: 'phone', text: '2244-3444' },
      { field: 'information_office.name', text: 'Unidad de Acceso a la Información Pública' },
      { field: 'information_office.email', text: 'uaip@mh.gob.sv' },
    ]);
  });

  it('adds new facts once and drops the facts of values the record no longer has', () => {
    const old: EvidenceFile = {
      slug: 'mh',
      checked_on: '2026-12-01',
      facts: [
        { field: 'phone', text: '2237-3444', source: 'https://a.sv', quote: 'llame al 2237-3444' },
        { field: 'website', text: 'https://www.mh.gob.sv', source: 'https://b.sv', quote: 'sitio oficial www.mh.gob.sv' },
      ],
    };
    const added = [
      { field: 'phone', text: '2244-3444', source: 'https://c.sv', quote: 'Teléfono: 2244-3444' },
      { field: 'website', text: 'https://www.mh.gob.sv', source: 'https://b.sv', quote: 'sitio oficial www.mh.gob.sv' },
    ];
    const { evidence, dropped } = mergedInstitutionEvidence(old, added, record, '2026-12-03');
    expect(dropped).toBe(1);
    expect(evidence.checked_on).toBe('2026-12-03');
    expect(evidence.facts.map((fact) => `${fact.field} ${fact.text}`)).toEqual(['website https://www.mh.gob.sv', 'phone 2244-3444']);
  });
});

describe('entries waiting for their sources', () => {
  it('reads the slugs of pending.txt, skipping comments and blank lines, whatever spacing follows the slug', () => {
    const text = '# comment\n\nfirst-slug   the page came without an address\nsecond-slug\tno source yet\n  third-slug reason\n';
    expect(pendingSlugs(text)).toEqual(['first-slug', 'second-slug', 'third-slug']);
  });
});

describe('figures a page must say', () => {
  it('finds an amount or a phone that no quote says', () => {
    expect(unquotedFigures('Pague $12 y llame al 2244-3444', ['Centro de Atención Exprés'])).toEqual(['$12', '2244-3444']);
    expect(unquotedFigures('Límite de $1,000, o $3,000 en diciembre', ['hasta $1,000 en bienes libres de impuestos'])).toEqual(['$3,000']);
    expect(unquotedFigures('Llame al 2591-3260 o al 2591-3299', ['Teléfonos: 2591-3260/3261.'])).toEqual(['2591-3299']);
  });

  it('reads the ways pages write figures: separators, words, millions, an abbreviated second phone', () => {
    expect(unquotedFigures('Pague $3', ['es necesario pagar TRES 00/100 DÓLARES'])).toEqual([]);
    expect(unquotedFigures('Si el precio pasa de $30,000', ['si el precio excede a $30.000.00 solvencia tributaria'])).toEqual([]);
    expect(unquotedFigures('Recibió más de $31 millones', ['un total de $31,822,759.38 recibidos'])).toEqual([]);
    expect(unquotedFigures('Capital de al menos $1', ['será de un dólar'])).toEqual([]);
    expect(unquotedFigures('Cuesta $10.39.', ['el valor es de $10.39'])).toEqual([]);
    expect(unquotedFigures('Llame al 2591-3261', ['Teléfonos: 2591-3260/3261.'])).toEqual([]);
    expect(unquotedFigures('Llame al 2592-2136', ['Telephone: (503) 2592 – 2136'])).toEqual([]);
  });

  it('takes a page that says «free» for an amount of $0, and no other amount', () => {
    expect(unquotedFigures('$0', ['El trámite es gratuito'])).toEqual([]);
    expect(unquotedFigures('$0', ['Costo: Ninguno'])).toEqual([]);
    expect(unquotedFigures('$5', ['El trámite es gratuito'])).toEqual(['$5']);
  });

  it('leaves year ranges and figures without a dollar sign alone', () => {
    expect(unquotedFigures('En 2024-2025 el apoyo duró 10 meses', [])).toEqual([]);
  });
});

describe('other numbers a page must say', () => {
  it('finds a count, an article or a percentage that no quote says', () => {
    expect(unquotedCounts('Buses de hasta 30 pasajeros', ['licencia para buses y microbuses'])).toEqual(['30']);
    expect(unquotedCounts('Ley de Migración (art. 152)', ['Art. 151.- La visa'])).toEqual(['152']);
    expect(unquotedCounts('Hasta 1,000 personas al año', ['un cupo de 1.000 personas'])).toEqual([]);
    expect(unquotedCounts('del 1.5 % al 2.25 % de la obra', ['el 1.5% del presupuesto'])).toEqual(['2.25']);
  });

  it('reads numbers that pages write in words, in Spanish or English', () => {
    expect(unquotedCounts('Durante sus primeros 90 días', ['less than ninety consecutive days'])).toEqual([]);
    expect(unquotedCounts('Tiene 25 años de cotizar', ['veinticinco años de cotizaciones'])).toEqual([]);
  });

  it('leaves alone what is not a count: years, clock times, amounts, phones, form codes', () => {
    expect(unquotedCounts('Desde marzo de 2026, de 8:00 a. m. a 4:15 p. m.', [])).toEqual([]);
    expect(unquotedCounts('Pague $12 o llame al 2244-3444', [])).toEqual([]);
    expect(unquotedCounts('Presente el F14 o el formulario F-910', [])).toEqual([]);
  });

  it('checks both ends of a range', () => {
    expect(unquotedCounts('De 10-15 días hábiles', ['un plazo de 10 días'])).toEqual(['15']);
  });
});

describe('years a reader should look at', () => {
  it('lists a year that neither a quote nor a source address says, once', () => {
    expect(unsaidYears('En diciembre de 2025, y otra vez en 2025', ['firmaron un convenio'], ['https://x.sv/convenio'])).toEqual(['2025']);
    expect(unsaidYears('Desde marzo de 2026', ['el RNPN ya no pide la partida'], ['https://x.sv/2026/03/04/rnpn'])).toEqual([]);
    expect(unsaidYears('La ley de 2024', ['aprobada en 2024'], [])).toEqual([]);
    expect(unsaidYears('Tel. 2024-5555 y 150 días', [], [])).toEqual([]);
  });
});

describe('office details a reader should look at', () => {
  it('lists the contact facts of an office whose page no other detail cites', () => {
    const step = { field: 'steps', text: 'Pida cita en línea', source: 'https://x.sv/pasaporte', quote: 'pida su cita en línea' };
    const ownPhone = { field: 'offices.phone', text: '2213-7700', source: 'https://x.sv/pasaporte', quote: 'Tel: 2213-7700' };
    const otherHours = { field: 'offices.hours', text: 'Lunes a viernes', source: 'https://x.sv/residencia', quote: 'de lunes a viernes' };
    const otherName = { field: 'offices.name', text: 'Sucursal Centro', source: 'https://x.sv/residencia', quote: 'Sucursal Centro de Gobierno' };
    const hedge = { field: 'offices.hours', text: 'Consulte el horario', hedge: true };
    expect(loneOfficeFacts([step, ownPhone, otherHours, otherName, hedge])).toEqual([otherHours]);
  });

  it('does not count another office fact as a citation', () => {
    const phone = { field: 'offices.phone', text: '915', source: 'https://x.sv/reportes', quote: 'al 915 para reportes' };
    const address = { field: 'offices.address', text: 'Colonia Centro', source: 'https://x.sv/reportes', quote: 'en la colonia Centro' };
    expect(loneOfficeFacts([phone, address])).toEqual([phone, address]);
  });
});

describe('dates that have passed (the `dates` worklist)', () => {
  const day = '2026-12-04';

  it('lists a day or a month whose last day is before the given day, and marks the ones a deadline or promise word introduces', () => {
    expect(passedDates('El RNPN tiene plazo hasta junio de 2026 para completar el registro central', day)).toEqual([
      { said: 'junio de 2026', last: '2026-06-30', ahead: true },
    ]);
    expect(passedDates('La prueba general será el 4 de octubre de 2025 y la específica el 15 de noviembre del 2025', day)).toEqual([
      { said: '4 de octubre de 2025', last: '2025-10-04', ahead: true },
      // Its sentence is a future too («será»), told of a day now passed.
      { said: '15 de noviembre del 2025', last: '2025-11-15', ahead: true },
    ]);
    expect(passedDates('Rige desde el 24 de diciembre de 2024', day)).toEqual([{ said: '24 de diciembre de 2024', last: '2024-12-24', ahead: false }]);
    expect(passedDates('Cotizó hasta setiembre de 1998', day)).toEqual([{ said: 'setiembre de 1998', last: '1998-09-30', ahead: true }]);
  });

  it('leaves out dates still ahead, the month still running, and years alone', () => {
    expect(passedDates('La inscripción abre en enero de 2027 y cierra el 4 de diciembre de 2026', day)).toEqual([]);
    expect(passedDates('Las tarifas de diciembre de 2026', day)).toEqual([]);
    expect(passedDates('Ley de 1993, reformada en 2025', day)).toEqual([]);
    // The same words on another day: the clock is the caller's, never today's.
    expect(passedDates('hasta el 31 de enero de 2027', '2027-02-01')).toEqual([{ said: '31 de enero de 2027', last: '2027-01-31', ahead: true }]);
  });

  it('marks a date whose sentence tells an announcement, a proposal or a doubt, before or after it, and not one in the next sentence', () => {
    expect(passedDates('En marzo de 2026 el Gobierno propuso una reforma', day)).toEqual([{ said: 'marzo de 2026', last: '2026-03-31', ahead: true }]);
    expect(passedDates('El RNPN anunció en marzo de 2026 que la renovación podrá hacerse en línea', day)[0].ahead).toBe(true);
    expect(passedDates('En octubre de 2024 se abrió un plazo especial; no encontramos una prórroga', day)[0].ahead).toBe(true);
    expect(passedDates('Las visitas se suspendieron en marzo de 2020, y todavía no se reanudan', day)[0].ahead).toBe(true);
    // A future told under a past date (round 58's heavy licence): a promise to re-read.
    expect(passedDates('En marzo de 2025 se informó que se implementará un sistema de exámenes con cámaras', day)[0].ahead).toBe(true);
    // The stage word belongs to another sentence: the date itself was said in the past.
    expect(passedDates('Rige desde el 24 de diciembre de 2024. Se anunció otra reforma', day)[0].ahead).toBe(false);
    // Inside a word it is no stage word («previstas» is, «imprevisto» is not).
    expect(passedDates('Desde enero de 2025 hubo un imprevisto', day)[0].ahead).toBe(false);
  });
});

describe('the dated details of an entry', () => {
  const day = '2026-12-04';
  const dated = {
    ...entry,
    summary: 'Rige desde el 24 de diciembre de 2024.',
    requirements: ['Tener DUI', 'Inscribirse hasta el 31 de agosto de 2026'],
    steps: ['Pida cita desde enero de 2027'],
    legal_basis: 'Ley de 2024 (vigente desde el 24 de diciembre de 2024)',
    offices: [
      { name: 'Oficina central', note: 'En septiembre de 2025 la prensa dijo que no atendía; todavía no sabemos si volvió a abrir' },
      { name: 'Oficina oriente', note: 'En septiembre de 2025 la prensa dijo que no atendía; todavía no sabemos si volvió a abrir' },
    ],
  } as unknown as ProcedureDocument;

  it('lists each detail naming a passed date once, deadlines and stages first, and leaves out dates ahead', () => {
    const details = datedDetails(dated, day);
    expect(details.map((d) => [d.field, d.ahead])).toEqual([
      ['requirements', true],
      ['offices.note', true],
      ['summary', false],
      ['legal_basis', false],
    ]);
    expect(details[0].dates).toEqual([{ said: '31 de agosto de 2026', last: '2026-08-31', ahead: true }]);
    // A day later for the calendar, not for the entry: the caller's day decides.
    expect(datedDetails(dated, '2024-01-01')).toEqual([]);
  });
});
