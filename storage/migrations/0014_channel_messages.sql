-- Channels whose message ids are not numbers (WhatsApp: "wamid.HBgL...") get a number per message here, so the
-- inbox, the relay and replies keep using integer ids; the row also keeps the delivery status the platform
-- reports (sent, delivered, read, failed with its error code). A row belongs to its person: erased with them.
CREATE TABLE channel_messages (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    person_id   INTEGER REFERENCES people (id) ON DELETE CASCADE,
    direction   TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    status      TEXT,
    error_code  INTEGER,
    created_at  TEXT NOT NULL,
    changed_at  TEXT,
    UNIQUE (channel, external_id)
);
CREATE INDEX channel_messages_person ON channel_messages (person_id);
CREATE INDEX channel_messages_created ON channel_messages (created_at);

-- A file relayed across platforms (a WhatsApp voice note into the Telegram staff topic, a staff photo to a
-- WhatsApp person) cannot be copied by reference: the file's id on its own platform, as JSON.
ALTER TABLE relay ADD COLUMN media TEXT;
