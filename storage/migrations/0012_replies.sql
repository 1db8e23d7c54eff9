-- Replies to what someone did (a question, a button, a staff command), stored in the same transaction that
-- marks the update done in the inbox: a crash after it re-sends only what was not sent, a crash before it
-- handles the update again. Each row is sent until delivered or clearly undeliverable; its body (the text)
-- is cleared then.
CREATE TABLE replies (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,     -- a person channel's name ("telegram"), or "staff" for the staff group
    chat         TEXT NOT NULL,     -- the person's id on that channel, or the staff group's chat id
    thread       INTEGER,           -- a forum topic in the staff group
    edit_message INTEGER,           -- the pressed menu to replace, where the channel can edit it
    body         TEXT,              -- the reply as JSON, NULL once sent or given up
    state        TEXT NOT NULL CHECK (state IN ('sending', 'pending', 'sent', 'undeliverable')),
    boot_id      TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    due_at       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    sent_at      TEXT
);
CREATE INDEX replies_due ON replies (state, due_at);
CREATE INDEX replies_chat ON replies (channel, chat);
