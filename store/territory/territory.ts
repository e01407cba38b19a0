import type { Db, Store } from '../db.ts';

export interface TerritoryData {
  source?: string;
  departments: {
    code: string;
    name: string;
    municipalities: { code: string; name: string; districts: { code: string; name: string }[] }[];
  }[];
}

/** Loads the departments, municipalities and districts when the store has none yet. */
export async function loadTerritoryIfEmpty(store: Store, data: TerritoryData): Promise<boolean> {
  const existing = await store.db.execute('SELECT count(*) AS n FROM departments');
  if (Number(existing.rows[0].n) > 0) return false;
  const statements = [];
  for (const department of data.departments) {
    statements.push({ sql: 'INSERT INTO departments (code, name) VALUES (?, ?)', args: [department.code, department.name] });
    for (const municipality of department.municipalities) {
      statements.push({
        sql: 'INSERT INTO municipalities (code, department_code, name) VALUES (?, ?, ?)',
        args: [municipality.code, department.code, municipality.name],
      });
      for (const district of municipality.districts) {
        statements.push({
          sql: 'INSERT INTO districts (code, municipality_code, name) VALUES (?, ?, ?)',
          args: [district.code, municipality.code, district.name],
        });
      }
    }
  }
  await store.batch(statements);
  return true;
}

/** Lower case, no accents: how place names are compared («Cuscatlán» = «cuscatlan»). */
export function foldName(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Department → its municipalities, with official spellings, for validating offices and locations. */
export interface TerritoryIndex {
  /** folded department name → official name */
  departments: Map<string, string>;
  /** folded municipality name → { official name, official department name, districts (folded → official) } */
  municipalities: Map<string, { name: string; department: string; districts: Map<string, string> }>;
}

export async function loadTerritoryIndex(db: Db): Promise<TerritoryIndex> {
  const rows = await db.execute(
    `SELECT d.name AS department, m.name AS municipality, x.name AS district
       FROM municipalities m
       JOIN departments d ON d.code = m.department_code
       LEFT JOIN districts x ON x.municipality_code = m.code`,
  );
  const index: TerritoryIndex = { departments: new Map(), municipalities: new Map() };
  for (const row of rows.rows) {
    const department = String(row.department);
    const municipality = String(row.municipality);
    index.departments.set(foldName(department), department);
    let entry = index.municipalities.get(foldName(municipality));
    if (!entry) {
      entry = { name: municipality, department, districts: new Map() };
      index.municipalities.set(foldName(municipality), entry);
    }
    if (row.district !== null) entry.districts.set(foldName(String(row.district)), String(row.district));
  }
  return index;
}

/**
 * Why a place is not a valid department/municipality/district combination, in Spanish, or null
 * when it is (or when the territory is not loaded, so there is nothing to check against).
 */
export function placeProblem(
  index: TerritoryIndex,
  place: { department?: string; municipality?: string; district?: string },
): { field: 'department' | 'municipality' | 'district'; message: string } | null {
  if (index.departments.size === 0) return null;
  if (place.department && !index.departments.has(foldName(place.department))) {
    return { field: 'department', message: `«${place.department}» no es uno de los 14 departamentos de El Salvador.` };
  }
  if (place.municipality) {
    const municipality = index.municipalities.get(foldName(place.municipality));
    if (!municipality) {
      return {
        field: 'municipality',
        message: `«${place.municipality}» no es uno de los 44 municipios (desde 2024 se escriben como «San Salvador Centro», «Santa Ana Norte»…).`,
      };
    }
    if (place.department && foldName(place.department) !== foldName(municipality.department)) {
      return {
        field: 'municipality',
        message: `El municipio ${municipality.name} pertenece al departamento de ${municipality.department}, no a ${place.department}.`,
      };
    }
    if (place.district && !municipality.districts.has(foldName(place.district))) {
      return { field: 'district', message: `«${place.district}» no es un distrito del municipio ${municipality.name}.` };
    }
  }
  return null;
}

const trees = new WeakMap<Db, TerritoryData['departments']>();

/**
 * The territory tree of `listTerritory`, read once per store and then kept (reference data, loaded
 * once and never edited while serving): pages that draw the 262 districts on every request (a
 * procedure of every alcaldía, /denuncia) do not query them each time. Frozen: callers share it.
 * Only the result is shared, never a pending read: on Workers a request that awaits another
 * request's I/O hangs until the runtime cancels it (a few concurrent first views did, as 500s).
 */
export async function territoryTree(db: Db): Promise<TerritoryData['departments']> {
  const known = trees.get(db);
  if (known) return known;
  const departments = deepFreeze(await listTerritory(db));
  // An empty store (before the reference data is loaded) is asked again next time.
  if (departments.length > 0) trees.set(db, departments);
  return departments;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * The whole territory as a tree, in Spanish alphabetical order at each level: for the
 * department → municipality → district pickers of /denuncia.
 *
 * @example const departments = await listTerritory(store.db); departments[0].municipalities[0].districts
 */
export async function listTerritory(db: Db): Promise<TerritoryData['departments']> {
  const rows = await db.execute(
    `SELECT d.code AS department_code, d.name AS department, m.code AS municipality_code, m.name AS municipality,
            x.code AS district_code, x.name AS district
       FROM departments d
       LEFT JOIN municipalities m ON m.department_code = d.code
       LEFT JOIN districts x ON x.municipality_code = m.code`,
  );
  const collator = new Intl.Collator('es');
  const departments = new Map<string, TerritoryData['departments'][number]>();
  const municipalities = new Map<string, TerritoryData['departments'][number]['municipalities'][number]>();
  for (const row of rows.rows) {
    const departmentCode = String(row.department_code);
    let department = departments.get(departmentCode);
    if (!department) {
      department = { code: departmentCode, name: String(row.department), municipalities: [] };
      departments.set(departmentCode, department);
    }
    if (row.municipality_code === null) continue;
    const municipalityCode = String(row.municipality_code);
    let municipality = municipalities.get(municipalityCode);
    if (!municipality) {
      municipality = { code: municipalityCode, name: String(row.municipality), districts: [] };
      municipalities.set(municipalityCode, municipality);
      department.municipalities.push(municipality);
    }
    if (row.district_code !== null) municipality.districts.push({ code: String(row.district_code), name: String(row.district) });
  }
  const byName = (a: { name: string }, b: { name: string }) => collator.compare(a.name, b.name);
  const tree = [...departments.values()].sort(byName);
  for (const department of tree) {
    department.municipalities.sort(byName);
    for (const municipality of department.municipalities) municipality.districts.sort(byName);
  }
  return tree;
}
