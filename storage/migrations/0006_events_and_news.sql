-- Events and announcements. people.news: NULL not asked yet, 0 no, 1 yes (nothing is sent without a yes).
ALTER TABLE people ADD COLUMN news INTEGER;

CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    seed_key     TEXT UNIQUE,
    office_id    TEXT,
    starts_at    TEXT NOT NULL,
    ends_at      TEXT NOT NULL,
    place        TEXT NOT NULL,
    address      TEXT NOT NULL,
    registration TEXT,
    capacity     INTEGER,
    status       TEXT NOT NULL CHECK (status IN ('published', 'cancelled')),
    created_at   TEXT NOT NULL,
    changed_at   TEXT NOT NULL
);
CREATE INDEX events_start ON events (status, starts_at);

CREATE TABLE event_texts (
    event_id     INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    lang         TEXT NOT NULL,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL,
    PRIMARY KEY (event_id, lang)
);

-- People who asked to be reminded of an event (and are told if it is cancelled).
CREATE TABLE event_reminders (
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (event_id, person_id)
);

-- A staff member's guided flow in progress (/event, /announce): survives a restart.
CREATE TABLE staff_drafts (
    chat_id     INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    data        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

CREATE TABLE announcements (
    id               INTEGER PRIMARY KEY,
    audience         TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('sending', 'stopped', 'done')),
    total            INTEGER NOT NULL DEFAULT 0,
    progress_chat    INTEGER,
    progress_message INTEGER,
    created_at       TEXT NOT NULL,
    finished_at      TEXT
);

CREATE TABLE announcement_texts (
    announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    lang            TEXT NOT NULL,
    text            TEXT NOT NULL,
    PRIMARY KEY (announcement_id, lang)
);

-- One row per person an announcement goes to: the sender's memory across crashes and restarts.
CREATE TABLE deliveries (
    announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    person_id       INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'blocked')),
    boot_id         TEXT,
    sent_at         TEXT,
    PRIMARY KEY (announcement_id, person_id)
);
CREATE INDEX deliveries_state ON deliveries (announcement_id, state);
