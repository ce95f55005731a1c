package ops

import "testing"

// TestPgDumpCommandLeavesThePasswordOut: the pg_dump command a backup
// prints (when it cannot run pg_dump) is ready to paste: the password
// goes in PGPASSWORD, shown as '…', and the parameters only pgx knows are
// dropped, since libpq refuses them.
func TestPgDumpCommandLeavesThePasswordOut(t *testing.T) {
	for _, c := range []struct{ url, file, want string }{
		{"postgres://crowdcare:s3cret@db.internal:5432/forum?sslmode=require&pool_max_conns=4", "/var/backups/forum 1.dump",
			`PGPASSWORD='…' pg_dump --format=custom --file='/var/backups/forum 1.dump' 'postgres://crowdcare@db.internal:5432/forum?sslmode=require'`},
		{"postgres://crowdcare@db.internal/forum?password=s3cret&sslmode=require", "forum.dump",
			`PGPASSWORD='…' pg_dump --format=custom --file=forum.dump 'postgres://crowdcare@db.internal/forum?sslmode=require'`},
		{"postgres://crowdcare@db.internal/forum?sslkey=/k.pem&sslpassword=s3cret", "forum.dump",
			`pg_dump --format=custom --file=forum.dump 'postgres://crowdcare@db.internal/forum?sslkey=%2Fk.pem&sslpassword=xxxxx'`},
		{"postgres://crowdcare@db.internal/forum", "forum.dump",
			`pg_dump --format=custom --file=forum.dump postgres://crowdcare@db.internal/forum`},
	} {
		if got := PgDumpCommand(c.url, c.file); got != c.want {
			t.Errorf("PgDumpCommand(%s):\n got %s\nwant %s", c.url, got, c.want)
		}
	}
}

// TestDumpChecksReadPgRestoreOutput: what a backup reads back from
// pg_restore: the tables whose data the dump holds, and its last migration.
func TestDumpChecksReadPgRestoreOutput(t *testing.T) {
	list := []byte(`;
; Archive created at 2026-12-06 06:28:25 UTC
3520; 0 16390 TABLE DATA public account_requests postgres
3521; 0 16400 TABLE DATA public users postgres
3300; 1259 16391 SEQUENCE public users_id_seq postgres
`)
	if got := tableDataEntries(list); len(got) != 2 || got[0] != "account_requests" || got[1] != "users" {
		t.Errorf("tables: %q", got)
	}
	data := []byte("--\n-- Data for Name: goose_db_version\n--\n\nCOPY public.goose_db_version (id, version_id, is_applied, tstamp) FROM stdin;\n" +
		"1\t0\tt\t2026-12-06 06:20:00\n2\t26\tt\t2026-12-06 06:20:00\n3\t27\tf\t2026-12-06 06:20:00\n\\.\n")
	if v := dumpedSchemaVersion(data); v != 26 {
		t.Errorf("schema version %d, want 26", v)
	}
}
