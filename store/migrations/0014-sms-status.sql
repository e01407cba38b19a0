-- Twilio's status callbacks for the SMS we send (bot/delivery.ts): one row per message Twilio
-- accepted, keyed by its MessageSid, with the last status Twilio reported and its error code.
-- Nothing personal: no number, no text; the outbox row says which notification it was.
CREATE TABLE sms_deliveries (
  message_sid TEXT PRIMARY KEY,
  outbox_id   INTEGER,
  status      TEXT NOT NULL,
  error_code  INTEGER,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sms_deliveries_status ON sms_deliveries (status, updated_at);
