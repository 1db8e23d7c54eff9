-- Consent, the audit log, and the figures that outlive an erased person.
-- people.consent_at: when the person agreed to the privacy notice; NULL: not (yet) agreed, and nothing
-- beyond the person's language may be stored for them.
ALTER TABLE people ADD COLUMN consent_at TEXT;

-- Who on the staff did what (closed a ticket, published, announced, blocked a slot, banned): never message
-- content. `target` names the thing acted on (a ticket or event number, an office and day).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_name  TEXT,
    action      TEXT NOT NULL,
    target      TEXT,
    office_id   TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);

-- What erased people contributed to the figures, as counts only: no link to the person remains.
CREATE TABLE figure_counts (
    month       TEXT NOT NULL,
    office_id   TEXT NOT NULL DEFAULT '',
    language    TEXT NOT NULL DEFAULT '',
    metric      TEXT NOT NULL,
    value       INTEGER NOT NULL,
    PRIMARY KEY (month, office_id, language, metric)
);
