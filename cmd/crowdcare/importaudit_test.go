package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/internal/testdb"
)

// A command-line import writes one audit-log line, by whoever ran it.
func TestImportWritesOneAuditLine(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "support.csv")
	data := "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n" +
		"10,ExampleCare,False,Tue Oct 31 22:10:47 +0000 2017,@jo_k Sorry about that! Please restart the Hub and tell us if it helps.,,12\n" +
		"12,jo_k,True,Tue Oct 31 22:08:27 +0000 2017,@ExampleCare my broadband has been down since this morning and nobody answers,10,\n"
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	db := testdb.Location(t, "audit.db")
	if code, out, errOut := runCmd(t, "import", "tweets", "--db", db, "--dry-run", file); code != 0 {
		t.Fatalf("dry run: exit %d: %s %s", code, out, errOut)
	}
	if code, out, errOut := runCmd(t, "import", "tweets", "--db", db, file); code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	log, err := openDB(t, db).ModLog(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(log.Entries) != 1 {
		t.Fatalf("audit lines: %+v (the dry run writes none, the import one)", log.Entries)
	}
	e := log.Entries[0]
	if e.Action != "import_social" || e.Actor.ID != 0 || !strings.HasPrefix(e.ActorLabel, "command line (") {
		t.Errorf("line: %+v", e)
	}
	for _, want := range []string{file, "2 read, 2 new", "threads created: 1, in General", "answers added: 1"} {
		if !strings.Contains(e.Reason, want) {
			t.Errorf("reason %q lacks %q", e.Reason, want)
		}
	}
	if e.TargetURL() != "/c/general" {
		t.Errorf("target %s", e.TargetURL())
	}
}
