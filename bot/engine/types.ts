/**
 * The conversation engine's contract, shaped like RapidPro's goflow: the engine does no I/O. The
 * runner (bot/runner.ts) feeds it one event and the saved state; it answers with the messages to
 * send, the next state and at most one effect — something only the runner can do (search, file a
 * report, look a case up). The runner performs the effect and feeds its result back as a `resume`
 * event, until no effect is left; then it saves the state and hands the messages to the channel's
 * renderer (Telegram, SMS, the web chat). Flows never know the channel; renderers do.
 */

export const BOT_CHANNELS = ['telegram', 'sms', 'web'] as const;
export type BotChannel = (typeof BOT_CHANNELS)[number];

/** What a person did. Channels map their updates to these. */
export type BotEvent =
  /** Free text (a Telegram message, an SMS body, the web chat's field). */
  | { type: 'message'; text: string }
  /** A button chosen (Telegram callback data, the web chat's buttons); `value` is a choice's value. */
  | { type: 'choice'; value: string }
  /** A shared location (Telegram; the web chat's geolocation). */
  | { type: 'location'; lat: number; lng: number }
  /** Something the bot cannot read: a sticker, photo, voice note, contact card… */
  | { type: 'unsupported'; what: 'sticker' | 'photo' | 'voice' | 'video' | 'document' | 'contact' | 'other' }
  /** The answer to the effect the engine asked for in its previous output. */
  | { type: 'resume'; result: EffectResult };

/** A small, JSON-serialisable state: which flow, which step, what was gathered so far. */
export interface BotState {
  flow: string;
  step: string;
  data: Record<string, unknown>;
}

export interface BotChoice {
  /** Stable machine value (callback data ≤ 64 bytes on Telegram). */
  value: string;
  /** What the person reads (Spanish). */
  label: string;
}

export interface BotMessage {
  /**
   * What the person reads. The first line is what a lock screen shows: it must never reveal the
   * subject (victim-safety rule 3) — flows open sensitive messages with a neutral line.
   */
  text: string;
  /** Rendered as inline buttons (Telegram, web) or a numbered list (SMS: «1 …, 2 …»). */
  choices?: BotChoice[];
  /** Telegram shows a «send my location» keyboard button; the web chat a geolocation button. */
  requestLocation?: boolean;
  /**
   * Her answer to this message is secret (a code word): the web chat's transcript keeps it only
   * as «••••», so a shared screen does not show it.
   */
  expectsSecret?: boolean;
}

/** Things only the runner can do, asked for by the engine and answered with a `resume` event. */
export type BotEffect =
  | { type: 'search'; query: string }
  | {
      type: 'createReport';
      report: {
        kind: 'complaint' | 'corruption' | 'emergency' | 'violence' | 'missing_requirement';
        description: string;
        procedure?: string;
        institution?: string;
        location?: { department?: string; municipality?: string; district?: string; lat?: number; lng?: number; address?: string };
        /** Follow-up on this same channel and identity, only if she said yes. */
        followUp?: {
          safeHours?: string;
          mayLeaveMessage?: boolean;
          /** She asked to talk here with an operator: the operator's public replies are relayed to her with their text. */
          relay?: boolean;
        };
        codeWord?: string;
      };
    }
  | { type: 'lookupCase'; code: string; codeWord?: string }
  | { type: 'replyToCase'; code: string; codeWord?: string; message: string }
  /** Match free text against the territory (department / municipality / district, typos allowed). */
  | { type: 'matchPlace'; text: string }
  /** «salir» / «borrar»: clear the state and delete what the channel can delete. */
  | { type: 'forget' };

export type EffectResult =
  | { type: 'search'; hits: { slug: string; title: string; summary: string; cost: string | null; requirements: string[]; url: string; offices: string[] }[] }
  | { type: 'createReport'; ok: true; code: string; acknowledgeWithin: string }
  | { type: 'createReport'; ok: false; problem: string }
  | { type: 'lookupCase'; found: false }
  | { type: 'lookupCase'; found: true; status: string; updatedAt: string; lastUpdate: string | null; closed: boolean }
  | { type: 'replyToCase'; ok: boolean; problem?: string }
  | { type: 'matchPlace'; department?: string; municipality?: string; district?: string; confidence: 'exact' | 'fuzzy' | 'none' }
  | { type: 'forget'; ok: true };

export interface StepOutput {
  messages: BotMessage[];
  /** null ends the conversation (the next message starts afresh). */
  state: BotState | null;
  effect?: BotEffect;
}

export interface StepContext {
  channel: BotChannel;
  /** ISO timestamp of the event (the runner's injected clock). */
  now: string;
}

/** The engine: pure, synchronous, deterministic. */
export type Step = (state: BotState | null, event: BotEvent, context: StepContext) => StepOutput;

/**
 * What the channels call (bot/runner.ts implements it): one person's event in, the messages to
 * send back out. `identity` is the channel's raw id (Telegram chat id, phone number, web session);
 * the runner keeps only a keyed hash of it. `dedupeKey` (Telegram update_id, Twilio MessageSid)
 * makes a re-delivered update a no-op that answers `duplicate: true`.
 */
export interface BotRunner {
  handle(input: {
    channel: BotChannel;
    identity: string;
    event: BotEvent;
    dedupeKey?: string;
    /**
     * Send the answer later instead of returning it to be sent now: the runner writes `rows(…)`
     * (encrypted) to the outbox `kind` in the transaction that saves the conversation, and
     * answers `queued: true`. Telegram's webhook uses it so that it never waits on the Bot API.
     */
    outbox?: { kind: string; rows(messages: BotMessage[], forget: boolean): unknown[] };
    /** Her message's id in the channel (Telegram): kept 48 hours, with the conversation, so «borrar» can delete it. */
    channelMessageIds?: number[];
  }): Promise<{
    messages: BotMessage[];
    duplicate: boolean;
    /** The person asked to forget the conversation: the channel deletes what it can. */
    forget: boolean;
    /** The messages were committed to the outbox (`outbox` given); otherwise the channel sends them. */
    queued?: boolean;
  }>;
}
