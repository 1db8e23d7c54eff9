-- Updates from a channel, claimed before they are handled: a duplicate delivery (same update id) is
-- handled once, and one that was cut short by a crash is handled again at the next start.
-- The payload is kept only while the update is being handled, then cleared.
CREATE TABLE inbox (
    channel     TEXT NOT NULL,
    update_id   INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('processing', 'done', 'failed')),
    payload     TEXT,
    boot_id     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    finished_at TEXT,
    PRIMARY KEY (channel, update_id)
);
CREATE INDEX inbox_received ON inbox (received_at);
