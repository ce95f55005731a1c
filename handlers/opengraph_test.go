package handlers

import (
	"regexp"
	"testing"
)

var ogTag = regexp.MustCompile(`<meta (?:property|name)="((?:og|twitter):[a-z_]+)" content="([^"]*)">`)

// openGraph reads a page's Open Graph and Twitter card tags.
func openGraph(body string) map[string]string {
	out := map[string]string{}
	for _, m := range ogTag.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// Shared links unfurl: threads, articles and category lists say their
// title, description, address and the site's name; pages not meant to be
// shared (search, forms) have no such tags.
func TestSharedLinksCarryOpenGraph(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the **nightly maintenance** window in Settings.")
	kb := articlePath(t, a, thread)
	visitor := a.client()
	for path, title := range map[string]string{thread: "Router reboots itself every night", kb: "Router reboots itself every night",
		"/c/general": "General"} {
		og := openGraph(visitor.get(path).Body)
		if og["og:title"] != title || og["og:site_name"] != "Crowdcare" || og["og:type"] != "website" ||
			og["twitter:card"] != "summary" || og["og:url"] != "http://forum.test"+path {
			t.Errorf("%s: %v", path, og)
		}
		if path != "/c/general" && og["og:description"] == "" {
			t.Errorf("%s: no description: %v", path, og)
		}
	}
	for _, path := range []string{"/search?q=router", "/login"} {
		if og := openGraph(visitor.get(path).Body); len(og) != 0 {
			t.Errorf("%s is not for sharing but says %v", path, og)
		}
	}
}
