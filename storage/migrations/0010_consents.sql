-- Consent is asked at the moment something must be stored, per purpose (issue 14): booking and home visits
-- ('appointments'), writing to the team ('team'), news ('news'), event reminders ('reminders'). Given once,
-- it covers later uses of the same kind. Whoever had agreed to the whole notice before keeps all four.
CREATE TABLE consents (
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    purpose   TEXT NOT NULL CHECK (purpose IN ('appointments', 'team', 'news', 'reminders')),
    given_at  TEXT NOT NULL,
    PRIMARY KEY (person_id, purpose)
);
INSERT INTO consents (person_id, purpose, given_at)
    SELECT people.id, purposes.purpose, people.consent_at
    FROM people, (SELECT 'appointments' AS purpose UNION ALL SELECT 'team' UNION ALL SELECT 'news'
                  UNION ALL SELECT 'reminders') AS purposes
    WHERE people.consent_at IS NOT NULL;
