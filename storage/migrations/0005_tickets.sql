-- Questions passed to staff. One forum topic per person in the staff group, reused for each new ticket.
ALTER TABLE people ADD COLUMN staff_mode INTEGER NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN banned_at TEXT;
ALTER TABLE people ADD COLUMN ban_told INTEGER NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN inactive_at TEXT;
ALTER TABLE people ADD COLUMN topic_chat INTEGER;
ALTER TABLE people ADD COLUMN topic_thread INTEGER;

CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY,
    person_id       INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    office_id       TEXT,
    language        TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    urgent          INTEGER NOT NULL DEFAULT 0,
    opened_at       TEXT NOT NULL,
    first_answer_at TEXT,
    closed_at       TEXT,
    rating          TEXT CHECK (rating IN ('up', 'down')),
    subject         TEXT,
    note            TEXT
);
CREATE INDEX tickets_person ON tickets (person_id, state);

-- Which FAQ answers a person got (ids only, no text): for the staff's ticket card and the figures.
CREATE TABLE answers_given (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    faq_id      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX answers_given_person ON answers_given (person_id, created_at);

-- Every message between a person and staff, stored before it is sent. `direction` in: person -> staff
-- topic; out: staff (or the bot for staff) -> person. A message is copied from its source chat; `text` is
-- set instead for messages the bot writes itself (the ticket card, FAQ answers staff send).
CREATE TABLE relay (
    id              INTEGER PRIMARY KEY,
    ticket_id       INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    direction       TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    kind            TEXT NOT NULL CHECK (kind IN ('copy', 'text', 'edit')),
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
CREATE UNIQUE INDEX relay_source ON relay (direction, kind, source_chat, source_message)
    WHERE source_message IS NOT NULL AND kind = 'copy';
CREATE INDEX relay_pending ON relay (state, id);
