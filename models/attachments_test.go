package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models/notallowed"
)

// upload records an attachment for u as the upload handler does after
// storing its files, and returns it.
func upload(t *testing.T, s *Store, u *User, kind, name string, size int64) *Attachment {
	t.Helper()
	a, err := tryUpload(s, u, kind, name, size)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func tryUpload(s *Store, u *User, kind, name string, size int64) (*Attachment, error) {
	key, err := NewAttachmentKey()
	if err != nil {
		return nil, err
	}
	ctype := "image/png"
	if kind == AttachmentFile {
		ctype = "text/plain; charset=utf-8"
	}
	return s.CreateAttachment(context.Background(), u, NewAttachment{Key: key, Kind: kind, ContentType: ctype, Name: name,
		Size: size, Width: 10, Height: 10, SHA256: strings.Repeat("ab", 32)})
}

func canFetch(t *testing.T, s *Store, viewer *User, a *Attachment) bool {
	t.Helper()
	_, err := s.AttachmentFor(s.WithMemo(context.Background()), viewer, a.Key)
	if err != nil && !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

func TestAttachmentMarkdownAndKeys(t *testing.T) {
	key, err := NewAttachmentKey()
	if err != nil || !ValidAttachmentKey(key) {
		t.Fatalf("key %q: %v", key, err)
	}
	for _, bad := range []string{"", "../../etc/passwd", strings.ToUpper(key), key + "a", key[:25] + "1"} {
		if ValidAttachmentKey(bad) {
			t.Errorf("%q accepted as a key", bad)
		}
	}
	img := &Attachment{Key: key, Kind: AttachmentImage, Name: "router_lights [2].png"}
	if got, want := img.Markdown(), "![router\\_lights \\[2\\]](/uploads/"+key+"/router_lights%20%5B2%5D.png)"; got != want {
		t.Errorf("image markdown %q, want %q", got, want)
	}
	big := &Attachment{Key: key, Kind: AttachmentImage, Name: "photo.jpg", ThumbType: "image/jpeg"}
	if got, want := big.Markdown(), "[![photo](/uploads/"+key+"/thumb)](/uploads/"+key+"/photo.jpg)"; got != want {
		t.Errorf("large image markdown %q, want %q", got, want)
	}
	file := &Attachment{Key: key, Kind: AttachmentFile, Name: "modem.log", Size: 2_400_000}
	if got, want := file.Markdown(), "[modem.log](/uploads/"+key+"/modem.log) (2.4 MB)"; got != want {
		t.Errorf("file markdown %q, want %q", got, want)
	}
	// The Markdown renders to an image and a link to the same addresses.
	s := newTestStore(t)
	r, err := s.md.RenderBody(big.Markdown() + "\n\n" + file.Markdown() + "\n\n" + img.Markdown())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Uploads) != 1 || r.Uploads[0] != key || !r.HasLink {
		t.Errorf("uploads found %q (has link %v)", r.Uploads, r.HasLink)
	}
	for _, want := range []string{`<img src="/uploads/` + key + `/thumb" alt="photo"`, `<a href="/uploads/` + key + `/modem.log"`} {
		if !strings.Contains(r.HTML, want) {
			t.Errorf("HTML lacks %s:\n%s", want, r.HTML)
		}
	}
}

// TestAttachmentsFollowTheirPost: an upload is its owner's until posted,
// then whoever may read the post may fetch it, and nobody else.
func TestAttachmentsFollowTheirPost(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin := userWithRole(t, s, "boss", RoleAdmin)
	mod := userWithRole(t, s, "mod", RoleModerator)
	alice, bob, partner := mustUser(t, s, "alice"), mustUser(t, s, "bob"), mustUser(t, s, "partner")
	saveSettings(t, s, admin, SiteSettingsForm{ApproveFirstPosts: false})

	shot := upload(t, s, alice, AttachmentImage, "shot.png", 1000)
	if !canFetch(t, s, alice, shot) || canFetch(t, s, bob, shot) || canFetch(t, s, nil, shot) || canFetch(t, s, mod, shot) {
		t.Fatal("an upload not posted yet is not its owner's alone")
	}
	th, err := s.CreateThread(ctx, alice, NewThread{Title: "Lights on my router blink red", CategorySlug: "general",
		Body: "Here is a photo of the lights:\n\n" + shot.Markdown()})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Attachment(ctx, shot.Key)
	if got.PostID != th.QuestionID {
		t.Fatalf("posted upload belongs to post %d, want %d", got.PostID, th.QuestionID)
	}
	if !canFetch(t, s, nil, shot) || !canFetch(t, s, bob, shot) {
		t.Fatal("a public post's image is not everyone's")
	}
	// Someone else's upload in my post stays theirs (not attached to mine).
	bobs := upload(t, s, bob, AttachmentFile, "bob.log", 100)
	ans, err := s.CreateAnswer(ctx, alice, th.ID, "Same as bob's log, I think: "+bobs.Markdown())
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Attachment(ctx, bobs.Key); got.PostID != 0 {
		t.Fatalf("bob's upload was attached to alice's answer %d", ans.ID)
	}

	// Hidden: the author and staff who may hide posts.
	if err := s.HidePost(ctx, mod, th.QuestionID, "personal data on the label"); err != nil {
		t.Fatal(err)
	}
	if !canFetch(t, s, alice, shot) || !canFetch(t, s, mod, shot) || canFetch(t, s, bob, shot) || canFetch(t, s, nil, shot) {
		t.Fatal("a hidden post's image reaches others than its author and staff")
	}
	if err := s.UnhidePost(ctx, mod, th.QuestionID, ""); err != nil {
		t.Fatal(err)
	}
	if !canFetch(t, s, nil, shot) {
		t.Fatal("unhidden image not public again")
	}

	// Private category: its group and staff who see private categories.
	priv, err := s.CreateCategory(ctx, NewCategory{Name: "Partners"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetCategoryGroup(ctx, admin, priv.Slug, "partners"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddToGroup(ctx, admin, partner.ID, "partners"); err != nil {
		t.Fatal(err)
	}
	contract := upload(t, s, partner, AttachmentFile, "contract.pdf", 5000)
	if _, err := s.CreateThread(ctx, partner, NewThread{Title: "Partner contract for the fibre rollout", CategorySlug: priv.Slug,
		Body: "Attached: " + contract.Markdown()}); err != nil {
		t.Fatal(err)
	}
	if !canFetch(t, s, partner, contract) || !canFetch(t, s, mod, contract) || canFetch(t, s, bob, contract) || canFetch(t, s, nil, contract) {
		t.Fatal("a private category's file reaches others than its members and staff")
	}

	// Deleted by its author: nobody but the author and staff.
	if err := s.DeletePost(ctx, alice, ans.ID); err != nil {
		t.Fatal(err)
	}
	mine := upload(t, s, alice, AttachmentFile, "mine.txt", 10)
	a2, err := s.CreateAnswer(ctx, alice, th.ID, "My log: "+mine.Markdown())
	if err != nil {
		t.Fatal(err)
	}
	if !canFetch(t, s, bob, mine) {
		t.Fatal("a visible answer's file is not public")
	}
	if err := s.DeletePost(ctx, alice, a2.ID); err != nil {
		t.Fatal(err)
	}
	if canFetch(t, s, bob, mine) || canFetch(t, s, nil, mine) || !canFetch(t, s, mod, mine) {
		t.Fatal("a removed answer's file still reaches others")
	}

	// Removed by a moderator: nobody, audited.
	if _, err := s.RemoveAttachment(ctx, bob, shot.Key, ""); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a member removed an attachment: %v", err)
	}
	if _, err := s.RemoveAttachment(ctx, mod, shot.Key, "shows a serial number"); err != nil {
		t.Fatal(err)
	}
	if canFetch(t, s, alice, shot) || canFetch(t, s, mod, shot) || canFetch(t, s, nil, shot) {
		t.Fatal("a removed attachment can still be fetched")
	}
	if acts := logActions(t, s); acts[0] != "remove_attachment" {
		t.Fatalf("audit log: %v", acts)
	}
	if trash, _ := s.TrashedUploads(ctx, 10); len(trash) != 1 || trash[0] != shot.Key {
		t.Fatalf("removed file not queued for deletion: %v", trash)
	}
}

// TestNewMembersUploadsAreQueued: a new member's image goes to the approval
// queue like a link, and stays theirs and staff's until approved.
func TestNewMembersUploadsAreQueued(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	mod := userWithRole(t, s, "mod", RoleModerator)
	asker, newbie, reader := mustUser(t, s, "asker"), mustUser(t, s, "newbie"), mustUser(t, s, "reader")
	th := mustThread(t, s, asker, "Router reboots itself every night")
	img := upload(t, s, newbie, AttachmentImage, "fix.png", 800)
	a, err := s.CreateAnswer(ctx, newbie, th.ID, "This setting fixed it for me:\n\n"+img.Markdown())
	if err != nil || !a.Pending {
		t.Fatalf("new member's image not queued: %+v %v", a, err)
	}
	if canFetch(t, s, reader, img) || !canFetch(t, s, newbie, img) || !canFetch(t, s, mod, img) {
		t.Fatal("a queued post's image reaches others")
	}
	if err := s.ApprovePost(ctx, mod, a.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if !canFetch(t, s, reader, img) {
		t.Fatal("approved post's image not public")
	}
}

func TestUploadLimits(t *testing.T) {
	s, now := clockStore(t)
	ctx := context.Background()
	admin := userWithRole(t, s, "boss", RoleAdmin)
	alice := mustUser(t, s, "alice")
	if err := s.SaveUploadLimits(ctx, alice, UploadLimitsForm{"1", "2", "3"}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a member set the limits: %v", err)
	}
	var ve *ValidationError
	if err := s.SaveUploadLimits(ctx, admin, UploadLimitsForm{"0", "x", "5"}); !errors.As(err, &ve) || len(ve.Fields) != 2 {
		t.Fatalf("bad limits: %v", err)
	}
	if err := s.SaveUploadLimits(ctx, admin, UploadLimitsForm{"5", "4", "100"}); !errors.As(err, &ve) || ve.Fields["per_post_mb"] == "" {
		t.Fatalf("a post smaller than a file: %v", err)
	}
	if err := s.SaveUploadLimits(ctx, admin, UploadLimitsForm{"2", "3", "5"}); err != nil {
		t.Fatal(err)
	}
	lim, _ := s.UploadLimits(ctx)
	if lim != (UploadLimits{PerFile: 2 * MB, PerPost: 3 * MB, PerDay: 5 * MB}) {
		t.Fatalf("limits %+v", lim)
	}
	// Per post: two files of 2 MB are over 3 MB; the post is refused with
	// a message on its text, and nothing is attached.
	a1, a2 := upload(t, s, alice, AttachmentFile, "a.log", 2*MB), upload(t, s, alice, AttachmentFile, "b.log", 2*MB)
	_, err := s.CreateThread(ctx, alice, NewThread{Title: "Two big logs from the modem", CategorySlug: "general",
		Body: a1.Markdown() + "\n\n" + a2.Markdown()})
	if !errors.As(err, &ve) || !strings.Contains(ve.Fields["body"], "4.0 MB") {
		t.Fatalf("over the per-post limit: %v", err)
	}
	if got, _ := s.Attachment(ctx, a1.Key); got.PostID != 0 {
		t.Fatal("a refused post kept its attachments")
	}
	// Per day: 4 MB uploaded; one more MB is fine, then nothing.
	upload(t, s, alice, AttachmentFile, "c.log", MB)
	_, err = tryUpload(s, alice, AttachmentFile, "d.log", 1)
	var na *ErrNotAllowed
	if !errors.As(err, &na) || na.Kind != notallowed.UploadsPerDay || na.Bytes != 5*MB {
		t.Fatalf("over the daily limit: %v", err)
	}
	if n, _ := s.UploadedToday(ctx, alice.ID); n != 5*MB {
		t.Fatalf("uploaded today: %d", n)
	}
	*now = now.Add(25 * time.Hour)
	if _, err := tryUpload(s, alice, AttachmentFile, "e.log", MB); err != nil {
		t.Fatalf("a day later: %v", err)
	}
	// Orphans: the three of yesterday go, today's stays.
	n, err := s.DropOrphanAttachments(ctx)
	if err != nil || n != 3 {
		t.Fatalf("dropped %d orphans (%v), want 3", n, err)
	}
	trash, _ := s.TrashedUploads(ctx, 10)
	if len(trash) != 3 {
		t.Fatalf("trash %v", trash)
	}
	if err := s.ForgetTrashed(ctx, trash); err != nil {
		t.Fatal(err)
	}
	if trash, _ := s.TrashedUploads(ctx, 10); len(trash) != 0 {
		t.Fatalf("trash after forgetting: %v", trash)
	}
	if _, err := s.Attachment(ctx, a1.Key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("orphan still recorded: %v", err)
	}
	if _, err := s.Attachment(ctx, a2.Key); !errors.Is(err, ErrNotFound) {
		t.Fatal("orphan still recorded")
	}
	// Too many files for one post.
	if err := s.SaveUploadLimits(ctx, admin, UploadLimitsForm{"2", "200", "1000"}); err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	for i := 0; i <= MaxAttachmentsPerPost; i++ {
		fmt.Fprintf(&body, "%s\n\n", upload(t, s, alice, AttachmentFile, fmt.Sprintf("f%d.txt", i), 10).Markdown())
	}
	_, err = s.CreateThread(ctx, alice, NewThread{Title: "Many small files for one post", CategorySlug: "general", Body: body.String()})
	if !errors.As(err, &ve) || !strings.Contains(ve.Fields["body"], "at most 20") {
		t.Fatalf("too many files: %v", err)
	}
}

// TestDeletingAnAccountRemovesItsUploads: every file of the member goes,
// posted or not, and is queued for deletion from the storage.
func TestDeletingAnAccountRemovesItsUploads(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	alice := mustUser(t, s, "alice")
	posted := upload(t, s, alice, AttachmentImage, "posted.png", 100)
	loose := upload(t, s, alice, AttachmentFile, "loose.txt", 100)
	if _, err := s.CreateThread(ctx, alice, NewThread{Title: "A question with a picture", CategorySlug: "general",
		Body: "Look at this: " + posted.Markdown()}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteAccount(ctx, alice, alice.ID, DeleteAccount{Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []*Attachment{posted, loose} {
		if _, err := s.Attachment(ctx, a.Key); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s still recorded after the account's deletion", a.Name)
		}
	}
	trash, _ := s.TrashedUploads(ctx, 10)
	if len(trash) != 2 {
		t.Fatalf("queued for deletion: %v", trash)
	}
}

// TestAvatarsShowBesideTheirPosts: an uploaded picture replaces the
// generated one wherever a post or thread names its author; replacing it
// queues the earlier one's files, removing it brings the generated one back.
func TestAvatarsShowBesideTheirPosts(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	alice := mustUser(t, s, "alice")
	th := mustThread(t, s, alice, "Router reboots itself every night")
	key, _ := NewAttachmentKey()
	a, err := s.SetAvatar(ctx, alice, NewAttachment{Key: key, ContentType: "image/jpeg", Name: "avatar.jpg", Size: 100, Width: 256, Height: 256,
		SHA256: strings.Repeat("cd", 32)})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Thread(ctx, th.ID)
	post, _ := s.Post(ctx, th.QuestionID)
	if got.Author.AvatarURL != a.URL() || post.Author.AvatarURL != a.URL() {
		t.Fatalf("thread author %q, post author %q, want %q", got.Author.AvatarURL, post.Author.AvatarURL, a.URL())
	}
	if !canFetch(t, s, nil, a) {
		t.Fatal("an avatar is not everyone's")
	}
	key2, _ := NewAttachmentKey()
	if _, err := s.SetAvatar(ctx, reload(t, s, alice), NewAttachment{Key: key2, ContentType: "image/png", Name: "avatar.png", Size: 90,
		SHA256: strings.Repeat("ef", 32)}); err != nil {
		t.Fatal(err)
	}
	if trash, _ := s.TrashedUploads(ctx, 10); len(trash) != 1 || trash[0] != key {
		t.Fatalf("the replaced avatar is not queued for deletion: %v", trash)
	}
	if err := s.RemoveAvatar(ctx, reload(t, s, alice)); err != nil {
		t.Fatal(err)
	}
	if post, _ := s.Post(ctx, th.QuestionID); post.Author.AvatarURL != "" {
		t.Fatalf("after removal: %q", post.Author.AvatarURL)
	}
}
