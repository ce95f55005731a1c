package tweets

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestArchiveAndreruffert(t *testing.T) {
	res, got := readSample(t, "archive-andreruffert/tweets.js")
	wantFormat(t, res, FormatArchive)
	wantNoSkips(t, res)
	if res.Read != 1986 {
		t.Errorf("Read = %d, want 1986", res.Read)
	}
	want := Account{ID: "112769581", Handle: "andreruffert", Name: "André Ruffert"}
	if res.Account == nil || *res.Account != want {
		t.Fatalf("Account = %+v, want %+v", res.Account, want)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.AuthorHandle != "andreruffert" || tw.AuthorID != "112769581" }); n != 0 {
		t.Errorf("%d tweets without the account.js author", n)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.Retweet }); n != 643 {
		t.Errorf("retweets = %d, want 643", n)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.InReplyToID != "" }); n != 485 {
		t.Errorf("replies = %d, want 485", n)
	}
	if n := countIf(got, func(tw Tweet) bool { return !isDigits(tw.ID) || tw.CreatedAt.IsZero() }); n != 0 {
		t.Errorf("%d tweets with a non-numeric id or no date", n)
	}

	// &amp; decoded once and the t.co link replaced by entities.urls.
	tw := mustFind(t, got, "1224740855162064897")
	if want := "A list of upcoming conferences for 2020 related to front-end design & development https://conferences.css-tricks.com"; tw.Text != want {
		t.Errorf("text = %q, want %q", tw.Text, want)
	}
	if len(tw.URLs) != 1 || tw.URLs[0] != "https://conferences.css-tricks.com" {
		t.Errorf("URLs = %q", tw.URLs)
	}
	if tw.CreatedAt.Location().String() != "UTC" {
		t.Errorf("CreatedAt not UTC: %v", tw.CreatedAt)
	}

	// An emoji before the link: expansion must not slice by byte offsets.
	tw = mustFind(t, got, "1492180218991333383")
	wantText := "@shadeed9 Quite happy with this one 👌 Although using it with an M1 MBA…\n\n" +
		"https://www.dell.com/en-us/work/shop/ultrasharp-27-4k-usb-c-monitor-u2720q/apd/210-avjv/monitors-monitor-accessories"
	if tw.Text != wantText {
		t.Errorf("text = %q, want %q", tw.Text, wantText)
	}

	// A retweet keeps its (truncated) RT text and names the original author.
	tw = mustFind(t, got, "1471135073105858562")
	if !tw.Retweet || tw.Text != "RT @year_progress: ▓▓▓▓▓▓▓▓▓▓▓▓▓▓░ 95%" || tw.Mentions[0] != "year_progress" {
		t.Errorf("retweet = %+v", tw)
	}
	// A quote tweet appears in archives only as a status link.
	if tw := mustFind(t, got, "1486721823299407877"); !tw.Quote {
		t.Errorf("tweet %s linking a status is not a quote", tw.ID)
	}
}

func TestArchiveReadWithoutAccount(t *testing.T) {
	f, err := os.Open(samplePath(t, "archive-andreruffert/tweets.js"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	authors := 0
	res, err := Read(f, func(tw Tweet) error {
		if tw.AuthorHandle != "" || tw.AuthorID != "" {
			authors++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 1986 || res.Account != nil || authors != 0 {
		t.Errorf("Read = %d, Account = %v, tweets with an author = %d; want 1986, nil, 0", res.Read, res.Account, authors)
	}
}

func TestArchiveMilahu104(t *testing.T) {
	res, got := readSample(t, "archive-milahu104/tweets.js")
	wantFormat(t, res, FormatArchive)
	wantNoSkips(t, res)
	if res.Read != 2045 {
		t.Errorf("Read = %d, want 2045", res.Read)
	}
	if res.Account == nil || res.Account.Handle != "milahu104" || res.Account.ID != "1964312974236991488" {
		t.Errorf("Account = %+v", res.Account)
	}
	tw := mustFind(t, got, "2029899376470949893")
	if want := `@BeaBovary das "haha ihr seid zu schwach für revolution" gesetz 2026`; tw.Text != want {
		t.Errorf("German text = %q, want %q", tw.Text, want)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.Lang == "de" }); n != 1060 {
		t.Errorf("de tweets = %d, want 1060", n)
	}

	for file, want := range map[string]int{"deleted-tweets.js": 47, "community-tweet.js": 3, "note-tweet.js": 0} {
		res, _ := readSample(t, "archive-milahu104/"+file)
		wantFormat(t, res, FormatArchive)
		wantNoSkips(t, res)
		if res.Read != want {
			t.Errorf("%s: Read = %d, want %d", file, res.Read, want)
		}
	}
}

func TestArchiveTweetJS2020(t *testing.T) {
	res, got := readSample(t, "archive-tweetjs-2020-lumeninferius/tweet.js")
	wantFormat(t, res, FormatArchive)
	wantNoSkips(t, res)
	if res.Read != 22 {
		t.Errorf("Read = %d, want 22", res.Read)
	}
	if res.Account == nil || res.Account.Handle != "LumenInferius" {
		t.Errorf("Account = %+v", res.Account)
	}
	tw := mustFind(t, got, "1221130902635458567")
	if !strings.HasPrefix(tw.Text, "Passing through the Cathedral will be quite a challenge...") || len(tw.Hashtags) == 0 {
		t.Errorf("tweet = %+v", tw)
	}
}

func TestArchiveJapanese(t *testing.T) {
	res, got := readSample(t, "archive-tweetjs-ja-dsajgiouawj/tweet.js")
	wantFormat(t, res, FormatArchive)
	wantNoSkips(t, res)
	if res.Read != 1163 {
		t.Errorf("Read = %d, want 1163", res.Read)
	}
	if res.Account == nil || *res.Account != (Account{ID: "4688937990", Handle: "E31415926", Name: "E"}) {
		t.Errorf("Account = %+v", res.Account)
	}
	if tw := mustFind(t, got, "842535905818632192"); tw.Text != "誰か春合宿仮想マシンのダウンロードURL教えてください" {
		t.Errorf("Japanese text = %q", tw.Text)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.Lang == "ja" }); n != 1071 {
		t.Errorf("ja tweets = %d, want 1071", n)
	}
}

func TestArchiveEmptyAndNonTweetFiles(t *testing.T) {
	res, got := readSample(t, "archive-andreruffert/deleted-tweets.js")
	wantFormat(t, res, FormatArchive)
	if len(got) != 0 || len(res.Skipped) != 0 {
		t.Errorf("empty archive: %d tweets, skips %+v", len(got), res.Skipped)
	}
	for _, rel := range []string{"archive-andreruffert/direct-messages.js", "archive-andreruffert/account.js", "archive-andreruffert/manifest.js"} {
		calls := 0
		_, err := ReadFile(samplePath(t, rel), func(Tweet) error { calls++; return nil })
		if !errors.Is(err, ErrUnknownFormat) || calls != 0 {
			t.Errorf("%s: err = %v, calls = %d; want ErrUnknownFormat, 0", rel, err, calls)
		}
	}
}

func TestGrailbird(t *testing.T) {
	months := map[string]int{"2006_12": 8, "2007_01": 12, "2007_02": 104, "2009_06": 50, "2010_06": 180, "2012_06": 787}
	jsTotal, csvTotal := 0, 0
	for month, want := range months {
		jsRes, jsTweets := readSample(t, "archive-legacy-grailbird-anildash/data/js/tweets/"+month+".js")
		wantFormat(t, jsRes, FormatGrailbird)
		wantNoSkips(t, jsRes)
		csvRes, csvTweets := readSample(t, "archive-legacy-grailbird-anildash/data/csv/"+month+".csv")
		wantFormat(t, csvRes, FormatGrailCSV)
		wantNoSkips(t, csvRes)
		if jsRes.Read != want || csvRes.Read != want {
			t.Errorf("%s: js %d, csv %d tweets; want %d", month, jsRes.Read, csvRes.Read, want)
		}
		jsTotal += jsRes.Read
		csvTotal += csvRes.Read
		// Both halves of the archive describe the same tweets.
		js := byID(jsTweets)
		for _, c := range csvTweets {
			j, ok := js[c.ID]
			if !ok {
				t.Errorf("%s: csv tweet %s not in js", month, c.ID)
				continue
			}
			if !c.CreatedAt.Equal(j.CreatedAt) || c.InReplyToID != j.InReplyToID || c.Retweet != j.Retweet {
				t.Errorf("%s: tweet %s differs:\ncsv %+v\njs  %+v", month, c.ID, c, j)
			}
		}
		if n := countIf(jsTweets, func(tw Tweet) bool { return tw.AuthorHandle != "anildash" }); n != 0 {
			t.Errorf("%s: %d js tweets not by anildash", month, n)
		}
		if n := countIf(csvTweets, func(tw Tweet) bool { return tw.AuthorHandle != "anildash" }); n != 0 {
			t.Errorf("%s: %d csv tweets without the user_details.js author", month, n)
		}
	}
	if jsTotal != 1141 || csvTotal != 1141 {
		t.Errorf("totals: js %d, csv %d; want 1141", jsTotal, csvTotal)
	}

	_, jsTweets := readSample(t, "archive-legacy-grailbird-anildash/data/js/tweets/2012_06.js")
	_, csvTweets := readSample(t, "archive-legacy-grailbird-anildash/data/csv/2012_06.csv")
	want := "By the way, @mlkshk is a wonderful image-sharing community that's running fine at http://mlkshk.com or on iOS: http://itunes.apple.com/us/app/strw/id521074159"
	for name, tweets := range map[string][]Tweet{"js": jsTweets, "csv": csvTweets} {
		if tw := mustFind(t, tweets, "219121963061362688"); tw.Text != want {
			t.Errorf("%s text = %q, want %q", name, tw.Text, want)
		}
		if tw := mustFind(t, tweets, "218727980925599744"); !strings.Contains(tw.Text, "thoughtful tech blogging & aren't") {
			t.Errorf("%s: entity not decoded: %q", name, tw.Text)
		}
	}
	// Month files are bucketed by local time: a February date in January.
	_, jan := readSample(t, "archive-legacy-grailbird-anildash/data/js/tweets/2007_01.js")
	if n := countIf(jan, func(tw Tweet) bool { return tw.CreatedAt.Month() == 2 }); n == 0 {
		t.Error("2007_01.js: expected a tweet dated 1 February (UTC)")
	}
}
