import type { Db, Store } from '../db.ts';
import { enqueueOutbox } from '../outbox/outbox.ts';

/**
 * The chatbot's memory (migration 0013): one conversation per channel identity, expiring after
 * 30 minutes of inactivity; the updates already handled; SMS opt-outs. A person is known only by
 * `botIdentityHash` (keyed, so a copy of the database cannot be searched for a phone number), and
 * what the conversation holds is encrypted: it may hold what she typed.
 */

export type BotChannelName = 'telegram' | 'sms' | 'web';

/** After this long without an event, a conversation is over: the next message starts afresh. */
export const CONVERSATION_IDLE_MS = 30 * 60_000;

/** How long a handled update is remembered (Telegram re-sends unacknowledged updates for up to 24 hours). */
export const UPDATE_MEMORY_MS = 7 * 86_400_000;

/**
 * The keyed hash a person is known by on a channel: never the raw chat id or phone number.
 *
 * @example await botIdentityHash(store, 'sms', '+50370001234') // '3f9c…' (32 hex)
 */
export function botIdentityHash(store: Store, channel: BotChannelName, identity: string): Promise<string> {
  return rememberedFingerprint(store, `bot identity\n${channel}\n${identity}`);
}

function updateHash(store: Store, channel: BotChannelName, dedupeKey: string): Promise<string> {
  return rememberedFingerprint(store, `bot update\n${channel}\n${dedupeKey}`);
}

/**
 * One event asks for its person's and its update's hash four or five times (dedupe, load,
 * opt-out, save): the last few are remembered in memory, per store, never written anywhere.
 * Only identities and update ids go through here, never what she wrote.
 */
const RECENT_HASHES = 512;
const recentHashes = new WeakMap<Store, Map<string, Promise<string>>>();
function rememberedFingerprint(store: Store, text: string): Promise<string> {
  let recent = recentHashes.get(store);
  if (!recent) recentHashes.set(store, (recent = new Map()));
  let hash = recent.get(text);
  if (hash === undefined) {
    hash = store.keys.fingerprint(text);
    if (recent.size >= RECENT_HASHES) recent.delete(recent.keys().next().value as string);
    recent.set(text, hash);
  }
  return hash;
}

/**
 * The saved conversation (whatever JSON the runner keeps), or null when there is none or it
 * expired. A row that cannot be decrypted (another DATA_KEY) also loads as null: she starts again.
 */
export async function loadConversation(store: Store, channel: BotChannelName, identity: string): Promise<unknown | null> {
  const hash = await botIdentityHash(store, channel, identity);
  const rows = await store.db.execute({
    sql: 'SELECT state FROM bot_conversations WHERE identity_hash = ? AND expires_at > ?',
    args: [hash, store.clock.now().toISOString()],
  });
  return openState(store, rows.rows[0]?.state);
}

async function openState(store: Store, sealed: unknown): Promise<unknown | null> {
  if (typeof sealed !== 'string') return null;
  try {
    return JSON.parse(await store.cipher.decrypt(sealed)) as unknown;
  } catch {
    return null;
  }
}

/**
 * What an incoming event needs first, in one read: whether its update was handled already (then
 * the conversation is not read), else the saved conversation (as `loadConversation`).
 */
export async function loadUnlessSeen(
  store: Store,
  channel: BotChannelName,
  identity: string,
  dedupeKey: string | undefined,
): Promise<{ seen: true } | { seen: false; conversation: unknown | null }> {
  if (dedupeKey === undefined) return { seen: false, conversation: await loadConversation(store, channel, identity) };
  const [hash, dedupe] = await Promise.all([botIdentityHash(store, channel, identity), updateHash(store, channel, dedupeKey)]);
  const rows = await store.db.execute({
    sql: `SELECT EXISTS (SELECT 1 FROM bot_updates WHERE channel = ? AND dedupe_hash = ?) AS seen,
                 (SELECT state FROM bot_conversations WHERE identity_hash = ? AND expires_at > ?) AS state`,
    args: [channel, dedupe, hash, store.clock.now().toISOString()],
  });
  const row = rows.rows[0];
  if (Number(row.seen) === 1) return { seen: true };
  return { seen: false, conversation: await openState(store, row.state) };
}

/**
 * Saves the conversation (`null` deletes it) and, with `dedupeKey`, marks the update handled in
 * the same transaction, with `outbound` the answers to send after it (outbox rows, encrypted):
 * a crash leaves all or none, so an update is never applied twice nor lost, nor its answer. Answers false, saving nothing, when the update was handled already (two
 * deliveries of it raced).
 *
 * @example if (!(await saveConversation(store, 'telegram', chatId, { state }, { dedupeKey: String(update.update_id) }))) return
 */
export async function saveConversation(
  store: Store,
  channel: BotChannelName,
  identity: string,
  conversation: unknown | null,
  options: { dedupeKey?: string; outbound?: { kind: string; rows: unknown[] }; messageIds?: number[] } = {},
): Promise<boolean> {
  const hash = await botIdentityHash(store, channel, identity);
  const sealed = conversation === null ? null : await store.cipher.encrypt(JSON.stringify(conversation));
  const dedupe = options.dedupeKey === undefined ? null : await updateHash(store, channel, options.dedupeKey);
  // What the bot answers may hold what she wrote or her case's state: encrypted like the conversation.
  const outbound = options.outbound
    ? { kind: options.outbound.kind, sealed: await Promise.all(options.outbound.rows.map((row) => store.cipher.encrypt(JSON.stringify(row)))) }
    : null;
  const now = store.clock.now();
  const at = now.toISOString();
  return store.write(async (tx) => {
    if (dedupe) {
      const claimed = await tx.execute({
        sql: 'INSERT INTO bot_updates (channel, dedupe_hash, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        args: [channel, dedupe, at],
      });
      if (claimed.rowsAffected === 0) return false;
    }
    if (sealed === null) {
      await tx.execute({ sql: 'DELETE FROM bot_conversations WHERE identity_hash = ?', args: [hash] });
    } else {
      await tx.execute({
        sql: `INSERT INTO bot_conversations (identity_hash, channel, state, updated_at, expires_at) VALUES (?, ?, ?, ?, ?)
              ON CONFLICT (identity_hash) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, expires_at = excluded.expires_at`,
        args: [hash, channel, sealed, at, new Date(now.getTime() + CONVERSATION_IDLE_MS).toISOString()],
      });
    }
    for (const row of outbound?.sealed ?? []) await enqueueOutbox(tx, { kind: outbound!.kind, payload: { sealed: row }, at });
    await rememberInTransaction(tx, hash, options.messageIds ?? [], at);
    return true;
  });
}

/** Deletes the conversation («borrar», «salir»). */
export async function deleteConversation(store: Store, channel: BotChannelName, identity: string): Promise<void> {
  await saveConversation(store, channel, identity, null);
}

/**
 * Marks an update handled, alone (for a channel that answers it without the runner, e.g. an SMS
 * STOP). False when it was handled already.
 */
export async function claimUpdate(store: Store, channel: BotChannelName, dedupeKey: string): Promise<boolean> {
  const dedupe = await updateHash(store, channel, dedupeKey);
  return store.write(async (tx) => {
    const claimed = await tx.execute({
      sql: 'INSERT INTO bot_updates (channel, dedupe_hash, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      args: [channel, dedupe, store.clock.now().toISOString()],
    });
    return claimed.rowsAffected > 0;
  });
}

/**
 * SMS ALTO / STOP / BAJA…: no message to this identity on this channel until `optIn`.
 *
 * @example await optOut(store, 'sms', '+50370001234'); await isOptedOut(store, 'sms', '+50370001234') // true
 */
export async function optOut(store: Store, channel: BotChannelName, identity: string): Promise<void> {
  const hash = await botIdentityHash(store, channel, identity);
  await store.batch([
    {
      sql: 'INSERT INTO bot_opt_outs (channel, identity_hash, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      args: [channel, hash, store.clock.now().toISOString()],
    },
  ]);
}

/** INICIO / START: messages may reach this identity again. */
export async function optIn(store: Store, channel: BotChannelName, identity: string): Promise<void> {
  const hash = await botIdentityHash(store, channel, identity);
  await store.batch([{ sql: 'DELETE FROM bot_opt_outs WHERE channel = ? AND identity_hash = ?', args: [channel, hash] }]);
}

/** Whether she opted out on this channel (check before every outbound message). */
export async function isOptedOut(store: Store, channel: BotChannelName, identity: string): Promise<boolean> {
  const hash = await botIdentityHash(store, channel, identity);
  const rows = await store.db.execute({ sql: 'SELECT 1 FROM bot_opt_outs WHERE channel = ? AND identity_hash = ?', args: [channel, hash] });
  return rows.rows.length > 0;
}

/** Telegram deletes a private chat's messages only within 48 hours of sending. */
export const DELETABLE_FOR_MS = 48 * 3600_000;

async function rememberInTransaction(tx: Db, identityHash: string, ids: number[], at: string): Promise<void> {
  for (const id of ids) {
    if (!Number.isSafeInteger(id)) continue;
    await tx.execute({
      sql: 'INSERT INTO bot_chat_messages (identity_hash, message_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      args: [identityHash, id, at],
    });
  }
}

/**
 * Keeps the ids of messages in her chat (hers, the bot's) for 48 hours, so «borrar» can delete
 * them (migration 0015). Only ids: what they said is never kept here.
 */
export async function rememberChatMessages(store: Store, channel: BotChannelName, identity: string, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  const hash = await botIdentityHash(store, channel, identity);
  await store.write((tx) => rememberInTransaction(tx, hash, ids, store.clock.now().toISOString()));
}

/** The ids of her chat's messages still deletable now (oldest first); forgets them all. */
export async function takeChatMessages(store: Store, channel: BotChannelName, identity: string): Promise<number[]> {
  const hash = await botIdentityHash(store, channel, identity);
  const since = new Date(store.clock.now().getTime() - DELETABLE_FOR_MS).toISOString();
  return store.write(async (tx) => {
    const rows = await tx.execute({
      sql: 'SELECT message_id FROM bot_chat_messages WHERE identity_hash = ? AND at > ? ORDER BY message_id',
      args: [hash, since],
    });
    await tx.execute({ sql: 'DELETE FROM bot_chat_messages WHERE identity_hash = ?', args: [hash] });
    return rows.rows.map((row) => Number(row.message_id));
  });
}

/** Housekeeping (store/housekeeping.ts): expired conversations, updates older than a week, message ids past 48 hours. */
export async function pruneBot(store: Store): Promise<void> {
  const now = store.clock.now().getTime();
  await store.batch([
    { sql: 'DELETE FROM bot_chat_messages WHERE at <= ?', args: [new Date(now - DELETABLE_FOR_MS).toISOString()] },
    { sql: 'DELETE FROM bot_conversations WHERE expires_at <= ?', args: [new Date(now).toISOString()] },
    { sql: 'DELETE FROM bot_updates WHERE at < ?', args: [new Date(now - UPDATE_MEMORY_MS).toISOString()] },
  ]);
}
