import { Hono, type Context } from 'hono';
import { webhookCallback } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { AppError } from '../../store/app-error.ts';
import { afterResponse } from '../after-response.ts';
import { handleInboundSms, twiml, validateTwilioSignature, type OptOuts } from '../../bot/channels/sms.ts';
import { createTelegramBot, type TelegramChannel } from '../../bot/channels/telegram.ts';
import { isTwilioStatus, recordSmsStatus } from '../../store/bot/sms-deliveries.ts';
import type { Store } from '../../store/db.ts';
import type { BotRunner } from '../../bot/engine/types.ts';
import type { ApiEnv } from '../env.ts';
import type { Log } from '../errors.ts';

/** The bot's channels, configured only when their tokens are (TELEGRAM_BOT_TOKEN, TWILIO_AUTH_TOKEN). */
export interface BotChannelsDeps {
  runner: BotRunner;
  optOuts: OptOuts;
  /** `channel`: the bot already made (server.node.ts, whose scheduled job also drains its replies); made here otherwise. */
  telegram?: { token: string; webhookSecret: string; botInfo?: UserFromGetMe; apiRoot?: string; channel?: TelegramChannel };
  twilio?: { authToken: string; accountSid?: string; from?: string; apiRoot?: string };
}

/** Twilio: «Attempt to send to unsubscribed recipient» — she answered STOP to our number. */
const TWILIO_UNSUBSCRIBED = 21610;

const notConfigured = () => new AppError('not_found', 'Esa dirección de la API no existe. Consulte /api/openapi.json.', { status: 404 });

const encoder = new TextEncoder();
function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let difference = left.length ^ right.length;
  for (let i = 0; i < right.length; i++) difference |= (left[i] ?? 0) ^ right[i];
  return difference === 0;
}

/**
 * grammY's webhook adapter for Hono, with the webhook reply written as it comes: grammY hands over
 * the reply already serialised, and its bundled 'hono' adapter (1.46) passes that string to
 * `c.json`, which encodes it a second time, so Telegram would get a JSON string and not run it.
 */
function honoAdapter(c: Context) {
  let resolve!: (response: Response) => void;
  const handlerReturn = new Promise<Response>((done) => (resolve = done));
  return {
    get update() {
      return c.req.json();
    },
    header: c.req.header('X-Telegram-Bot-Api-Secret-Token'),
    end: () => resolve(c.body('')),
    respond: (json: string) => resolve(c.body(json, 200, { 'Content-Type': 'application/json' })),
    unauthorized: () => resolve(c.body('', 401)),
    handlerReturn,
  };
}

/**
 * `POST /api/telegram/webhook` and `POST /api/sms/twilio`. Without a channel's configuration its
 * route answers 404 in the API's error shape. Both check the sender before reading anything:
 * Telegram's secret token header, Twilio's signature over PUBLIC_BASE_URL + path + parameters.
 */
export function botWebhookRoutes(bot: BotChannelsDeps | undefined, options: { log: Log; publicBaseUrl?: string; store: Store }) {
  const app = new Hono<ApiEnv>();
  // Without a secret anyone could post updates: no webhook then (the server polls instead).
  const telegram = bot?.telegram?.webhookSecret ? bot.telegram : undefined;
  const channel = telegram
    ? (telegram.channel ??
      createTelegramBot({
        token: telegram.token,
        botInfo: telegram.botInfo,
        apiRoot: telegram.apiRoot,
        store: options.store,
        runner: bot!.runner,
        log: options.log,
      }))
    : undefined;
  const handleTelegram =
    telegram && channel
      ? webhookCallback(channel.bot, honoAdapter, {
          secretToken: telegram.webhookSecret,
          // Answer before Telegram's own timeout; a slow update is finished anyway and a re-sent copy is deduped.
          onTimeout: 'return',
          timeoutMilliseconds: 8_000,
        })
      : undefined;

  app.post('/telegram/webhook', async (c) => {
    if (!telegram || !channel || !handleTelegram) throw notConfigured();
    if (!sameSecret(c.req.header('X-Telegram-Bot-Api-Secret-Token'), telegram.webhookSecret)) {
      throw new AppError('unauthorized', 'Falta el token secreto del webhook o no es el configurado.', { status: 401 });
    }
    let update: unknown;
    try {
      update = await c.req.json(); // Hono keeps the parsed body: grammY reads the same one.
    } catch {
      throw new AppError('invalid_json', 'El cuerpo no es JSON válido.', { status: 400 });
    }
    if (typeof update !== 'object' || update === null || !Number.isSafeInteger((update as { update_id?: unknown }).update_id)) {
      throw new AppError('invalid_update', 'El cuerpo no es una actualización de Telegram (falta update_id).', { status: 400 });
    }
    const response = await handleTelegram(c);
    // On Workers the isolate may stop once the response is out: the answers just committed to the
    // outbox are sent within the request's lifetime (on Node the bot's own kick sends them).
    afterResponse(c, () => channel.replies.drain());
    return response;
  });

  /** Twilio's form, after its signature checked out (403 and nothing read otherwise). */
  async function signedTwilioForm(c: Context<ApiEnv>, authToken: string): Promise<(name: string) => string | undefined> {
    if (!(c.req.header('Content-Type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new AppError('unsupported_media_type', 'Se espera un formulario (application/x-www-form-urlencoded) de Twilio.', { status: 415 });
    }
    const form = new URLSearchParams(await c.req.text());
    const params: Record<string, string | string[]> = {};
    for (const [name, value] of form) {
      const seen = params[name];
      params[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    }
    // Twilio signs the URL it was given (ours, public), never what a proxy or the Host header says.
    const requestUrl = new URL(c.req.url);
    const signedUrl = `${options.publicBaseUrl ? options.publicBaseUrl.replace(/\/+$/, '') : requestUrl.origin}${requestUrl.pathname}${requestUrl.search}`;
    if (!(await validateTwilioSignature(authToken, signedUrl, params, c.req.header('X-Twilio-Signature')))) {
      throw new AppError('forbidden', 'La firma X-Twilio-Signature no es válida.', { status: 403 });
    }
    return (name: string) => (typeof params[name] === 'string' ? (params[name] as string) : undefined);
  }

  // Status callbacks of the SMS we send (bot/delivery.ts names this URL): the furthest status and
  // its error code are kept; 21610 (she answered STOP to Twilio) opts her number out here too.
  app.post('/sms/twilio/status', async (c) => {
    const twilio = bot?.twilio;
    if (!bot || !twilio) throw notConfigured();
    const single = await signedTwilioForm(c, twilio.authToken);
    const messageSid = single('MessageSid') ?? single('SmsSid');
    const status = single('MessageStatus') ?? single('SmsStatus');
    if (!messageSid || !/^[A-Za-z0-9]{10,64}$/.test(messageSid) || !status || !isTwilioStatus(status)) {
      throw new AppError('invalid_status', 'Faltan MessageSid o MessageStatus (queued, sent, delivered, undelivered, failed…) en la solicitud.', {
        status: 400,
      });
    }
    const code = single('ErrorCode');
    const errorCode = code && /^\d{1,6}$/.test(code) ? Number(code) : null;
    await recordSmsStatus(options.store, messageSid, status, errorCode);
    const to = single('To');
    if (errorCode === TWILIO_UNSUBSCRIBED && to) await bot.optOuts.optOut('sms', to);
    return c.body(null, 204);
  });

  app.post('/sms/twilio', async (c) => {
    const twilio = bot?.twilio;
    if (!bot || !twilio) throw notConfigured();
    const single = await signedTwilioForm(c, twilio.authToken);
    const from = single('From');
    const messageSid = single('MessageSid') ?? single('SmsSid');
    if (!from || !messageSid) throw new AppError('invalid_sms', 'Faltan From o MessageSid en la solicitud.', { status: 400 });
    const bodies = await handleInboundSms({ from, body: single('Body') ?? '', messageSid: `sms:${messageSid}` }, { runner: bot.runner, optOuts: bot.optOuts });
    return c.body(twiml(bodies), 200, { 'Content-Type': 'text/xml; charset=utf-8' });
  });
  return app;
}
