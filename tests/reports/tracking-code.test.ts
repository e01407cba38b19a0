import { describe, expect, it } from 'vitest';
import {
  CODE_ALPHABET,
  CODE_LENGTH,
  CODE_RANDOM_LENGTH,
  formatTrackingCode,
  generateTrackingCode,
  normalizeTrackingCode,
} from '../../store/reports/tracking-code.ts';

describe('tracking codes', () => {
  it('carry at least 60 random bits in an alphabet without look-alikes', () => {
    expect(CODE_RANDOM_LENGTH * Math.log2(CODE_ALPHABET.length)).toBeGreaterThanOrEqual(60);
    expect(CODE_ALPHABET).not.toMatch(/[ILOUZ]/);
    const code = generateTrackingCode();
    expect(code).toHaveLength(CODE_LENGTH);
    expect(normalizeTrackingCode(code)).toBe(code);
  });

  it('are grouped in fours to read aloud, and read back however they are typed', () => {
    const code = generateTrackingCode();
    const shown = formatTrackingCode(code);
    expect(shown).toMatch(/^[0-9A-Y]{4}-[0-9A-Y]{4}-[0-9A-Y]{4}-[0-9A-Y]{2}$/);
    expect(normalizeTrackingCode(shown.toLowerCase().replace(/-/g, ' '))).toBe(code);
    const withLookAlikes = code.replace(/0/g, 'O').replace(/1/g, 'l');
    expect(normalizeTrackingCode(withLookAlikes)).toBe(code);
  });

  it('catch every single wrong symbol and every swap of two symbols (200 random codes, exhaustively)', () => {
    for (let n = 0; n < 200; n++) {
      const code = generateTrackingCode();
      for (let i = 0; i < code.length; i++) {
        for (const symbol of CODE_ALPHABET) {
          if (symbol === code[i]) continue;
          expect(normalizeTrackingCode(code.slice(0, i) + symbol + code.slice(i + 1))).toBeNull();
        }
        for (let j = i + 1; j < code.length; j++) {
          if (code[i] === code[j]) continue;
          const swapped = [...code];
          [swapped[i], swapped[j]] = [swapped[j], swapped[i]];
          expect(normalizeTrackingCode(swapped.join(''))).toBeNull();
        }
      }
    }
  });

  it('spread evenly over the alphabet (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (let n = 0; n < 3000; n++) for (const symbol of generateTrackingCode().slice(0, CODE_RANDOM_LENGTH)) counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
    const expected = (3000 * CODE_RANDOM_LENGTH) / CODE_ALPHABET.length;
    for (const symbol of CODE_ALPHABET) expect(Math.abs((counts.get(symbol) ?? 0) - expected) / expected).toBeLessThan(0.15);
  });

  it('refuse text that cannot be a code', () => {
    for (const input of ['', 'hola', '1234567890123', '12345678901234567', 'K7QM-2XDT-9RBH-4#', 'ÑÑÑÑ-ÑÑÑÑ-ÑÑÑÑ-ÑÑ'])
      expect(normalizeTrackingCode(input)).toBeNull();
  });
});
