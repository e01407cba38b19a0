import type { APIRoute } from 'astro';
import { today } from '../../../store/clock.ts';
import { DATASETS, LICENSE } from '../../lib/open-data.ts';

// /datos/data.json: the open datasets as a DCAT catalogue (W3C DCAT 2, JSON-LD), with absolute
// download addresses.
export const GET: APIRoute = async ({ url, locals }) => {
  const origin = url.origin;
  const modified = today(locals.store.clock);
  const catalog = {
    '@context': { dcat: 'http://www.w3.org/ns/dcat#', dct: 'http://purl.org/dc/terms/', foaf: 'http://xmlns.com/foaf/0.1/' },
    '@type': 'dcat:Catalog',
    '@id': `${origin}/datos/data.json`,
    'dct:title': 'Datos abiertos del Portal de trámites de El Salvador',
    'dct:description': 'El catálogo de trámites y las cifras de conjunto del portal (opiniones, reportes), sin datos personales.',
    'dct:language': 'es',
    'dct:license': LICENSE.url,
    'dct:modified': modified,
    'foaf:homepage': `${origin}/datos`,
    'dcat:dataset': DATASETS.map((dataset) => ({
      '@type': 'dcat:Dataset',
      '@id': `${origin}/datos#${dataset.id}`,
      'dct:identifier': dataset.id,
      'dct:title': dataset.title,
      'dct:description': dataset.description,
      'dcat:keyword': dataset.keywords,
      'dct:language': 'es',
      'dct:license': LICENSE.url,
      'dct:modified': modified,
      'dct:accrualPeriodicity': dataset.periodicity,
      'dcat:landingPage': `${origin}/datos#${dataset.id}`,
      'dcat:distribution': dataset.files.map((file) => ({
        '@type': 'dcat:Distribution',
        'dct:title': file.title,
        'dct:format': file.format,
        'dcat:mediaType': file.mediaType,
        'dcat:downloadURL': `${origin}${file.path}`,
        'dct:license': LICENSE.url,
      })),
    })),
  };
  return new Response(JSON.stringify(catalog, null, 2), {
    headers: { 'Content-Type': 'application/ld+json; charset=utf-8', 'Cache-Control': 'public, max-age=3600' },
  });
};
