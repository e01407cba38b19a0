/**
 * The words the bot understands beyond a choice's own label, as data (folded: no accents, lower
 * case). understand.ts reads these; flows only name choice values.
 */

/** «uno» → 1 … «diez» → 10 (also ordinals people type: «primero»). */
export const NUMBER_WORDS: Record<string, number> = {
  cero: 0,
  uno: 1,
  una: 1,
  primero: 1,
  primera: 1,
  dos: 2,
  segundo: 2,
  segunda: 2,
  tres: 3,
  tercero: 3,
  tercera: 3,
  cuatro: 4,
  cuarto: 4,
  cinco: 5,
  quinto: 5,
  seis: 6,
  sexto: 6,
  siete: 7,
  ocho: 8,
  nueve: 9,
  diez: 10,
};

/** Yes and no as people write them in El Salvador. */
export const YES_WORDS = [
  'si',
  'sii',
  'sip',
  'claro',
  'simon',
  'ok',
  'okay',
  'oki',
  'dale',
  'va',
  'vaya',
  'sale',
  'bueno',
  'correcto',
  'afirmativo',
  'de acuerdo',
  'por favor',
  'esta bien',
  'yes',
];
export const NO_WORDS = ['no', 'nop', 'nel', 'nelson', 'negativo', 'para nada', 'todavia no', 'aun no', 'no gracias', 'mejor no', 'ninguno', 'nadie'];

/** Words that work at any step (whole message, folded). */
export const GLOBAL_WORDS: Record<string, 'menu' | 'forget' | 'help'> = {
  menu: 'menu',
  'ver menu': 'menu',
  inicio: 'menu',
  '0': 'menu',
  volver: 'menu',
  salir: 'forget',
  borrar: 'forget',
  'borrar todo': 'forget',
  'borrar conversacion': 'forget',
  ayuda: 'help',
};

/**
 * Synonyms per choice value: what a person may write instead of the label. Values are the flows'
 * choice values (bot/flows/*.ts).
 */
export const SYNONYMS: Record<string, string[]> = {
  'menu.emergency': ['emergencia', 'urgencia', 'urgente', '911', 'peligro'],
  'menu.line198': ['198', 'linea', 'mujer', 'violencia', 'ciudad mujer'],
  'menu.search': ['tramite', 'tramites', 'buscar', 'busqueda', 'dui', 'pasaporte', 'partida'],
  'menu.tracking': ['seguimiento', 'caso', 'codigo', 'estado', 'consultar'],
  'menu.complaint': ['queja', 'denuncia', 'denunciar', 'reclamo', 'corrupcion', 'quejarme'],
  'menu.help': ['ayuda', 'informacion', 'como funciona'],
  'complaint.kind.complaint': ['queja', 'reclamo', 'mal servicio', 'maltrato'],
  'complaint.kind.corruption': ['corrupcion', 'soborno', 'mordida', 'dinero', 'pisto', 'coima'],
  'complaint.kind.missing_requirement': ['requisito', 'no publicado', 'pidieron algo', 'papel extra'],
  'emergency.kind.accident': ['accidente', 'choque', 'atropello', 'transito'],
  'emergency.kind.fire': ['incendio', 'fuego', 'quema', 'humo'],
  'emergency.kind.health': ['herido', 'herida', 'enfermo', 'enferma', 'salud', 'ambulancia', 'desmayo'],
  'emergency.kind.crime': ['robo', 'asalto', 'delito', 'ladron', 'extorsion', 'pandilla'],
  'emergency.kind.disaster': ['derrumbe', 'inundacion', 'deslave', 'terremoto', 'lluvia', 'arbol'],
  'emergency.kind.other': ['otro', 'otra', 'otra cosa'],
  'line198.option.callback': ['llamen', 'llamada', 'contacten', 'contacto', 'escriban'],
  'line198.option.protection': ['proteccion', 'medidas', 'orden'],
  'line198.option.support': ['psicologico', 'psicologa', 'apoyo', 'hablar con alguien', 'terapia'],
  'line198.option.operator': ['operadora', 'operador', 'persona', 'humano', 'agente'],
  'line198.option.call': ['llamar', 'numero', 'telefono'],
  'search.detail.requirements': ['requisitos', 'requisito', 'papeles', 'documentos', 'que necesito'],
  'search.detail.cost': ['costo', 'precio', 'cuanto cuesta', 'cuanto vale', 'valor', 'pago'],
  'search.detail.where': ['donde', 'oficina', 'oficinas', 'lugar', 'direccion', 'sucursal'],
  'search.detail.again': ['otra busqueda', 'buscar otro', 'otro tramite'],
  yes: YES_WORDS,
  no: NO_WORDS,
  skip: ['omitir', 'saltar', 'ninguno', 'no se', 'paso', 'siguiente', 'nada'],
  any: ['cualquier hora', 'cualquiera', 'siempre', 'a toda hora'],
  unsure: ['no se', 'tal vez', 'puede ser', 'quizas', 'a veces'],
};

/** Greetings and small talk: at the menu they get the menu, not a search. */
export const GREETINGS = [
  'hola',
  'buenas',
  'buenos',
  'buen',
  'dias',
  'tardes',
  'noches',
  'saludos',
  'gracias',
  'hey',
  'ola',
  'que tal',
  'como esta',
  'ayudeme',
  'ayudame',
  'por favor',
  'info',
  'informacion',
  'hi',
  'hello',
  'start',
];

/** Words too common to tell one choice from another. */
export const STOP_WORDS = new Set([
  'a',
  'al',
  'de',
  'del',
  'el',
  'la',
  'las',
  'los',
  'un',
  'una',
  'y',
  'o',
  'en',
  'con',
  'por',
  'para',
  'mi',
  'me',
  'que',
  'es',
  'se',
  'su',
  'lo',
  'le',
  'quiero',
  'quisiera',
  'necesito',
  'hacer',
  'presentar',
]);
