package models

import "github.com/crowdcare/crowdcare/models/db"

// The few places where one query text cannot serve both engines get their
// SQL here, by name. Everything else is written once, for both: "?"
// placeholders (rebound on PostgreSQL by models/db), INSERT … ON CONFLICT
// DO NOTHING rather than INSERT OR IGNORE, RETURNING rather than
// LastInsertId, CASE rather than booleans used as numbers (sum() over a
// comparison and scalar max/min(a, b) are defined on PostgreSQL by its
// first migration).

// jsonInts is a subquery of the integers in the JSON array bound to the
// placeholder ph ("?" or "?2"): idList's value, one argument for any count.
func (s *Store) jsonInts(ph string) string {
	if s.engine == db.Postgres {
		return "SELECT CAST(value AS BIGINT) AS value FROM json_array_elements_text(CAST(" + ph + " AS json))"
	}
	return "SELECT value FROM json_each(" + ph + ")"
}

// jsonTexts is a subquery of the strings in the JSON array bound to ph
// (stringList's value).
func (s *Store) jsonTexts(ph string) string {
	if s.engine == db.Postgres {
		return "SELECT value FROM json_array_elements_text(CAST(" + ph + " AS json))"
	}
	return "SELECT value FROM json_each(" + ph + ")"
}

// indexedBy names the index SQLite's planner must use (" INDEXED BY name",
// where it chose worse on its own); PostgreSQL's planner is left to choose.
func (s *Store) indexedBy(index string) string {
	if s.engine == db.Postgres {
		return ""
	}
	return " INDEXED BY " + index
}

// skipLocked ends the subquery that picks a queue's next row to claim
// from table (its name or alias): on PostgreSQL the rows other workers are
// claiming that moment are locked and passed over, not waited for; SQLite's
// one writer claims one at a time.
func (s *Store) skipLocked(table string) string {
	if s.engine == db.Postgres {
		return " FOR UPDATE OF " + table + " SKIP LOCKED"
	}
	return ""
}
