import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { AppError } from '../app-error.ts';
import { EXCHANGE_FIELDS, type ProcedureDocument } from './exchange-format.ts';

/** One record read from an exchange file, before validation. */
export interface RawRow {
  /** 1-based position of the record in the file. */
  row: number;
  /** 1-based line where the record starts. */
  line: number;
  value: unknown;
}

export type ExchangeFormat = 'json' | 'csv';

/** JSON or CSV by the file name's ending. */
export function formatFromFileName(fileName: string): ExchangeFormat {
  if (/\.json$/i.test(fileName)) return 'json';
  if (/\.csv$/i.test(fileName)) return 'csv';
  throw new AppError('unsupported_format', `El archivo «${fileName}» debe terminar en .json o .csv.`, { status: 415 });
}

const LIST_FIELDS = new Set(['requirements', 'documents', 'steps', 'channels', 'keywords']);
const JSON_FIELDS = new Set(['cost', 'offices']);
/** Lists are joined by « | » in CSV cells (CONTRACTS.md). */
export const CSV_LIST_SEPARATOR = ' | ';

/**
 * Reads the records of an exchange file. A file that cannot be read at all (broken JSON, a CSV
 * without the required columns) throws an AppError naming the line.
 */
export function parseExchangeFile(text: string, format: ExchangeFormat): RawRow[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return format === 'json' ? parseJsonRows(body) : parseCsvRows(body);
}

function parseJsonRows(text: string): RawRow[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec(String((error as Error).message));
    const line = position ? text.slice(0, Number(position[1])).split('\n').length : undefined;
    throw new AppError('invalid_file', `El archivo no es JSON válido${line ? ` (revise la línea ${line})` : ''}.`, { status: 422 });
  }
  if (!Array.isArray(data)) {
    throw new AppError('invalid_file', 'El archivo JSON debe ser una lista de trámites: empiece con «[» y termine con «]».', { status: 422 });
  }
  const lines = topLevelElementLines(text);
  return data.map((value, index) => ({ row: index + 1, line: lines[index] ?? 1, value }));
}

/** The line on which each element of a top-level JSON array starts. */
export function topLevelElementLines(text: string): number[] {
  const lines: number[] = [];
  let depth = 0;
  let line = 1;
  let inString = false;
  let escaped = false;
  let expectingValue = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    const startsValue = depth === 1 && expectingValue && ch !== ',' && ch !== ']' && !/\s/.test(ch);
    if (startsValue) {
      lines.push(line);
      expectingValue = false;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      depth++;
      if (depth === 1) expectingValue = true;
    } else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 1) expectingValue = true;
  }
  return lines;
}

function parseCsvRows(text: string): RawRow[] {
  let records: { info: { lines: number }; record: Record<string, string> }[];
  try {
    records = parseCsv(text, { columns: true, skip_empty_lines: true, info: true, trim: false }) as typeof records;
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new AppError('invalid_file', `El archivo CSV no se puede leer${line ? ` (revise la línea ${line})` : ''}: revise comillas y número de columnas.`, {
      status: 422,
    });
  }
  const header = records[0] ? Object.keys(records[0].record) : [];
  const missing = ['slug', 'title', 'summary', 'category', 'institution'].filter((column) => records.length > 0 && !header.includes(column));
  if (missing.length > 0) {
    throw new AppError('invalid_file', `Faltan columnas obligatorias en la primera línea del CSV: ${missing.join(', ')}.`, { status: 422 });
  }
  return records.map(({ info, record }, index) => ({ row: index + 1, line: info.lines, value: csvRecordToObject(record) }));
}

/** Turns CSV cells into exchange values: lists split on « | », cost and offices as JSON, empty = absent. */
function csvRecordToObject(record: Record<string, string>): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const [column, raw] of Object.entries(record)) {
    const cell = raw.trim();
    if (cell === '') continue;
    if (LIST_FIELDS.has(column)) {
      value[column] = cell
        .split('|')
        .map((item) => item.trim())
        .filter(Boolean);
    } else if (column === 'cost' && /^\d+(\.\d+)?$/.test(cell)) {
      value[column] = { amount: Number(cell), currency: 'USD' };
    } else if (JSON_FIELDS.has(column)) {
      try {
        value[column] = JSON.parse(cell);
      } catch {
        // Left as text so that validation reports the field by name.
        value[column] = cell;
      }
    } else if (column === 'synthetic') {
      value[column] = cell === 'true' ? true : cell === 'false' ? false : cell;
    } else {
      value[column] = cell;
    }
  }
  return value;
}

/** Writes documents as an exchange file: pretty JSON, or CSV with the same columns. */
export function serializeExchangeFile(documents: ProcedureDocument[], format: ExchangeFormat): string {
  if (format === 'json') return `${JSON.stringify(documents, null, 2)}\n`;
  const rows = documents.map((doc) =>
    EXCHANGE_FIELDS.map((field) => {
      const value = (doc as Record<string, unknown>)[field];
      if (value === undefined || value === null) return '';
      if (LIST_FIELDS.has(field)) return (value as string[]).join(CSV_LIST_SEPARATOR);
      if (JSON_FIELDS.has(field)) return (value as unknown[]).length === 0 ? '' : JSON.stringify(value);
      return String(value);
    }),
  );
  return stringifyCsv([EXCHANGE_FIELDS, ...rows]);
}
