package e2e

import (
	"encoding/base64"
	"fmt"
	"image/color"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/crowdcare/crowdcare/media/mediatest"
	"github.com/crowdcare/crowdcare/models"
)

// jsFile is JavaScript making a File of data named name, as a user's
// drag or clipboard hands one to the page.
func jsFile(name string, data []byte) string {
	return fmt.Sprintf(`new File([Uint8Array.from(atob(%q), c => c.charCodeAt(0))], %q, {type: 'image/png'})`,
		base64.StdEncoding.EncodeToString(data), name)
}

// uploadResult is what the composer's upload answered.
type uploadResult struct {
	Status int               `json:"status"`
	Body   map[string]string `json:"body"`
}

// uploadFromPage sends data to POST /uploads from the page, with its CSRF
// token, as composer.js does.
func uploadFromPage(b *tab, name string, data []byte) uploadResult {
	b.t.Helper()
	return get(b, chromedp.Evaluate[uploadResult](`(async () => {
		const fd = new FormData();
		fd.append('_csrf', document.querySelector('input[name=_csrf]').value);
		fd.append('file', `+jsFile(name, data)+`);
		const r = await fetch('/uploads', {method: 'POST', body: fd});
		return {status: r.status, body: await r.json()};
	})()`, chromedp.EvalAwaitPromise))
}

// waitFor polls a JavaScript condition until it holds or the time is up.
func waitFor(b *tab, cond string, d time.Duration) bool {
	b.t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if get(b, chromedp.Evaluate[bool](cond)) {
			return true
		}
	}
	return false
}

// TestDragDropAndPasteInTheComposer: a screenshot dropped on the text box
// and one pasted into it are uploaded at once, their Markdown lands in the
// text, the live preview shows them, and the question shows them.
func TestDragDropAndPasteInTheComposer(t *testing.T) {
	s := newSite(t)
	s.user("dora", models.RoleMember)
	b := newTab(t, 1280, 900)
	b.login(s.url, "dora")
	b.run(chromedp.Navigate(s.url+"/ask"), chromedp.WaitVisible(chromedp.CSS(`.composer-toolbar button`)))
	b.run(chromedp.SendKeys(chromedp.CSS("#f-body"), "Here are the screenshots of the error:"))
	dropped := mediatest.PNG(mediatest.Solid(40, 30, color.NRGBA{200, 30, 30, 255}))
	b.run(chromedp.Evaluate[chromedp.Void](`(() => {
		const dt = new DataTransfer();
		dt.items.add(` + jsFile("dropped error.png", dropped) + `);
		const ta = document.querySelector('#f-body');
		ta.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
		ta.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
	})()`))
	if !waitFor(b, `document.querySelector('#f-body').value.includes('![dropped-error](/uploads/')`, 10*time.Second) {
		t.Fatalf("the dropped file's Markdown is not in the text: %q (%s)", get(b, chromedp.Evaluate[string](`document.querySelector('#f-body').value`)),
			b.text("[data-composer-status]"))
	}
	pasted := mediatest.PNG(mediatest.Solid(50, 20, color.NRGBA{30, 30, 200, 255}))
	b.run(chromedp.Evaluate[chromedp.Void](`(() => {
		const dt = new DataTransfer();
		dt.items.add(` + jsFile("image.png", pasted) + `);
		document.querySelector('#f-body').dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
	})()`))
	if !waitFor(b, `document.querySelector('#f-body').value.includes('![image](/uploads/')`, 10*time.Second) {
		t.Fatalf("the pasted image's Markdown is not in the text: %q", get(b, chromedp.Evaluate[string](`document.querySelector('#f-body').value`)))
	}
	mustHave(t, b.text("[data-composer-status]"), "is attached")
	// The live preview shows both, beside the text on this wide screen.
	if !waitFor(b, `document.querySelectorAll('[data-composer-preview-body] img[src^="/uploads/"]').length === 2`, 10*time.Second) {
		t.Fatal("the live preview does not show the two images")
	}
	if side := get(b, chromedp.Evaluate[bool](`(() => {
		const t = document.querySelector('#f-body').getBoundingClientRect(), p = document.querySelector('[data-composer-preview]').getBoundingClientRect();
		return p.left >= t.right - 1 && p.top < t.bottom;
	})()`)); !side {
		t.Error("the live preview is not beside the text")
	}
	b.run(chromedp.SendKeys(chromedp.CSS("#f-title"), "Error screen after the firmware update"),
		chromedp.SetValue(chromedp.CSS("#f-category"), "general"),
		chromedp.Click(chromedp.CSS(`form[action="/ask"] button[type=submit]:not([name])`)),
		chromedp.WaitVisible(chromedp.CSS(`.thread-head`)))
	if !waitFor(b, `[...document.querySelectorAll('.post.question .post-body img')].filter(i => i.complete && i.naturalWidth > 0).length === 2`, 10*time.Second) {
		t.Error("the question does not show the two uploaded images")
	}
	if p := b.problems(); len(p) > 0 {
		t.Errorf("script problems: %v", p)
	}
}

// TestDraftsSurviveAReloadAndALostSession: what is typed is back after a
// reload (kept in the browser); a question sent after the session ended
// elsewhere is kept through the login (kept on the server); once sent, the
// form is empty again.
func TestDraftsSurviveAReloadAndALostSession(t *testing.T) {
	s := newSite(t)
	s.user("dora", models.RoleMember)
	b := newTab(t, 1280, 900)
	b.login(s.url, "dora")
	const title, body = "Router loses its settings after a power cut", "After every power cut the router is back to factory settings."
	b.run(chromedp.Navigate(s.url+"/ask"), chromedp.WaitVisible(chromedp.CSS(`.composer-toolbar button`)),
		chromedp.SendKeys(chromedp.CSS("#f-title"), title),
		chromedp.SendKeys(chromedp.CSS("#f-body"), body),
		chromedp.Sleep(700*time.Millisecond), // the draft is saved 300 ms after typing stops
		chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`.composer-toolbar button`)))
	if got := get(b, chromedp.Evaluate[string](`document.querySelector('#f-body').value`)); got != body {
		t.Fatalf("after a reload the text is %q", got)
	}
	if got := get(b, chromedp.Evaluate[string](`document.querySelector('#f-title').value`)); got != title {
		t.Fatalf("after a reload the title is %q", got)
	}
	mustHave(t, b.text("[data-composer-status]"), "is back")

	// The session ends elsewhere (log out everywhere on another device).
	other := newTab(t, 1280, 900)
	other.login(s.url, "dora")
	other.run(chromedp.Navigate(s.url+"/settings"),
		chromedp.Click(chromedp.CSS(`form[action="/logout/all"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)))
	b.run(chromedp.SetValue(chromedp.CSS("#f-category"), "general"),
		chromedp.Click(chromedp.CSS(`form[action="/ask"] button[type=submit]:not([name])`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)))
	mustHave(t, b.text("main"), "Your session ended before your question was sent")
	b.run(chromedp.SendKeys(chromedp.CSS("#f-username"), "dora"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "correct horse"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/ask"]`)))
	mustHave(t, b.text("main"), "ready to send")
	if got := get(b, chromedp.Evaluate[string](`document.querySelector('#f-body').value`)); got != body {
		t.Fatalf("after logging in again the text is %q", got)
	}
	b.run(chromedp.Click(chromedp.CSS(`form[action="/ask"] button[type=submit]:not([name])`)),
		chromedp.WaitVisible(chromedp.CSS(`.thread-head`)))
	mustHave(t, b.text("h1"), title)
	// Sent: the browser forgets it, and the next question starts empty.
	b.run(chromedp.Navigate(s.url+"/ask"), chromedp.WaitVisible(chromedp.CSS(`.composer-toolbar button`)))
	if got := get(b, chromedp.Evaluate[string](`document.querySelector('#f-body').value + document.querySelector('#f-title').value`)); got != "" {
		t.Errorf("after sending, the form holds %q", got)
	}
	if n := get(b, chromedp.Evaluate[int](`Object.keys(localStorage).filter(k => k.startsWith('cc-draft:')).length`)); n != 0 {
		t.Errorf("%d drafts left in the browser after sending", n)
	}
	for _, tb := range []*tab{b, other} {
		if p := tb.problems(); len(p) > 0 {
			t.Errorf("script problems: %v", p)
		}
	}
}
