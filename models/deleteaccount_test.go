package models

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/notallowed"
)

// personalDataLeft searches every column of every table, the search
// index's own tables included, for each needle (any case), and lists where
// one is found as "table.column: needle".
func personalDataLeft(t *testing.T, s *Store, needles ...string) []string {
	t.Helper()
	// Every column, as text: the schema is read from each engine's catalogue.
	listTables, listColumns := `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`,
		`SELECT name, 'text' FROM pragma_table_info(?)`
	asText := func(col, typ string) string { return `lower(CAST("` + col + `" AS TEXT))` }
	if s.engine == db.Postgres {
		listTables = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
		listColumns = `SELECT column_name, data_type FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`
		asText = func(col, typ string) string {
			if typ == "bytea" {
				return `lower(encode("` + col + `", 'escape'))`
			}
			return `lower(CAST("` + col + `" AS TEXT))`
		}
	}
	tables, err := column[string](s.db.W().Query(listTables))
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) < 30 {
		t.Fatalf("only %d tables found: %v", len(tables), tables)
	}
	var found []string
	columns := 0
	for _, table := range tables {
		rows, err := s.db.W().Query(listColumns, table)
		if err != nil {
			t.Fatal(err)
		}
		type col struct{ name, typ string }
		var cols []col
		for rows.Next() {
			var c col
			if err := rows.Scan(&c.name, &c.typ); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, c)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			columns++
			for _, n := range needles {
				var hits int
				q := fmt.Sprintf(`SELECT COUNT(*) FROM "%s" WHERE %s LIKE lower(?) ESCAPE '\'`, table, asText(c.name, c.typ))
				if err := s.db.W().QueryRow(q, containing(n)).Scan(&hits); err != nil {
					t.Fatalf("%s.%s: %v", table, c.name, err)
				}
				if hits > 0 {
					found = append(found, fmt.Sprintf("%s.%s: %s", table, c.name, n))
				}
			}
		}
	}
	if columns < 200 {
		t.Fatalf("only %d columns searched", columns)
	}
	return found
}

// member is an account with a life in the community to delete.
type member struct {
	user                *User
	asked, answered     *Thread // their question; the peer's question they answered (accepted, in the KB)
	askedAnswered       *Thread // their question the peer answered
	answerID, peerAnsID int64
	exportFile          string
	needles             []string
}

// livelyMember makes a member with distinctive personal data and gives them
// posts, an edit, votes, a KB rating, watches, notifications both ways,
// sessions, a flag, a failed login, a moderator's note naming them, links
// (reset, address change, ambassador), an identity and a data export.
func livelyMember(t *testing.T, s *Store) *member {
	t.Helper()
	ctx := context.Background()
	const (
		name     = "zquartermaine"
		email    = "Zebulon.Q@teapots.example"
		newEmail = "zq.moving@teapots.example"
		work     = "zebulon@brand.example"
		display  = "Zebulon Quartermaine"
		bio      = "Collector of vintage teapots in Ulaanbaatar"
	)
	m := &member{needles: []string{name, email, newEmail, work, display, "Quartermaine", bio, "Ulaanbaatar"}}
	reg, err := s.Register(ctx, NewUser{Username: name, Email: email, Password: "correct horse"}, "198.51.100.7", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConfirmEmail(ctx, reg.VerifyToken, nil); err != nil {
		t.Fatal(err)
	}
	u, _ := s.UserByID(ctx, reg.User.ID)
	if err := s.SaveProfile(ctx, u, ProfileEdit{DisplayName: display, Bio: bio}); err != nil {
		t.Fatal(err)
	}
	admin, err := s.CreateUser(ctx, NewUser{Username: "boss", Email: "boss@example.com", Password: "correct horse", Role: RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	mod, err := s.CreateUser(ctx, NewUser{Username: "mod", Email: "mod@example.com", Password: "correct horse", Role: RoleModerator})
	if err != nil {
		t.Fatal(err)
	}
	f := SiteSettingsForm{BrandName: "Brand", BadgeTitle: "Employee", AmbassadorDomains: "brand.example", SuperuserThreshold: "200",
		PostsPerHour: "30", StandingDays: "0", StandingReputation: "0", VerifyEmail: true}
	if err := s.SaveSiteSettings(ctx, admin, f); err != nil {
		t.Fatal(err)
	}
	peer := mustUser(t, s, "peer")
	other := mustUser(t, s, "other")

	// Their question, edited, answered by the peer.
	m.askedAnswered, err = s.CreateThread(ctx, u, NewThread{Title: "Hub 3 drops Wi-Fi every evening", CategorySlug: "general",
		Body: "Every evening around eight the wireless drops for a minute.", Tags: "wifi"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EditPost(ctx, u, m.askedAnswered.QuestionID, PostEdit{Title: "Hub 3 drops Wi-Fi every evening at eight",
		Body: "Every evening around eight the wireless drops for a minute or two.", Tags: "wifi"}); err != nil {
		t.Fatal(err)
	}
	pa, err := s.CreateAnswer(ctx, peer, m.askedAnswered.ID, "Set a fixed channel and turn band steering off.")
	if err != nil {
		t.Fatal(err)
	}
	m.peerAnsID = pa.ID
	if err := s.Vote(ctx, u, pa.ID, false); err != nil {
		t.Fatal(err)
	}
	// A question of theirs nobody else answered.
	if m.asked, err = s.CreateThread(ctx, u, NewThread{Title: "Where is the WPS button on the Hub 4", CategorySlug: "general",
		Body: "The manual shows a button on the side, mine has none."}); err != nil {
		t.Fatal(err)
	}
	// Their answer to the peer's question, accepted: a KB article.
	m.answered = mustThread(t, s, peer, "Router reboots itself at night")
	a, err := s.CreateAnswer(ctx, u, m.answered.ID, "Turn off the nightly maintenance window in the advanced settings.")
	if err != nil {
		t.Fatal(err)
	}
	m.answerID = a.ID
	if _, err := s.Accept(ctx, peer, a.ID, false); err != nil {
		t.Fatal(err)
	}
	art, err := s.ArticleForThread(ctx, m.answered.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.VoteArticle(ctx, art.ID, fmt.Sprintf("u:%d", u.ID), "", true); err != nil {
		t.Fatal(err)
	}
	if err := s.Watch(ctx, u.ID, m.answered.ID, true); err != nil {
		t.Fatal(err)
	}
	// The other member watches their thread, so is told of replies by name.
	if err := s.Watch(ctx, other.ID, m.answered.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAnswer(ctx, u, m.answered.ID, "And update the firmware while you are there."); err != nil {
		t.Fatal(err)
	}
	if err := s.FlagPost(ctx, u, pa.ID, "off-topic", "Not about the evening drops"); err != nil {
		t.Fatal(err)
	}
	// Their uploads: one in a post (its name is in the post's text, which
	// stays), one never posted, named after them.
	shot := upload(t, s, u, AttachmentImage, "hub-lights.png", 100)
	if err := s.EditPost(ctx, u, m.asked.QuestionID, PostEdit{Title: "Where is the WPS button on the Hub 4",
		Body: "The manual shows a button on the side, mine has none: " + shot.Markdown()}); err != nil {
		t.Fatal(err)
	}
	upload(t, s, u, AttachmentFile, "Quartermaine-speedtest.txt", 10)
	if _, err := s.StartSession(ctx, u.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartSession(ctx, u.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, name, "wrong password", "203.0.113.9"); !errors.Is(err, ErrBadCredentials) {
		t.Fatal(err)
	}
	// A moderator's words about them, in the audit log.
	if err := s.SuspendUser(ctx, mod, u.ID, time.Now().Add(time.Hour), "zquartermaine was rude to peer"); err != nil {
		t.Fatal(err)
	}
	if err := s.UnsuspendUser(ctx, mod, u.ID, "Apology from zquartermaine accepted"); err != nil {
		t.Fatal(err)
	}
	u, _ = s.UserByID(ctx, u.ID)
	if _, err := s.RequestPasswordReset(ctx, email, "198.51.100.7", resetMail); err != nil {
		t.Fatal(err)
	}
	if err := s.RequestEmailChange(ctx, u, newEmail, "correct horse", "198.51.100.7", changeMail(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RequestAmbassador(ctx, u, work, func(token string) (string, string) { return "Verify", "/ambassador/verify?token=" + token }); err != nil {
		t.Fatal(err)
	}
	if err := s.LinkIdentity(ctx, u, Identity{Issuer: "https://idp.example.com", Subject: "sub-42", Email: work}); err != nil {
		t.Fatal(err)
	}
	giveSecondFactors(t, s, u, display, work) // sso_test.go
	// A finished export, its file beside the database.
	if _, err := s.RequestExport(ctx, u); err != nil {
		t.Fatal(err)
	}
	job, err := s.ClaimExport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m.exportFile = filepath.Join(t.TempDir(), "export.zip")
	if err := os.WriteFile(m.exportFile, []byte("zip"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishExport(ctx, job, m.exportFile, 3, nil, func(username string, _ time.Time) (string, string) {
		return "Ready", "Hello " + username
	}); err != nil {
		t.Fatal(err)
	}
	m.user, _ = s.UserByID(ctx, u.ID)
	// Everything above left the member's name and addresses about.
	if left := personalDataLeft(t, s, m.needles...); len(left) < 10 {
		t.Fatalf("the scenario leaves too little to erase: %v", left)
	}
	return m
}

func TestDeleteAccountLeavesNoPersonalDataAndKeepsThePosts(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	m := livelyMember(t, s)
	u := m.user
	var ve *ValidationError
	if _, err := s.DeleteAccount(ctx, u, u.ID, DeleteAccount{Password: "wrong", IP: "198.51.100.7"}); !errors.As(err, &ve) {
		t.Fatalf("wrong password: %v", err)
	}
	done, err := s.DeleteAccount(ctx, u, u.ID, DeleteAccount{Password: "correct horse", IP: "198.51.100.7"})
	if err != nil {
		t.Fatal(err)
	}
	if len(done.Files) != 1 || done.Files[0] != m.exportFile {
		t.Fatalf("export files to remove: %v", done.Files)
	}
	if left := personalDataLeft(t, s, m.needles...); len(left) > 0 {
		t.Fatalf("personal data left after deletion:\n%s", strings.Join(left, "\n"))
	}
	gone, err := s.UserByID(ctx, u.ID)
	if err != nil || !gone.Deleted() || gone.Username != DeletedUsernamePrefix+fmt.Sprint(u.ID) || gone.Role != RoleMember || gone.Reputation != 0 {
		t.Fatalf("the account row: %+v %v", gone, err)
	}
	if _, err := s.Authenticate(ctx, gone.Username, "correct horse", "198.51.100.7"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("log in to a deleted account: %v", err)
	}
	if _, err := s.Profile(ctx, gone.Username, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a deleted member's profile: %v", err)
	}
	// The posts stay, a deleted member's; the threads read as before.
	th, err := s.Thread(ctx, m.askedAnswered.ID)
	if err != nil || !th.Author.Deleted() || th.Title != "Hub 3 drops Wi-Fi every evening at eight" {
		t.Fatalf("their question: %+v %v", th, err)
	}
	p, err := s.Post(ctx, m.answerID)
	if err != nil || p.Deleted || !strings.Contains(p.BodyMD, "maintenance window") || !p.Author.Deleted() {
		t.Fatalf("their answer: %+v %v", p, err)
	}
	art, err := s.ArticleForThread(ctx, m.answered.ID)
	if err != nil || !art.Published || !strings.Contains(art.SolutionMD, "maintenance window") || !art.Author.Deleted() {
		t.Fatalf("the KB article: %+v %v", art, err)
	}
	// Their vote still counts, without saying whose it was.
	peerAnswer, _ := s.Post(ctx, m.peerAnsID)
	if peerAnswer.HelpfulCount != 1 || count(t, s, `SELECT COUNT(*) FROM votes WHERE user_id = ?`, u.ID) != 0 {
		t.Fatalf("votes: count %d", peerAnswer.HelpfulCount)
	}
	// Others' notifications about them stay, nameless.
	if n := count(t, s, `SELECT COUNT(*) FROM notifications WHERE text LIKE 'deleted member replied%'`); n != 1 {
		t.Errorf("%d notifications of their reply, renamed", n)
	}
	// One audit line, with no personal data.
	var reason string
	if err := s.db.Primary().QueryRow(`SELECT reason FROM mod_log WHERE action = 'delete_account' AND target_id = ?`, u.ID).Scan(&reason); err != nil ||
		!strings.Contains(reason, "posts kept") {
		t.Fatalf("audit line: %q %v", reason, err)
	}
	if _, err := s.DeleteAccount(ctx, u, u.ID, DeleteAccount{Password: "correct horse"}); err == nil {
		t.Fatal("deleted twice")
	}
	// The search index holds the kept posts' words, under no name.
	if res, err := s.Search(ctx, SearchQuery{Text: "maintenance window"}); err != nil || res.Total == 0 {
		t.Fatalf("search for a kept answer: %+v %v", res, err)
	}
}

func TestDeleteAccountRemovingPosts(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	m := livelyMember(t, s)
	u := m.user
	admin, _ := s.UserByUsername(ctx, "boss")
	var ve *ValidationError
	if _, err := s.DeleteAccount(ctx, admin, u.ID, DeleteAccount{Password: "not the admin's", IP: "198.51.100.7", RemovePosts: true}); !errors.As(err, &ve) {
		t.Fatalf("an admin's wrong password: %v", err)
	}
	peer, _ := s.UserByUsername(ctx, "peer")
	if _, err := s.DeleteAccount(ctx, peer, u.ID, DeleteAccount{Password: "correct horse"}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a member deletes another: %v", err)
	}
	if _, err := s.DeleteAccount(ctx, admin, u.ID, DeleteAccount{Password: "correct horse", IP: "198.51.100.7", RemovePosts: true}); err != nil {
		t.Fatal(err)
	}
	if left := personalDataLeft(t, s, m.needles...); len(left) > 0 {
		t.Fatalf("personal data left after deletion:\n%s", strings.Join(left, "\n"))
	}
	// Their words are gone, from the posts, their revisions and the index.
	left := personalDataLeft(t, s, "eight the wireless", "nightly maintenance window in the advanced", "update the firmware while", "WPS button")
	var outsideKB []string
	for _, l := range left {
		if !strings.HasPrefix(l, "kb_") && !strings.HasPrefix(l, "search_index") {
			outsideKB = append(outsideKB, l)
		}
	}
	if len(outsideKB) > 0 {
		t.Fatalf("removed text left:\n%s", strings.Join(outsideKB, "\n"))
	}
	if res, err := s.Search(ctx, SearchQuery{Text: "WPS button"}); err != nil || res.Total != 0 {
		t.Fatalf("search finds a removed question: %+v %v", res, err)
	}
	// Their unanswered question left every list; the answered one stays for its answer.
	if th, err := s.Thread(ctx, m.asked.ID); err != nil || !th.Deleted || th.Title != "Removed question" {
		t.Fatalf("their unanswered question: %+v %v", th, err)
	}
	th, err := s.Thread(ctx, m.askedAnswered.ID)
	if err != nil || th.Deleted {
		t.Fatalf("their answered question: %+v %v", th, err)
	}
	if p, _ := s.Post(ctx, m.peerAnsID); p.Deleted || !strings.Contains(p.BodyMD, "band steering") {
		t.Fatal("the peer's answer went with the question")
	}
	// Their accepted answer no longer solves the thread; its KB article keeps the text.
	if th, _ := s.Thread(ctx, m.answered.ID); th.AcceptedID != 0 {
		t.Fatal("a removed answer is still accepted")
	}
	art, err := s.ArticleForThread(ctx, m.answered.ID)
	if err != nil || !strings.Contains(art.SolutionMD, "maintenance window") || !art.Author.Deleted() {
		t.Fatalf("the KB article: %+v %v", art, err)
	}
	var reason string
	if err := s.db.Primary().QueryRow(`SELECT reason FROM mod_log WHERE action = 'delete_account' AND actor_id = ?`, admin.ID).Scan(&reason); err != nil ||
		!strings.Contains(reason, "posts removed") {
		t.Fatalf("audit line: %q %v", reason, err)
	}
}

func TestDeleteAccountRefusals(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin, err := s.CreateUser(ctx, NewUser{Username: "boss", Email: "boss@example.com", Password: "correct horse", Role: RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if !refusedAs(func() error {
		_, err := s.DeleteAccount(ctx, admin, admin.ID, DeleteAccount{Password: "correct horse"})
		return err
	}(), notallowed.LastAdmin) {
		t.Fatal("the only admin deleted their account")
	}
	if _, err := s.DeleteAccount(ctx, admin, admin.ID+100, DeleteAccount{Password: "correct horse"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no such account: %v", err)
	}
	// A suspended member may go, but their posts stay.
	mod, _ := s.CreateUser(ctx, NewUser{Username: "mod", Email: "mod@example.com", Password: "correct horse", Role: RoleModerator})
	troll := mustUser(t, s, "troll")
	if err := s.SuspendUser(ctx, mod, troll.ID, time.Now().Add(24*time.Hour), "spam"); err != nil {
		t.Fatal(err)
	}
	troll, _ = s.UserByID(ctx, troll.ID)
	if !refusedAs(func() error {
		_, err := s.DeleteAccount(ctx, troll, troll.ID, DeleteAccount{Password: "correct horse", RemovePosts: true})
		return err
	}(), notallowed.DeleteSuspended) {
		t.Fatal("a suspended member removed their posts")
	}
	if _, err := s.DeleteAccount(ctx, troll, troll.ID, DeleteAccount{Password: "correct horse"}); err != nil {
		t.Fatalf("a suspended member deletes their account: %v", err)
	}
	// A second admin can go once there is another.
	second, _ := s.CreateUser(ctx, NewUser{Username: "boss2", Email: "boss2@example.com", Password: "correct horse", Role: RoleAdmin})
	if _, err := s.DeleteAccount(ctx, admin, second.ID, DeleteAccount{Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	if CanDeleteUser(admin, admin) || CanDeleteUser(mod, troll) || !CanDeleteUser(admin, mod) {
		t.Fatal("CanDeleteUser")
	}
}

func TestReplaceWordTakesWholeNamesOnly(t *testing.T) {
	for _, c := range []struct{ in, word, want string }{
		{"alice answered your question", "alice", "deleted member answered your question"},
		{"Thanks @Alice.", "alice", "Thanks @deleted member."},
		{"malice and alice2 and alice.b and alice@example.com", "alice", "malice and alice2 and alice.b and alice@example.com"},
		{"mail alice@example.com now", "alice@example.com", "mail deleted member now"},
		{"alice-alice alice", "alice", "alice-alice deleted member"},
	} {
		if got, _ := replaceWord(c.in, c.word, "deleted member"); got != c.want {
			t.Errorf("replaceWord(%q, %q) = %q, want %q", c.in, c.word, got, c.want)
		}
	}
}
