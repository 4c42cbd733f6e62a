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
        self.list_all_into(route, query, Ok).await
    }

    /// [`PanelClient::list_all`], each item converted by `convert` as soon as its page is
    /// decoded, in the task that fetched the page: a page's body and wire items are dropped
    /// before the listing ends, and the conversion overlaps the pages still in flight.
    pub(crate) async fn list_all_into<T, U>(
        &self,
        route: Route,
        query: Vec<(String, String)>,
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
        let first = self.page(&page_req(1), convert).await?;
        let Some(p) = first.pagination else {
            // Not a paginated endpoint: that was everything.
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
            let mut set: JoinSet<(u64, Result<Page<U>, PanelError>)> = JoinSet::new();
            let mut pages: BTreeMap<u64, Page<U>> = BTreeMap::new();
            let mut next = fetched + 1;
            loop {
                while set.len() < PAGE_CONCURRENCY && next <= total {
                    let client = self.clone();
                    let req = page_req(next);
                    let n = next;
                    set.spawn(async move { (n, client.page(&req, convert).await) });
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

    /// One page, decoded and converted.
    async fn page<T, U>(
        &self,
        req: &Req,
        convert: fn(T) -> Result<U, PanelError>,
    ) -> Result<Page<U>, PanelError>
    where
        T: DeserializeOwned + HasId,
    {
        let list: List<T> = self.send_json(req).await?;
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
    fn a_panels_total_is_only_a_bounded_hint() {
        let l = Listing::<u8>::new(u64::MAX);
        assert!(l.out.capacity() >= (1 << 20) && l.out.capacity() < (1 << 21));
    }
}
