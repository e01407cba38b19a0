import { loadConversation, saveConversation } from '../store/bot/conversations.ts';
import type { Store } from '../store/db.ts';
import { getPublicReport } from '../store/reports/reports.ts';
import { RELAY_FIRST_LINE } from './delivery.ts';
import { TRANSCRIPT_MAX, type SavedConversation } from './runner.ts';

/**
 * The web chat's side of the 198 relay. A web chat has no channel to push to, and its random id
 * is never kept beside the case: instead, when /chat is drawn, a conversation waiting in the relay
 * looks its own case up (the code and code word it keeps, encrypted) and appends the operator's
 * public replies it has not shown yet to its transcript. No network, nothing sent anywhere.
 *
 * @example await pullRelayReplies(store, identity) // then load the conversation and draw it
 */
export async function pullRelayReplies(store: Store, identity: string): Promise<number> {
  const saved = (await loadConversation(store, 'web', identity)) as SavedConversation | null;
  const state = saved?.state;
  if (!saved || !state || state.flow !== 'line198' || (state.step !== 'relay' && state.step !== 'relaySending')) return 0;
  const code = typeof state.data.code === 'string' ? state.data.code : null;
  if (!code) return 0;
  const codeWord = typeof state.data.codeWord === 'string' ? state.data.codeWord : undefined;
  const found = await getPublicReport(store, code, codeWord);
  if (!found) return 0;
  const replies = found.timeline.filter((entry) => entry.type === 'public_reply');
  const seen = typeof state.data.repliesSeen === 'number' ? state.data.repliesSeen : 0;
  const fresh = replies.slice(seen);
  if (fresh.length === 0) return 0;
  const transcript = [...(saved.transcript ?? []), ...fresh.map((entry) => ({ from: 'bot' as const, text: `${RELAY_FIRST_LINE}\n${entry.text}` }))];
  await saveConversation(store, 'web', identity, {
    state: { ...state, data: { ...state.data, repliesSeen: replies.length } },
    transcript: transcript.slice(-TRANSCRIPT_MAX),
  });
  return fresh.length;
}
