import { AppError } from '../app-error.ts';
import type { Db } from '../db.ts';
import { foldName } from '../territory/territory.ts';

/** Where it happened, as a person gives it: codes (`06`, `0601`, `060101`) or names, any accents. */
export interface LocationInput {
  department?: string;
  municipality?: string;
  district?: string;
  lat?: number;
  lng?: number;
  address?: string;
}

export interface ResolvedLocation {
  departmentCode: string | null;
  municipalityCode: string | null;
  districtCode: string | null;
  lat?: number;
  lng?: number;
  address?: string;
}

function invalid(field: string, message: string): AppError {
  return new AppError('invalid_location', message, { fields: { [field]: message } });
}

async function match(db: Db, table: 'departments' | 'municipalities' | 'districts', value: string, parent?: { column: string; code: string }) {
  const rows = await db.execute({
    sql: `SELECT code, name FROM ${table}${parent ? ` WHERE ${parent.column} = ?` : ''}`,
    args: parent ? [parent.code] : [],
  });
  const folded = foldName(value);
  return rows.rows.find((row) => String(row.code) === value.trim() || foldName(String(row.name)) === folded);
}

// El Salvador with a margin: a point outside is a mistake (or a device far away), not a place here.
const BOUNDS = { latMin: 12.9, latMax: 14.5, lngMin: -90.2, lngMax: -87.6 };

/**
 * Checks a location against the reference data: the municipality must be in the department and
 * the district in the municipality (since 2024: 14 departments, 44 municipalities, 262 districts).
 */
export async function resolveLocation(db: Db, input: LocationInput): Promise<ResolvedLocation> {
  const result: ResolvedLocation = { departmentCode: null, municipalityCode: null, districtCode: null };
  if (input.department) {
    const department = await match(db, 'departments', input.department);
    if (!department) throw invalid('department', 'Elija el departamento de la lista.');
    result.departmentCode = String(department.code);
  }
  if (input.municipality) {
    if (!result.departmentCode) throw invalid('department', 'Elija primero el departamento.');
    const municipality = await match(db, 'municipalities', input.municipality, { column: 'department_code', code: result.departmentCode });
    if (!municipality) throw invalid('municipality', 'Ese municipio no está en el departamento elegido. Elíjalo de la lista.');
    result.municipalityCode = String(municipality.code);
  }
  if (input.district) {
    if (!result.municipalityCode) throw invalid('municipality', 'Elija primero el municipio.');
    const district = await match(db, 'districts', input.district, { column: 'municipality_code', code: result.municipalityCode });
    if (!district) throw invalid('district', 'Ese distrito no está en el municipio elegido. Elíjalo de la lista.');
    result.districtCode = String(district.code);
  }
  if ((input.lat === undefined) !== (input.lng === undefined)) throw invalid('lat', 'Envíe la latitud y la longitud juntas, o ninguna.');
  if (input.lat !== undefined && input.lng !== undefined) {
    if (
      !Number.isFinite(input.lat) ||
      !Number.isFinite(input.lng) ||
      input.lat < BOUNDS.latMin ||
      input.lat > BOUNDS.latMax ||
      input.lng < BOUNDS.lngMin ||
      input.lng > BOUNDS.lngMax
    ) {
      throw invalid('lat', 'Esa ubicación no está en El Salvador. Revise las coordenadas o use el departamento y el municipio.');
    }
    result.lat = input.lat;
    result.lng = input.lng;
  }
  const address = input.address?.trim();
  if (address) {
    if (address.length > 300 || /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(address)) throw invalid('address', 'Acorte la dirección a 300 caracteres.');
    result.address = address;
  }
  return result;
}
