import { defineMiddleware } from 'astro:middleware';
import { refusalResponse } from '../api/edge/page-refusal.ts';
import { isAppError } from '../store/app-error.ts';

/**
 * Pages never decide who may see what: they call the store, which asks the policy module and
 * throws an AppError (403 outside one's scope, 404…). Here that refusal becomes an empty response
 * with its status and reason (api/edge/page-refusal.ts), drawn by the web app instead of a 500.
 */
export const onRequest = defineMiddleware(async (_context, next) => {
  try {
    return await next();
  } catch (error) {
    if (isAppError(error) && error.status < 500) return refusalResponse(error.status, error.message);
    throw error;
  }
});
