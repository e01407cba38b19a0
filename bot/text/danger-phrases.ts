/**
 * Phrases that mean someone may be in danger, as data: each pattern is a run of word slots over
 * folded text (see normalize.ts), `a|b` alternatives, a trailing `?` an optional slot. Words of six
 * letters or more also match with one typo («auxlio», «secuestaron»); shorter ones only exactly, so
 * «me pagan» never reads as «me pegan». Each pattern is tested one by one in tests/bot/danger.test.ts,
 * beside negatives that must not trigger («golpe de calor», «matar el tiempo», «la pega del trabajo»).
 */
export interface DangerPattern {
  /** Slots separated by spaces. */
  pattern: string;
  /** Folded phrases that, when the text contains them, cancel this pattern («abuso de autoridad»). */
  unless?: string[];
}

const OBJECT = 'me|nos|la|lo|le|te|les|mi|a';
const THREAT = 'quiere|quieren|va|van|vino|viene|piensa|amenaza|amenazo';
const NOW = 'esta|estan|sigue|siguen';

/** Someone's life or body is at risk right now: 911 first. */
export const IMMEDIATE: DangerPattern[] = [
  { pattern: 'auxilio|auxilo|ausilio' },
  { pattern: 'socorro|socoro' },
  { pattern: `${OBJECT} ${THREAT} a? matar|matarme|asesinar|asesinarme|violar|ahorcar|quemar|disparar` },
  { pattern: `${THREAT} a? matarme|matarnos|matarla|matarlo|asesinarme|violarme|ahorcarme|dispararme` },
  { pattern: `${OBJECT} ${NOW} pegando|golpeando|ahorcando|violando|matando|apunalando|acuchillando|quemando|disparando|amenazando` },
  { pattern: `${NOW} pegandome|golpeandome|ahorcandome|violandome|matandome|pegandonos|golpeandonos` },
  { pattern: 'tiene|trae|saco|carga|anda con? un|una? arma|pistola|cuchillo|machete|revolver|escopeta' },
  { pattern: 'me|nos|la|lo|le secuestraron|raptaron|secuestro' },
  { pattern: 'me|nos|la|lo|le tiene|tienen encerrada|encerrado|encerrados|secuestrada|secuestrado|amarrada' },
  { pattern: 'estoy|estamos|esta|estan en? peligro|secuestrada|secuestrado|encerrada|encerrados', unless: ['peligro de extincion'] },
  { pattern: 'me quiero matar|morir|suicidar' },
  { pattern: 'me voy a matar|suicidar' },
];

/** Violence that may not be happening this minute: the 198 line (and 911 if it gets worse). */
export const VIOLENCE: DangerPattern[] = [
  { pattern: 'violencia', unless: ['violencia en la pelicula', 'violencia en la serie'] },
  { pattern: 'abuso|abusos|abusaron|abusador', unless: ['abuso de autoridad', 'abuso de poder', 'abuso de confianza'] },
  {
    pattern: 'me|nos|le|te golpea|golpean|golpeo|golpearon|golpeaba|pega|pegan|pego|pegaron|pegaba|maltrata|maltrato|maltratan|maltrataba',
    unless: ['me golpee', 'me golpie'],
  },
  {
    pattern:
      'me|nos|le|te amenaza|amenazan|amenazo|amenazaron|amenazaba|humilla|insulta|acosa|acosan|viola|violo|violaron|abusa|abuso|manosea|controla|encierra',
  },
  { pattern: 'violacion|violada|violado|maltrato|maltratada|acoso|acosada|agresion|agresor|golpeada|feminicidio', unless: ['maltrato animal'] },
];
