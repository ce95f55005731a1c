// Package pgcluster starts throw-away PostgreSQL clusters from the server
// programs a distribution installs (Debian: /usr/lib/postgresql/15/bin): a
// primary and streaming replicas of it, for the replica tests and
// `crowdcare scaletest`. Each cluster lives in a temporary directory, trusts
// local connections and runs with fsync off: its data is thrown away.
// initdb refuses to run as root, so as root the programs run as the
// "postgres" user (runuser), as .ci/postgres does.
package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// BinDir is the directory of PostgreSQL's server programs (initdb, pg_ctl,
// pg_basebackup): on PATH, or the newest /usr/lib/postgresql/*/bin.
func BinDir() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real // Debian links pg_ctl alone into /usr/local/bin
		}
		d := filepath.Dir(p)
		if executable(filepath.Join(d, "initdb")) && executable(filepath.Join(d, "pg_basebackup")) {
			return d, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if executable(filepath.Join(d, "initdb")) && executable(filepath.Join(d, "pg_ctl")) && executable(filepath.Join(d, "pg_basebackup")) {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL server programs (initdb, pg_ctl, pg_basebackup) on PATH or under /usr/lib/postgresql/*/bin (Debian: apt-get install postgresql)")
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func executable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode()&0o111 != 0
}

// Options says how clusters listen.
type Options struct {
	// TCP: listen on 127.0.0.1 at a free port; else on a unix socket in the
	// cluster's directory only (nothing else on the machine reaches it).
	TCP bool
	// Settings are more "-c name=value" server settings.
	Settings []string
}

// Cluster is one running PostgreSQL server.
type Cluster struct {
	bin  string
	Dir  string // the temporary directory: data/, the socket, server.log
	Host string // the socket directory, or 127.0.0.1
	Port int
	as   []string // runuser -u postgres --, as root
	opts Options
}

// URL is the address of database name on the cluster, for models.Open.
func (c *Cluster) URL(name string) string {
	if c.opts.TCP {
		return fmt.Sprintf("postgres://postgres@%s:%d/%s?sslmode=disable", c.Host, c.Port, name)
	}
	return fmt.Sprintf("postgres://postgres@/%s?host=%s&port=%d&sslmode=disable", name, c.Host, c.Port)
}

// StartPrimary makes and starts a new cluster that replicas can follow.
func StartPrimary(ctx context.Context, o Options) (*Cluster, error) {
	c, err := newCluster(o)
	if err != nil {
		return nil, err
	}
	if err := c.run(ctx, "initdb", "-D", c.data(), "--username=postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"); err != nil {
		c.remove()
		return nil, err
	}
	if err := c.start(ctx); err != nil {
		c.remove()
		return nil, err
	}
	return c, nil
}

// StartReplica copies the primary (pg_basebackup, streaming its WAL) and
// starts the copy as a hot standby that follows it.
func (p *Cluster) StartReplica(ctx context.Context) (*Cluster, error) {
	c, err := newCluster(p.opts)
	if err != nil {
		return nil, err
	}
	if err := c.run(ctx, "pg_basebackup", "-D", c.data(), "-h", p.Host, "-p", strconv.Itoa(p.Port), "-U", "postgres",
		"-X", "stream", "-R", "--checkpoint=fast"); err != nil {
		c.remove()
		return nil, err
	}
	if err := c.start(ctx); err != nil {
		c.remove()
		return nil, err
	}
	return c, nil
}

func newCluster(o Options) (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	// Short: a socket's path has at most 107 bytes.
	dir, err := os.MkdirTemp("/tmp", "ccpg")
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin, Dir: dir, Host: dir, Port: 5432, opts: o}
	if o.TCP {
		c.Host = "127.0.0.1"
		if c.Port, err = freePort(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, errors.New("running as root, and there is no postgres user to run PostgreSQL as (initdb refuses root)")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		c.as = []string{"runuser", "-u", "postgres", "--"}
	}
	return c, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (c *Cluster) data() string { return filepath.Join(c.Dir, "data") }

// run runs one of the server programs, as postgres when root.
func (c *Cluster) run(ctx context.Context, program string, args ...string) error {
	argv := append(append(append([]string{}, c.as...), filepath.Join(c.bin, program)), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", program, err, strings.TrimSpace(out.String()))
	}
	return nil
}

func (c *Cluster) start(ctx context.Context) error {
	listen := "-c listen_addresses='' -c unix_socket_directories='" + c.Dir + "'"
	if c.opts.TCP {
		listen = "-c listen_addresses='127.0.0.1' -c unix_socket_directories='" + c.Dir + "'"
	}
	settings := listen + fmt.Sprintf(" -c port=%d", c.Port) +
		" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" +
		" -c wal_level=replica -c max_wal_senders=10 -c hot_standby=on"
	for _, s := range c.opts.Settings {
		settings += " -c " + s
	}
	if err := c.run(ctx, "pg_ctl", "-D", c.data(), "-l", filepath.Join(c.Dir, "server.log"), "-w", "-s", "-t", "60", "-o", settings, "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.Dir, "server.log"))
		return fmt.Errorf("%w\n%s", err, log)
	}
	return nil
}

// CreateDB makes a new, empty database on the cluster (createdb).
func (c *Cluster) CreateDB(ctx context.Context, name string) error {
	return c.run(ctx, "createdb", "-h", c.Host, "-p", strconv.Itoa(c.Port), "-U", "postgres", name)
}

// Kill stops the server at once, as a crash would (pg_ctl -m immediate),
// and keeps its directory (Start again, or Stop to remove it).
func (c *Cluster) Kill() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return c.run(ctx, "pg_ctl", "-D", c.data(), "-m", "immediate", "-s", "stop")
}

// Start starts a killed server again.
func (c *Cluster) Start(ctx context.Context) error { return c.start(ctx) }

// Stop stops the server, if it runs, and removes its directory.
func (c *Cluster) Stop() {
	c.Kill() // fails when it is not running: nothing to stop then
	c.remove()
}

func (c *Cluster) remove() { os.RemoveAll(c.Dir) }
