// Package demosite serves a freshly seeded demo forum on a free local
// port, for the tools that photograph and audit it (make screenshots,
// make lighthouse) and their tests.
package demosite

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/handlers"
	"github.com/crowdcare/crowdcare/internal/demo"
	"github.com/crowdcare/crowdcare/models"
)

// Site is the demo, served.
type Site struct {
	URL   string // http://127.0.0.1:PORT
	Store *models.Store
	srv   *http.Server
}

// Start seeds a new database in dir and serves it on 127.0.0.1 at a free
// port, through the real router, as `crowdcare serve --demo` does.
func Start(ctx context.Context, dir string) (*Site, error) {
	store, err := models.Open(ctx, filepath.Join(dir, "demo.db"), models.Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		return nil, err
	}
	if _, err := demo.Seed(ctx, store); err != nil {
		store.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		store.Close()
		return nil, err
	}
	url := "http://" + ln.Addr().String()
	e, err := handlers.New(ctx, handlers.Config{BaseURL: url, SiteName: "Crowdcare"}, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		ln.Close()
		store.Close()
		return nil, err
	}
	s := &Site{URL: url, Store: store, srv: &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}}
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops serving and closes the database.
func (s *Site) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if cerr := s.Store.Close(); err == nil {
		err = cerr
	}
	return err
}

// Page is a page worth showing, and who looks at it ("" a visitor).
type Page struct {
	Name, Path, As string
}

// Pages are the demo's showcase: the home page, the thread with an official
// answer and a recommended one, the reviewed KB article, a search, and the
// insights dashboard as an ambassador.
func (s *Site) Pages(ctx context.Context) ([]Page, error) {
	thread, err := s.threadTitled(ctx, demo.ShowcaseThread)
	if err != nil {
		return nil, err
	}
	solved, err := s.threadTitled(ctx, demo.ShowcaseArticle)
	if err != nil {
		return nil, err
	}
	article, err := s.Store.ArticleForThread(ctx, solved.ID)
	if err != nil {
		return nil, fmt.Errorf("the showcase article: %w", err)
	}
	return []Page{
		{Name: "home", Path: "/"},
		{Name: "thread", Path: thread.URL()},
		{Name: "kb", Path: article.URL()},
		{Name: "search", Path: "/search?q=wifi+keeps+dropping"},
		{Name: "insights", Path: "/insights", As: "sophie.northwind"},
	}, nil
}

func (s *Site) threadTitled(ctx context.Context, title string) (*models.Thread, error) {
	for page := 1; ; page++ {
		list, err := s.Store.Threads(ctx, models.ThreadQuery{Page: page})
		if err != nil {
			return nil, err
		}
		for _, t := range list.Threads {
			if t.Title == title {
				return t, nil
			}
		}
		if page >= list.Pages {
			return nil, fmt.Errorf("no demo thread %q", title)
		}
	}
}
