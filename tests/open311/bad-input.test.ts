/**
 * Property-based bad input for Open311 (fast-check): random form bodies for POST requests and
 * random query strings and paths for the GET resources, in both formats. Every answer is a 200
 * or a refusal in GeoReport v2's error format with 400, 403 or 404 — never a 5xx, never the JSON
 * API's error shape — and a refused POST writes nothing (reports, events and audit rows counted
 * before and after).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileReport } from '../fixtures/reports.ts';
import { BASE, createOpen311Harness, parseXml, type Open311Harness } from '../fixtures/open311.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

let t: TestStore;
let h: Open311Harness;
let known = '';

beforeAll(async () => {
  t = await createTestStore('fixture');
  h = await createOpen311Harness(t);
  known = await fileReport(t, 'complaint', { open311ClientId: h.clientId, channel: 'open311' });
});
afterAll(() => t.cleanup());

async function counts(): Promise<string> {
  const rows = await t.store.db.execute(
    'SELECT (SELECT count(*) FROM reports) AS reports, (SELECT count(*) FROM report_events) AS events, (SELECT count(*) FROM audit_log) AS audit',
  );
  return JSON.stringify(rows.rows[0]);
}

/** A refusal in the spec's format, or a 200 whose body parses in the asked format. */
async function checkAnswer(response: Response, format: 'json' | 'xml'): Promise<number> {
  const text = await response.text();
  expect(response.status, text).not.toBeGreaterThanOrEqual(500);
  expect([200, 400, 403, 404], text).toContain(response.status);
  if (format === 'json') {
    expect(response.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    const body = JSON.parse(text);
    if (response.status !== 200) {
      expect(Array.isArray(body)).toBe(true);
      for (const error of body) {
        expect(typeof error.code).toBe('number');
        expect(typeof error.description).toBe('string');
      }
    }
  } else {
    expect(response.headers.get('Content-Type')).toBe('text/xml; charset=utf-8');
    const body = parseXml(text);
    if (response.status !== 200) expect(body.errors.error.length).toBeGreaterThan(0);
  }
  return response.status;
}

const FIELDS = [
  'api_key',
  'jurisdiction_id',
  'service_code',
  'lat',
  'long',
  'address_string',
  'address_id',
  'email',
  'device_id',
  'account_id',
  'first_name',
  'last_name',
  'phone',
  'description',
  'media_url',
  'attribute[institucion]',
  'attribute[numero_de_ventanilla]',
  'attribute[numero_de_ventanilla][]',
  'attribute[tipo_de_hecho][]',
  'attribute[fecha_del_hecho]',
  'attribute[tipo_de_riesgo]',
  'attribute[tramite]',
  'attribute[]',
  'attribute[a][b]',
  'attribute',
];

/** Values that are nearly right as often as wildly wrong. */
const value = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom('complaint', 'corruption', 'emergency', 'violence', 'missing_requirement', 'rnpn', 'dinero', 'arbol', 'prueba-emision-dui'),
  fc.constantFrom('13.7', '-89.2', '91', 'NaN', '1e308', '-0', '13.698912345678901234', '06', '0601', '060101', '99'),
  fc.constantFrom('2026-11-18T09:30:00-06:00', '2026-02-30', '2030-01-01T00:00:00Z', 'ayer', ''),
  fc.constantFrom('http://example.com/foto.jpg', 'javascript:alert(1)', 'vecina@correo.com', '7000 1234'),
  fc.constantFrom('\u0000', '\uFFFE', '\uD800', '<x>&</x>', ']]>', 'a'.repeat(4001)),
);

const randomForm = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 20 })), value), { maxLength: 14 });

/** A valid complaint with a few fields replaced, added or dropped: reaches the store's own checks. */
const VALID: [string, string][] = [
  ['service_code', 'complaint'],
  ['lat', '13.7'],
  ['long', '-89.2'],
  ['description', 'En la ventanilla 4 no me quisieron recibir la solicitud.'],
  ['attribute[institucion]', 'rnpn'],
  ['email', 'vecina@correo.com'],
];
const nearlyValid = fc
  .tuple(fc.array(fc.tuple(fc.constantFrom(...FIELDS), value), { minLength: 1, maxLength: 3 }), fc.subarray(VALID.map((_, index) => index)))
  .map(([changes, dropped]) => {
    const form = new Map(VALID.filter((_, index) => !dropped.includes(index) || index > 3));
    for (const [key, item] of changes) form.set(key, item);
    return [...form.entries()];
  });

const formBody = fc.oneof(randomForm, nearlyValid);

describe('POST requests with random forms', () => {
  it('answers 200 (one case written, whole) or 400/403/404 (nothing written), never 5xx', async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(formBody, fc.boolean(), fc.constantFrom('json', 'xml' as const), async (entries, withKey, format) => {
        const fields: [string, string][] = withKey ? [['api_key', h.apiKey], ...entries] : entries;
        const before = await counts();
        const status = await checkAnswer(await h.post(`requests.${format}`, fields), format as 'json' | 'xml');
        seen.add(status);
        const after = await counts();
        if (status === 200) {
          const [b, a] = [JSON.parse(before), JSON.parse(after)];
          expect(a.reports).toBe(b.reports + 1);
          expect(a.events).toBe(b.events + 1);
        } else {
          expect(after).toBe(before);
        }
      }),
      { numRuns: 250 },
    );
    // The runs reached the store (some accepted) as well as every refusal.
    expect([...seen].sort()).toEqual([200, 400, 403, 404]);
  }, 120_000);

  it('answers a raw body of any kind and any Content-Type with a refusal, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.uint8Array({ maxLength: 200 }).map((bytes) => new TextDecoder('latin1').decode(bytes)),
        ),
        fc.constantFrom('application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'multipart/form-data', 'application/json', 'text/plain', ''),
        async (body, type) => {
          const before = await counts();
          const response = await h.app.request(`${BASE}/requests.xml`, { method: 'POST', headers: type ? { 'Content-Type': type } : {}, body });
          expect([400, 403, 404]).toContain(await checkAnswer(response, 'xml'));
          expect(await counts()).toBe(before);
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);

  it('refuses a body over 64 KB in the error format', async () => {
    const response = await h.post('requests.json', { api_key: h.apiKey, description: 'x'.repeat(70 * 1024) });
    expect(await checkAnswer(response, 'json')).toBe(400);
  });
});

const QUERY_KEYS = ['service_request_id', 'service_code', 'start_date', 'end_date', 'status', 'api_key', 'jurisdiction_id', 'page'];
const queryValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('open', 'closed', 'open,closed', 'complaint', 'violence', 'complaint,,emergency', ',', '%', '%ZZ'),
  fc.constantFrom('2026-11-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-11-20', '2026-13-45T99:99:99Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59+14:00'),
  fc.constantFrom('K7QM-2XDT-9RBH-4C', 'x'.repeat(50), Array.from({ length: 1001 }, () => 'A').join(',')),
);

describe('GET resources with random queries and paths', () => {
  it('answers 200 or 400/403/404 in the asked format, never 5xx', async () => {
    const resources = ['requests', 'servicerequestupdates', 'services', 'discovery'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...resources),
        fc.constantFrom('json', 'xml' as const),
        fc.array(fc.tuple(fc.constantFrom(...QUERY_KEYS), queryValue), { maxLength: 6 }),
        fc.boolean(),
        async (resource, format, pairs, withKey) => {
          const query = new URLSearchParams(withKey ? [['api_key', h.apiKey], ...pairs] : pairs);
          const response = await h.get(`${resource}.${format}?${query}`);
          await checkAnswer(response, format as 'json' | 'xml');
        },
      ),
      { numRuns: 300 },
    );
  }, 120_000);

  it('answers any id, code or token in a path with 200 or 404 (400 once guessing codes is rate limited), never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('requests', 'services', 'tokens'),
        fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(known, known.toLowerCase(), 'violence', 'complaint', '..', '%00')),
        fc.constantFrom('json', 'xml' as const),
        async (resource, id, format) => {
          // A fresh client address now and then, so the misses counter does not decide every answer.
          h.address.value = `192.0.2.${Math.floor(Math.random() * 200) + 1}`;
          const response = await h.app.request(`${BASE}/${resource}/${encodeURIComponent(id)}.${format}`);
          const status = await checkAnswer(response, format as 'json' | 'xml');
          if (resource === 'tokens') expect(status).toBe(404);
        },
      ),
      { numRuns: 200 },
    );
  }, 120_000);

  it('logs nothing as unhandled', () => {
    expect(h.unhandled).toEqual([]);
  });
});
