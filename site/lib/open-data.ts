// The open datasets of /datos and its DCAT catalogue (/datos/data.json): what each one is, its
// files and its data dictionary. Aggregated figures are the tables of /transparencia (the same
// disclosure control); nothing here holds personal data.

export interface DatasetFile {
  title: string;
  format: 'JSON' | 'CSV';
  mediaType: string;
  path: string;
}

export interface Dataset {
  id: string;
  title: string;
  description: string;
  keywords: string[];
  /** How often it changes. */
  periodicity: string;
  files: DatasetFile[];
  dictionary: { field: string; description: string }[];
}

export const LICENSE = { name: 'Creative Commons Atribución 4.0 Internacional (CC BY 4.0)', url: 'https://creativecommons.org/licenses/by/4.0/deed.es' };

const csv = (path: string, title: string): DatasetFile => ({ title, format: 'CSV', mediaType: 'text/csv', path });

export const DATASETS: Dataset[] = [
  {
    id: 'catalogo-de-tramites',
    title: 'Catálogo de trámites publicados',
    description:
      'Cada trámite publicado en el portal: qué es, quién lo puede hacer, requisitos, documentos, pasos, costo, tiempo, oficinas y horarios, enlace en línea y la fecha en que la institución lo verificó por última vez. El mismo formato que usa la importación del catálogo.',
    keywords: ['trámites', 'servicios públicos', 'requisitos', 'oficinas', 'El Salvador'],
    periodicity: 'Cambia cada vez que una institución corrige o verifica un trámite.',
    files: [
      { title: 'Catálogo (JSON)', format: 'JSON', mediaType: 'application/json', path: '/datos/catalogo.json' },
      csv('/datos/catalogo.csv', 'Catálogo (CSV; las listas se separan con « | »)'),
    ],
    dictionary: [
      { field: 'slug', description: 'Identificador del trámite en la dirección /tramites/{slug}; no cambia.' },
      { field: 'title', description: 'Nombre del trámite.' },
      { field: 'summary', description: 'En qué consiste, en una o dos frases.' },
      { field: 'category', description: 'Tema (identificador), por ejemplo «identidad».' },
      { field: 'institution', description: 'Institución responsable (identificador); institution_name es su nombre.' },
      { field: 'audience', description: 'Quién puede hacerlo.' },
      { field: 'requirements, documents, steps', description: 'Listas de requisitos, documentos y pasos, en orden.' },
      { field: 'cost', description: 'amount (número, en currency, normalmente USD) y note (aclaraciones).' },
      { field: 'duration', description: 'Tiempo que suele tardar.' },
      { field: 'channels', description: 'Dónde se hace: presencial, en_linea, telefono, correo.' },
      { field: 'online_url', description: 'Dirección donde se puede iniciar en línea, si existe.' },
      { field: 'offices', description: 'Oficinas: nombre, dirección, departamento, municipio, distrito, horario y teléfono.' },
      { field: 'keywords', description: 'Palabras con que las personas lo buscan.' },
      { field: 'legal_basis', description: 'Ley o norma que lo respalda.' },
      { field: 'updated_at', description: 'Fecha (AAAA-MM-DD) en que la institución verificó el trámite por última vez.' },
    ],
  },
  {
    id: 'cifras-del-catalogo',
    title: 'Cifras del catálogo por tema y por institución',
    description: 'Cuántos trámites hay publicados, cuántos se pueden iniciar en línea y cuántos se verificaron en los últimos 180 días.',
    keywords: ['trámites en línea', 'digitalización', 'cobertura del catálogo'],
    periodicity: 'Al día: se calcula en cada descarga.',
    files: [csv('/transparencia/catalogo-por-tema.csv', 'Por tema (CSV)'), csv('/transparencia/catalogo-por-institucion.csv', 'Por institución (CSV)')],
    dictionary: [
      { field: 'Trámites', description: 'Trámites publicados.' },
      { field: 'Con enlace en línea', description: 'De ellos, los que tienen una dirección donde iniciarse en línea.' },
      { field: 'Verificados en los últimos 180 días', description: 'De ellos, los que su institución revisó en los últimos 180 días.' },
    ],
  },
  {
    id: 'opiniones-sobre-tramites',
    title: 'Opiniones sobre los trámites y prioridades de digitalización',
    description:
      'Cuántas veces las personas pulsaron «Quiero este servicio en línea», «Este servicio no funciona así», «Me fue útil» y «No me fue útil», y los trámites e instituciones con más pedidos de servicio en línea. Solo conteos: los textos no se publican.',
    keywords: ['opiniones ciudadanas', 'digitalización', 'gobierno en línea'],
    periodicity: 'Al día; por defecto los últimos 12 meses (parámetros desde y hasta, AAAA-MM-DD).',
    files: [
      csv('/transparencia/opiniones-por-tipo.csv', 'Opiniones por tipo (CSV)'),
      csv('/transparencia/prioridades-de-digitalizacion.csv', 'Trámites más pedidos en línea (CSV)'),
      csv('/transparencia/instituciones-mas-pedidas-en-linea.csv', 'Instituciones con más pedidos (CSV)'),
    ],
    dictionary: [
      { field: 'Tipo', description: 'El botón que se pulsó.' },
      {
        field: 'Opiniones / Pedidos / Personas que lo pidieron',
        description: 'Número de veces en el periodo (una por persona y día en «Quiero este servicio en línea»).',
      },
    ],
  },
  {
    id: 'reportes-y-denuncias',
    title: 'Reportes y denuncias: recibidos, atendidos y resueltos',
    description:
      'Reportes recibidos por tipo, departamento e institución en un mes, la serie de los doce meses anteriores, y la parte atendida y resuelta dentro del plazo prometido. Cada caso cuenta en el mes en que se recibió. Las cifras menores que 5, y las que permitirían deducirlas, se publican vacías («reservado»).',
    keywords: ['denuncias', 'quejas', 'corrupción', 'emergencias', 'violencia contra las mujeres', 'tiempos de atención'],
    periodicity:
      'Por mes terminado y para todo el portal (parámetro mes=AAAA-MM; por defecto el último mes terminado): los periodos no se solapan, para que ninguna resta entre tablas revele una cifra pequeña.',
    files: [
      csv('/transparencia/reportes-por-tipo.csv', 'Por tipo (CSV)'),
      csv('/transparencia/reportes-por-mes.csv', 'Por mes (CSV)'),
      csv('/transparencia/reportes-por-departamento.csv', 'Por departamento y tipo (CSV)'),
      csv('/transparencia/reportes-por-institucion.csv', 'Por institución, con plazos (CSV)'),
    ],
    dictionary: [
      { field: 'Reportes', description: 'Reportes recibidos en el periodo; vacío = reservado (menos de 5, o permitiría calcular uno menor que 5).' },
      {
        field: 'Acusados dentro del plazo (%)',
        description: 'Parte de los reportes recibidos a los que se dio acuse antes de que venciera el plazo de acuse de su tipo.',
      },
      {
        field: 'Resueltos dentro del plazo (%)',
        description: 'Parte de los reportes recibidos que se resolvieron antes de que venciera su plazo de resolución.',
      },
      { field: 'Departamento', description: '«Sin departamento» cuando quien reportó no lo indicó.' },
    ],
  },
];
