package tweets

import (
	"strings"
	"testing"
)

const (
	twcsOriginal = "twcs-kaggle-customer-support/twcs_subset_monalisapatra26.csv"
	twcsExcel    = "twcs-kaggle-customer-support/twcs_test_excel_macroman_pritul2.csv"
)

func TestSupportCSVOriginal(t *testing.T) {
	res, got := readSample(t, twcsOriginal)
	wantFormat(t, res, FormatSupportCSV)
	wantNoSkips(t, res)
	if res.Read != 5000 {
		t.Errorf("Read = %d, want 5000", res.Read)
	}
	in := countIf(got, func(tw Tweet) bool { return tw.Inbound != nil && *tw.Inbound })
	out := countIf(got, func(tw Tweet) bool { return tw.Inbound != nil && !*tw.Inbound })
	if in != 2778 || out != 2222 {
		t.Errorf("inbound/outbound = %d/%d, want 2778/2222", in, out)
	}
	// in_response_to_tweet_id is written as a float ("3.0").
	first := mustFind(t, got, "1")
	if first.InReplyToID != "3" || first.AuthorHandle != "sprintcare" || first.Line != 2 {
		t.Errorf("tweet 1 = %+v", first)
	}
	if tw := mustFind(t, got, "8"); tw.InReplyToID != "" || tw.AuthorID != "115712" || tw.AuthorHandle != "115712" {
		t.Errorf("root tweet 8 = %+v", tw)
	}
	// The unquoted "\r\r" field is data, not three broken records.
	tw := mustFind(t, got, "3399")
	if tw.Text != "@AskPayPal \n\nI just love the start of email 😁 https://t.co/8u1Pf5rJoN" || tw.AuthorHandle != "116510" {
		t.Errorf("tweet 3399 = %q by %s", tw.Text, tw.AuthorHandle)
	}
	if tw := mustFind(t, got, "197"); !strings.HasSuffix(tw.Text, "seeds, bulbs & 🌷s") {
		t.Errorf("tweet 197 entity/emoji: %q", tw.Text)
	}
	if tw := mustFind(t, got, "1"); tw.CreatedAt.Format("2006-01-02 15:04:05") != "2017-10-31 22:10:47" {
		t.Errorf("date = %v", tw.CreatedAt)
	}
}

func TestSupportCSVExcelMacRoman(t *testing.T) {
	res, got := readSample(t, twcsExcel)
	wantFormat(t, res, FormatSupportCSV)
	wantNoSkips(t, res)
	if res.Read != 1520 {
		t.Errorf("Read = %d, want 1520", res.Read)
	}
	// The BOM sits before the first header name: tweet_id must still be found.
	if got[0].ID != "1" || got[0].InReplyToID != "3" {
		t.Errorf("first tweet = %+v", got[0])
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.Inbound != nil && *tw.Inbound }); n != 823 {
		t.Errorf("TRUE rows = %d, want 823", n)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.Inbound == nil }); n != 0 {
		t.Errorf("%d rows without inbound", n)
	}
	if tw := mustFind(t, got, "4"); !strings.Contains(tw.Text, "Just click ‘Message’ at the top") {
		t.Errorf("quote marks not repaired: %q", tw.Text)
	}
	if tw := mustFind(t, got, "12"); !strings.HasSuffix(tw.Text, "my whole family ? 🤥 💯") {
		t.Errorf("emoji not repaired: %q", tw.Text)
	}

	// Every repaired row equals the same row of the undamaged copy.
	_, orig := readSample(t, twcsOriginal)
	want := byID(orig)
	diff := 0
	for _, tw := range got {
		o, ok := want[tw.ID]
		if !ok {
			t.Errorf("tweet %s not in the original", tw.ID)
			continue
		}
		if o.Text != tw.Text || o.InReplyToID != tw.InReplyToID || !o.CreatedAt.Equal(tw.CreatedAt) || *o.Inbound != *tw.Inbound {
			if diff++; diff <= 3 {
				t.Errorf("tweet %s differs from the original:\n excel %q\n orig  %q", tw.ID, tw.Text, o.Text)
			}
		}
	}
	if diff > 0 {
		t.Errorf("%d of %d rows differ from the original", diff, len(got))
	}
}

func TestSupportCSVSkips(t *testing.T) {
	in := "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n" +
		"1,a,True,Tue Oct 31 22:10:47 +0000 2017,ok,,\n" +
		"1.2E+17,b,True,Tue Oct 31 22:10:47 +0000 2017,excel float,,\n" +
		"3,c,maybe,Tue Oct 31 22:10:47 +0000 2017,bad inbound,,\n" +
		"4,d,False,yesterday,bad date,,\n" +
		"5,e,False,Tue Oct 31 22:10:47 +0000 2017,too,many,fields,here\n" +
		",f,False,Tue Oct 31 22:10:47 +0000 2017,no id,,\n" +
		"7,g,FALSE,Tue Oct 31 22:10:47 +0000 2017,\"quoted, with\nnewline &amp;lt;\",\"1,55,157\",1.0\n"
	var got []Tweet
	res, err := Read(strings.NewReader(in), func(tw Tweet) error { got = append(got, tw); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 2 || got[0].ID != "1" || got[1].ID != "7" {
		t.Fatalf("read %+v", got)
	}
	if got[1].Text != "quoted, with\nnewline &lt;" || got[1].InReplyToID != "1" {
		t.Errorf("tweet 7 = %+v", got[1])
	}
	wantLines := []int{3, 4, 5, 6, 7}
	if len(res.Skipped) != len(wantLines) {
		t.Fatalf("Skipped = %+v", res.Skipped)
	}
	for i, s := range res.Skipped {
		if s.Line != wantLines[i] || s.Reason == "" {
			t.Errorf("skip %d = %+v, want line %d", i, s, wantLines[i])
		}
	}
}
