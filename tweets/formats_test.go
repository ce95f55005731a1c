package tweets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// jsonliteify rewrites a decoded API v2 tweet as R's jsonlite writes it
// (academictwitteR's data files): every list the tweet lacks is there as {}.
func jsonliteify(tw map[string]any) {
	if _, ok := tw["referenced_tweets"]; !ok {
		tw["referenced_tweets"] = map[string]any{}
	}
	ents, _ := tw["entities"].(map[string]any)
	if ents == nil {
		ents = map[string]any{}
		tw["entities"] = ents
	}
	for _, k := range []string{"urls", "mentions", "hashtags"} {
		if _, ok := ents[k]; !ok {
			ents[k] = map[string]any{}
		}
	}
}

// API v2 data written by academictwitteR (R, jsonlite) has {} for empty
// lists: every record imports, alone or in a page.
func TestV2JsonliteEmptyLists(t *testing.T) {
	var page struct {
		Data     []map[string]any `json:"data"`
		Includes map[string]any   `json:"includes"`
	}
	dec := json.NewDecoder(bytes.NewReader(sampleBytes(t, "api-v2-twarc-csv/brexit.jsonl")))
	dec.UseNumber()
	if err := dec.Decode(&page); err != nil {
		t.Fatal(err)
	}
	for _, tw := range page.Data {
		jsonliteify(tw)
	}
	// data_<id>.json: the data array alone.
	data, err := json.Marshal(page.Data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"referenced_tweets":{}`)) || !bytes.Contains(data, []byte(`"urls":{}`)) {
		t.Fatal("the fixture has no {} lists")
	}
	res, got := readString(t, string(data))
	wantNoSkips(t, res)
	if res.Read != 100 || countIf(got, func(tw Tweet) bool { return tw.Retweet }) != 67 || countIf(got, func(tw Tweet) bool { return tw.InReplyToID != "" }) != 10 {
		t.Errorf("read %d tweets", res.Read)
	}
	// A page with its includes, errors and includes.tweets as {}.
	page.Includes["tweets"] = map[string]any{}
	withPage, err := json.Marshal(map[string]any{"data": page.Data, "includes": page.Includes, "errors": map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	res, got = readString(t, string(withPage)+"\n"+`{"data": {}, "meta": {"result_count": 0}}`+"\n")
	wantNoSkips(t, res)
	if res.Read != 100 || mustFind(t, got, "1440716895355764743").AuthorHandle == "" {
		t.Errorf("page: read %d tweets", res.Read)
	}
}

// Premium and enterprise search responses ({"results": [...], "next": ...})
// read like standard search's statuses, pretty-printed or not, and a skip
// inside says its record and line.
func TestV1PremiumSearchResults(t *testing.T) {
	var search struct {
		Statuses []json.RawMessage `json:"statuses"`
	}
	if err := json.Unmarshal(sampleBytes(t, "api-v1.1-python-twitter/get_search_raw.json"), &search); err != nil {
		t.Fatal(err)
	}
	var statuses []map[string]any
	for _, raw := range search.Statuses {
		var st map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&st); err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, st)
	}
	statuses[41]["created_at"] = "someday"
	results, err := json.MarshalIndent(statuses, "  ", "  ")
	if err != nil {
		t.Fatal(err)
	}
	doc := "{\n  \"results\": " + string(results) + ",\n  \"next\": \"eyJtYXhJZCI6NzIwMzg2fQ==\",\n" +
		"  \"requestParameters\": {\"maxResults\": 100, \"fromDate\": \"201601010000\", \"toDate\": \"201602010000\"}\n}\n"
	if len(doc) < 2*headSize {
		t.Fatalf("the response (%d bytes) should be longer than what detection sees", len(doc))
	}
	res, got := readString(t, doc)
	wantFormat(t, res, FormatV1)
	if res.Read != 99 || countIf(got, func(tw Tweet) bool { return tw.AuthorHandle == "" }) != 0 {
		t.Errorf("read %d tweets", res.Read)
	}
	starts := strings.Split(doc, "\n    {\n")
	wantLine := 1 + strings.Count(strings.Join(starts[:42], "\n    {\n"), "\n") + 1
	if len(res.Skipped) != 1 || res.Skipped[0].Where() != fmt.Sprintf("record 42 at line %d", wantLine) {
		t.Errorf("skips %+v, want record 42 at line %d", res.Skipped, wantLine)
	}
	// One line per response, as collected by scripts.
	compact, err := json.Marshal(map[string]any{"results": statuses[:10], "next": "x"})
	if err != nil {
		t.Fatal(err)
	}
	res, _ = readString(t, string(compact)+"\n"+string(compact)+"\n")
	if res.Format != FormatV1 || res.Read != 20 {
		t.Errorf("JSON Lines: %+v", res)
	}
	// The counts endpoint's results are no statuses.
	if f, err := Detect([]byte(`{"results": [{"timePeriod": "201601010000", "count": 4}], "totalCount": 4}`)); err == nil {
		t.Errorf("counts response detected as %q", f)
	}
}

func TestNormalizeLang(t *testing.T) {
	for in, want := range map[string]string{
		"in": "id", "iw": "he", "ji": "yi", "jw": "jv", "mo": "ro", "EN": "en", "en-GB": "en", "zh_TW": "zh", " de ": "de",
		"und": "und", "qme": "qme", "zxx": "zxx", "qht": "qht", "art": "art", "": "", "x": "", "e1": "", "english": "",
	} {
		if got := NormalizeLang(in); got != want {
			t.Errorf("NormalizeLang(%q) = %q, want %q", in, got, want)
		}
	}
	// The archive writes Indonesian as X's legacy "in": it reads as "id".
	_, got := readSample(t, "archive-andreruffert/tweets.js")
	langs := map[string]int{}
	for _, tw := range got {
		langs[tw.Lang]++
	}
	if langs["in"] != 0 || langs["id"] != 6 || langs["und"] != 133 || langs["qme"] != 23 {
		t.Errorf("languages: %v", langs)
	}
}
