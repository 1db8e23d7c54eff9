-- Figures for the city and a learning FAQ.
-- (figure_counts, where erased people's figures are kept, comes with 0007.)

-- The days a person wrote to the bot (no text): distinct people and chat contacts per month. Office and
-- language as they were that day.
CREATE TABLE activity (
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    day       TEXT NOT NULL,
    kind      TEXT NOT NULL DEFAULT 'chat',
    office_id TEXT NOT NULL DEFAULT '',
    language  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (person_id, day, kind)
);
CREATE INDEX activity_day ON activity (day);

-- Questions staff attached to a FAQ id: examples for the matcher from then on, exported back into the
-- content files. No person id: once learned, the question belongs to the content.
CREATE TABLE learned_examples (
    id         INTEGER PRIMARY KEY,
    faq_id     TEXT NOT NULL,
    text       TEXT NOT NULL,
    language   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (faq_id, text)
);

-- Unresolved questions grouped by similarity for the weekly digest; staff refer to a group by its number.
CREATE TABLE question_groups (
    group_id    INTEGER NOT NULL,
    question_id INTEGER NOT NULL REFERENCES unresolved_questions (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (group_id, question_id)
);

ALTER TABLE unresolved_questions ADD COLUMN learned_faq TEXT;
