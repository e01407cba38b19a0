import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MENU_CHOICES } from '../../bot/flows/menu.ts';
import { editDistance, normalize, withinOneEdit } from '../../bot/text/normalize.ts';
import { globalCommand, understand, yesNo } from '../../bot/text/understand.ts';

describe('text folding', () => {
  it('ignores accents, case and punctuation', () => {
    expect(normalize('  ¡Emergéncia!  ')).toBe('emergencia');
    expect(normalize('Línea 198')).toBe('linea 198');
  });
  it('counts a swap of two letters as one edit', () => {
    expect(editDistance('emegrencia', 'emergencia')).toBe(1);
    expect(editDistance('emerjencia', 'emergencia')).toBe(1);
    expect(editDistance('abc', 'xyz', 1)).toBe(2);
  });
  it('says «one edit apart» exactly when the edit distance does, without its table', () => {
    expect(withinOneEdit('emegrencia', 'emergencia')).toBe(true);
    expect(withinOneEdit('golpeado', 'golpeando')).toBe(true);
    expect(withinOneEdit('matar', 'maltratar')).toBe(false);
    // Short words over a small alphabet meet every case: equal, a change, an insertion at either end, a swap, two edits.
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'ñ'), maxLength: 7 });
    fc.assert(
      fc.property(word, word, (a, b) => withinOneEdit(a, b) === editDistance(a, b, 1) <= 1),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(word, fc.nat(8), fc.constantFrom('a', 'b', 'x'), (a, at, letter) => {
        const cut = Math.min(at, a.length);
        const near = [a.slice(0, cut) + letter + a.slice(cut), a.slice(0, cut) + a.slice(cut + 1), a.slice(0, cut) + letter + a.slice(cut + 1)];
        return near.every((b) => withinOneEdit(a, b) === editDistance(a, b, 1) <= 1 && withinOneEdit(b, a) === withinOneEdit(a, b));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('understanding a step’s choices', () => {
  it.each([
    ['1', 'menu.emergency'],
    ['uno', 'menu.emergency'],
    ['opción 2', 'menu.line198'],
    ['Emergencia', 'menu.emergency'],
    ['emergencia', 'menu.emergency'],
    ['emerjencia', 'menu.emergency'],
    ['emergensia', 'menu.emergency'],
    ['EMERGÉNCIA', 'menu.emergency'],
    ['linea 198', 'menu.line198'],
    ['198', 'menu.line198'],
    ['buscar un tramite', 'menu.search'],
    ['tramite', 'menu.search'],
    ['tramites', 'menu.search'],
    ['seguimiento', 'menu.tracking'],
    ['segimiento', 'menu.tracking'],
    ['mi caso', 'menu.tracking'],
    ['denuncia', 'menu.complaint'],
    ['queja', 'menu.complaint'],
    ['quiero poner una queja', 'menu.complaint'],
    ['6', 'menu.help'],
    ['seis', 'menu.help'],
  ])('«%s» → %s', (text, value) => {
    expect(understand(text, MENU_CHOICES)).toBe(value);
  });
  it.each(['7', 'hola', 'xyz', '', 'pizza'])('«%s» is not a choice', (text) => {
    expect(understand(text, MENU_CHOICES)).toBeNull();
  });
  it('reads yes and no as people write them', () => {
    for (const text of ['sí', 'si', 'Sí', 'claro', 'simón', 'ok', 'dale']) expect(yesNo(text)).toBe('yes');
    for (const text of ['no', 'nel', 'NO', 'no gracias']) expect(yesNo(text)).toBe('no');
    expect(yesNo('tal vez')).toBeNull();
    const yesNoChoices = [
      { value: 'yes', label: 'Sí' },
      { value: 'no', label: 'No' },
    ];
    expect(understand('claro', yesNoChoices)).toBe('yes');
    expect(understand('nel', yesNoChoices)).toBe('no');
    expect(understand('si', yesNoChoices)).toBe('yes');
  });
  it('knows the words that work at any step', () => {
    expect(globalCommand('Menú')).toBe('menu');
    expect(globalCommand('menu')).toBe('menu');
    expect(globalCommand('inicio')).toBe('menu');
    expect(globalCommand('0')).toBe('menu');
    expect(globalCommand('SALIR')).toBe('forget');
    expect(globalCommand('borrar')).toBe('forget');
    expect(globalCommand('ayuda')).toBe('help');
    expect(globalCommand('ayuda me están golpeando')).toBeNull();
  });
});
