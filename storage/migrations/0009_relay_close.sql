-- A relay row may close the person's staff topic ('close'), in order with the messages before it: the
-- rating question goes out first, then the topic is closed. SQLite cannot change a CHECK constraint in
-- place: the table is copied.
CREATE TABLE relay_new (
    id              INTEGER PRIMARY KEY,
    ticket_id       INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    direction       TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    kind            TEXT NOT NULL CHECK (kind IN ('copy', 'text', 'edit', 'close')),
    source_chat     INTEGER,
    source_message  INTEGER,
    reply_to        INTEGER,
    text            TEXT,
    buttons         TEXT,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    boot_id         TEXT,
    target_chat     INTEGER,
    target_message  INTEGER,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
INSERT INTO relay_new SELECT id, ticket_id, direction, kind, source_chat, source_message, reply_to, text, buttons,
    state, attempts, boot_id, target_chat, target_message, created_at, sent_at FROM relay;
DROP TABLE relay;
ALTER TABLE relay_new RENAME TO relay;
CREATE UNIQUE INDEX relay_source ON relay (direction, kind, source_chat, source_message)
    WHERE source_message IS NOT NULL AND kind = 'copy';
CREATE INDEX relay_pending ON relay (state, id);
