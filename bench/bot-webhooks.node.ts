// The bot's webhooks under load: Telegram updates and signed Twilio SMS at 40 connections on
// loopback, each request a new update / MessageSid from its own chat or number (the real runner,
// engine, dedupe and state writes run; the Bot API is a local stub in the server's process).
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';

export const BENCH_BOT = {
  token: '123456789:AAHbenchTOKENbenchTOKENbenchTOKEN1',
  webhookSecret: 'secreto-de-la-prueba-de-carga',
  twilioAuthToken: 'auth-token-of-the-bench-account-0',
};

/** A Bot API that answers every call at once (in the server's process, never the load generator's). */
export async function startBotApiStub(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        req.url?.endsWith('/sendMessage') ? '{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"}}}' : '{"ok":true,"result":true}',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Where the next call's update_ids and MessageSids start (see benchBotWebhooks). */
const nextIds = { update: 1_000_000, sms: 0 };

function twilioSignature(url: string, params: Record<string, string>): string {
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((name) => name + params[name])
      .join('');
  return createHmac('sha1', BENCH_BOT.twilioAuthToken).update(data).digest('base64');
}

/**
 * p99 (ms) of the Telegram and SMS webhooks at 40 connections for `seconds`, each after 200
 * unmeasured requests (as the intake benchmark warms up: the bot's code paths are cold until
 * then); throws on any non-2xx.
 */
export async function benchBotWebhooks(
  siteUrl: string,
  seconds: number,
): Promise<{ telegramP99: number; smsP99: number; telegramP50: number; smsP50: number; telegramPerSecond: number; smsPerSecond: number }> {
  /** POSTs to `path` at 40 connections, each request's body and extra headers from `next`. */
  const load =
    (path: string, contentType: string, next: () => { body: string; headers?: Record<string, string> }) => (run: { amount: number } | { duration: number }) =>
      autocannon({
        url: siteUrl,
        connections: 40,
        ...run,
        requests: [
          {
            method: 'POST',
            path,
            headers: { 'content-type': contentType },
            setupRequest: (request) => {
              const { body, headers } = next();
              return { ...request, body, headers: { ...request.headers, ...headers } };
            },
          },
        ],
      });
  // Each call's ids follow the last call's: a second call on the same server would otherwise
  // replay the first call's update_ids and MessageSids and measure only the dedupe answer.
  let update = nextIds.update;
  const telegramLoad = load('/api/telegram/webhook', 'application/json', () => {
    const id = ++update;
    const chat = 900_000_000 + (id % 5000);
    return {
      headers: { 'x-telegram-bot-api-secret-token': BENCH_BOT.webhookSecret },
      body: JSON.stringify({
        update_id: id,
        message: {
          message_id: id,
          date: 1_790_000_000,
          chat: { id: chat, type: 'private' },
          from: { id: chat, is_bot: false, first_name: 'Carga' },
          text: id % 3 ? 'hola' : '1',
        },
      }),
    };
  });
  let sms = nextIds.sms;
  const url = `${siteUrl}/api/sms/twilio`;
  const smsLoad = load('/api/sms/twilio', 'application/x-www-form-urlencoded', () => {
    const n = ++sms;
    const params = {
      From: `+5037${String(n % 5000).padStart(7, '0')}`,
      To: '+50321000000',
      Body: n % 3 ? 'hola' : '1',
      MessageSid: `SM${String(n).padStart(32, '0')}`,
    };
    return { body: new URLSearchParams(params).toString(), headers: { 'x-twilio-signature': twilioSignature(url, params) } };
  });
  const telegramWarmUp = await telegramLoad({ amount: 200 });
  const telegram = await telegramLoad({ duration: seconds });
  const smsWarmUp = await smsLoad({ amount: 200 });
  const twilio = await smsLoad({ duration: seconds });
  nextIds.update = update;
  nextIds.sms = sms;
  for (const [name, result] of [
    ['telegram', telegram],
    ['telegram (calentamiento)', telegramWarmUp],
    ['sms', twilio],
    ['sms (calentamiento)', smsWarmUp],
  ] as const) {
    if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0)
      throw new Error(`${name}: ${result.non2xx} no 2xx, ${result.errors} errores, ${result.timeouts} sin respuesta`);
  }
  return {
    telegramP99: telegram.latency.p99,
    smsP99: twilio.latency.p99,
    telegramP50: telegram.latency.p50,
    smsP50: twilio.latency.p50,
    telegramPerSecond: Math.round(telegram['2xx'] / telegram.duration),
    smsPerSecond: Math.round(twilio['2xx'] / twilio.duration),
  };
}
