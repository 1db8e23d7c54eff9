-- Questions the bot could not answer: the team reads them and the FAQ learns from them.
CREATE TABLE unresolved_questions (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER REFERENCES people (id) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    language    TEXT NOT NULL,
    office_id   TEXT,
    reason      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX unresolved_questions_created ON unresolved_questions (created_at);
