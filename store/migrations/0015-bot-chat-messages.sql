-- The ids of recent messages in each private Telegram chat, hers and the bot's, so that «borrar»
-- can delete them whichever process or instance saw them, and after a restart. Telegram lets a
-- bot delete a private chat's messages only within 48 hours: rows older than that are pruned.
-- A chat is known only by its keyed identity hash (store/bot/conversations.ts); no text is kept.
CREATE TABLE bot_chat_messages (
  identity_hash TEXT NOT NULL,
  message_id    INTEGER NOT NULL,
  at            TEXT NOT NULL,
  PRIMARY KEY (identity_hash, message_id)
) WITHOUT ROWID;
CREATE INDEX bot_chat_messages_at ON bot_chat_messages (at);
