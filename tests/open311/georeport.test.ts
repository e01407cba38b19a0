/**
 * Open311 GeoReport v2 under /open311/v2, checked against the specification
 * (wiki.open311.org/GeoReport_v2 and /Service_Discovery) field by field, in both formats, and
 * FixMyStreet's servicerequestupdates extension. Violence cases never appear; nothing the
 * citizen wrote (description, contact, address) ever does either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCase, addReportEvent } from '../../store/reports/handling.ts';
import { createReport, type NewReport } from '../../store/reports/reports.ts';
import { issueOpen311Key, listOpen311Clients, readOpen311Client, revokeOpen311Client } from '../../store/reports/open311.ts';
import { normalizeTrackingCode } from '../../store/reports/tracking-code.ts';
import { systemActor } from '../../store/policy.ts';
import { createRateLimiter } from '../../store/rate-limits.ts';
import { RATE_LIMITS } from '../../api/rate-limit.ts';
import { createOpen311Harness, parseXml, type Open311Harness } from '../fixtures/open311.ts';
import { createStaff, FAST_CODE_WORD, type Staff } from '../fixtures/reports.ts';
import { createTestStore, TEST_NOW, type TestStore } from '../fixtures/store.ts';

const SPEC = 'http://wiki.open311.org/GeoReport_v2';
const CODE = /^[0-9A-HJKMNP-TV-Y]{4}-[0-9A-HJKMNP-TV-Y]{4}-[0-9A-HJKMNP-TV-Y]{4}-[0-9A-HJKMNP-TV-Y]{2}$/;
const W3C = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;
const DATATYPES = ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'];
const REQUEST_FIELDS = [
  'service_request_id',
  'status',
  'status_notes',
  'service_name',
  'service_code',
  'description',
  'agency_responsible',
  'service_notice',
  'requested_datetime',
  'updated_datetime',
  'expected_datetime',
  'address',
  'address_id',
  'zipcode',
  'lat',
  'long',
  'media_url',
];
// San Salvador, with more decimals than are ever published.
const LAT = '13.698912';
const LONG = '-89.191437';

let t: TestStore;
let h: Open311Harness;
let staff: Staff;

beforeAll(async () => {
  t = await createTestStore('fixture');
  h = await createOpen311Harness(t);
  staff = await createStaff(t);
});
afterAll(() => t.cleanup());

const json = async (response: Response) => JSON.parse(await response.text());
const xml = async (response: Response) => parseXml(await response.text());

/** A complaint as an Open311 client posts it. */
function complaintFields(extra: Record<string, string> = {}): Record<string, string> {
  return {
    api_key: h.apiKey,
    service_code: 'complaint',
    lat: LAT,
    long: LONG,
    description: 'En la ventanilla 4 no me quisieron recibir la solicitud del DUI.',
    'attribute[institucion]': 'rnpn',
    'attribute[numero_de_ventanilla]': '4',
    ...extra,
  };
}

async function postOk(fields: Record<string, string> | [string, string][], format: 'json' | 'xml' = 'json'): Promise<string> {
  const response = await h.post(`requests.${format}`, fields);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST failed: ${response.status} ${text}`);
  return format === 'json' ? JSON.parse(text)[0].service_request_id : parseXml(text).service_requests.request[0].service_request_id;
}

/** The spec's error structure, in either format: a list of {code, description}. */
async function expectErrors(response: Response, status: number, format: 'json' | 'xml'): Promise<{ code: number; description: string }[]> {
  expect(response.status).toBe(status);
  const text = await response.text();
  if (format === 'json') {
    expect(response.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    const body = JSON.parse(text);
    expect(Array.isArray(body)).toBe(true);
    expect(body.length).toBeGreaterThan(0);
    for (const error of body) {
      expect(Object.keys(error).sort()).toEqual(['code', 'description']);
      expect(typeof error.code).toBe('number');
      expect(typeof error.description).toBe('string');
      expect(error.description.length).toBeGreaterThan(5);
    }
    return body;
  }
  expect(response.headers.get('Content-Type')).toBe('text/xml; charset=utf-8');
  const body = parseXml(text);
  expect(Object.keys(body).filter((key) => key !== '?xml')).toEqual(['errors']);
  const errors = body.errors.error as { code: string; description: string }[];
  expect(errors.length).toBeGreaterThan(0);
  for (const error of errors) {
    expect(Object.keys(error).sort()).toEqual(['code', 'description']);
    expect(error.code).toMatch(/^\d{3}$/);
  }
  return errors.map((error) => ({ code: Number(error.code), description: error.description }));
}

describe('Service Discovery', () => {
  it('answers every field for all versions, in JSON (Spark convention)', async () => {
    const response = await h.get('discovery.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    const body = await json(response);
    expect(Object.keys(body).sort()).toEqual(['changeset', 'contact', 'endpoints', 'key_service']);
    expect(typeof body.changeset).toBe('string');
    expect(body.contact).toMatch(/\w/);
    expect(body.key_service).toMatch(/api_key/);
    expect(body.endpoints).toHaveLength(1);
    const [endpoint] = body.endpoints;
    expect(Object.keys(endpoint).sort()).toEqual(['changeset', 'formats', 'specification', 'type', 'url']);
    expect(endpoint.specification).toBe(SPEC);
    expect(endpoint.url).toMatch(/\/open311\/v2$/);
    expect(['production', 'test']).toContain(endpoint.type);
    expect(endpoint.formats).toEqual(['text/xml', 'application/json']);
  });

  it('answers the same in XML: discovery/endpoints/endpoint/formats/format', async () => {
    const response = await h.get('discovery.xml');
    expect(response.headers.get('Content-Type')).toBe('text/xml; charset=utf-8');
    const body = await xml(response);
    expect(body.discovery.changeset).toBeTruthy();
    expect(body.discovery.key_service).toBeTruthy();
    expect(body.discovery.endpoints.endpoint[0].specification).toBe(SPEC);
    expect(body.discovery.endpoints.endpoint[0].formats.format).toEqual(['text/xml', 'application/json']);
  });
});

describe('GET Service List', () => {
  it('lists every report kind but violence, with the fields of the spec', async () => {
    const body = await json(await h.get('services.json'));
    expect(body.map((service: { service_code: string }) => service.service_code)).toEqual(['complaint', 'corruption', 'emergency', 'missing_requirement']);
    for (const service of body) {
      expect(Object.keys(service).sort()).toEqual(['description', 'group', 'keywords', 'metadata', 'service_code', 'service_name', 'type']);
      expect(service.service_name).toMatch(/\w/);
      expect(service.description).toMatch(/\w/);
      expect(service.metadata).toBe(true);
      expect(service.type).toBe('realtime');
      expect(service.keywords).toMatch(/^[^,]+(, [^,]+)+$/);
      expect(service.group).toMatch(/\w/);
    }
  });

  it('answers services/service/… in XML', async () => {
    const body = await xml(await h.get('services.xml'));
    const services = body.services.service;
    expect(services).toHaveLength(4);
    expect(services[0]).toMatchObject({ service_code: 'complaint', metadata: 'true', type: 'realtime' });
    expect(JSON.stringify(body)).not.toMatch(/violen/i);
  });
});

describe('GET Service Definition', () => {
  it('defines attributes with every field of the spec and a valid datatype', async () => {
    for (const code of ['complaint', 'corruption', 'emergency', 'missing_requirement']) {
      const body = await json(await h.get(`services/${code}.json`));
      expect(body.service_code).toBe(code);
      expect(body.attributes.length).toBeGreaterThan(0);
      const orders = body.attributes.map((attribute: { order: number }) => attribute.order);
      expect(new Set(orders).size).toBe(orders.length);
      for (const attribute of body.attributes) {
        expect(Object.keys(attribute).sort()).toEqual(
          ['code', 'datatype', 'datatype_description', 'description', 'order', 'required', 'values', 'variable'].sort(),
        );
        expect(typeof attribute.variable).toBe('boolean');
        expect(attribute.code).toMatch(/^[a-z0-9_]+$/);
        expect(DATATYPES).toContain(attribute.datatype);
        expect(typeof attribute.required).toBe('boolean');
        expect(attribute.datatype_description === null || typeof attribute.datatype_description === 'string').toBe(true);
        expect(Number.isInteger(attribute.order) && attribute.order > 0).toBe(true);
        expect(attribute.description).toMatch(/\w/);
        if (attribute.datatype.endsWith('valuelist')) {
          expect(attribute.values.length).toBeGreaterThan(0);
          for (const value of attribute.values) expect(Object.keys(value).sort()).toEqual(['key', 'name']);
        } else {
          expect(attribute.values).toEqual([]);
        }
      }
    }
  });

  it('offers the institutions table as the values of «institucion», and the procedure as a required slug for missing requirements', async () => {
    const complaint = await json(await h.get('services/complaint.json'));
    const institution = complaint.attributes.find((attribute: { code: string }) => attribute.code === 'institucion');
    expect(institution.datatype).toBe('singlevaluelist');
    expect(institution.values).toContainEqual({ key: 'rnpn', name: 'Registro Nacional de las Personas Naturales' });
    expect(complaint.attributes.map((a: { datatype: string }) => a.datatype)).toEqual(expect.arrayContaining(['datetime', 'number', 'string']));
    const missing = await json(await h.get('services/missing_requirement.json'));
    expect(missing.attributes.find((a: { code: string }) => a.code === 'tramite')).toMatchObject({ datatype: 'string', required: true });
    const corruption = await json(await h.get('services/corruption.json'));
    expect(corruption.attributes.some((a: { datatype: string }) => a.datatype === 'multivaluelist')).toBe(true);
    const emergency = await json(await h.get('services/emergency.json'));
    // variable=false: an attribute that only informs (the 911 notice).
    expect(emergency.attributes.find((a: { variable: boolean }) => !a.variable).description).toMatch(/911/);
    expect(emergency.attributes.some((a: { datatype: string }) => a.datatype === 'text')).toBe(true);
  });

  it('answers service_definition/attributes/attribute/values/value in XML', async () => {
    const body = await xml(await h.get('services/complaint.xml'));
    expect(body.service_definition.service_code).toBe('complaint');
    const attribute = body.service_definition.attributes.attribute.find((a: { code: string }) => a.code === 'institucion');
    expect(attribute).toMatchObject({ variable: 'true', datatype: 'singlevaluelist', required: 'false', order: '1' });
    expect(attribute.values.value).toContainEqual({ key: 'rnpn', name: 'Registro Nacional de las Personas Naturales' });
  });

  it('knows no violence service, and says so as for any unknown code (404)', async () => {
    for (const format of ['json', 'xml'] as const) {
      const violence = await expectErrors(await h.get(`services/violence.${format}`), 404, format);
      const unknown = await expectErrors(await h.get(`services/baches.${format}`), 404, format);
      expect(violence).toEqual(unknown);
    }
  });
});

describe('POST Service Request', () => {
  it('files a form-encoded complaint and answers service_request_id, service_notice and account_id (JSON)', async () => {
    const response = await h.post('requests.json', complaintFields({ email: 'vecina@correo.com', first_name: 'Ana', last_name: 'Pérez', device_id: 'abc123' }));
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toHaveLength(1);
    expect(Object.keys(body[0]).sort()).toEqual(['account_id', 'service_notice', 'service_request_id']);
    expect(body[0].service_request_id).toMatch(CODE);
    expect(body[0].service_notice).toMatch(/días hábiles/);
    expect(body[0].account_id).toBeNull();
    // Stored as an Open311 case of this client, routed by the institution attribute, the rest encrypted.
    const code = normalizeTrackingCode(body[0].service_request_id) as string;
    const row = (
      await t.store.db.execute({ sql: 'SELECT channel, open311_client_id, attributes, anonymous, contact_channel FROM reports WHERE code = ?', args: [code] })
    ).rows[0];
    expect(row).toMatchObject({ channel: 'open311', open311_client_id: h.clientId, anonymous: 0, contact_channel: 'email' });
    expect(String(row.attributes)).not.toMatch(/numero_de_ventanilla/);
    const detail = await getCase(t.store, staff.admin, code);
    expect(detail.institution?.slug).toBe('rnpn');
    expect(detail.attributes).toEqual({ numero_de_ventanilla: '4' });
    expect(detail.location.lat).toBeCloseTo(13.698912, 6);
  });

  it('files a corruption report with a multivaluelist and answers service_requests/request in XML', async () => {
    const response = await h.post('requests.xml', [
      ['api_key', h.apiKey],
      ['service_code', 'corruption'],
      ['address_id', '060101'],
      ['description', 'Me pidieron veinte dólares para adelantar mi cita.\nFue en la mañana.'],
      ['attribute[tipo_de_hecho][]', 'dinero'],
      ['attribute[tipo_de_hecho][]', 'favores'],
      ['attribute[monto_solicitado]', '20.00'],
      ['attribute[fecha_del_hecho]', '2026-11-18T09:30:00-06:00'],
    ]);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/xml; charset=utf-8');
    const body = await xml(response);
    const [request] = body.service_requests.request;
    expect(request.service_request_id).toMatch(CODE);
    expect(request.service_notice).toMatch(/\w/);
    expect(request.account_id).toBe('');
    const detail = await getCase(t.store, staff.admin, request.service_request_id);
    expect(detail.attributes).toEqual({ tipo_de_hecho: ['dinero', 'favores'], monto_solicitado: '20.00', fecha_del_hecho: '2026-11-18T15:30:00.000Z' });
    expect(detail.location.district).toBeTruthy();
    expect(detail.anonymous).toBe(true);
  });

  it('files a missing requirement by address_string, with the procedure attribute', async () => {
    const code = await postOk({
      api_key: h.apiKey,
      service_code: 'missing_requirement',
      address_string: 'Duicentro de Soyapango',
      description: 'Me pidieron una constancia de residencia que no está en la lista.',
      'attribute[tramite]': 'prueba-emision-dui',
      'attribute[requisito_pedido]': 'Constancia de residencia',
    });
    expect((await getCase(t.store, staff.admin, code)).procedure?.slug).toBe('prueba-emision-dui');
  });

  for (const format of ['json', 'xml'] as const) {
    describe(`refusals in ${format.toUpperCase()}, in the spec's error format`, () => {
      it('403 for a missing, wrong or revoked api_key', async () => {
        const { api_key: _key, ...withoutKey } = complaintFields();
        await expectErrors(await h.post(`requests.${format}`, withoutKey), 403, format);
        await expectErrors(await h.post(`requests.${format}`, complaintFields({ api_key: 'o311_' + 'x'.repeat(43) })), 403, format);
        const revoked = await issueOpen311Key(t.store, staff.admin, 'App retirada');
        await revokeOpen311Client(t.store, staff.admin, revoked.id);
        await expectErrors(await h.post(`requests.${format}`, complaintFields({ api_key: revoked.apiKey })), 403, format);
      });

      it('400 without service_code; 404 for an unknown one, violence included', async () => {
        const { service_code: _code, ...withoutCode } = complaintFields();
        await expectErrors(await h.post(`requests.${format}`, withoutCode), 400, format);
        const unknown = await expectErrors(await h.post(`requests.${format}`, complaintFields({ service_code: 'baches' })), 404, format);
        const violence = await expectErrors(await h.post(`requests.${format}`, complaintFields({ service_code: 'violence' })), 404, format);
        expect(violence).toEqual(unknown);
      });

      it('400 without a location (lat & long, address_string or address_id), or with lat alone', async () => {
        const { lat: _lat, long: _long, ...withoutLocation } = complaintFields();
        const [error] = await expectErrors(await h.post(`requests.${format}`, withoutLocation), 400, format);
        expect(error.description).toMatch(/lat y long, address_string o address_id/);
        const { long: _l, ...latOnly } = complaintFields();
        await expectErrors(await h.post(`requests.${format}`, latOnly), 400, format);
        await expectErrors(await h.post(`requests.${format}`, complaintFields({ lat: '40.4', long: '-3.7' })), 400, format);
        await expectErrors(await h.post(`requests.${format}`, { ...withoutLocation, address_id: '999999' }), 400, format);
      });

      it('400 for a description over 4,000 characters, or none', async () => {
        const [error] = await expectErrors(await h.post(`requests.${format}`, complaintFields({ description: 'a'.repeat(4001) })), 400, format);
        expect(error.description).toMatch(/4.000/);
        const { description: _d, ...withoutDescription } = complaintFields();
        await expectErrors(await h.post(`requests.${format}`, withoutDescription), 400, format);
      });

      it('400 for attributes the definition does not allow, one error each', async () => {
        const cases: Record<string, string>[] = [
          { 'attribute[numero_de_ventanilla]': 'cuatro' },
          { 'attribute[numero_de_ventanilla]': '4.5' },
          { 'attribute[institucion]': 'no-existe' },
          { 'attribute[color]': 'rojo' },
          { 'attribute[fecha_del_hecho]': 'ayer' },
          { 'attribute[fecha_del_hecho]': '2030-01-01T00:00:00Z' },
          { 'attribute[numero_de_ventanilla][]': '4' },
        ];
        for (const extra of cases) await expectErrors(await h.post(`requests.${format}`, complaintFields(extra)), 400, format);
        const emergency = {
          api_key: h.apiKey,
          service_code: 'emergency',
          lat: LAT,
          long: LONG,
          description: 'Un árbol está a punto de caer sobre la calle principal.',
        };
        // A required attribute missing, an informative one answered, a list key that does not exist.
        await expectErrors(await h.post(`requests.${format}`, emergency), 400, format);
        await expectErrors(
          await h.post(`requests.${format}`, { ...emergency, 'attribute[tipo_de_riesgo]': 'arbol', 'attribute[aviso_911]': 'sí' }),
          400,
          format,
        );
        await expectErrors(await h.post(`requests.${format}`, { ...emergency, 'attribute[tipo_de_riesgo]': 'meteorito' }), 400, format);
        const several = await expectErrors(
          await h.post(`requests.${format}`, complaintFields({ 'attribute[numero_de_ventanilla]': 'x', 'attribute[color]': 'rojo' })),
          400,
          format,
        );
        expect(several).toHaveLength(2);
      });

      it('400 for a JSON body instead of a form', async () => {
        const response = await h.app.request(`http://portal.test/open311/v2/requests.${format}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(complaintFields()),
        });
        await expectErrors(response, 400, format);
      });
    });
  }

  it('refuses a client over its hourly limit (HTTP 400, code 429, Retry-After) and stores nothing', async () => {
    const busy = await issueOpen311Key(t.store, staff.admin, 'App muy activa');
    const limiter = createRateLimiter(t.store, RATE_LIMITS.open311Intake);
    for (let i = 0; i < RATE_LIMITS.open311Intake.limit; i++) await limiter.allow(`client:${busy.id}`);
    const before = Number((await t.store.db.execute('SELECT count(*) AS n FROM reports')).rows[0].n);
    const response = await h.post('requests.json', complaintFields({ api_key: busy.apiKey }));
    expect(response.headers.get('Retry-After')).toBe('3600');
    const [error] = await expectErrors(response, 400, 'json');
    expect(error.code).toBe(429);
    expect(Number((await t.store.db.execute('SELECT count(*) AS n FROM reports')).rows[0].n)).toBe(before);
  });
});

describe('GET Service Requests and GET Service Request', () => {
  let other: { id: number; apiKey: string };
  const codes: Record<string, string> = {};

  beforeAll(async () => {
    other = await issueOpen311Key(t.store, staff.admin, 'Otra aplicación');
    const file = async (input: Partial<NewReport> & { kind: NewReport['kind'] }, clientId: number | null = h.clientId) =>
      (
        await createReport(
          t.store,
          {
            channel: 'open311',
            description: 'CANARIO-RELATO que no debe publicarse nunca.',
            anonymous: false,
            open311ClientId: clientId ?? undefined,
            ...input,
          },
          { codeWordIterations: FAST_CODE_WORD },
        )
      ).code;
    codes.emergency = await file({
      kind: 'emergency',
      location: { lat: 13.698912, lng: -89.191437, address: 'CANARIO-DIRECCION casa 7' },
      contact: { channel: 'email', value: 'canario@correo.com' },
      attributes: { tipo_de_riesgo: 'arbol', punto_de_referencia: 'CANARIO-ATRIBUTO frente a mi casa' },
    });
    codes.complaint = await file({ kind: 'complaint', institutionSlug: 'rnpn', location: { department: '06', municipality: '0601' } });
    codes.closed = await file({ kind: 'complaint', procedureSlug: 'prueba-emision-dui' });
    await addReportEvent(t.store, staff.admin, codes.closed, { type: 'public_reply', message: 'CANARIO-RESPUESTA Sra. Ana, la llamaremos al 7000-0000.' });
    await addReportEvent(t.store, staff.admin, codes.closed, { type: 'status', status: 'resolved', message: 'CANARIO-ESTADO resuelto en su casa' });
    codes.otherClient = await file({ kind: 'complaint' }, other.id);
    codes.web = await file({ kind: 'complaint', channel: 'web' }, null);
    // Violence: filed through the store with this client's id, so only the SQL keeps it out.
    codes.violence = await file({ kind: 'violence', codeWord: 'girasol', location: { department: '06' } });
    await addReportEvent(t.store, staff.operator198, codes.violence, { type: 'public_reply', message: 'Le llamamos a la hora que indicó.' });
    await addReportEvent(t.store, staff.operator198, codes.violence, { type: 'status', status: 'in_progress' });
    // Older than the default 90 days.
    t.clock.set('2026-06-01T12:00:00.000Z');
    codes.old = await file({ kind: 'corruption' });
    t.clock.set(TEST_NOW);
  });

  const ids = (body: { service_request_id: string }[]) => body.map((request) => normalizeTrackingCode(request.service_request_id));

  it('answers a request with every field of the spec, public ones only (JSON)', async () => {
    const body = await json(await h.get(`requests/${codes.emergency}.json`));
    expect(body).toHaveLength(1);
    const [request] = body;
    expect(Object.keys(request)).toEqual(REQUEST_FIELDS);
    expect(request).toMatchObject({
      status: 'open',
      status_notes: 'Recibido',
      service_code: 'emergency',
      service_name: 'Emergencia que no es inmediata',
      description: null,
      address: null,
      zipcode: null,
      media_url: null,
      lat: 13.699,
      long: -89.191,
    });
    expect(request.service_request_id).toMatch(CODE);
    expect(request.service_notice).toMatch(/911/);
    for (const field of ['requested_datetime', 'updated_datetime', 'expected_datetime']) expect(request[field]).toMatch(W3C);
  });

  it('answers service_requests/request/… in XML, found by the code as people type it', async () => {
    const typed = codes.complaint.toLowerCase();
    const body = await xml(await h.get(`requests/${typed}.xml`));
    const [request] = body.service_requests.request;
    expect(Object.keys(request)).toEqual(REQUEST_FIELDS);
    expect(request).toMatchObject({
      status: 'open',
      service_code: 'complaint',
      agency_responsible: 'Registro Nacional de las Personas Naturales',
      address_id: '0601',
    });
    expect(request.description).toBe('');
  });

  it('shows a closed case as closed, dated when it closed, with the state’s name and never the reply', async () => {
    const [request] = await json(await h.get(`requests/${codes.closed}.json`));
    expect(request).toMatchObject({ status: 'closed', status_notes: 'Resuelto', expected_datetime: null, updated_datetime: '2026-11-20T15:00:00Z' });
  });

  it('404 for an unknown, malformed or violence code, in both formats', async () => {
    for (const format of ['json', 'xml'] as const) {
      const unknown = await expectErrors(await h.get(`requests/K7QM-2XDT-9RBH-4C.${format}`), 404, format);
      await expectErrors(await h.get(`requests/nada.${format}`), 404, format);
      expect(await expectErrors(await h.get(`requests/${codes.violence}.${format}`), 404, format)).toEqual(unknown);
    }
  });

  it('lets a service_request_id list override every other argument, and leaves violence out of it', async () => {
    const list = [codes.emergency, codes.closed, codes.violence, codes.web, codes.otherClient].join(',');
    const body = await json(await h.get(`requests.json?service_request_id=${list}&service_code=corruption&status=closed&start_date=garbage`));
    expect(ids(body).sort()).toEqual([codes.emergency, codes.closed, codes.web, codes.otherClient].sort());
  });

  it('lists, with its api_key, only the requests the client filed in the last 90 days, newest first', async () => {
    const body = await json(await h.get(`requests.json?api_key=${h.apiKey}`));
    const listed = ids(body);
    expect(listed).toEqual(expect.arrayContaining([codes.emergency, codes.complaint, codes.closed]));
    for (const absent of [codes.otherClient, codes.web, codes.violence, codes.old]) expect(listed).not.toContain(absent);
    const times = body.map((request: { requested_datetime: string }) => request.requested_datetime);
    expect([...times].sort().reverse()).toEqual(times);
    const theirs = ids(await json(await h.get(`requests.json?api_key=${other.apiKey}`)));
    expect(theirs).toEqual([codes.otherClient]);
  });

  it('403 for a list without api_key, 400 for a range over 90 days or backwards, or a bad date', async () => {
    for (const format of ['json', 'xml'] as const) {
      await expectErrors(await h.get(`requests.${format}`), 403, format);
      await expectErrors(await h.get(`requests.${format}?api_key=o311_nada`), 403, format);
      const key = `api_key=${h.apiKey}`;
      const [wide] = await expectErrors(await h.get(`requests.${format}?${key}&start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z`), 400, format);
      expect(wide.description).toMatch(/90 días/);
      await expectErrors(await h.get(`requests.${format}?${key}&start_date=2026-11-01T00:00:00Z&end_date=2026-10-01T00:00:00Z`), 400, format);
      await expectErrors(await h.get(`requests.${format}?${key}&start_date=2026-11-01T00:00:00`), 400, format);
      await expectErrors(await h.get(`requests.${format}?${key}&status=pending`), 400, format);
      await expectErrors(await h.get(`requests.${format}?${key}&service_code=violence`), 400, format);
    }
  });

  it('filters by start_date/end_date, service_code and status (comma lists or repeated)', async () => {
    const key = `api_key=${h.apiKey}`;
    const june = ids(await json(await h.get(`requests.json?${key}&start_date=2026-05-01T00:00:00-06:00&end_date=2026-07-01T00:00:00-06:00`)));
    expect(june).toEqual([codes.old]);
    const fromJune = ids(await json(await h.get(`requests.json?${key}&start_date=2026-05-15T00:00:00Z`)));
    expect(fromJune).toEqual([codes.old]);
    const emergencies = ids(await json(await h.get(`requests.json?${key}&service_code=emergency`)));
    expect(emergencies).toEqual([codes.emergency]);
    const both = ids(await json(await h.get(`requests.json?${key}&service_code=emergency,complaint`)));
    const repeated = ids(await json(await h.get(`requests.json?${key}&service_code=emergency&service_code=complaint`)));
    expect(repeated).toEqual(both);
    expect(both).toEqual(expect.arrayContaining([codes.emergency, codes.complaint, codes.closed]));
    const closed = ids(await json(await h.get(`requests.json?${key}&status=closed`)));
    expect(closed).toEqual([codes.closed]);
    const open = ids(await json(await h.get(`requests.json?${key}&status=open`)));
    expect(open).not.toContain(codes.closed);
    expect(open).toContain(codes.emergency);
    const all = ids(await json(await h.get(`requests.json?${key}&status=open,closed`)));
    expect(all.length).toBe(open.length + 1);
  });

  it('never lets out what she wrote, her contact, her address or her exact place', async () => {
    const key = `api_key=${h.apiKey}`;
    const answers = [
      await h.get(`requests.json?${key}`),
      await h.get(`requests.xml?${key}`),
      await h.get(`requests.json?service_request_id=${Object.values(codes).join(',')}`),
      await h.get(`requests/${codes.emergency}.xml`),
      await h.get(`servicerequestupdates.json?${key}`),
      await h.get(`servicerequestupdates.xml?${key}`),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      const text = await answer.text();
      expect(text).not.toMatch(/CANARIO|canario@|7000-0000|13\.6989|89\.1914|girasol|violen/i);
    }
  });

  it('returns at most 1,000 requests', async () => {
    const busy = await issueOpen311Key(t.store, staff.admin, 'App con muchas solicitudes');
    for (let i = 0; i < 1001; i++) {
      await createReport(t.store, {
        kind: 'complaint',
        channel: 'open311',
        description: `Caso sintético número ${i} de carga.`,
        anonymous: true,
        open311ClientId: busy.id,
      });
    }
    const body = await json(await h.get(`requests.json?api_key=${busy.apiKey}`));
    expect(body).toHaveLength(1000);
    const xmlBody = await xml(await h.get(`requests.xml?api_key=${busy.apiKey}`));
    expect(xmlBody.service_requests.request).toHaveLength(1000);
  }, 120_000);

  describe('servicerequestupdates (FixMyStreet extension)', () => {
    it('lists the public changes of the client’s cases with the extension’s fields, texts withheld', async () => {
      const body = await json(await h.get(`servicerequestupdates.json?api_key=${h.apiKey}`));
      const mine = body.filter((update: { service_request_id: string }) => normalizeTrackingCode(update.service_request_id) === codes.closed);
      expect(mine).toHaveLength(2);
      for (const update of body) {
        expect(Object.keys(update)).toEqual(['update_id', 'service_request_id', 'status', 'updated_datetime', 'description', 'media_url']);
        expect(update.update_id).toMatch(/^\d+$/);
        expect(['open', 'closed']).toContain(update.status);
        expect(update.updated_datetime).toMatch(W3C);
        expect(update.media_url).toBeNull();
      }
      expect(mine[0]).toMatchObject({ status: 'open', description: 'La institución respondió a quien presentó el caso.' });
      expect(mine[1]).toMatchObject({ status: 'closed', description: 'Estado: Resuelto.' });
      expect(body.some((update: { service_request_id: string }) => normalizeTrackingCode(update.service_request_id) === codes.violence)).toBe(false);
    });

    it('answers service_request_updates/request_update in XML; another client sees none of them', async () => {
      const body = await xml(await h.get(`servicerequestupdates.xml?api_key=${h.apiKey}&start_date=2026-11-20T00:00:00Z&end_date=2026-11-21T00:00:00Z`));
      const updates = body.service_request_updates.request_update;
      expect(updates.length).toBe(2);
      expect(updates[1]).toMatchObject({ status: 'closed', media_url: '' });
      const theirs = await xml(await h.get(`servicerequestupdates.xml?api_key=${other.apiKey}`));
      expect(theirs.service_request_updates).toBe('');
      const before = await json(await h.get(`servicerequestupdates.json?api_key=${h.apiKey}&end_date=2026-11-19T00:00:00Z`));
      expect(before).toEqual([]);
    });

    it('403 without api_key; 400 for a range over 90 days', async () => {
      for (const format of ['json', 'xml'] as const) {
        await expectErrors(await h.get(`servicerequestupdates.${format}`), 403, format);
        await expectErrors(
          await h.get(`servicerequestupdates.${format}?api_key=${h.apiKey}&start_date=2026-01-01T00:00:00Z&end_date=2026-11-01T00:00:00Z`),
          400,
          format,
        );
      }
    });
  });
});

describe('everything else', () => {
  it('has no tokens: GET tokens/{token} is a 404 in the error format', async () => {
    for (const format of ['json', 'xml'] as const) {
      const [error] = await expectErrors(await h.get(`tokens/12345.${format}`), 404, format);
      expect(error.description).toMatch(/realtime/);
    }
  });

  it('answers unknown paths, methods and formats with a 404 in the error format (XML by default)', async () => {
    await expectErrors(await h.get('baches.json'), 404, 'json');
    await expectErrors(await h.get('services'), 404, 'xml');
    await expectErrors(await h.get('services/complaint.html'), 404, 'xml');
    await expectErrors(await h.post('services.xml', { api_key: h.apiKey }), 404, 'xml');
  });

  it('keeps its errors out of the JSON API’s shape and logs nothing as unhandled', () => {
    expect(h.unhandled).toEqual([]);
  });
});

describe('client keys in the store', () => {
  it('issues a key to admins only, shows it once, stores only its hash, audits it', async () => {
    await expect(issueOpen311Key(t.store, staff.officerRnpn, 'App de una oficina')).rejects.toMatchObject({ status: 403 });
    await expect(issueOpen311Key(t.store, staff.admin, 'x')).rejects.toMatchObject({ status: 400 });
    const { id, apiKey } = await issueOpen311Key(t.store, systemActor('cli'), 'App de la alcaldía');
    expect(apiKey).toMatch(/^o311_[A-Za-z0-9_-]{43}$/);
    const stored = await t.store.db.execute({ sql: 'SELECT * FROM open311_clients WHERE id = ?', args: [id] });
    expect(JSON.stringify(stored.rows[0])).not.toContain(apiKey);
    expect(await readOpen311Client(t.store.db, apiKey)).toEqual({ id, name: 'App de la alcaldía' });
    const audit = await t.store.db.execute({ sql: "SELECT action FROM audit_log WHERE entity = 'open311_client' AND entity_id = ?", args: [String(id)] });
    expect(audit.rows.map((row) => row.action)).toEqual(['open311.key_issue']);
    await expect(listOpen311Clients(t.store.db, staff.operatorQuejas)).rejects.toMatchObject({ status: 403 });
    expect((await listOpen311Clients(t.store.db, staff.admin)).find((client) => client.id === id)).toMatchObject({ revoked: false });
    await revokeOpen311Client(t.store, staff.admin, id);
    expect(await readOpen311Client(t.store.db, apiKey)).toBeNull();
    await expect(revokeOpen311Client(t.store, staff.admin, id)).rejects.toMatchObject({ status: 404 });
  });
});
