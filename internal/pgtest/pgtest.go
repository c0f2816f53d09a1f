// Package pgtest starts a real PostgreSQL server for tests: Debian's
// binaries (/usr/lib/postgresql/<version>/bin, or initdb and pg_ctl on
// PATH), a cluster made with initdb in a temporary folder, pg_ctl on a free
// port of 127.0.0.1 with its unix socket in that folder, run as an
// unprivileged user when the tests run as root (PostgreSQL refuses root).
// The superuser has a password, so DSNs carry one as a user's would.
//
// One server per test package run (Shared, stopped by Main in TestMain), a
// fresh database per test (DSN). Without the binaries a test skips with a
// message saying how to install them, unless CI or SLUICE_REQUIRE_PG=1 is
// set: then it fails, so that CI never silently skips.
package pgtest

import (
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
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// User and Password are the superuser of the test cluster.
const (
	User     = "sluice"
	Password = "pg-test-Secret-7f3a"
)

// Server is a running PostgreSQL cluster.
type Server struct {
	// Port is the TCP port on 127.0.0.1.
	Port int
	// Dir holds the cluster (data/), its log and its unix socket.
	Dir     string
	bin     string
	cred    *syscall.Credential
	durable bool
	dbSeq   atomic.Int64
}

// Bin returns the folder of PostgreSQL's binaries, or "" if they are not
// installed.
func Bin() string {
	if dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin"); len(dirs) > 0 {
		sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
		for _, d := range dirs {
			if ok(filepath.Join(d, "initdb")) && ok(filepath.Join(d, "pg_ctl")) {
				return d
			}
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		d := filepath.Dir(p)
		if ok(filepath.Join(d, "pg_ctl")) {
			return d
		}
	}
	return ""
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func ok(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// Required reports whether the tests must have a server (CI, or
// SLUICE_REQUIRE_PG=1) rather than skip.
func Required() bool {
	return os.Getenv("CI") != "" || os.Getenv("SLUICE_REQUIRE_PG") == "1"
}

// ErrNoBinaries is Start's error when PostgreSQL is not installed.
var ErrNoBinaries = errors.New("pgtest: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb or initdb on PATH); install it with `apt-get install -y postgresql`")

// Options are how Start configures a server.
type Options struct {
	// Durable keeps PostgreSQL's defaults of fsync, synchronous_commit and
	// full_page_writes (on), as a production server has them, for a
	// benchmark; tests turn them off, which is faster and loses nothing a
	// throwaway cluster needs.
	Durable bool
}

// Start initializes a cluster for tests in a new temporary folder and
// starts it. Stop it with Stop.
func Start() (*Server, error) { return StartWith(Options{}) }

// StartWith is Start with options.
func StartWith(o Options) (*Server, error) {
	bin := Bin()
	if bin == "" {
		return nil, ErrNoBinaries
	}
	dir, err := os.MkdirTemp("", "sluice-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, bin: bin, durable: o.Durable}
	if err := s.start(); err != nil {
		s.cleanup()
		return nil, err
	}
	return s, nil
}

func (s *Server) start() error {
	if os.Geteuid() == 0 {
		cred, err := unprivileged()
		if err != nil {
			return err
		}
		s.cred = cred
		// the server's user must reach its folder
		if err := os.Chmod(s.Dir, 0o755); err != nil {
			return err
		}
		if err := os.Chown(s.Dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return err
		}
	}
	pwfile := filepath.Join(s.Dir, "pw")
	if err := os.WriteFile(pwfile, []byte(Password+"\n"), 0o600); err != nil {
		return err
	}
	if s.cred != nil {
		if err := os.Chown(pwfile, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return err
		}
	}
	data := filepath.Join(s.Dir, "data")
	if out, err := s.run("initdb", "-D", data, "-U", User, "--pwfile", pwfile, "-A", "scram-sha-256",
		"-E", "UTF8", "--locale", "C", "--no-sync"); err != nil {
		return fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	_ = os.Remove(pwfile)
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=50", port, s.Dir)
		if !s.durable {
			opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB"
		}
		out, err := s.run("pg_ctl", "-D", data, "-l", filepath.Join(s.Dir, "log"), "-o", opts, "-w", "-t", "60", "start")
		if err == nil {
			s.Port = port
			return s.watch()
		}
		logText, _ := os.ReadFile(filepath.Join(s.Dir, "log"))
		last = fmt.Errorf("pgtest: pg_ctl start: %w\n%s\n%s", err, out, logText)
		if !strings.Contains(string(logText), "in use") {
			break
		}
	}
	return last
}

// watch starts a watchdog that stops the server and removes its folder
// once this process is gone: a test binary that panics or is killed never
// runs Stop, and a forgotten server would go on taking memory and CPU. It
// runs as the server's user in a session of its own, so it outlives us.
func (s *Server) watch() error {
	script := fmt.Sprintf(`while [ -d /proc/%d ]; do sleep 1; done; %s -D %s -m immediate stop >/dev/null 2>&1; rm -rf %s`,
		os.Getpid(), shellQuote(filepath.Join(s.bin, "pg_ctl")), shellQuote(filepath.Join(s.Dir, "data")), shellQuote(s.Dir))
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: s.cred}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: starting the watchdog: %w", err)
	}
	return cmd.Process.Release()
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// unprivileged returns the user the server runs as under root: postgres
// (Debian's package creates it), else nobody.
func unprivileged() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("pgtest: running as root and there is no postgres or nobody user to run PostgreSQL as")
}

// run runs a PostgreSQL binary as the server's user.
func (s *Server) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "PGTZ=UTC")
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd.CombinedOutput()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Stop stops the server at once and removes its folder.
func (s *Server) Stop() {
	if s == nil {
		return
	}
	_, _ = s.run("pg_ctl", "-D", filepath.Join(s.Dir, "data"), "-m", "immediate", "-w", "stop")
	s.cleanup()
}

func (s *Server) cleanup() { _ = os.RemoveAll(s.Dir) }

// DSNFor returns the URL DSN of database db, password included.
func (s *Server) DSNFor(db string) string {
	return fmt.Sprintf("postgresql://%s:%s@127.0.0.1:%d/%s?sslmode=disable", User, Password, s.Port, db)
}

// CreateDatabase creates a new, empty database and returns its DSN.
func (s *Server) CreateDatabase(ctx context.Context, prefix string) (string, error) {
	name := fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), s.dbSeq.Add(1))
	conn, err := pgx.Connect(ctx, s.DSNFor("postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE DATABASE "`+name+`" STRATEGY = FILE_COPY`); err != nil {
		return "", err
	}
	return s.DSNFor(name), nil
}

var (
	sharedOnce sync.Once
	shared     *Server
	sharedErr  error
)

// Shared returns the package's server, starting it on first use; it skips
// the test (or fails it when Required) if PostgreSQL is not installed.
func Shared(t testing.TB) *Server {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = Start() })
	if sharedErr != nil {
		if errors.Is(sharedErr, ErrNoBinaries) && !Required() {
			t.Skip(sharedErr.Error() + " (set SLUICE_REQUIRE_PG=1 to fail instead)")
		}
		t.Fatal(sharedErr)
	}
	return shared
}

// DSN returns the DSN of a fresh database on the shared server for this
// test.
func DSN(t testing.TB) string {
	t.Helper()
	s := Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dsn, err := s.CreateDatabase(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// StopShared stops the shared server if it was started.
func StopShared() {
	if shared != nil {
		shared.Stop()
	}
}

// Main runs the tests of a package and stops the shared server after them;
// call it from TestMain: `func TestMain(m *testing.M) { pgtest.Main(m) }`.
func Main(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}
