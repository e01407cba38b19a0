/**
 * What a report can be, where it came from and how urgent it is: the vocabulary every part of the
 * reports domain shares (store, API, pages, Open311, the bot).
 */

export const REPORT_KINDS = ['complaint', 'corruption', 'emergency', 'violence', 'missing_requirement'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** Channels a report arrives by. */
export const REPORT_CHANNELS = ['web', 'api', 'open311', 'telegram', 'sms', 'chat'] as const;
export type ReportChannel = (typeof REPORT_CHANNELS)[number];

/** Channels a person may choose for follow-up. `phone`: an operator calls back, by hand, at her hours. */
export const CONTACT_CHANNELS = ['telegram', 'sms', 'email', 'phone'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

export const PRIORITIES = ['urgent', 'high', 'normal'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Kinds whose every page, answer and message is handled under the victim-safety rules. */
export function isProtectedKind(kind: ReportKind): boolean {
  return kind === 'violence';
}

/** Kinds published through Open311 (violence never appears there). */
export const OPEN311_KINDS = REPORT_KINDS.filter((kind) => !isProtectedKind(kind));

/** Spanish names people read, and the short path word of /denuncia?tipo=…. */
export const KIND_TEXT: Record<ReportKind, { name: string; slug: string; description: string }> = {
  complaint: { name: 'Queja por un servicio público', slug: 'queja', description: 'Un servicio o trámite público no le atendió como debía.' },
  corruption: { name: 'Denuncia de corrupción', slug: 'corrupcion', description: 'Le pidieron dinero o favores, o vio un abuso con recursos públicos.' },
  emergency: {
    name: 'Emergencia que no es inmediata',
    slug: 'emergencia',
    description: 'Un riesgo o peligro que hay que atender pronto. Si hay una vida en riesgo ahora, llame al 911.',
  },
  violence: { name: 'Violencia contra las mujeres', slug: 'violencia', description: 'Para usted o para otra mujer. También puede llamar gratis al 198.' },
  missing_requirement: {
    name: 'Me pidieron un requisito que no está en el catálogo',
    slug: 'requisito',
    description: 'En una oficina le pidieron algo que este portal no menciona para ese trámite.',
  },
};

export function kindFromSlug(slug: string): ReportKind | undefined {
  return REPORT_KINDS.find((kind) => KIND_TEXT[kind].slug === slug);
}
