/** The address of the «new procedure» form: not under /admin/tramites/, where any slug may live. */
export const NEW_PROCEDURE_PATH = '/admin/nuevo-tramite';
