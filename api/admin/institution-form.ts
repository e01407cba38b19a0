import type { InstitutionProfile } from '../../store/catalog/reference.ts';

/** The profile form's fields: `description`, …, and the information office as `information_office_*`. */
export const PROFILE_FIELDS = ['description', 'address', 'hours', 'phone', 'email', 'source_url', 'verified_at'] as const;
export const OFFICE_FIELDS = ['name', 'email', 'phone', 'address', 'url'] as const;

/** A form's values as a profile to validate: empty fields are left out (absent, not blank). */
export function profileFromForm(form: Record<string, string | undefined>): Record<string, unknown> {
  const value = (name: string) => (form[name] ?? '').trim() || undefined;
  const profile: Record<string, unknown> = {};
  for (const field of PROFILE_FIELDS) if (value(field)) profile[field] = value(field);
  const office: Record<string, string> = {};
  for (const field of OFFICE_FIELDS) {
    const text = value(`information_office_${field}`);
    if (text) office[field] = text;
  }
  if (Object.keys(office).length > 0) profile.information_office = office;
  return profile;
}

/** A stored profile as form values (the inverse of profileFromForm). */
export function formFromProfile(profile: InstitutionProfile): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of PROFILE_FIELDS) if (profile[field]) values[field] = String(profile[field]);
  for (const field of OFFICE_FIELDS) {
    const text = profile.information_office?.[field];
    if (text) values[`information_office_${field}`] = text;
  }
  return values;
}

/** A validation error's field (`information_office.email`) as the form field that shows it. */
export function formFieldOf(path: string): string {
  return path.replace(/\./g, '_');
}
