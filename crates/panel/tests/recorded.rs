//! The client against panel bodies served verbatim: the reference's fixtures, and answers the
//! simulator does not give (an include withheld for lack of permission, a listing refused). A
//! tiny HTTP server answers each route with a canned body and logs what it was asked.

use roost_panel::{ClientConfig, DatabaseBody, Dialect, PanelClient, PanelError, Secret};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One request as the canned panel saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    /// Path below `/api/application`, with the query.
    target: String,
    body: String,
}

/// Canned answers by `METHOD /path` (without the query): (status, body).
type Routes = HashMap<String, (u16, String)>;

struct Canned {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Canned {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn client(&self, dialect: Dialect) -> PanelClient {
        let mut c = ClientConfig::new(&self.url, Secret::new("ptla_x"));
        c.dialect = Some(dialect);
        c.max_retries = 0;
        PanelClient::new(c).unwrap()
    }
}

/// Serves `routes` on a thread (one request per connection); anything else is a 404 that names
/// the route as missing, as the panels do.
fn serve(routes: Routes) -> Canned {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            answer(conn, &routes, &log);
        }
    });
    Canned { url, seen }
}

fn answer(conn: std::net::TcpStream, routes: &Routes, log: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(conn);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let full = parts.next().unwrap_or_default();
    let target = full
        .strip_prefix("/api/application")
        .unwrap_or(full)
        .to_string();
    let mut length = 0;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let path = target.split('?').next().unwrap_or_default();
    let key = format!("{method} {path}");
    log.lock().unwrap().push(Seen {
        method,
        target: target.clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let missing = json!({"errors": [{"code": "NotFoundHttpException", "status": "404",
        "detail": format!("The route api/application{path} could not be found.")}]});
    let (status, text) = routes
        .get(&key)
        .cloned()
        .unwrap_or((404, missing.to_string()));
    let reply = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = reader.get_mut().write_all(reply.as_bytes());
}

fn fixture(dialect: &str, name: &str) -> Value {
    let base = match std::env::var_os("ROOST_PANEL_API_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/panel-api"),
    };
    let dir = if base.join("fixtures").is_dir() {
        base.join("fixtures")
    } else {
        base
    };
    let p = dir.join(dialect).join(name);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap()
}

/// A one-page list of these items.
fn page(items: Vec<Value>) -> String {
    let n = items.len();
    json!({"object": "list", "data": items, "meta": {"pagination": {"total": n, "count": n,
        "per_page": 500, "current_page": 1, "total_pages": 1, "links": {}}}})
    .to_string()
}

fn ok(body: String) -> (u16, String) {
    (200, body)
}

/// Every listing `read_live` sends, empty, plus the servers given.
fn panel(dialect: Dialect, servers: Vec<Value>) -> Routes {
    let mut r = Routes::new();
    let empty = page(Vec::new());
    let kinds: &[&str] = match dialect {
        Dialect::Pterodactyl => &["nests", "locations", "nodes", "users"],
        Dialect::Pelican => &["nodes", "users", "eggs", "roles", "database-hosts"],
    };
    for k in kinds {
        r.insert(format!("GET /{k}"), ok(empty.clone()));
    }
    r.insert("GET /servers".into(), ok(page(servers)));
    r
}

fn listed_requests(seen: &[Seen]) -> usize {
    seen.iter().filter(|s| s.method == "GET").count()
}

#[tokio::test]
async fn read_live_takes_the_databases_from_the_servers_listing() {
    let server = fixture("pterodactyl", "servers.get.include.json");
    let canned = serve(panel(Dialect::Pterodactyl, vec![server]));
    let live = canned
        .client(Dialect::Pterodactyl)
        .read_live()
        .await
        .unwrap();
    assert_eq!(live.databases.len(), 1);
    let db = &live.databases[0];
    assert_eq!(
        (db.id, db.server_id, db.host_id, db.database.as_str()),
        (4, 12, 1, "s12_luckperms")
    );
    assert_eq!(
        (db.username.as_str(), db.remote.as_str()),
        ("u12_Qw7eR2tY9u", "%")
    );
    assert!(live.database_hosts.is_empty());
    let seen = canned.seen();
    assert_eq!(listed_requests(&seen), 6, "probe + 5 listings: {seen:?}");
    let servers = seen
        .iter()
        .find(|s| s.target.starts_with("/servers?"))
        .unwrap();
    assert!(
        servers.target.contains("include=allocations%2Cdatabases"),
        "{servers:?}"
    );
    assert!(seen.iter().all(|s| !s.target.contains("password")));
}

#[tokio::test]
async fn read_live_lists_pelicans_database_hosts_in_one_request() {
    let server = fixture("pelican", "servers.get.include.json");
    let mut routes = panel(Dialect::Pelican, vec![server]);
    let hosts = fixture("pelican", "database-hosts.list.json").to_string();
    routes.insert("GET /database-hosts".into(), ok(hosts));
    let canned = serve(routes);
    let live = canned.client(Dialect::Pelican).read_live().await.unwrap();
    assert!(live.databases.is_empty(), "the fixture server has none");
    let hosts: Vec<(u64, &str, &str, u16)> = live
        .database_hosts
        .iter()
        .map(|h| (h.id, h.name.as_str(), h.host.as_str(), h.port))
        .collect();
    assert_eq!(
        hosts,
        vec![
            (2, "ams-mariadb", "10.10.0.5", 3306),
            (3, "chi-mysql", "db.chi01.example.net", 3307)
        ]
    );
    let seen = canned.seen();
    assert_eq!(listed_requests(&seen), 7, "probe + 6 listings: {seen:?}");
    let listing: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.target.starts_with("/database-hosts?"))
        .collect();
    assert_eq!(listing.len(), 1);
    assert!(
        listing[0].target.contains("per_page=500"),
        "roost's page size, not the panel's 10: {:?}",
        listing[0]
    );
}

#[tokio::test]
async fn a_withheld_databases_include_fails_the_read() {
    let mut server = fixture("pterodactyl", "servers.get.include.json");
    server["attributes"]["relationships"]["databases"] =
        json!({"object": "null_resource", "attributes": null});
    let canned = serve(panel(Dialect::Pterodactyl, vec![server]));
    let e = canned
        .client(Dialect::Pterodactyl)
        .read_live()
        .await
        .unwrap_err();
    assert!(matches!(e, PanelError::Forbidden { .. }), "{e:?}");
    assert!(
        e.to_string().contains("read permission on databases"),
        "{e}"
    );
}

#[tokio::test]
async fn a_refused_database_host_listing_names_the_permission() {
    let mut routes = panel(Dialect::Pelican, Vec::new());
    let refused = fixture("pelican", "errors.403.json").to_string();
    routes.insert("GET /database-hosts".into(), (403, refused));
    let canned = serve(routes);
    let e = canned
        .client(Dialect::Pelican)
        .read_live()
        .await
        .unwrap_err();
    assert!(matches!(e, PanelError::Forbidden { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("needs read permission on database hosts"),
        "{e}"
    );
}

#[tokio::test]
async fn database_endpoints_decode_the_reference_bodies() {
    for (dialect, name, server) in [
        (Dialect::Pterodactyl, "pterodactyl", 12),
        (Dialect::Pelican, "pelican", 21),
    ] {
        let mut routes = panel(dialect, Vec::new());
        let dbs = format!("/servers/{server}/databases");
        let list = fixture(name, "server-databases.list.json").to_string();
        let created = fixture(name, "server-databases.create.json").to_string();
        let one = fixture(name, "server-databases.get.include.json");
        let one_id = one["attributes"]["id"].as_u64().unwrap();
        routes.insert(format!("GET {dbs}"), ok(list));
        routes.insert(format!("POST {dbs}"), (201, created));
        routes.insert(format!("GET {dbs}/{one_id}"), ok(one.to_string()));
        routes.insert(format!("DELETE {dbs}/{one_id}"), (204, String::new()));
        routes.insert(
            format!("POST {dbs}/{one_id}/reset-password"),
            (204, String::new()),
        );
        let canned = serve(routes);
        let cl = canned.client(dialect);

        let listed = cl.list_server_databases(server).await.unwrap();
        assert!(!listed.is_empty() && listed.iter().all(|d| d.server_id == server));
        let body = DatabaseBody {
            database: "stats".into(),
            remote: "%".into(),
            host: 2,
        };
        let made = cl.create_server_database(server, &body).await.unwrap();
        assert_eq!(made.server_id, server);
        assert!(made.database.starts_with(&format!("s{server}_")));
        assert!(!format!("{made:?}").contains("p@8Lr"), "no password kept");
        cl.reset_server_database_password(server, one_id)
            .await
            .unwrap();
        cl.delete_server_database(server, one_id).await.unwrap();

        let seen = canned.seen();
        let post = seen
            .iter()
            .find(|s| s.method == "POST" && s.target.starts_with(&dbs) && !s.body.is_empty())
            .expect("the create");
        assert_eq!(post.target, dbs, "no query: never include=password");
        let sent: Value = serde_json::from_str(&post.body).unwrap();
        assert_eq!(sent, json!({"database": "stats", "remote": "%", "host": 2}));
        assert!(
            seen.iter()
                .all(|s| !s.target.contains("password") || s.target.ends_with("/reset-password"))
        );
    }
}

/// Pterodactyl's `/servers/A/databases/{id}` finds a database of any server: a delete or
/// reset through the wrong server is refused after a read, before anything is sent.
#[tokio::test]
async fn pterodactyl_refuses_acting_on_another_servers_database() {
    let mut routes = panel(Dialect::Pterodactyl, Vec::new());
    let one = fixture("pterodactyl", "server-databases.get.include.json");
    routes.insert("GET /servers/13/databases/4".into(), ok(one.to_string()));
    routes.insert(
        "DELETE /servers/13/databases/4".into(),
        (204, String::new()),
    );
    let canned = serve(routes);
    let cl = canned.client(Dialect::Pterodactyl);
    let e = cl.delete_server_database(13, 4).await.unwrap_err();
    assert!(matches!(e, PanelError::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("belongs to server 12"), "{e}");
    let e = cl.reset_server_database_password(13, 4).await.unwrap_err();
    assert!(matches!(e, PanelError::NotFound { .. }), "{e:?}");
    let seen = canned.seen();
    assert!(
        seen.iter().all(|s| s.method == "GET"),
        "nothing but reads: {seen:?}"
    );
}

#[tokio::test]
async fn pterodactyl_has_no_database_host_listing() {
    let canned = serve(panel(Dialect::Pterodactyl, Vec::new()));
    let cl = canned.client(Dialect::Pterodactyl);
    let e = cl.list_database_hosts().await.unwrap_err();
    assert!(matches!(e, PanelError::Unsupported { .. }), "{e:?}");
    assert!(
        canned
            .seen()
            .iter()
            .all(|s| !s.target.contains("database-hosts"))
    );
}
