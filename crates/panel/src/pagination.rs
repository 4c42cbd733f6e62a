//! Walking a listing: every page of a (possibly paginated) `GET`, pages fetched a few at a time,
//! items seen twice kept once.

use crate::client::{PanelClient, Req, q};
use crate::error::PanelError;
use crate::wire::{Item, List};
use roost_model::Route;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashSet};
use tokio::task::JoinSet;

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
        let mut out: Vec<T> = Vec::new();
        let mut seen: HashSet<u64> = HashSet::new();
        let mut keep = |list: Vec<Item<T>>, out: &mut Vec<T>| {
            for item in list {
                match item.attributes.id() {
                    Some(id) if !seen.insert(id) => {}
                    _ => out.push(item.attributes),
                }
            }
        };
        let page_req = |page: u64| {
            let mut qs = query.clone();
            qs.push(q("per_page", self.inner.page_size));
            qs.push(q("page", page));
            Req::get(route.clone(), qs)
        };
        // Page 1 says how many pages there are; the rest are fetched a few at a time rather
        // than one after another (each still passes the rate limiter), so a large panel is
        // read in about the time of its largest page plus decoding, not the sum of them all.
        let first: List<T> = self.send_json(&page_req(1)).await?;
        let got = first.data.len();
        keep(first.data, &mut out);
        let Some(p) = first.meta.and_then(|m| m.pagination) else {
            return Ok(out); // not a paginated endpoint: that was everything
        };
        // The highest page count any page reported: rows added while reading can raise it.
        let mut total = if got == 0 { 1 } else { p.total_pages };
        let mut fetched: u64 = 1;
        while fetched < total {
            let mut set: JoinSet<(u64, Result<List<T>, PanelError>)> = JoinSet::new();
            let mut pages: BTreeMap<u64, List<T>> = BTreeMap::new();
            let mut next = fetched + 1;
            loop {
                while set.len() < PAGE_CONCURRENCY && next <= total {
                    let client = self.clone();
                    let req = page_req(next);
                    let n = next;
                    set.spawn(async move { (n, client.send_json(&req).await) });
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
            for (n, list) in pages {
                let empty = list.data.is_empty();
                if let Some(p) = list.meta.and_then(|m| m.pagination) {
                    total = total.max(p.total_pages);
                }
                keep(list.data, &mut out);
                fetched = n;
                // An empty page ends the walk even if the panel claims more.
                if empty {
                    return Ok(out);
                }
            }
            if fetched == before {
                break;
            }
        }
        Ok(out)
    }
}

/// Pages of one listing in flight at once, after the first.
const PAGE_CONCURRENCY: usize = 4;

/// Items with a panel id, for de-duplicating pages.
pub(crate) trait HasId {
    fn id(&self) -> Option<u64>;
}
