//! Every Client-API limiter through `ClientApi`. The client plans Pelican's per-server limiters
//! (schedule and database create 2/min, subuser invite 10 per 15 min, websocket token 5/min):
//! past the budget it waits and reports the wait, or, when the wait is longer than its budget,
//! refuses unsent naming the limiter. A client that did not see the earlier requests (another
//! process) gets the panel's 429, typed with the limiter. Pterodactyl has none of them. The
//! per-user bucket is shared by two keys of one user; application and client buckets are apart.
//!
//! No test sleeps: long waits are observed and then skipped with tokio's clock and the sim's.

use crate::client_common::*;
use crate::client_schedules::nightly;
use roost_panel::{
    ClientApi, ClientBuckets, ClientDatabaseBody, ClientLimiter, Dialect, PanelError, PullBody,
    SubuserBody, WaitReason,
};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

type Call<'a> = Pin<Box<dyn Future<Output = Result<(), PanelError>> + Send + 'a>>;

/// One limited route: its limiter, its budget, and a call of it (`n` makes bodies unique).
struct Limited {
    limiter: ClientLimiter,
    budget: u32,
    path: &'static str,
    call: for<'a> fn(&'a ClientApi, &'a str, u32) -> Call<'a>,
}

fn schedule_create<'a>(c: &'a ClientApi, id: &'a str, n: u32) -> Call<'a> {
    Box::pin(async move {
        c.create_schedule(id, &nightly(&format!("s{n}")))
            .await
            .map(drop)
    })
}

fn database_create<'a>(c: &'a ClientApi, id: &'a str, n: u32) -> Call<'a> {
    Box::pin(async move {
        let body = ClientDatabaseBody {
            database: format!("db{n}"),
            remote: "%".into(),
        };
        // Pelican's create answers 500 (its quirk, client_databases.rs); the limiter counts it.
        match c.create_database(id, &body).await {
            Ok(_) | Err(PanelError::NotResent { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    })
}

fn subuser_invite<'a>(c: &'a ClientApi, id: &'a str, n: u32) -> Call<'a> {
    Box::pin(async move {
        let body = SubuserBody {
            email: format!("invitee{n}@example.org"),
            permissions: vec!["file.read".into()],
        };
        c.create_subuser(id, &body).await.map(drop)
    })
}

fn websocket_token<'a>(c: &'a ClientApi, id: &'a str, _: u32) -> Call<'a> {
    Box::pin(async move { c.websocket(id).await.map(drop) })
}

fn allocation_assign<'a>(c: &'a ClientApi, id: &'a str, _: u32) -> Call<'a> {
    Box::pin(async move { c.assign_allocation(id).await.map(drop) })
}

fn backup_create<'a>(c: &'a ClientApi, id: &'a str, _: u32) -> Call<'a> {
    Box::pin(async move { c.create_backup(id, &Default::default()).await.map(drop) })
}

fn file_pull<'a>(c: &'a ClientApi, id: &'a str, n: u32) -> Call<'a> {
    Box::pin(async move {
        let body = PullBody {
            url: format!("https://example.com/{n}.jar"),
            directory: Some("/plugins".into()),
            filename: None,
            use_header: true,
            foreground: false,
        };
        c.pull_file(id, &body).await
    })
}

/// The limiters both dialects apply: backup creation 2 per 600 s per server; file pulls
/// (Pterodactyl 10 per 5 min per user, Pelican 5 per 10 min per server).
fn both_dialects(d: Dialect) -> [Limited; 2] {
    [
        Limited {
            limiter: ClientLimiter::BackupCreate,
            budget: 2,
            path: "/backups",
            call: backup_create,
        },
        Limited {
            limiter: ClientLimiter::FilePull,
            budget: if d == Dialect::Pterodactyl { 10 } else { 5 },
            path: "/files/pull",
            call: file_pull,
        },
    ]
}

const LIMITED: [Limited; 5] = [
    Limited {
        limiter: ClientLimiter::AllocationCreate,
        budget: 2,
        path: "/network/allocations",
        call: allocation_assign,
    },
    Limited {
        limiter: ClientLimiter::ScheduleCreate,
        budget: 2,
        path: "/schedules",
        call: schedule_create,
    },
    Limited {
        limiter: ClientLimiter::DatabaseCreate,
        budget: 2,
        path: "/databases",
        call: database_create,
    },
    Limited {
        limiter: ClientLimiter::SubuserCreate,
        budget: 10,
        path: "/users",
        call: subuser_invite,
    },
    Limited {
        limiter: ClientLimiter::Websocket,
        budget: 5,
        path: "/websocket",
        call: websocket_token,
    },
];

fn throttled(e: &PanelError) -> Option<(ClientLimiter, bool, Option<Duration>)> {
    match e {
        PanelError::Throttled {
            limiter,
            sent,
            retry_after,
            ..
        } => Some((*limiter, *sent, *retry_after)),
        _ => None,
    }
}

/// Pelican: past the budget the client refuses unsent (its wait budget is 2 s), naming the
/// limiter; a second client that did not count the first's requests gets the panel's 429.
#[tokio::test]
async fn pelican_route_limiters_are_planned_and_their_429s_typed() {
    let p = panel(Dialect::Pelican).await;
    roomy(&p);
    let id = p.ident();
    for l in &LIMITED {
        check_limiter(&p, &id, l).await;
    }
    p.shutdown().await;
}

#[tokio::test]
async fn backup_and_pull_limiters_in_both_dialects() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        roomy(&p);
        let id = p.ident();
        for l in &both_dialects(d) {
            check_limiter(&p, &id, l).await;
        }
        p.shutdown().await;
    }
}

/// Limits high enough that only the limiters answer.
fn roomy(p: &Panel) {
    let server = p.server;
    p.sim.mutate(move |s| {
        let srv = s.servers.get_mut(&server).unwrap();
        srv.database_limit = Some(10);
        srv.allocation_limit = Some(10);
        srv.backup_limit = Some(10);
        s.settings.client_allocations = true;
        s.settings.allocation_range = Some((25565, 25600));
    });
}

/// The budget goes through; one more is refused unsent by the planning client, and sent by a
/// client that did not count, which gets the panel's 429.
async fn check_limiter(p: &Panel, id: &str, l: &Limited) {
    let c = p.owner();
    for n in 0..l.budget {
        (l.call)(&c, id, n)
            .await
            .unwrap_or_else(|e| panic!("{:?} {n}: {e:?}", l.limiter));
    }
    let sent = p.logged_on(l.path);
    let e = (l.call)(&c, id, 100).await.unwrap_err();
    let (limiter, was_sent, wait) = throttled(&e).unwrap_or_else(|| panic!("{e:?}"));
    assert_eq!((limiter, was_sent), (l.limiter, false), "{e}");
    assert!(wait.is_some_and(|w| w > Duration::from_secs(2)), "{e:?}");
    assert_eq!(p.logged_on(l.path), sent, "{:?}: nothing sent", l.limiter);
    assert!(e.to_string().contains(&l.limiter.to_string()), "{e}");
    // Another client (another process) does not know: the panel answers 429.
    let (other, waits) = api(p, &p.owner_key);
    let e = (l.call)(&other, id, 200).await.unwrap_err();
    let (limiter, was_sent, wait) = throttled(&e).unwrap_or_else(|| panic!("{e:?}"));
    assert_eq!((limiter, was_sent), (l.limiter, true), "{e}");
    assert!(wait.is_some_and(|w| w.as_secs() > 2), "{e:?}: Retry-After");
    assert!(p.sim.request_log().iter().any(|r| r.status == 429));
    assert!(
        waits.lock().unwrap().is_empty(),
        "no wait longer than the budget"
    );
}

/// Pterodactyl applies none of these: past Pelican's budgets everything goes through.
#[tokio::test]
async fn pterodactyl_has_no_per_server_limiters() {
    let p = panel(Dialect::Pterodactyl).await;
    roomy(&p);
    let id = p.ident();
    let c = p.owner();
    for l in &LIMITED {
        for n in 0..=l.budget {
            (l.call)(&c, &id, n)
                .await
                .unwrap_or_else(|e| panic!("{:?} {n}: {e:?}", l.limiter));
        }
    }
    assert!(p.sim.request_log().iter().all(|r| r.status != 429));
    p.shutdown().await;
}

/// With a wait budget longer than the limiter's window, the client waits (reported) instead
/// of refusing, and the request then goes through without a 429. The minute is skipped on
/// tokio's clock and the sim's.
#[tokio::test]
async fn the_client_waits_for_a_planned_limiter_and_reports_it() {
    let p = panel(Dialect::Pelican).await;
    let (c, waits) = api_in(&p, &p.owner_key, ClientBuckets::new(), |cfg| {
        cfg.retry_budget = Duration::from_secs(120);
    });
    let id = p.ident();
    for n in 0..2 {
        schedule_create(&c, &id, n).await.unwrap();
    }
    let third = tokio::spawn({
        let (c, id) = (c.clone(), id.clone());
        async move { schedule_create(&c, &id, 2).await }
    });
    let reported = async {
        loop {
            if let Some(w) = waits.lock().unwrap().first().cloned() {
                return w;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    let wait = tokio::time::timeout(Duration::from_secs(2), reported)
        .await
        .expect("the wait is reported at once");
    assert!(wait.wait > Duration::from_secs(55), "{wait:?}");
    let expected = WaitReason::RouteLimit {
        limiter: ClientLimiter::ScheduleCreate,
        limit: 2,
        window: Duration::from_secs(60),
    };
    assert_eq!(wait.reason, expected);
    assert_eq!(p.logged_on("/schedules"), 2, "the third waits unsent");
    p.advance(61);
    tokio::time::pause();
    tokio::time::advance(Duration::from_secs(61)).await;
    tokio::time::resume();
    third.await.unwrap().unwrap();
    assert_eq!(p.logged_on("/schedules"), 3);
    assert!(p.sim.request_log().iter().all(|r| r.status != 429));
    p.shutdown().await;
}

impl Panel {
    /// POSTs (or the websocket's GETs) to `/api/client/servers/{id}{tail}`.
    fn logged_on(&self, tail: &str) -> usize {
        let path = format!("/api/client/servers/{}{tail}", self.ident());
        self.sim
            .request_log()
            .iter()
            .filter(|r| r.path == path && (r.method != "GET" || tail == "/websocket"))
            .count()
    }
}

/// Two keys of one user share one bucket: sharing a registry, the second client spaces its
/// requests by what the first learned from the panel's headers; with a registry of its own it
/// does not know, and the panel's 429 names the per-user limit.
#[tokio::test]
async fn two_keys_of_one_user_share_the_client_bucket() {
    for d in Dialect::ALL {
        let mut cfg = sim_config(d);
        cfg.client_rate_limit = Some(50);
        let p = panel_with(cfg).await;
        let second_key = p.sim.mint_client_key(p.owner).unwrap();
        let shared = ClientBuckets::new();
        let (first, first_waits) = api_in(&p, &p.owner_key, shared.clone(), |_| {});
        first.account().await.unwrap();
        for _ in 0..44 {
            first.schedules(&p.ident()).await.unwrap();
        }
        assert!(first_waits.lock().unwrap().is_empty());
        assert_eq!(first.rate_limit(), Some(50), "adopted from the headers");
        // A client of the second key with its own registry sends at once ...
        let (alone, alone_waits) = api(&p, &second_key);
        alone.schedules(&p.ident()).await.unwrap();
        assert!(alone_waits.lock().unwrap().is_empty());
        // ... one sharing the registry waits for the user's bucket.
        let (together, waits) = api_in(&p, &second_key, shared, |cfg| {
            cfg.retry_budget = Duration::from_secs(120);
        });
        let call = tokio::spawn({
            let (c, id) = (together.clone(), p.ident());
            async move { c.schedules(&id).await.map(drop) }
        });
        let reported = async {
            loop {
                if let Some(w) = waits.lock().unwrap().first().cloned() {
                    return w;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        let wait = tokio::time::timeout(Duration::from_secs(2), reported)
            .await
            .expect("a wait is reported");
        assert!(
            matches!(
                wait.reason,
                WaitReason::PanelLowRemaining { .. } | WaitReason::ClientLimit { .. }
            ),
            "{wait:?}"
        );
        call.abort();
        // The user's budget spent by other means: the panel's 429 names the per-user limit.
        while raw_get(&p, &p.owner_key, "/api/client/account").await != 429 {}
        let (late, _) = api(&p, &second_key);
        let e = late.schedules(&p.ident()).await.unwrap_err();
        let (limiter, sent, wait) = throttled(&e).unwrap_or_else(|| panic!("{e:?}"));
        assert_eq!((limiter, sent), (ClientLimiter::Client, true), "{e}");
        assert!(wait.is_some(), "{e:?}: Retry-After");
        p.shutdown().await;
    }
}

/// The application key's bucket and the client keys' bucket are counted apart, by the panel and
/// by the clients.
#[tokio::test]
async fn application_and_client_buckets_are_separate() {
    for d in Dialect::ALL {
        let mut cfg = sim_config(d);
        cfg.rate_limit = Some(3);
        cfg.client_rate_limit = Some(40);
        let p = panel_with(cfg).await;
        let mut app_statuses = Vec::new();
        for _ in 0..4 {
            app_statuses.push(raw_get(&p, &p.sim.token(), "/api/application/users").await);
        }
        assert_eq!(
            app_statuses,
            [200, 200, 200, 429],
            "the application bucket ran out"
        );
        let (c, waits) = api(&p, &p.admin_key);
        for _ in 0..5 {
            c.schedules(&p.ident()).await.unwrap();
        }
        assert!(
            waits.lock().unwrap().is_empty(),
            "the client bucket is untouched"
        );
        assert_eq!(c.rate_limit(), Some(40), "the client bucket's own figure");
        let client_429 = p
            .sim
            .request_log()
            .iter()
            .any(|r| r.status == 429 && r.path.starts_with("/api/client"));
        assert!(!client_429);
        p.shutdown().await;
    }
}

/// A GET with `key`, outside any client's bookkeeping; its status.
async fn raw_get(p: &Panel, key: &str, path: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}{path}", p.sim.url()))
        .bearer_auth(key)
        .header("Accept", "application/json")
        .send()
        .await
        .expect("the sim answers")
        .status()
        .as_u16()
}
