package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/db"
)

// command documents one subcommand: the overview lists them all, and
// "crowdcare NAME --help" prints one with its flags.
type command struct {
	name     string   // as typed: "user password"
	args     string   // what follows the name; a "\n" continues the line
	about    string   // what it does, in lines
	examples []string // whole command lines, each may end in "# a comment"
}

func commands() []command {
	return []command{
		{name: "serve",
			args: "[--addr ADDR] [--db PATH|URL] [--base-url URL] [--site-name NAME] [--trust-proxy] [--page-rate N]\n" +
				"[--registrations-per-day N] [--shutdown-timeout D] [--cache-max-age D] [--cache-stale D]\n" +
				"[--data-dir DIR] [--db-max-conns N] [--uploads-dir DIR | --uploads-url s3://…] [--image-workers N]\n" +
				"[--image-memory MB] [--demo]",
			// The flags' defaults are said once, by the flags (serve --help).
			about: "Serve the forum. --demo adds demo content to an empty database. --page-rate limits the pages\n" +
				"per second per address that the page cache does not answer (0: no limit).\n" +
				"--registrations-per-day caps sign-ups per client address in 24 hours (-1: no limit).\n" +
				"--cache-max-age and --cache-stale say how long browsers, proxies and CDNs may keep a visitor's\n" +
				"page, and serve it while they fetch it again (Cache-Control max-age, stale-while-revalidate).\n" +
				"On SIGTERM or Ctrl+C, requests in flight get --shutdown-timeout to finish; then their\n" +
				"connections are closed and serve exits 1 (0 when everything finished). A second signal\n" +
				"stops it at once. Attachments are kept in --uploads-dir (default: beside the database,\n" +
				"DB.uploads) or, for several app servers, an S3-compatible bucket (--uploads-url), which then\n" +
				"also holds uploaded imports and data exports (imports/, exports/), so any server runs or serves them.\n" +
				"--db postgres://USER@HOST/DB runs on PostgreSQL: a URL has no \"beside\", so the files kept with\n" +
				"the database (attachments, uploaded imports, data exports) go under --data-dir (default\n" +
				"./crowdcare-data, in the working directory: uploads/, imports/, exports/).",
			examples: []string{
				"crowdcare serve --demo --addr 127.0.0.1:8081   # try it, with demo content, on another port",
				"crowdcare serve --db /var/lib/crowdcare/crowdcare.db --base-url https://community.example.com --trust-proxy",
				"crowdcare serve --uploads-url 's3://crowdcare-files?endpoint=https://s3.eu-central-1.example.com&region=eu-central-1'",
				"crowdcare serve --db postgres://crowdcare@db.internal/crowdcare --data-dir /var/lib/crowdcare   # PostgreSQL",
			}},
		{name: "user create", args: "--username U --email E --password P [--role ROLE] [--db PATH]",
			about:    "Create an account. Make the first admin this way (--role admin).\nRoles: " + roleList() + ".",
			examples: []string{"crowdcare user create --username alice --email alice@example.com --password 'a long passphrase' --role admin"}},
		{name: "user role", args: "USERNAME ROLE [--db PATH]",
			about:    "Change a user's role: " + roleList() + ".",
			examples: []string{"crowdcare user role alice moderator"}},
		{name: "user password", args: "USERNAME [--db PATH]",
			about: "Set a user's password, for a member who is locked out. On a terminal it asks twice without\n" +
				"showing it; otherwise it reads the first line of standard input. The web form's rules hold\n" +
				"(8 characters to 72 bytes). The user is logged out everywhere and their failed logins are forgotten.",
			examples: []string{
				"crowdcare user password alice --db /var/lib/crowdcare/crowdcare.db",
				"crowdcare user password alice < new-password.txt",
			}},
		{name: "user send-reset", args: "USERNAME --base-url URL [--site-name NAME] [--db PATH]",
			about: "Email a member a link to choose a new password, as \"Forgot password?\" does: it works once, for\n" +
				"an hour, and earlier links stop working. The server's mail worker sends it (without SMTP, to\n" +
				"its log). For a member who cannot get in, without handing them a password.",
			examples: []string{"crowdcare user send-reset alice --base-url https://community.example.com --db /var/lib/crowdcare/crowdcare.db"}},
		{name: "user reset-2fa", args: "USERNAME [--db PATH]",
			about: "Remove a user's second factors (authenticator app, passkeys, recovery codes), for someone who\n" +
				"lost them all, and log them out everywhere. They log in with the password alone and set up a new\n" +
				"factor; staff who must have one are sent to do so at their next staff page.",
			examples: []string{"crowdcare user reset-2fa alice --db /var/lib/crowdcare/crowdcare.db"}},
		{name: "backup", args: "FILE [--db PATH|URL] [--data-dir DIR] [--uploads-dir DIR | --uploads-url s3://…]",
			about: "Write a consistent copy of the database to FILE while the server runs. The copy is\n" +
				"checked (integrity_check, each table's rows) before it gets the name FILE. On PostgreSQL\n" +
				"it runs pg_dump (custom format, checked with pg_restore --list); without pg_dump on PATH it\n" +
				"says how to run it and exits 1. Then the attachments of a local uploads directory are copied\n" +
				"to FILE.uploads; for a bucket it says how to back it up (the bucket is not copied).",
			examples: []string{
				"crowdcare backup /var/backups/crowdcare-$(date +%F).db --db /var/lib/crowdcare/crowdcare.db",
				"crowdcare backup /var/backups/crowdcare-$(date +%F).dump --db postgres://crowdcare@db.internal/crowdcare --data-dir /var/lib/crowdcare",
			}},
		{name: "db copy", args: "--from FILE --to postgres://USER@HOST/DBNAME",
			about: "Copy a forum from its SQLite file into a new, empty PostgreSQL database: every table with its\n" +
				"ids, in one transaction (nothing is left half-copied), each table's next id after its last;\n" +
				"then the search index is rebuilt on PostgreSQL. Prints each table's rows as it goes and exits 1\n" +
				"on any failure. Stop the server first: writes made during the copy are not copied. Attachments\n" +
				"stay where they are (it says where, and how to point serve at them).",
			examples: []string{"crowdcare db copy --from /var/lib/crowdcare/crowdcare.db --to postgres://crowdcare@db.internal/crowdcare"}},
		{name: "import tweets", args: "[--db PATH] [--category SLUG] [--brand-handle H] [--triage] [--dry-run] FILE...",
			about: "Import X/Twitter data (archives, API v1.1/v2 JSON, the customer-support CSV) as threads,\n" +
				"or with --triage into the social inbox. --dry-run prints what would happen. An import the\n" +
				"free disk space cannot hold (about 64 MB plus 8 times the tweet text) is refused before it starts.",
			examples: []string{"crowdcare import tweets --brand-handle ExampleCare --triage --dry-run twitter-archive.zip"}},
		{name: "reindex", args: "[--db PATH]",
			about:    "Rebuild the search index from the content.",
			examples: []string{"crowdcare reindex --db /var/lib/crowdcare/crowdcare.db"}},
		{name: "corpus", args: "[--threads N] [--posts N] [--seed N] [--db PATH]",
			about:    "Generate a large realistic forum for benchmarks (default 100,000 threads, 1,000,000 posts).",
			examples: []string{"crowdcare corpus --db bench.db --threads 10000 --posts 100000"}},
		{name: "bench search", args: "[--n N] [--relevance=false] [--db PATH]",
			about:    "Time searches (single words, several words, phrases) and print p50/p90/p99, then measure the ranking on the relevance set (in a temporary database).",
			examples: []string{"crowdcare bench search --db bench.db --n 1000"}},
		{name: "bench import", args: "[--records N] [--format csv|archive] [--triage] [--detect-language=false] [--cpuprofile FILE] [--floor] [--end-to-end] [--db URL]",
			about: "Generate a file and time its import into a new temporary database: records per second,\n" +
				"language detection in posts per second, and peak memory. --floor then times copying the\n" +
				"stored rows into an empty database, the least work the engine does for them, and gives the\n" +
				"import's speed as a share of it; on SQLite it also writes them once more with each value\n" +
				"bound from Go as the import binds it, with nothing read, looked up or decided.\n" +
				"--end-to-end times crowdcare import tweets on the same file in a process of its own.\n" +
				"--db postgres://… runs on that PostgreSQL server instead of SQLite, in databases the run\n" +
				"makes there and drops after.",
			examples: []string{"crowdcare bench import --records 100000 --format archive",
				"crowdcare bench import --records 1000000 --db postgres://postgres@127.0.0.1:5432/postgres"}},
		{name: "bench insights", args: "[--n N] [--mentions N] [--db PATH]",
			about:    "Time the /insights dashboard page as an ambassador for 7, 30, 90 and 365 days.",
			examples: []string{"crowdcare bench insights --db bench.db --n 50 --mentions 100000"}},
		{name: "loadtest", args: "[--db PATH] [--conns N] [--duration D] [--rounds N]",
			about: "Start the server on PATH and a bare net/http server that replays, from memory, what the server\n" +
				"sent for each page (the same bytes in the same encoding, or its 304); drive each page and its\n" +
				"replay from here, in --rounds alternating slices; report req/s, p50, p99, errors, each page's\n" +
				"ratio to its replay, the CPU time each server used per request, and the transfer sizes of a\n" +
				"thread page and the stylesheet raw, gzip and Brotli.",
			examples: []string{"crowdcare loadtest --db bench.db --conns 50 --duration 10s"}},
		{name: "scaletest", args: "[--duration D] [--workers N] [--members N] [--threads N]",
			about: "Start a throw-away PostgreSQL primary and streaming replica on 127.0.0.1 (Debian's server programs),\n" +
				"then drive one server on SQLite and 1, 2 and 3 servers on PostgreSQL (--db-replica) with visitors\n" +
				"reading threads, the home page and searching, and members answering and voting, spread across the\n" +
				"servers; kill -9 one of the 3 mid-load. Report throughput as a ratio to SQLite, p50/p99 per page,\n" +
				"how long a write takes to show on another server, retries, and check that every acknowledged\n" +
				"answer is there, vote counts match the votes table, no email went out twice and the dead server's\n" +
				"leases moved within 30 s. Exits 1 on any consistency problem.",
			examples: []string{"crowdcare scaletest --duration 20s --workers 16"}},
		{name: "help", args: "[COMMAND]",
			about:    "Show this text, or a command's flags, their defaults and an example (as COMMAND --help).",
			examples: []string{"crowdcare help user password"}},
	}
}

// groups are the commands that only lead to others.
func isGroup(name string) bool {
	return name == "user" || name == "bench" || name == "import" || name == "db"
}

func isHelpFlag(arg string) bool { return arg == "-h" || arg == "--help" || arg == "-help" }

func roleList() string {
	var names []string
	for _, r := range models.Roles() {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// commandOf names the command a command line runs ("user role"), if any.
func commandOf(args []string) (command, bool) {
	if len(args) >= 2 {
		if c, ok := findCommand(args[0] + " " + args[1]); ok {
			return c, true
		}
	}
	if len(args) >= 1 && !isGroup(args[0]) {
		return findCommand(args[0])
	}
	return command{}, false
}

// synopsis is "crowdcare NAME ARGS" after prefix, continuation lines aligned.
func (c command) synopsis(prefix string) string {
	head := prefix + "crowdcare " + c.name + " "
	return head + strings.ReplaceAll(c.args, "\n", "\n"+strings.Repeat(" ", len(head)))
}

func indent(text, by string) string {
	return by + strings.ReplaceAll(text, "\n", "\n"+by)
}

// usage is the overview that "crowdcare help" prints.
func usage() string {
	var b strings.Builder
	b.WriteString("Crowdcare: a community support forum.\n\nUsage:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "%s\n%s\n", c.synopsis("  "), indent(c.about, "      "))
	}
	b.WriteString(`
Every command answers --help (or "crowdcare help COMMAND") with its flags, their defaults and an example.
Every command that touches data takes --db: a SQLite file (default ./crowdcare.db, or $CROWDCARE_DB) or
a postgres:// URL for PostgreSQL (or $CROWDCARE_DATABASE_URL); its password never appears in output.
Live listening on X for serve: --x-query, --x-interval, --x-base-url, --x-brand-handles (or
$CROWDCARE_X_QUERY, _BASE_URL, _BRAND_HANDLES) and $CROWDCARE_X_BEARER_TOKEN; new posts go to the inbox.
SMTP for serve: --smtp-host, --smtp-port, --smtp-user, --smtp-from, --smtp-tls (or $CROWDCARE_SMTP_HOST,
_PORT, _USER, _FROM, _TLS) and $CROWDCARE_SMTP_PASSWORD; without a host, emails go to the log.
--email-max-age (or $CROWDCARE_EMAIL_MAX_AGE, default 24h): older notifications are never emailed.
Company sign-in for serve: --oidc-issuer, --oidc-client-id, --oidc-scopes, --oidc-button,
--oidc-email-verified-claim, --oidc-require, --oidc-ambassador, --oidc-moderator, --oidc-staff-session
(or $CROWDCARE_OIDC_ISSUER, _CLIENT_ID, _SCOPES, _BUTTON, _EMAIL_VERIFIED_CLAIM, _REQUIRE, _AMBASSADOR,
_MODERATOR, _STAFF_SESSION) and $CROWDCARE_OIDC_CLIENT_SECRET; the callback is BASE_URL/sso/callback.
serve also reads $CROWDCARE_ADDR, $CROWDCARE_BASE_URL, $CROWDCARE_SITE_NAME and
$CROWDCARE_TRUST_PROXY=1. /metrics answers localhost, or a scraper sending
"Authorization: Bearer $CROWDCARE_METRICS_TOKEN".
`)
	return b.String()
}

// groupUsage lists the commands of a group ("user").
func groupUsage(w io.Writer, group string) {
	fmt.Fprintln(w, "Usage:")
	for _, c := range commands() {
		if strings.HasPrefix(c.name, group+" ") {
			fmt.Fprintf(w, "%s\n%s\n", c.synopsis("  "), indent(c.about, "      "))
		}
	}
	fmt.Fprintf(w, "\nRun \"crowdcare help %s COMMAND\" for a command's flags, their defaults and an example.\n", group)
}

// shortUsage follows a refused command line: the command's synopsis and
// where to read more, not the whole manual.
func shortUsage(w io.Writer, args []string) {
	if c, ok := commandOf(args); ok {
		fmt.Fprintf(w, "%s\nRun \"crowdcare help %s\" for its flags, their defaults and an example.\n", c.synopsis("Usage: "), c.name)
		return
	}
	if len(args) > 0 && isGroup(args[0]) {
		groupUsage(w, args[0])
		return
	}
	fmt.Fprint(w, usage())
}

// helpRequest is a command line's --help or -h: run prints the command's
// page for it and exits 0.
type helpRequest struct{ fs *flag.FlagSet }

func (h helpRequest) Error() string { return "help requested" }
func (h helpRequest) Unwrap() error { return flag.ErrHelp }

// printHelp writes a command's page: synopsis, what it does, each flag with
// its default, examples.
func printHelp(w io.Writer, fs *flag.FlagSet) {
	c, ok := findCommand(fs.Name())
	if !ok {
		c = command{name: fs.Name()}
	}
	fmt.Fprintf(w, "%s\n", c.synopsis("Usage: "))
	if c.about != "" {
		fmt.Fprintf(w, "\n%s\n", c.about)
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.VisitAll(func(f *flag.Flag) {
		typ, text := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if typ != "" {
			line += " " + typ
		}
		if !isZeroDefault(f) {
			if typ == "string" {
				// A default from $CROWDCARE_DATABASE_URL is shown without its password.
				text += fmt.Sprintf(" (default %q)", db.Redact(f.DefValue))
			} else {
				text += fmt.Sprintf(" (default %s)", f.DefValue)
			}
		}
		fmt.Fprintf(w, "%s\n      %s\n", line, text)
	})
	if len(c.examples) > 0 {
		label := "Example:"
		if len(c.examples) > 1 {
			label = "Examples:"
		}
		fmt.Fprintf(w, "\n%s\n%s\n", label, indent(strings.Join(c.examples, "\n"), "  "))
	}
}

// isZeroDefault reports whether a flag's default is its type's zero value,
// which the help leaves unsaid (as the flag package does).
func isZeroDefault(f *flag.Flag) bool {
	t := reflect.TypeOf(f.Value)
	var z reflect.Value
	if t.Kind() == reflect.Pointer {
		z = reflect.New(t.Elem())
	} else {
		z = reflect.Zero(t)
	}
	v, ok := z.Interface().(flag.Value)
	return ok && f.DefValue == v.String()
}

// flagError words the flag package's complaints with the flags as they are
// typed ("--db").
func flagError(err error) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return "unknown flag --" + strings.TrimLeft(rest, "-")
	}
	if rest, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return "--" + strings.TrimLeft(rest, "-") + " needs a value"
	}
	if strings.Contains(msg, " for flag -") {
		return strings.Replace(msg, " for flag -", " for --", 1)
	}
	return strings.Replace(msg, " for -", " for --", 1) // "invalid boolean value"
}

// fieldErrors names the flags (or things) a store's validation refused:
// labels maps its fields to them, e.g. "email" to "--email".
func fieldErrors(err error, labels map[string]string) error {
	var ve *models.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var parts []string
	for field, msg := range ve.Fields {
		if label, ok := labels[field]; ok {
			msg = label + ": " + msg
		}
		parts = append(parts, msg)
	}
	slices.Sort(parts)
	return errors.New(strings.Join(parts, "; "))
}
