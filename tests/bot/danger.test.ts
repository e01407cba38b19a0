import { describe, expect, it } from 'vitest';
import { detectDanger } from '../../bot/text/danger.ts';

const IMMEDIATE = [
  'me quiere matar',
  'Me quiere matar!!',
  'mi esposo me quiere matar',
  'me está pegando',
  'me esta pegando',
  'ME ESTÁN GOLPEANDO',
  'ayuda me están golpeando',
  'auxilio',
  'AUXILIO por favor',
  'auxlio',
  'ausilio',
  'socorro',
  'socoro',
  'me va a matar',
  'me van a matar',
  'dice que me va a matar',
  'quiere matarme',
  'tiene un arma',
  'tiene una pistola',
  'anda con un cuchillo',
  'saco un machete',
  'me secuestraron',
  'me secuestaron',
  'nos tienen encerrados',
  'estoy en peligro',
  'me está ahorcando',
  'me quiero matar',
];

const VIOLENCE = [
  'mi esposo me golpea',
  'mi esposo me golpéa',
  'me pega',
  'mi pareja me pega cuando toma',
  'me maltrata',
  'me amenaza',
  'mi ex me amenazó',
  'violencia',
  'violencia intrafamiliar',
  'violensia',
  'abuso',
  'abuso sexual',
  'me violaron',
  'le pega a mi mamá',
  'sufro maltrato',
  'me acosa en el trabajo',
];

const NEGATIVES = [
  'golpe de calor',
  'matar el tiempo',
  'la pega del trabajo',
  'pegar una foto en el formulario',
  'sacar dui',
  'partida de nacimiento',
  'me pagan tarde',
  'abuso de autoridad en la alcaldía',
  'renovar licencia de conducir',
  'permiso para portar arma',
  'especie en peligro de extinción',
  'ayuda',
  'ayuda con el pasaporte',
  'me golpeé el dedo',
  'maltrato animal',
  'golpes de suerte',
  '',
];

describe('the danger detector', () => {
  it.each(IMMEDIATE)('reads «%s» as immediate danger', (text) => {
    expect(detectDanger(text).level).toBe('immediate');
  });
  it.each(VIOLENCE)('reads «%s» as violence (198)', (text) => {
    expect(detectDanger(text).level).toBe('violence');
  });
  it.each(NEGATIVES)('does not trigger on «%s»', (text) => {
    expect(detectDanger(text)).toEqual({ level: null, matched: null });
  });
  it('says which words matched', () => {
    expect(detectDanger('ayuda me están golpeando').matched).toBe('me estan golpeando');
  });
  it('scans a 4,096-character message quickly', () => {
    const long = 'palabra '.repeat(500) + 'me quiere matar';
    const started = performance.now();
    expect(detectDanger(long.slice(0, 4096)).level).toBe('immediate');
    expect(performance.now() - started).toBeLessThan(200);
  });
});
