import type { Office } from '../../store/catalog/exchange-format.ts';
import { foldName, type TerritoryData } from '../../store/territory/territory.ts';

/** From this many offices in distinct municipalities, a procedure page asks for the person's district. */
export const PICKER_MIN_OFFICES = 8;

export interface DistrictChoice {
  district: string;
  municipality: string;
  department: string;
  /** The offices of the district's municipality (its alcaldía), or none when the entry lists none there. */
  offices: Office[];
}

/** Whether the offices are spread over enough municipalities that a person should pick hers. */
export function wantsDistrictPicker(offices: Office[]): boolean {
  return new Set(offices.map((office) => (office.municipality ? foldName(office.municipality) : ''))).size >= PICKER_MIN_OFFICES;
}

/**
 * The offices that serve a district (by its code in the reference data): those of its
 * municipality, since since 2024 each of the 44 municipalities keeps one alcaldía for its districts.
 *
 * @example officesForDistrict(doc.offices, departments, '060101')?.offices[0].name // 'Alcaldía Municipal de San Salvador Centro'
 */
export function officesForDistrict(offices: Office[], departments: TerritoryData['departments'], code: string): DistrictChoice | null {
  for (const department of departments) {
    for (const municipality of department.municipalities) {
      const district = municipality.districts.find((entry) => entry.code === code);
      if (!district) continue;
      const folded = foldName(municipality.name);
      return {
        district: district.name,
        municipality: municipality.name,
        department: department.name,
        offices: offices.filter((office) => office.municipality !== undefined && foldName(office.municipality) === folded),
      };
    }
  }
  return null;
}
