//! The real binary as a child process (`redovisa serve`), for the tests
//! that need what only a process has: its log output, signals, a crash.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use redovisa::http::auth::{Claims, JwtKeys, Role};

use crate::helpers::SECRET;

pub struct Server {
    pub child: Child,
    pub base: String,
    pub port: u16,
}

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

impl Server {
    /// Starts `redovisa serve` on `database_url` with `env` and waits until
    /// `/health` answers. stderr (the logs) is piped; read it with
    /// [`Server::stop_and_read_logs`].
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> Server {
        Self::start_on(database_url, free_port(), env).await
    }

    pub async fn start_on(database_url: &str, port: u16, env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_redovisa"));
        cmd.arg("serve")
            .env("DATABASE_URL", database_url)
            .env("REDOVISA_BIND", format!("127.0.0.1:{port}"))
            .env("REDOVISA_JWT_SECRET", SECRET)
            .env_remove("RUST_LOG")
            .env_remove("REDOVISA_LOG_FORMAT")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("binary starts");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            port,
        };
        let client = awc::Client::default();
        for _ in 0..300 {
            if client
                .get(format!("{}/health", server.base))
                .send()
                .await
                .is_ok()
            {
                return server;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("server did not start on port {port}");
    }

    pub fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs")
            .success();
        assert!(ok, "kill -{name} failed");
    }

    /// Kills the process (if it still runs) and returns everything it wrote.
    pub fn stop_and_read_logs(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut logs = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            e.read_to_string(&mut logs).unwrap();
        }
        if let Some(mut o) = self.child.stdout.take() {
            o.read_to_string(&mut logs).unwrap();
        }
        logs
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn token(role: Role, org: Option<&str>) -> String {
    JwtKeys::from_secret(SECRET.as_bytes())
        .issue(&Claims {
            sub: "binary".into(),
            role,
            org: org.map(String::from),
            exp: chrono::Utc::now().timestamp() + 600,
            iat: None,
        })
        .unwrap()
}
