import type { APIRoute } from 'astro';
import { escapeHtml as xmlEscape } from '../../api/edge/html.ts';
import { countPublished, listCategories, listInstitutions, listSitemapEntries } from '../../store/catalog/procedures.ts';

// The sitemap protocol allows 50,000 URLs per file; past that /sitemap.xml becomes an index of parts.
const PER_PART = 40_000;

export const GET: APIRoute = async ({ locals, url }) => {
  const db = locals.store.db;
  // Never the request's Host: a forged Host would be cached (an hour) into every link.
  const origin = locals.publicBaseUrl;
  const abs = (path: string) => xmlEscape(new URL(path, origin).href);
  const headers = { 'Content-Type': 'application/xml; charset=utf-8', 'Cache-Control': 'public, max-age=3600' };
  const total = await countPublished(db);
  const parts = Math.max(1, Math.ceil(total / PER_PART));
  const partParam = url.searchParams.get('parte');

  if (parts > 1 && partParam === null) {
    const items = Array.from({ length: parts }, (_, i) => `<sitemap><loc>${abs(`/sitemap.xml?parte=${i + 1}`)}</loc></sitemap>`);
    return new Response(
      `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${items.join('')}</sitemapindex>\n`,
      { headers },
    );
  }
  const part = partParam === null ? 1 : /^\d{1,4}$/.test(partParam) ? Number(partParam) : 0;
  if (part < 1 || part > parts)
    return new Response('Parte del mapa del sitio inexistente.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });

  const urls: string[] = [];
  if (part === 1) {
    urls.push(
      `<url><loc>${abs('/')}</loc></url>`,
      `<url><loc>${abs('/categorias')}</loc></url>`,
      `<url><loc>${abs('/instituciones')}</loc></url>`,
      `<url><loc>${abs('/transparencia')}</loc></url>`,
      `<url><loc>${abs('/datos')}</loc></url>`,
    );
    for (const path of ['/198', '/emergencia', '/denuncia']) urls.push(`<url><loc>${abs(path)}</loc></url>`);
    for (const category of await listCategories(db)) if (category.count > 0) urls.push(`<url><loc>${abs(`/categorias/${category.slug}`)}</loc></url>`);
    for (const institution of await listInstitutions(db))
      if (institution.count > 0) urls.push(`<url><loc>${abs(`/instituciones/${institution.slug}`)}</loc></url>`);
  }
  for (const entry of await listSitemapEntries(db, { limit: PER_PART, offset: (part - 1) * PER_PART })) {
    urls.push(`<url><loc>${abs(`/tramites/${entry.slug}`)}</loc><lastmod>${xmlEscape(entry.updatedAt)}</lastmod></url>`);
  }
  return new Response(`<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls.join('\n')}</urlset>\n`, {
    headers,
  });
};
