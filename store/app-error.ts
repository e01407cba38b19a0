/**
 * The one error type the app throws on purpose. `message` is Spanish and tells a person how to fix
 * the input; `fields` maps a field name to its own message. The API turns it into
 * `{ error: { code, message, fields? } }` with `status`.
 *
 * @example throw new AppError('not_found', 'No encontramos ese trámite.', { status: 404 })
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fields?: Record<string, string>;

  constructor(code: string, message: string, options: { status?: number; fields?: Record<string, string>; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? 400;
    this.fields = options.fields;
  }
}

/** True for an AppError even when it comes from another copy of this module (Astro bundles its own). */
export function isAppError(error: unknown): error is AppError {
  return error instanceof Error && error.name === 'AppError' && typeof (error as AppError).status === 'number';
}
