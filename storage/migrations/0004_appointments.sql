-- Drop-in appointments and welcome home visits. Times are UTC (ISO 8601); `slot` is the slot's start.
-- first_name: only the first name the platform gave, for the staff's agenda.
CREATE TABLE appointments (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    office_id    TEXT NOT NULL,
    kind         TEXT NOT NULL DEFAULT 'drop_in' CHECK (kind IN ('drop_in', 'home_visit')),
    slot         TEXT,
    minutes      INTEGER,
    topic        TEXT,
    interpreter  TEXT,
    first_name   TEXT,
    status       TEXT NOT NULL CHECK (status IN ('requested', 'booked', 'cancelled', 'attended', 'missed')),
    created_at   TEXT NOT NULL,
    changed_at   TEXT NOT NULL
);
CREATE INDEX appointments_slot ON appointments (office_id, slot, status);
CREATE INDEX appointments_person ON appointments (person_id, status);

-- Slots or whole days staff took out of booking (a meeting, an illness). start_time NULL: the whole day.
CREATE TABLE blocked_slots (
    id          INTEGER PRIMARY KEY,
    office_id   TEXT NOT NULL,
    day         TEXT NOT NULL,
    start_time  TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (office_id, day, start_time)
);

-- People waiting for a time to free up on a full day; told once, first come first served.
CREATE TABLE slot_watches (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    office_id   TEXT NOT NULL,
    day         TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    notified_at TEXT,
    UNIQUE (person_id, office_id, day)
);

-- Messages the bot sends by itself (reminders, staff notices, the morning agenda), stored before they are
-- sent: due_at says when; `key` makes each one unique, so none is queued or sent twice.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    person_id   INTEGER REFERENCES people (id) ON DELETE CASCADE,
    ref         TEXT,
    due_at      TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'skipped', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    boot_id     TEXT,
    created_at  TEXT NOT NULL,
    sent_at     TEXT
);
CREATE INDEX outbox_due ON outbox (state, due_at);
