//! Sending one Client-API request: the route's limiter and the user's bucket first, then
//! attempts as the operation's retry rule allows, errors classified with what the route is
//! (`errors.rs`). Listings and decoding helpers are at the end.

use crate::client::transport_error;
use crate::client_api::errors::{ErrorAnswer, RouteFacts, classify};
use crate::client_api::ops::{ClientOp, Verb};
use crate::client_api::{ClientApi, ClientLimiter};
use crate::error::PanelError;
use crate::limiter::{RateLimitWait, RateLimiter, WaitReason};
use crate::retry::{Decision, Failure, OperationRule};
use crate::wire::{Item, List};
use rand::Rng;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{StatusCode, Url};
use roost_model::{Dialect, Route};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::time::Instant;

/// One Client-API request.
#[derive(Debug, Clone)]
pub(crate) struct ClientReq {
    pub op: ClientOp,
    pub route: Route,
    /// The server the route acts on (its limiters count per server).
    pub server: Option<String>,
    pub query: Vec<(String, String)>,
    /// Body and its content type.
    pub body: Option<(Vec<u8>, &'static str)>,
}

impl ClientReq {
    pub fn new(op: ClientOp, route: Route) -> ClientReq {
        ClientReq {
            op,
            route,
            server: None,
            query: Vec::new(),
            body: None,
        }
    }

    pub fn on(mut self, server: &str) -> ClientReq {
        self.server = Some(server.to_string());
        self
    }

    pub fn query(mut self, key: &str, value: impl ToString) -> ClientReq {
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    pub fn json<B: Serialize>(mut self, body: &B) -> Result<ClientReq, PanelError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| PanelError::Config(format!("could not encode the request body: {e}")))?;
        self.body = Some((bytes, "application/json"));
        Ok(self)
    }

    /// A raw body: not JSON, so the panel does not try to parse it (files/write).
    pub fn raw(mut self, bytes: Vec<u8>) -> ClientReq {
        self.body = Some((bytes, "text/plain"));
        self
    }
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub body: Vec<u8>,
}

enum Attempt {
    Answered {
        status: StatusCode,
        body: Vec<u8>,
        retry_after: Option<Duration>,
        limit: Option<u32>,
        remaining: Option<u32>,
    },
    Failed(reqwest::Error),
}

/// What one attempt came to.
enum Judged {
    Success(Answer),
    Failed {
        failure: Failure,
        error: PanelError,
        retry_after: Option<Duration>,
        not_found: bool,
    },
}

/// The buckets a request counts in.
pub(crate) struct Buckets<'a> {
    pub dialect: Dialect,
    pub user_bucket: &'a RateLimiter,
    pub route: Option<(ClientLimiter, Arc<RateLimiter>)>,
}

impl ClientApi {
    /// Sends `req` in the session's dialect and bucket.
    pub(crate) async fn send(&self, req: &ClientReq) -> Result<Answer, PanelError> {
        let s = self.session().await?;
        let route = req.op.spec(s.dialect).limiter.and_then(|l| {
            let server = req.server.as_deref()?;
            let limiter = self.inner.buckets.route_limiter(
                &self.inner.base_url,
                s.dialect,
                l,
                server,
                &s.user,
            )?;
            Some((l, limiter))
        });
        let buckets = Buckets {
            dialect: s.dialect,
            user_bucket: &s.bucket,
            route,
        };
        self.send_in(req, buckets).await
    }

    pub(crate) fn url(&self, route: &Route, query: &[(String, String)]) -> Url {
        let mut url = self.inner.api.clone();
        if !route.segments.is_empty()
            && let Ok(mut segs) = url.path_segments_mut()
        {
            segs.extend(route.segments.iter().map(String::as_str));
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter());
        }
        url
    }

    /// `/api/client/servers/1a2b3c4d/power`: the path as messages show it.
    fn label(url: &Url) -> String {
        match url.query() {
            Some(qs) => format!("{}?{qs}", url.path()),
            None => url.path().to_string(),
        }
    }

    pub(crate) fn jitter(&self) -> f64 {
        self.inner
            .rng
            .lock()
            .map(|mut r| r.random::<f64>())
            .unwrap_or(0.5)
    }

    pub(crate) fn notify(&self, wait: Duration, reason: WaitReason, request: &str) {
        if let Some(o) = &self.inner.observer {
            o.notify(RateLimitWait {
                wait,
                reason,
                request: Some(request.to_string()),
            });
        }
    }

    async fn attempt(&self, verb: Verb, req: &ClientReq, url: &Url) -> Attempt {
        let mut rb = self.inner.http.request(verb.method(), url.clone());
        if let Some((body, content_type)) = &req.body {
            rb = rb
                .header(CONTENT_TYPE, HeaderValue::from_static(content_type))
                .body(body.clone());
        }
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let resp = match rb.send().await {
            Ok(r) => r,
            Err(e) => return Attempt::Failed(e),
        };
        let status = resp.status();
        let header_u32 = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|s| s.trim().parse::<u32>().ok())
        };
        let limit = header_u32("x-ratelimit-limit");
        let remaining = header_u32("x-ratelimit-remaining");
        let retry_after = header_u32("retry-after").map(|s| Duration::from_secs(u64::from(s)));
        match resp.bytes().await {
            Ok(b) => Attempt::Answered {
                status,
                body: b.to_vec(),
                retry_after,
                limit,
                remaining,
            },
            Err(e) => Attempt::Failed(e),
        }
    }

    /// Waits for the route's limiter (refusing unsent when the wait would be too long) and
    /// then for the user's bucket.
    async fn admit(
        &self,
        b: &Buckets<'_>,
        label: &str,
        path: &str,
        verb: Verb,
    ) -> Result<(), PanelError> {
        let observer = self.inner.observer.as_ref();
        if let Some((limiter, rl)) = &b.route
            && let Err(wait) = rl
                .acquire_within(observer, label, self.inner.max_wait)
                .await
        {
            return Err(PanelError::Throttled {
                method: verb.as_str().to_string(),
                path: path.to_string(),
                limiter: *limiter,
                retry_after: Some(wait),
                sent: false,
            });
        }
        b.user_bucket.acquire(observer, label).await;
        Ok(())
    }

    /// Sends `req` counting in `b`: retries what the operation's rule allows.
    pub(crate) async fn send_in(
        &self,
        req: &ClientReq,
        b: Buckets<'_>,
    ) -> Result<Answer, PanelError> {
        let spec = req.op.spec(b.dialect);
        let verb = spec.verb;
        let url = self.url(&req.route, &req.query);
        let (method, path) = (verb.as_str().to_string(), Self::label(&url));
        let label = format!("{method} {path}");
        if let Some(only) = spec.only.filter(|d| *d != b.dialect) {
            return Err(PanelError::Unsupported {
                operation: unsupported_name(req.op, only),
                dialect: b.dialect,
            });
        }
        if self.inner.read_only && verb != Verb::Get {
            return Err(PanelError::ReadOnly { method, path });
        }
        let facts = RouteFacts {
            dialect: b.dialect,
            permission: spec.permission,
            limiter: spec.limiter,
            is_command: req.op == ClientOp::Command,
        };
        let started = Instant::now();
        let mut retries = 0u32;
        let mut maybe_applied = false;
        loop {
            self.admit(&b, &label, &path, verb).await?;
            let attempt = self.attempt(verb, req, &url).await;
            let (failure, error, retry_after) = match self.judge(attempt, &b, facts, &method, &path)
            {
                Judged::Success(answer) => return Ok(answer),
                Judged::Failed {
                    not_found: true, ..
                } if maybe_applied && spec.rule == OperationRule::Delete => {
                    // An earlier attempt that may have acted deleted it.
                    return Ok(Answer { body: Vec::new() });
                }
                Judged::Failed {
                    failure,
                    error,
                    retry_after,
                    ..
                } => (failure, error, retry_after),
            };
            let elapsed = started.elapsed();
            let decision = self.inner.retry.decide(
                spec.rule.idempotency(),
                failure,
                retries,
                elapsed,
                retry_after,
                self.jitter(),
            );
            let error = error.after_attempts(retries + 1, elapsed);
            match decision {
                Decision::RetryAfter(delay) => {
                    retries += 1;
                    if failure == Failure::RateLimited {
                        // The limiter that answered pauses its own queue and reports the wait.
                        continue;
                    }
                    maybe_applied |= !matches!(failure, Failure::ConnectFailed);
                    let cause = error.to_string();
                    self.notify(
                        delay,
                        WaitReason::Backoff {
                            attempt: retries,
                            cause,
                        },
                        &label,
                    );
                    tokio::time::sleep(delay).await;
                }
                Decision::GiveUp => return Err(error),
                Decision::Ambiguous => {
                    return Err(PanelError::Ambiguous {
                        method,
                        path,
                        cause: error.to_string(),
                    });
                }
            }
        }
    }

    /// What one attempt came to.
    fn judge(
        &self,
        attempt: Attempt,
        b: &Buckets<'_>,
        facts: RouteFacts<'_>,
        method: &str,
        path: &str,
    ) -> Judged {
        match attempt {
            Attempt::Answered {
                status,
                body,
                limit,
                remaining,
                ..
            } if status.is_success() => {
                b.user_bucket.observe_headers(limit, remaining);
                Judged::Success(Answer { body })
            }
            Attempt::Answered {
                status,
                body,
                retry_after,
                limit,
                remaining,
            } => {
                let answer = ErrorAnswer {
                    status: status.as_u16(),
                    body: &body,
                    retry_after,
                    limit,
                    remaining,
                };
                let error = classify(facts, method, path, answer);
                let failure = self.failure_of(&error, b, limit, remaining, retry_after);
                Judged::Failed {
                    failure,
                    error,
                    retry_after,
                    not_found: status == StatusCode::NOT_FOUND,
                }
            }
            Attempt::Failed(e) => {
                let failure = if e.is_connect() {
                    Failure::ConnectFailed
                } else if e.is_timeout() {
                    Failure::TimedOut
                } else {
                    Failure::ConnectionDropped
                };
                let (timeout, connect) = (self.inner.timeout, self.inner.connect_timeout);
                let error = transport_error(method, path, &e, timeout, connect);
                Judged::Failed {
                    failure,
                    error,
                    retry_after: None,
                    not_found: false,
                }
            }
        }
    }

    /// What a classified error answer means for retrying; a 429 also pauses the limiter that
    /// answered (the route's own, or the user's bucket), and only the bucket's own answers
    /// update it from the headers.
    fn failure_of(
        &self,
        error: &PanelError,
        b: &Buckets<'_>,
        limit: Option<u32>,
        remaining: Option<u32>,
        retry_after: Option<Duration>,
    ) -> Failure {
        let pause = retry_after.unwrap_or(Duration::from_secs(1));
        match error {
            PanelError::Throttled { limiter, .. } => {
                match b.route.as_ref().filter(|(l, _)| l == limiter) {
                    Some((_, rl)) => rl.pause_for(pause),
                    None => {
                        b.user_bucket.observe_headers(limit, remaining);
                        b.user_bucket.pause_for(pause);
                    }
                }
                Failure::RateLimited
            }
            PanelError::Wings { failure, .. } if failure.is_refusal() => {
                b.user_bucket.observe_headers(limit, remaining);
                Failure::Refused
            }
            PanelError::DaemonUnreachable { .. } => {
                b.user_bucket.observe_headers(limit, remaining);
                Failure::DaemonUnreachable
            }
            other => {
                b.user_bucket.observe_headers(limit, remaining);
                if other.is_database_contention() {
                    Failure::DatabaseBusy
                } else {
                    Failure::Status(other.status().unwrap_or(500))
                }
            }
        }
    }

    /// Sends `req` and decodes a JSON answer.
    pub(crate) async fn json<T: DeserializeOwned>(&self, req: &ClientReq) -> Result<T, PanelError> {
        let answer = self.send(req).await?;
        self.decode(req, &answer.body)
    }

    /// Sends `req` and decodes the `attributes` of an item answer.
    pub(crate) async fn item<T: DeserializeOwned>(&self, req: &ClientReq) -> Result<T, PanelError> {
        let item: Item<T> = self.json(req).await?;
        Ok(item.attributes)
    }

    /// Sends `req` and decodes a list that is not paginated.
    pub(crate) async fn list<T: DeserializeOwned>(
        &self,
        req: &ClientReq,
    ) -> Result<Vec<T>, PanelError> {
        let list: List<T> = self.json(req).await?;
        Ok(list.data.into_iter().map(|i| i.attributes).collect())
    }

    /// Every page of a paginated list (`per_page` as the route allows), one after another.
    pub(crate) async fn pages<T: DeserializeOwned>(
        &self,
        req: &ClientReq,
        per_page: u32,
    ) -> Result<Vec<T>, PanelError> {
        let mut out = Vec::new();
        let mut page = 1u64;
        loop {
            let r = req.clone().query("per_page", per_page).query("page", page);
            let list: List<T> = self.json(&r).await?;
            let got = list.data.len();
            out.extend(list.data.into_iter().map(|i| i.attributes));
            let total = list
                .meta
                .and_then(|m| m.pagination)
                .map(|p| p.total_pages)
                .unwrap_or(1);
            if got == 0 || page >= total {
                return Ok(out);
            }
            page += 1;
        }
    }

    pub(crate) fn decode<T: DeserializeOwned>(
        &self,
        req: &ClientReq,
        body: &[u8],
    ) -> Result<T, PanelError> {
        serde_json::from_slice(body).map_err(|e| {
            let url = self.url(&req.route, &req.query);
            PanelError::Decode {
                method: req
                    .op
                    .spec(self.dialect().unwrap_or(Dialect::Pelican))
                    .verb
                    .as_str()
                    .to_string(),
                path: Self::label(&url),
                message: e.to_string(),
            }
        })
    }
}

/// The operation a dialect lacks, for [`PanelError::Unsupported`].
fn unsupported_name(op: ClientOp, only: Dialect) -> &'static str {
    match (op, only) {
        (ClientOp::Description, _) => "a server description through the Client API",
        (ClientOp::BackupRename, _) => "renaming a backup",
        _ => "this Client API route",
    }
}
