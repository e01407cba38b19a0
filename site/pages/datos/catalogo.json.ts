import type { APIRoute } from 'astro';
import { serializeExchangeFile } from '../../../store/catalog/exchange-files.ts';
import { iteratePublishedDocuments } from '../../../store/catalog/procedures.ts';

// /datos/catalogo.json: the published catalog in the exchange format (CONTRACTS.md).
export const GET: APIRoute = async ({ locals }) => {
  const documents = [];
  for await (const document of iteratePublishedDocuments(locals.store.db)) documents.push(document);
  return new Response(serializeExchangeFile(documents, 'json'), {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': 'attachment; filename="catalogo-de-tramites.json"',
      'Cache-Control': 'public, max-age=300',
    },
  });
};
