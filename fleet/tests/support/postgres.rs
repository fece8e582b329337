//! A real PostgreSQL for the tests: a throw-away cluster made with Debian's `initdb` in a
//! temporary directory, listening on a free loopback port, stopped when dropped. As root (CI),
//! the server runs as the `postgres` user, which PostgreSQL requires.
//!
//! When PostgreSQL is not installed the tests fail: `scripts/setup.sh` installs it. Set
//! `BORNE_SKIP_POSTGRES_TESTS=1` to skip them on a development machine without it.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether the PostgreSQL tests should run.
pub fn enabled() -> bool {
    if std::env::var("BORNE_SKIP_POSTGRES_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("BORNE_SKIP_POSTGRES_TESTS=1: PostgreSQL test skipped");
        return false;
    }
    assert!(
        bin_dir().is_some(),
        "PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb): run scripts/setup.sh, \
         or set BORNE_SKIP_POSTGRES_TESTS=1 to skip the PostgreSQL tests"
    );
    true
}

fn bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

fn as_server_user(program: PathBuf) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// A running PostgreSQL server.
pub struct Postgres {
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Postgres {
    /// Makes a cluster (user `fleet`, trust authentication on loopback) and starts it.
    pub fn start() -> Postgres {
        let bin = bin_dir().expect("initdb");
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        if is_root() {
            let _ = Command::new("chmod").arg("0755").arg(dir.path()).status();
            std::fs::create_dir(&data).expect("data dir");
            let status = Command::new("chown").arg("postgres:").arg(&data).status().expect("chown");
            assert!(status.success());
        }
        let output = as_server_user(bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "fleet", "--auth=trust", "-E", "UTF8", "--locale=C"])
            .output()
            .expect("initdb");
        assert!(output.status.success(), "initdb failed: {}", String::from_utf8_lossy(&output.stderr));
        let port = super::free_port();
        let log = std::fs::File::create(dir.path().join("postgres.log")).expect("log");
        let child = as_server_user(bin.join("postgres"))
            .arg("-D")
            .arg(&data)
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-k", ""])
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("postgres");
        let mut server = Postgres { port, dir, child: Some(child) };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(child) = server.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("postgres exited ({status}): {}", server.log());
            }
            assert!(Instant::now() < deadline, "postgres did not start: {}", server.log());
            std::thread::sleep(Duration::from_millis(100));
        }
        // Accepting TCP is not yet accepting queries: give the start-up a moment to finish.
        std::thread::sleep(Duration::from_millis(500));
        server
    }

    /// `postgres://fleet@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://fleet@127.0.0.1:{}/postgres", self.port)
    }

    /// The server's log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGQUIT to the server itself (as root, `child` is runuser, which does not pass
            // signals on): immediate shutdown, a throw-away cluster needs no checkpoint.
            let pid = std::fs::read_to_string(self.dir.path().join("data/postmaster.pid"))
                .ok()
                .and_then(|text| text.lines().next().map(str::to_string))
                .unwrap_or_else(|| child.id().to_string());
            let _ = Command::new("kill").arg("-QUIT").arg(pid).status();
            let _ = child.wait();
        }
    }
}
