package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// DefaultSearchSynonyms is the support-domain synonym list that applies
// until an admin edits it at /admin/search: one group per line, words or
// phrases separated by commas. A query word finds its group's other words
// too (in any of their forms), ranked a little below the word itself.
const DefaultSearchSynonyms = `wifi, wi-fi, wireless, wlan
router, hub, modem
bill, invoice, charge, payment
cancel, terminate, end contract
cellphone, mobile, phone, handset
broadband, internet
disconnect, drop, cut out
slow, sluggish, laggy
reboot, restart
refund, money back, compensation
outage, down, offline
fibre, fiber
tv box, stream box, set top box
remote, remote control
laptop, notebook
pc, computer, desktop
screen, display, monitor
text, sms
picture message, mms
voicemail, answerphone
esim, e-sim
sim, sim card
mobile data, 4g, 5g
abroad, roaming, overseas
email, e-mail, mail
password, passcode
engineer, technician
appointment, visit
contract, plan, package
address, home move, moving house
boot, start up, startup
microphone, mic
headphones, headset, earphones, earbuds
tv, television
app, application
sign in, log in, login
signal, reception, coverage
lag, latency, ping
price, cost
speed, bandwidth
increase, rise, go up, went up, higher
install, installation, setup, set up
freeze, hang, unresponsive
charger, power adapter, power supply
photo, picture, image
buy, purchase, order
`

// Synonym limits: what an admin may save.
const (
	synonymsMaxBytes  = 20000
	synonymsMaxGroups = 500
	synonymGroupMax   = 20
)

// synonymSet maps each entry, in the index's form (folded, words separated
// by single spaces), and each one-word entry's English stem, to the groups
// it belongs to. Groups hold the entries as written, in lower case.
type synonymSet struct {
	groups [][]string
	byKey  map[string][]int
}

// parseSynonyms reads a synonym list; a group needs two entries or more.
func parseSynonyms(text string) (*synonymSet, [][]string) {
	set := &synonymSet{byKey: map[string][]int{}}
	st := newStemmer("en")
	var shown [][]string
	for _, line := range strings.Split(text, "\n") {
		var keys, raw []string
		seen := map[string]bool{}
		for _, e := range strings.Split(line, ",") {
			e = strings.TrimSpace(e)
			key := foldWord(cleanTerm(e))
			if key == "" || seen[key] {
				continue
			}
			seen[key] = true
			keys, raw = append(keys, key), append(raw, e)
		}
		if len(keys) < 2 {
			continue
		}
		g := len(set.groups)
		lower := make([]string, len(raw))
		for i, e := range raw {
			lower[i] = strings.ToLower(e)
		}
		set.groups = append(set.groups, lower)
		shown = append(shown, raw)
		for _, key := range keys {
			keys := []string{key}
			if !strings.Contains(key, " ") {
				if s := st.stem(key); s != key {
					keys = append(keys, s)
				}
			}
			for _, k := range keys {
				if !slices.Contains(set.byKey[k], g) {
					set.byKey[k] = append(set.byKey[k], g)
				}
			}
		}
	}
	return set, shown
}

// synonymsOf lists the other entries, as written, of the groups of a term
// (in the index's form) and of more keys: its stem, the phrases it starts.
func (s *synonymSet) synonymsOf(term string, more ...string) []string {
	var out []string
	seen := map[string]bool{term: true}
	for _, k := range more {
		seen[k] = true
	}
	for _, k := range append([]string{term}, more...) {
		for _, g := range s.byKey[k] {
			for _, e := range s.groups[g] {
				if key := foldWord(cleanTerm(e)); !seen[key] {
					seen[key] = true
					out = append(out, e)
				}
			}
		}
	}
	return out
}

// SearchSynonyms returns the synonym list as an admin wrote it (the
// defaults until one did).
func (s *Store) SearchSynonyms(ctx context.Context) (string, error) {
	var v string
	err := s.reader(ctx).QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'search.synonyms'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultSearchSynonyms, nil
	}
	if err != nil {
		return "", fmt.Errorf("load search synonyms: %w", err)
	}
	return v, nil
}

// searchSynonyms is the synonym list in force, read for each search: a
// change applies to the next search, in every process, without a restart
// or a rebuild of the index (synonyms are expanded in the query).
func (s *Store) searchSynonyms(ctx context.Context) (*synonymSet, error) {
	text, err := s.SearchSynonyms(ctx)
	if err != nil {
		return nil, err
	}
	// The list read is parsed once for as long as it stays the same.
	c := &s.synonyms
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.set == nil || c.text != text {
		c.text = text
		c.set, _ = parseSynonyms(text)
	}
	return c.set, nil
}

// parsedSynonyms is the last synonym list read, parsed (read-only once made).
type parsedSynonyms struct {
	mu   sync.Mutex
	text string
	set  *synonymSet
}

// SetSearchSynonyms saves the synonym list (PermManageSite). Lines with
// fewer than two entries are dropped; the list is stored as saved, tidied.
func (s *Store) SetSearchSynonyms(ctx context.Context, actor *User, text string) error {
	if !actor.Can(PermManageSite) {
		return ErrForbidden
	}
	text = strings.ReplaceAll(cleanText(text), "\r\n", "\n")
	_, groups := parseSynonyms(text)
	v := validator{}
	v.check(len(text) <= synonymsMaxBytes, "synonyms", fmt.Sprintf("At most %d characters.", synonymsMaxBytes))
	v.check(len(groups) <= synonymsMaxGroups, "synonyms", fmt.Sprintf("At most %d groups (lines).", synonymsMaxGroups))
	var lines []string
	for _, g := range groups {
		v.check(len(g) <= synonymGroupMax, "synonyms", fmt.Sprintf("At most %d words or phrases in a group: %q has %d.",
			synonymGroupMax, truncateRunes(strings.Join(g, ", "), 60), len(g)))
		lines = append(lines, strings.Join(g, ", "))
	}
	if err := v.err(); err != nil {
		return err
	}
	tidy := strings.Join(lines, "\n") + "\n"
	// Not quiet: cached result pages must go.
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('search.synonyms', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, tidy); err != nil {
			return fmt.Errorf("save search synonyms: %w", err)
		}
		// Audited like the site settings (which also refuses a suspended actor).
		return logAction(ctx, tx, s.now(), actor, "change_search_synonyms", "site", 0, "")
	})
}
