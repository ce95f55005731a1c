package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/crowdcare/crowdcare/handlers"
	"github.com/crowdcare/crowdcare/models"
)

// userPassword sets a user's password from the terminal or standard input,
// for a member who is locked out.
func userPassword(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, db := newFlags("user password")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("user password takes one USERNAME")
	}
	return useUser(ctx, *db, pos[0], func(store *models.Store, u *models.User) error {
		password, err := readPassword(ctx, stdin, stderr)
		if err != nil {
			return err
		}
		if _, err := store.SetPassword(ctx, u, password); err != nil {
			return fieldErrors(err, map[string]string{"password": "the new password"})
		}
		fmt.Fprintf(stdout, "Set a new password for %s. They were logged out everywhere and their failed logins are forgotten: "+
			"they can log in with it now.\n", u.Username)
		return nil
	})
}

// useUser runs fn on the store at db with the user username names, or
// says there is none (the "user …" commands).
func useUser(ctx context.Context, db, username string, fn func(*models.Store, *models.User) error) error {
	return useStore(ctx, db, func(store *models.Store) error {
		u, err := store.UserByUsername(ctx, username)
		if errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("no user %q", username)
		}
		if err != nil {
			return err
		}
		return fn(store, u)
	})
}

// maxPasswordLine bounds what is read from standard input; anything longer
// than models.PasswordMaxLen is refused anyway.
const maxPasswordLine = 4096

// readPassword asks twice without echo on a terminal, and otherwise takes
// the first line of stdin without its line ending (spaces are kept: the web
// form keeps them too).
func readPassword(ctx context.Context, stdin io.Reader, prompt io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		first, err := askPassword(ctx, int(f.Fd()), prompt, "New password: ")
		if err != nil {
			return "", err
		}
		again, err := askPassword(ctx, int(f.Fd()), prompt, "The same again: ")
		if err != nil {
			return "", err
		}
		if first != again {
			return "", errors.New("the two passwords differ; nothing was changed")
		}
		return first, nil
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, maxPasswordLine)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read standard input: %w", err)
	}
	if line == "" {
		return "", errors.New("no password on standard input: give it on the first line (or run this on a terminal to be asked)")
	}
	line = strings.TrimSuffix(line, "\n")
	return strings.TrimSuffix(line, "\r"), nil
}

// askPassword reads one line from the terminal without echo. Ctrl+C
// cancels ctx: the terminal gets its echo back and nothing is changed.
func askPassword(ctx context.Context, fd int, prompt io.Writer, question string) (string, error) {
	state, err := term.GetState(fd)
	if err != nil {
		return "", fmt.Errorf("terminal: %w", err)
	}
	fmt.Fprint(prompt, question)
	type result struct {
		b   []byte
		err error
	}
	read := make(chan result, 1)
	go func() {
		b, err := term.ReadPassword(fd)
		read <- result{b, err}
	}()
	select {
	case r := <-read:
		fmt.Fprintln(prompt)
		if r.err != nil {
			return "", fmt.Errorf("read password: %w", r.err)
		}
		return string(r.b), nil
	case <-ctx.Done():
		if err := term.Restore(fd, state); err != nil {
			return "", fmt.Errorf("restore the terminal: %w", err)
		}
		fmt.Fprintln(prompt)
		return "", errors.New("interrupted; nothing was changed")
	}
}

// userSendReset emails a member a link to choose a new password, the one
// the "Forgot password?" form sends: for a member who cannot get in and
// whom an operator would rather not give a password. The server's mail
// worker sends it (to the log without SMTP), within the link's hour.
func userSendReset(ctx context.Context, args []string, stdout io.Writer) error {
	fs, db := newFlags("user send-reset")
	baseURL := fs.String("base-url", env("CROWDCARE_BASE_URL", ""), "the site's public URL, for the link ($CROWDCARE_BASE_URL)")
	siteName := fs.String("site-name", env("CROWDCARE_SITE_NAME", "Crowdcare"), "the site's name, for the email ($CROWDCARE_SITE_NAME)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("user send-reset takes one USERNAME")
	}
	if !strings.HasPrefix(*baseURL, "http://") && !strings.HasPrefix(*baseURL, "https://") {
		return usageError("--base-url is required (the address members open the site at, e.g. https://community.example.com)")
	}
	return useUser(ctx, *db, pos[0], func(store *models.Store, u *models.User) error {
		to, err := store.SendPasswordReset(ctx, u, handlers.PasswordResetEmail(*siteName, *baseURL))
		if na, ok := models.IsNotAllowed(err); ok {
			return errors.New(handlers.NotAllowedText(na))
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Queued a password-reset link for %s to %s. The server's mail worker sends it; the link works once, for %d minutes, "+
			"and earlier links stop working.\n", u.Username, to, int(models.ResetLinkTTL.Minutes()))
		return nil
	})
}
