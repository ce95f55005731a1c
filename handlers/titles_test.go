package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestTitlesRefuseControlCharacters: a thread title, an edited question's
// title or a knowledge-base article's title with a control character (an
// escape sequence, a bell, a C1 control) is refused with a message that
// names it, and the form comes back; line breaks and tabs are only spaces.
func TestTitlesRefuseControlCharacters(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	// The page shows "U+001B" ("+" escaped by html/template).
	for _, c := range []struct{ title, char string }{
		{"Router \x1b[2Jreboots every night", "U&#43;001B"},
		{"Router beeps\a all night long", "U&#43;0007"},
		{"Router reboots \u009b every night", "U&#43;009B"},
		{"Router reboots every night\x7f", "U&#43;007F"},
	} {
		res := asker.post("/ask", url.Values{"title": {c.title}, "category": {"general"},
			"body": {"The router reboots itself every night at about 2am."}})
		if res.Code != http.StatusUnprocessableEntity {
			t.Errorf("ask %q: %d, want 422", c.title, res.Code)
			continue
		}
		mustContain(t, res.Body, "control character "+c.char, "The router reboots itself every night at about 2am.</textarea>")
	}
	// Whitespace is folded into single spaces, not refused.
	thread := asker.ask("Router reboots\tevery\r\nnight")
	if !strings.HasSuffix(thread, "/router-reboots-every-night") {
		t.Fatalf("thread with folded whitespace: %s", thread)
	}

	qid := a.mustQuestionID(t, thread)
	res := asker.post("/p/"+qid+"/edit", url.Values{"title": {"Router reboots \x1b every night"},
		"body": {"The router reboots itself every night at about 2am."}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("edit title: %d", res.Code)
	}
	mustContain(t, res.Body, "control character U&#43;001B")

	solved, _ := solve(t, a, asker, peer, "Printer prints blank pages", "Replace the toner cartridge and clean the drum.")
	id := strings.Split(articlePath(t, a, solved), "/")[2]
	admin := a.adminClient("boss")
	res = admin.post("/kb/"+id+"/edit", url.Values{"title": {"Printer \x07prints blank pages"},
		"problem": {"Pages come out blank."}, "solution": {"Replace the toner cartridge and clean the drum."}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("article title: %d", res.Code)
	}
	mustContain(t, res.Body, "control character U&#43;0007", "Pages come out blank.</textarea>")
}
