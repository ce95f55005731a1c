package db

import "testing"

func TestRebindNumbersAsSQLiteDoes(t *testing.T) {
	for q, want := range map[string]string{
		`SELECT ? + ?`:                           `SELECT $1 + $2`,
		`SELECT ?1, ?2, ?1`:                      `SELECT $1, $2, $1`,
		`SELECT ?1 WHERE x IN (?, ?) AND y = ?1`: `SELECT $1 WHERE x IN ($2, $3) AND y = $1`,
		`SELECT ?3, ?`:                           `SELECT $3, $4`,
		`SELECT '?', "?" -- ?` + "\n" + `, ?`:    `SELECT '?', "?" -- ?` + "\n" + `, $1`,
	} {
		if got := rebind(q); got != want {
			t.Errorf("rebind(%q) = %q, want %q", q, got, want)
		}
	}
}
