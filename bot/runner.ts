import { isAppError } from '../store/app-error.ts';
import { loadUnlessSeen, saveConversation, botIdentityHash } from '../store/bot/conversations.ts';
import { getPublishedProcedure } from '../store/catalog/procedures.ts';
import type { Store } from '../store/db.ts';
import { createRateLimiter } from '../store/rate-limits.ts';
import type { ReportChannel } from '../store/reports/kinds.ts';
import { addCitizenMessage, createReport, getPublicReport } from '../store/reports/reports.ts';
import { DEFAULT_SLA, spanText } from '../store/reports/sla.ts';
import { formatTrackingCode } from '../store/reports/tracking-code.ts';
import { territoryTree, type TerritoryData } from '../store/territory/territory.ts';
import { costLine } from '../site/i18n/t.ts';
import type { SearchEngine } from '../search/engine.ts';
import type { BotChannel, BotEffect, BotEvent, BotMessage, BotRunner, BotState, EffectResult, Step } from './engine/types.ts';
import { matchPlace } from './place-match.ts';
import { safeHoursWindow } from './safe-hours.ts';

/**
 * The runner (bot/engine/types.ts): loads her conversation, feeds the engine the event, performs
 * the effects it asks for (search, file a report, look a case up…) and feeds their results back,
 * then saves the state — and, with a dedupe key, marks the update handled in the same write.
 * Channels never see an exception: an unexpected error answers a short apology and keeps the
 * state as it was, so she can try again.
 */

/** Effects performed for one event at most: a loop in a flow must not loop the server. */
export const MAX_EFFECTS_PER_EVENT = 5;

/** Messages the web chat keeps to show (the others have no transcript: the app shows it). */
export const TRANSCRIPT_MAX = 20;

const TRANSCRIPT_TEXT_MAX = 1000;

/** What the web chat page shows: who said it, what, and the bot's choices. */
export interface TranscriptEntry {
  from: 'person' | 'bot';
  text: string;
  choices?: BotMessage['choices'];
  requestLocation?: boolean;
  /** Her answer to this message is shown masked (BotMessage.expectsSecret). */
  secret?: boolean;
}

/** What is saved (encrypted) per conversation. */
export interface SavedConversation {
  state: BotState | null;
  /** Web chat only. */
  transcript?: TranscriptEntry[];
}

/** The first line says nothing of the subject (victim-safety rule 3); the 911 line comes after it. */
export const APOLOGY: BotMessage = {
  text: 'Perdón, tuvimos un problema y no pudimos atender su mensaje.\nIntente de nuevo en unos minutos. Si hay una vida en riesgo, llame al 911.',
};

export interface BotRunnerDeps {
  store: Store;
  search: Pick<SearchEngine, 'search'>;
  step: Step;
  /** PBKDF2 iterations of code words (tests lower it). */
  passwordIterations?: number;
  /** PUBLIC_BASE_URL: procedure links are absolute when it is known (SMS and Telegram need them). */
  publicBaseUrl?: string;
  /** Errors are logged without what she wrote. */
  log?: { error(message: string, details?: Record<string, unknown>): void };
}

const REPORT_CHANNEL: Record<BotChannel, ReportChannel> = { telegram: 'telegram', sms: 'sms', web: 'chat' };

/** Reports filed by one person through the bot per hour (counted by her keyed identity hash). */
const BOT_INTAKE_LIMIT = { bucket: 'bot-report-intake', limit: 10, windowMs: 60 * 60_000 };

/**
 * Case lookups that found nothing, per person, as on the web (guessing codes): past the limit a
 * lookup answers «not found» without reading the store, whatever the code.
 */
const BOT_LOOKUP_MISSES = { bucket: 'bot-lookup-miss', limit: 15, windowMs: 15 * 60_000 };

function costText(cost: { amount?: number; note?: string } | undefined): string | null {
  return cost ? costLine(cost) : null;
}

function personText(event: BotEvent, previous: TranscriptEntry | undefined, secret: boolean): string | null {
  switch (event.type) {
    case 'message':
      if (secret) return '••••';
      return event.text.length > TRANSCRIPT_TEXT_MAX ? `${event.text.slice(0, TRANSCRIPT_TEXT_MAX)}…` : event.text;
    case 'choice':
      return previous?.choices?.find((choice) => choice.value === event.value)?.label ?? event.value;
    case 'location':
      return '(ubicación enviada)';
    case 'unsupported':
      return '(archivo)';
    default:
      return null;
  }
}

/**
 * @example const runner = createBotRunner({ store, search, step }); const { messages } = await runner.handle({ channel: 'telegram', identity: '123456789', event: { type: 'message', text: 'hola' }, dedupeKey: '10001' })
 */
export function createBotRunner(deps: BotRunnerDeps): BotRunner {
  const { store } = deps;
  // The reference territory, read once per store (never a shared pending read: see territoryTree).
  const territoryOf = () => territoryTree(store.db);

  /** An AppError (her input, a closed case, a limit) is an answer the flow explains; anything else is thrown. */
  async function problemOf<T>(work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; problem: string }> {
    try {
      return { ok: true, value: await work() };
    } catch (error) {
      if (isAppError(error)) return { ok: false, problem: error.message };
      throw error;
    }
  }

  async function perform(effect: BotEffect, context: { channel: BotChannel; identity: string; idempotencyKey?: string }): Promise<EffectResult> {
    switch (effect.type) {
      case 'search': {
        const result = await deps.search.search({ query: effect.query, page: 1, limit: 3 });
        const hits = [];
        for (const hit of result.hits.slice(0, 3)) {
          const page = await getPublishedProcedure(store.db, hit.slug);
          const path = `/tramites/${hit.slug}`;
          hits.push({
            slug: hit.slug,
            title: hit.title,
            summary: hit.summary,
            cost: costText(page?.document.cost),
            requirements: (page?.document.requirements ?? []).slice(0, 2),
            url: deps.publicBaseUrl ? new URL(path, deps.publicBaseUrl).href : path,
            offices: (page?.document.offices ?? [])
              .slice(0, 3)
              .map((office) => [office.name, office.municipality ?? office.department].filter(Boolean).join(', ')),
          });
        }
        return { type: 'search', hits };
      }
      case 'createReport': {
        const { report } = effect;
        // Follow-up goes back to this chat or number: kept only encrypted, in the case's contact.
        // Her hours as she wrote them («de 8 a 12») become the contact's window; hours that cannot be
        // read keep no contact at all: better no message than one at an hour she did not choose.
        const safeHours = report.followUp ? safeHoursWindow(report.followUp.safeHours) : undefined;
        if (report.followUp && safeHours === null) deps.log?.error('bot report: safe hours not understood, no contact kept', { channel: context.channel });
        const contact =
          report.followUp && context.channel !== 'web' && safeHours !== null
            ? {
                channel: context.channel,
                value: context.identity,
                safeHours,
                mayLeaveMessage: report.followUp.mayLeaveMessage,
                ...(report.followUp.relay ? { relay: true } : {}),
              }
            : undefined;
        const outcome = await problemOf(async () =>
          createReport(
            store,
            {
              kind: report.kind,
              channel: REPORT_CHANNEL[context.channel],
              description: report.description,
              procedureSlug: report.procedure,
              institutionSlug: report.institution,
              location: report.location,
              anonymous: true,
              contact,
              codeWord: report.codeWord,
            },
            {
              idempotencyKey: context.idempotencyKey,
              codeWordIterations: deps.passwordIterations,
              limit: { ...BOT_INTAKE_LIMIT, client: await botIdentityHash(store, context.channel, context.identity) },
            },
          ),
        );
        if (!outcome.ok) return { type: 'createReport', ok: false, problem: outcome.problem };
        return {
          type: 'createReport',
          ok: true,
          code: formatTrackingCode(outcome.value.code),
          acknowledgeWithin: spanText(DEFAULT_SLA[report.kind].acknowledge),
        };
      }
      case 'lookupCase': {
        const misses = createRateLimiter(store, BOT_LOOKUP_MISSES);
        const who = `${context.channel}\n${context.identity}`;
        if (await misses.exhausted(who)) return { type: 'lookupCase', found: false };
        const found = await getPublicReport(store, effect.code, effect.codeWord || undefined);
        if (!found) {
          await misses.count(who);
          return { type: 'lookupCase', found: false };
        }
        return {
          type: 'lookupCase',
          found: true,
          status: found.stateName,
          updatedAt: found.updatedAt,
          lastUpdate: found.timeline.at(-1)?.text ?? null,
          closed: found.closed,
        };
      }
      case 'replyToCase': {
        if (await createRateLimiter(store, BOT_LOOKUP_MISSES).exhausted(`${context.channel}\n${context.identity}`)) {
          return { type: 'replyToCase', ok: false, problem: 'hubo demasiados intentos; espere 15 minutos' };
        }
        const outcome = await problemOf(() =>
          addCitizenMessage(store, { code: effect.code, codeWord: effect.codeWord || undefined }, effect.message, REPORT_CHANNEL[context.channel]),
        );
        return outcome.ok ? { type: 'replyToCase', ok: true } : { type: 'replyToCase', ok: false, problem: outcome.problem };
      }
      case 'matchPlace':
        return { type: 'matchPlace', ...matchPlace(await territoryOf(), effect.text) };
      case 'forget':
        return { type: 'forget', ok: true };
    }
  }

  // One event at a time per person in this process: two SMS sent in a quick row would otherwise
  // both start from the same saved state, and the second save would undo the first.
  const inFlight = new Map<string, Promise<unknown>>();
  function oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = inFlight.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const settled = run.catch(() => undefined);
    inFlight.set(key, settled);
    void settled.then(() => {
      if (inFlight.get(key) === settled) inFlight.delete(key);
    });
    return run;
  }

  return {
    handle(input) {
      return oneAtATime(`${input.channel}\n${input.identity}`, () => handleOne(input));
    },
  };

  async function handleOne({
    channel,
    identity,
    event,
    dedupeKey,
    outbox,
    channelMessageIds,
  }: Parameters<BotRunner['handle']>[0]): ReturnType<BotRunner['handle']> {
    try {
      const loaded = await loadUnlessSeen(store, channel, identity, dedupeKey);
      if (loaded.seen) return { messages: [], duplicate: true, forget: false };
      const saved = loaded.conversation as SavedConversation | null;
      let state = saved?.state ?? null;
      let transcript = channel === 'web' ? [...(saved?.transcript ?? [])] : undefined;
      if (transcript) {
        const lastBot = transcript.findLast((entry) => entry.from === 'bot');
        // A code word is never shown back: the message said so (expectsSecret), or the flow waits at a `codeWord` step.
        const secret = state !== null && (lastBot?.secret === true || /^code-?word$/i.test(state.step));
        const said = personText(event, lastBot, secret);
        if (said !== null) transcript.push({ from: 'person', text: said });
      }
      const messages: BotMessage[] = [];
      let forget = false;
      let current = event;
      const now = store.clock.now().toISOString();
      for (let performed = 0; ; performed++) {
        const output = deps.step(state, current, { channel, now });
        messages.push(...output.messages);
        transcript?.push(...output.messages.map(toEntry));
        state = output.state;
        if (!output.effect) break;
        if (performed >= MAX_EFFECTS_PER_EVENT) throw new Error(`the engine asked for more than ${MAX_EFFECTS_PER_EVENT} effects for one event`);
        if (output.effect.type === 'forget') {
          forget = true;
          // What came before is forgotten; what the engine says next is the new conversation.
          if (transcript) transcript = [];
        }
        const idempotencyKey = dedupeKey === undefined ? undefined : `bot\n${channel}\n${dedupeKey}\n${performed}`;
        current = { type: 'resume', result: await perform(output.effect, { channel, identity, idempotencyKey }) };
      }
      const keep: SavedConversation | null =
        state === null && (!transcript || transcript.length === 0) ? null : { state, ...(transcript ? { transcript: transcript.slice(-TRANSCRIPT_MAX) } : {}) };
      const outbound = outbox ? { kind: outbox.kind, rows: outbox.rows(messages, forget) } : undefined;
      const claimed = await saveConversation(store, channel, identity, keep, { dedupeKey, outbound, messageIds: channelMessageIds });
      if (!claimed) return { messages: [], duplicate: true, forget: false };
      return { messages, duplicate: false, forget, ...(outbox ? { queued: true } : {}) };
    } catch (error) {
      deps.log?.error('bot event failed', { channel, event: event.type, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      return { messages: [APOLOGY], duplicate: false, forget: false };
    }
  }
}

function toEntry(message: BotMessage): TranscriptEntry {
  return {
    from: 'bot',
    text: message.text,
    ...(message.choices?.length ? { choices: message.choices } : {}),
    ...(message.requestLocation ? { requestLocation: true } : {}),
    ...(message.expectsSecret ? { secret: true } : {}),
  };
}
