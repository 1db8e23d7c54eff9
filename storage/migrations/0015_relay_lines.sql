-- The relay claims only the first unsent message of each ticket and direction (its "line"), so a message
-- that must wait (a closed WhatsApp window, a channel down) keeps the ones after it in order and no longer
-- takes a place in every round: this index finds a line's earlier messages.
CREATE INDEX relay_line ON relay (ticket_id, direction, id);
