import type { ProcedurePage } from '../../store/catalog/procedures.ts';

/** schema.org GovernmentService for a procedure page, so search engines show it correctly. */
export function governmentServiceJsonLd(page: ProcedurePage, url: string): Record<string, unknown> {
  const doc = page.document;
  const channels: Record<string, unknown>[] = [];
  if (doc.online_url) channels.push({ '@type': 'ServiceChannel', name: 'En línea', serviceUrl: doc.online_url, availableLanguage: 'es' });
  for (const office of doc.offices) {
    channels.push({
      '@type': 'ServiceChannel',
      name: office.name,
      availableLanguage: 'es',
      ...(office.phone ? { servicePhone: { '@type': 'ContactPoint', telephone: office.phone } } : {}),
      serviceLocation: {
        '@type': 'GovernmentOffice',
        name: office.name,
        ...(office.hours ? { openingHours: office.hours } : {}),
        address: {
          '@type': 'PostalAddress',
          ...(office.address ? { streetAddress: office.address } : {}),
          ...(office.municipality ? { addressLocality: office.municipality } : {}),
          ...(office.department ? { addressRegion: office.department } : {}),
          addressCountry: 'SV',
        },
      },
    });
  }
  return {
    '@context': 'https://schema.org',
    '@type': 'GovernmentService',
    name: doc.title,
    description: doc.summary,
    url,
    serviceType: page.category.name,
    provider: { '@type': 'GovernmentOrganization', name: page.institution.name, ...(page.institution.website ? { url: page.institution.website } : {}) },
    areaServed: { '@type': 'Country', name: 'El Salvador' },
    ...(doc.audience ? { audience: { '@type': 'Audience', audienceType: doc.audience } } : {}),
    ...(doc.cost ? { offers: { '@type': 'Offer', price: doc.cost.amount, priceCurrency: doc.cost.currency } } : {}),
    ...(channels.length > 0 ? { availableChannel: channels } : {}),
    dateModified: page.updatedAt,
  };
}
