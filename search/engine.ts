/** The search port: what the site and the API ask of any engine (embedded FTS5 or Meilisearch). */
import type { HitSnippet } from './snippets.ts';
import type { Intent } from './synonyms.ts';

export interface SearchRequest {
  /** What the person typed; may be empty (browse by popularity). */
  query: string;
  category?: string;
  institution?: string;
  onlineOnly?: boolean;
  /** 1-based. */
  page: number;
  limit: number;
  /** Suggestions as you type: every meaningful group must match (the last word as a prefix), never «most words». */
  allWords?: boolean;
}

export interface SearchHit {
  slug: string;
  title: string;
  summary: string;
  institution: { slug: string; name: string; acronym: string | null };
  category: { slug: string; name: string };
  online: boolean;
  /** HTML-escaped text with matches wrapped in <mark>…</mark>. */
  highlight: { title: string; summary: string };
  /** When the question asked about the cost, the offices or the requirements: that part. */
  snippet?: HitSnippet;
}

export interface FacetValue {
  value: string;
  label: string;
  count: number;
}

export interface SearchResult {
  hits: SearchHit[];
  facets: { category: FacetValue[]; institution: FacetValue[]; online: FacetValue[] };
  total: number;
  engine: string;
  took_ms: number;
  /** The words actually searched for, after cleaning the query. */
  terms: string[];
  /** The query with misspelled words corrected, when results come from the correction. */
  corrected?: string;
  /** With no results: a query that would find something («¿Quiso decir…?»). */
  suggestion?: string;
  /** What the question asked about («¿cuánto cuesta…?» → cost), when it said. */
  intent?: Intent;
}

export interface SearchEngine {
  readonly name: string;
  search(request: SearchRequest): Promise<SearchResult>;
  /** Outbox rows not yet applied to the engine (0 for the embedded one). */
  pending(): Promise<number>;
}
