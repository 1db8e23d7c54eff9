-- People who wrote to the bot: only what the conversation needs (no names, no phone numbers).
CREATE TABLE people (
    id              INTEGER PRIMARY KEY,
    channel         TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    language        TEXT NOT NULL,
    language_source TEXT NOT NULL CHECK (language_source IN ('hint', 'detected', 'chosen')),
    office_id       TEXT,
    created_at      TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    UNIQUE (channel, user_id)
);
