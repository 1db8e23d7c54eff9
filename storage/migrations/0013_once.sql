-- Once means once, in the schema itself (issue 19):
-- a person holds at most one place in a slot, whatever taps, replays or races happen. Earlier doubles are
-- cancelled first, keeping the first booking.
UPDATE appointments SET status = 'cancelled'
WHERE slot IS NOT NULL AND status IN ('booked', 'attended', 'missed')
  AND id NOT IN (
    SELECT MIN(id) FROM appointments WHERE slot IS NOT NULL AND status IN ('booked', 'attended', 'missed')
    GROUP BY person_id, office_id, slot
  );
CREATE UNIQUE INDEX appointments_one_place_per_person ON appointments (person_id, office_id, slot)
WHERE slot IS NOT NULL AND status IN ('booked', 'attended', 'missed');
