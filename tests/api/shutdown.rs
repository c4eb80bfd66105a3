//! SIGTERM drains: a request in flight when the signal arrives is answered,
//! a new connection is refused, and the process then exits cleanly.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::json;

use crate::binary::{token, Server};
use crate::helpers::*;
use redovisa::http::auth::Role;

#[actix_web::test]
async fn sigterm_drains_in_flight_requests_and_refuses_new_ones() {
    let dir = std::env::temp_dir().join(format!("redovisa-term-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("term.db");
    let mut server = Server::start(db.to_str().unwrap(), &[]).await;
    let admin = token(Role::Admin, None);
    // A request whose body is still on its way when SIGTERM arrives.
    let body =
        json!({"kind": "company", "identity_number": orgnr("556036", 12), "name": "Drain AB"})
            .to_string();
    let (head, tail) = body.split_at(body.len() / 2);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "POST /api/v1/organisations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{head}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(500));
    // New connections are no longer served.
    let refused = match TcpStream::connect(("127.0.0.1", server.port)) {
        Err(_) => true,
        Ok(mut s) => {
            s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
            let _ = s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf);
            !String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 200")
        }
    };
    assert!(refused, "a new request was served after SIGTERM");
    // The request in flight completes.
    stream.write_all(tail.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(
        reply.starts_with("HTTP/1.1 201"),
        "in-flight request: {reply}"
    );
    assert!(reply.contains("Drain AB"));
    // And the process exits on its own, successfully.
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = server.child.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = exited.expect("the server exits after draining");
    assert!(status.success(), "exit status {status}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
