//! Walking a listing: every page of a (possibly paginated) `GET`, pages fetched a few at a time,
//! items seen twice kept once.

use crate::client::{PanelClient, Req, q};
use crate::error::PanelError;
use crate::wire::List;
use roost_model::Route;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashSet};
use tokio::task::JoinSet;

/// One page, its items already converted (each with the panel id it was de-duplicated by).
struct Page<U> {
    items: Vec<(Option<u64>, U)>,
    /// `None` when the endpoint is not paginated.
    pagination: Option<crate::wire::Pagination>,
}

impl PanelClient {
    /// Every item of a (possibly paginated) listing. Follows `meta.pagination` to the end; the
    /// panels' `next` links keep only `page`, so each page is requested with the caller's own
    /// query plus `per_page` and the `page` taken from the link. Items seen twice (rows shifting
    /// between pages while the listing runs) are kept once.
    pub(crate) async fn list_all<T: DeserializeOwned + HasId + Send + 'static>(
        &self,
        route: Route,
        query: Vec<(String, String)>,
    ) -> Result<Vec<T>, PanelError> {
        self.list_all_into(route, query, 0, Ok).await
    }

    /// [`PanelClient::list_all`], each item converted by `convert` as soon as its page is
    /// decoded, in the task that fetched the page: a page's body and wire items are dropped
    /// before the listing ends, and the conversion overlaps the pages still in flight.
    /// `expected`: how many items the caller expects (0: no idea); the pages they would fill
    /// are requested together with page 1 (at most [`PAGE_CONCURRENCY`] more).
    pub(crate) async fn list_all_into<T, U>(
        &self,
        route: Route,
        query: Vec<(String, String)>,
        expected: u64,
        convert: fn(T) -> Result<U, PanelError>,
    ) -> Result<Vec<U>, PanelError>
    where
        T: DeserializeOwned + HasId + 'static,
        U: Send + 'static,
    {
        let page_req = |page: u64| {
            let mut qs = query.clone();
            qs.push(q("per_page", self.inner.page_size));
            qs.push(q("page", page));
            Req::get(route.clone(), qs)
        };
        // Page 1 says how many pages there are; the rest are fetched a few at a time rather
        // than one after another (each still passes the rate limiter), so a large panel is
        // read in about the time of its largest page plus decoding, not the sum of them all.
        // Two things start them before that: the pages the caller's expected count fills are
        // requested together with page 1 (an expectation that was too high costs a request
        // answered with an empty page), and the rest as soon as page 1 has arrived, before it
        // is decoded: its page count is read ahead from the end of the body
        // ([`total_pages_hint`]).
        let mut set: JoinSet<(u64, Result<Page<U>, PanelError>)> = JoinSet::new();
        let mut next: u64 = 2;
        let spawn_page = |set: &mut JoinSet<_>, n: u64| {
            let client = self.clone();
            let req = page_req(n);
            set.spawn(async move { (n, client.page(&req, convert).await) });
        };
        let page_size = u64::from(self.inner.page_size.max(1));
        let expected_pages = with_margin(expected).div_ceil(page_size);
        while set.len() < PAGE_CONCURRENCY && next <= expected_pages {
            spawn_page(&mut set, next);
            next += 1;
        }
        let first_req = page_req(1);
        let body = self.execute(&first_req).await?;
        let hint = total_pages_hint(&body).unwrap_or(1);
        while set.len() < PAGE_CONCURRENCY && next <= hint {
            spawn_page(&mut set, next);
            next += 1;
        }
        let first = self.decode_page(&first_req, &body, convert)?;
        drop(body);
        let Some(p) = first.pagination else {
            // Not a paginated endpoint: that was everything (pages read ahead are dropped).
            let mut listing = Listing::new(first.items.len() as u64);
            listing.keep(first.items);
            return Ok(listing.out);
        };
        // The highest page count any page reported: rows added while reading can raise it.
        let mut total = if first.items.is_empty() {
            1
        } else {
            p.total_pages
        };
        let mut listing = Listing::new(p.total);
        listing.keep(first.items);
        let mut fetched: u64 = 1;
        while fetched < total {
            let mut pages: BTreeMap<u64, Page<U>> = BTreeMap::new();
            loop {
                while set.len() < PAGE_CONCURRENCY && next <= total {
                    spawn_page(&mut set, next);
                    next += 1;
                }
                let Some(joined) = set.join_next().await else {
                    break;
                };
                let (n, result) = joined.map_err(|e| PanelError::Decode {
                    method: "GET".into(),
                    path: route.to_string(),
                    message: format!("page task failed: {e}"),
                })?;
                pages.insert(n, result?);
            }
            let before = fetched;
            for (n, page) in pages {
                let empty = page.items.is_empty();
                if let Some(p) = page.pagination {
                    total = total.max(p.total_pages);
                }
                listing.keep(page.items);
                fetched = n;
                // An empty page ends the walk even if the panel claims more.
                if empty {
                    return Ok(listing.out);
                }
            }
            if fetched == before {
                break;
            }
        }
        Ok(listing.out)
    }

    /// One page, fetched, decoded and converted.
    async fn page<T, U>(
        &self,
        req: &Req,
        convert: fn(T) -> Result<U, PanelError>,
    ) -> Result<Page<U>, PanelError>
    where
        T: DeserializeOwned + HasId,
    {
        let body = self.execute(req).await?;
        self.decode_page(req, &body, convert)
    }

    /// One page's body, decoded and converted.
    fn decode_page<T, U>(
        &self,
        req: &Req,
        body: &[u8],
        convert: fn(T) -> Result<U, PanelError>,
    ) -> Result<Page<U>, PanelError>
    where
        T: DeserializeOwned + HasId,
    {
        let list: List<T> = self.decode(req, body)?;
        let mut items = Vec::with_capacity(list.data.len());
        for item in list.data {
            let id = item.attributes.id();
            items.push((id, convert(item.attributes)?));
        }
        Ok(Page {
            items,
            pagination: list.meta.and_then(|m| m.pagination),
        })
    }
}

/// The items of a listing so far, each panel id once.
struct Listing<U> {
    out: Vec<U>,
    seen: HashSet<u64>,
}

impl<U> Listing<U> {
    /// Room for `expected` items (the panel's `total`, bounded: it is only a hint).
    fn new(expected: u64) -> Self {
        let expected = usize::try_from(expected.min(MAX_PRESIZE)).unwrap_or(0);
        Listing {
            out: Vec::with_capacity(expected),
            seen: HashSet::with_capacity(expected),
        }
    }

    fn keep(&mut self, items: Vec<(Option<u64>, U)>) {
        for (id, item) in items {
            match id {
                Some(id) if !self.seen.insert(id) => {}
                _ => self.out.push(item),
            }
        }
    }
}

/// `meta.pagination.total_pages` read from the end of a page's body, before it is decoded: both
/// panels render `meta` last. Only a hint (pages read ahead on it): the decoded page decides,
/// and a page past the end comes back empty, which ends the listing.
fn total_pages_hint(body: &[u8]) -> Option<u64> {
    const KEY: &[u8] = b"\"total_pages\"";
    let tail = &body[body.len().saturating_sub(TAIL_BYTES)..];
    let at = tail.windows(KEY.len()).rposition(|w| w == KEY)? + KEY.len();
    let rest = &tail[at..];
    let rest = &rest[rest.iter().position(|b| !b" \t\r\n:\"".contains(b))?..];
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

/// An expected count with 5% more: a panel holds what the manifests declare and usually a few
/// objects more (its admin, servers made by hand). Guessing a page short costs a round trip
/// (the page is requested only once page 1 has answered); a page long, one request answered
/// with an empty page.
fn with_margin(expected: u64) -> u64 {
    expected.saturating_add(expected.div_ceil(20))
}

/// How far from the end of a page `meta.pagination` is looked for.
const TAIL_BYTES: usize = 1024;

/// Pages of one listing in flight at once, after the first.
const PAGE_CONCURRENCY: usize = 4;

/// The most items a listing reserves room for up front, whatever the panel's `total` says.
const MAX_PRESIZE: u64 = 1 << 20;

/// Items with a panel id, for de-duplicating pages.
pub(crate) trait HasId {
    fn id(&self) -> Option<u64>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_seen_twice_is_kept_once_and_items_without_id_always() {
        let mut l = Listing::new(4);
        l.keep(vec![(Some(1), "a"), (Some(2), "b"), (None, "x")]);
        // A row shifted onto the next page while the listing ran: seen again.
        l.keep(vec![(Some(2), "b again"), (Some(3), "c"), (None, "y")]);
        assert_eq!(l.out, vec!["a", "b", "x", "c", "y"]);
    }

    #[test]
    fn the_page_count_is_read_ahead_from_the_end_of_a_page() {
        let page = |meta: &str| {
            format!(
                r#"{{"object":"list","data":[{}],"meta":{meta}}}"#,
                "{}".repeat(2000)
            )
        };
        let hint = |meta: &str| total_pages_hint(page(meta).as_bytes());
        assert_eq!(
            hint(
                r#"{"pagination":{"total":1200,"count":500,"per_page":500,"current_page":1,"total_pages":3,"links":{}}}"#
            ),
            Some(3)
        );
        // Spaced, or a numeric string (the panels' lenient forms).
        assert_eq!(hint(r#"{"pagination": {"total_pages" : "12"}}"#), Some(12));
        // Not paginated, or not a number: no hint, and no page is read ahead.
        assert_eq!(hint("{}"), None);
        assert_eq!(hint(r#"{"pagination":{"total_pages":null}}"#), None);
        assert_eq!(total_pages_hint(b""), None);
        // Far from the end (an item's field of that name): not taken for the page count.
        let far = format!(
            r#"{{"data":[{{"total_pages":9}}{}],"meta":{{}}}}"#,
            ",{}".repeat(2000)
        );
        assert_eq!(total_pages_hint(far.as_bytes()), None);
    }

    #[test]
    fn an_expected_count_is_given_five_percent_more() {
        assert_eq!(with_margin(0), 0, "no expectation, no page guessed");
        assert_eq!(with_margin(1), 2);
        // 500 users declared, the panel's admin besides: two pages of 500.
        assert_eq!(with_margin(500).div_ceil(500), 2);
        assert_eq!(with_margin(450).div_ceil(500), 1);
        assert_eq!(with_margin(u64::MAX), u64::MAX);
    }

    #[test]
    fn a_panels_total_is_only_a_bounded_hint() {
        let l = Listing::<u8>::new(u64::MAX);
        assert!(l.out.capacity() >= (1 << 20) && l.out.capacity() < (1 << 21));
    }
}
