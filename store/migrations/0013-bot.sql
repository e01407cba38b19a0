-- The chatbot (Telegram, SMS, the web chat at /chat): conversations, re-delivered updates, opt-outs.
-- A person is known here only by a keyed hash of channel and identity (store/bot/conversations.ts):
-- the raw chat id or phone number is never stored in these tables. When she asks for follow-up on
-- a report, it is kept only encrypted in reports.contact (with reports.contact_channel), as from
-- the web form; so no separate link table from cases to chats is needed.

CREATE TABLE bot_conversations (
  identity_hash TEXT PRIMARY KEY,
  channel       TEXT NOT NULL CHECK (channel IN ('telegram', 'sms', 'web')),
  -- Encrypted (field cipher) JSON: the engine's state and, on the web chat, the last messages.
  -- It may hold what she typed.
  state         TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  -- 30 minutes after the last event: an expired conversation loads as none and is pruned.
  expires_at    TEXT NOT NULL
);
CREATE INDEX bot_conversations_expiry ON bot_conversations (expires_at);

-- Updates already handled (Telegram update_id, Twilio MessageSid), keyed-hashed: a re-delivery
-- is answered as a duplicate and has no second effect. Pruned after a week.
CREATE TABLE bot_updates (
  channel     TEXT NOT NULL,
  dedupe_hash TEXT NOT NULL,
  at          TEXT NOT NULL,
  PRIMARY KEY (channel, dedupe_hash)
) WITHOUT ROWID;
CREATE INDEX bot_updates_at ON bot_updates (at);

-- SMS STOP / ALTO / BAJA…: nothing is sent to this identity until she writes INICIO / START.
CREATE TABLE bot_opt_outs (
  channel       TEXT NOT NULL,
  identity_hash TEXT NOT NULL,
  at            TEXT NOT NULL,
  PRIMARY KEY (channel, identity_hash)
) WITHOUT ROWID;
