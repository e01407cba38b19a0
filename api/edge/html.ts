const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * The one HTML/XML text escaper (search highlights, the sitemap, hand-built fragments). Astro
 * escapes what pages print by itself; this is for markup built as strings.
 *
 * @example escapeHtml('<b>«Fe & Alegría»</b>') // '&lt;b&gt;«Fe &amp; Alegría»&lt;/b&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}
