package search

import (
	"slices"
	"strings"
)

// DefaultSynonyms is the support-domain synonym list that applies
// until an admin edits it at /admin/search: one group per line, words or
// phrases separated by commas. A query word finds its group's other words
// too (in any of their forms), ranked a little below the word itself.
const DefaultSynonyms = `wifi, wi-fi, wireless, wlan
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
	SynonymsMaxBytes  = 20000
	SynonymsMaxGroups = 500
	SynonymGroupMax   = 20
)

// SynonymSet maps each entry, in the index's form (folded, words separated
// by single spaces), and each one-word entry's English stem, to the groups
// it belongs to. Groups hold the entries as written, in lower case.
type SynonymSet struct {
	groups [][]string
	byKey  map[string][]int
}

// ParseSynonyms reads a synonym list; a group needs two entries or more.
func ParseSynonyms(text string) (*SynonymSet, [][]string) {
	set := &SynonymSet{byKey: map[string][]int{}}
	st := NewStemmer("en")
	var shown [][]string
	for _, line := range strings.Split(text, "\n") {
		var keys, raw []string
		seen := map[string]bool{}
		for _, e := range strings.Split(line, ",") {
			e = strings.TrimSpace(e)
			key := FoldWord(CleanTerm(e))
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
				if s := st.Stem(key); s != key {
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

// SynonymsOf lists the other entries, as written, of the groups of a term
// (in the index's form) and of more keys: its stem, the phrases it starts.
func (s *SynonymSet) SynonymsOf(term string, more ...string) []string {
	var out []string
	seen := map[string]bool{term: true}
	for _, k := range more {
		seen[k] = true
	}
	for _, k := range append([]string{term}, more...) {
		for _, g := range s.byKey[k] {
			for _, e := range s.groups[g] {
				if key := FoldWord(CleanTerm(e)); !seen[key] {
					seen[key] = true
					out = append(out, e)
				}
			}
		}
	}
	return out
}
