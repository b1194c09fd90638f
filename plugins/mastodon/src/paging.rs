//! Paging through Mastodon's lists (newest first on every page, `Link` headers between).
//!
//! - [`newer_than`] reads everything after a cursor without gaps: `min_id=C` returns the
//!   *oldest* `limit` items newer than `C` (newest first), and the `rel="prev"` link's
//!   `min_id` (the newest id on the page) starts the next page; it stops at an empty page
//!   or at the limit. (`since_id` would return the *newest* items and skip the rest.)
//! - [`newest`] reads the latest items backwards with `max_id`, following `rel="next"`;
//!   [`newest_while`] does so until an item falls out of a window (a time span), within a
//!   number of pages.

use std::cmp::Ordering;

use roost_sdk::StepError;
use serde::de::DeserializeOwned;

use crate::api::Api;
use crate::entities::{Notification, Status};
use crate::ids::cmp_ids;
use crate::link::PageLinks;

/// GETs one page of a list: a JSON array and its `Link` header.
pub fn get_page<T: DeserializeOwned>(api: &Api, path: &str, what: &str) -> Result<Page<T>, StepError> {
    let resp = api.get(path, what)?;
    let items: Vec<T> = resp.json()?;
    Ok(Page { items, links: PageLinks::from_header(resp.header("link")) })
}

/// An item of a paged list, by the id its list pages on.
pub trait Keyed {
    fn key(&self) -> &str;
}

impl Keyed for Notification {
    fn key(&self) -> &str {
        &self.id
    }
}

impl Keyed for Status {
    fn key(&self) -> &str {
        &self.id
    }
}

/// One page as the server sent it.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub links: PageLinks,
}

/// The pagination parameters of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// Items newer than the id, oldest first (`min_id`).
    After { min_id: String, limit: usize },
    /// Items older than the id, or the newest ones without it (`max_id`).
    Before { max_id: Option<String>, limit: usize },
}

impl Query {
    /// The query string, without `?`.
    pub fn to_query(&self) -> String {
        use crate::query::encode;
        match self {
            Self::After { min_id, limit } => format!("min_id={}&limit={limit}", encode(min_id)),
            Self::Before { max_id: Some(id), limit } => format!("max_id={}&limit={limit}", encode(id)),
            Self::Before { max_id: None, limit } => format!("limit={limit}"),
        }
    }
}

/// At most `limit` items newer than `cursor`, oldest first, and the newest id read (the
/// cursor to save), asking for at most `page_size` per request.
pub fn newer_than<T: Keyed>(
    cursor: &str,
    limit: usize,
    page_size: usize,
    mut fetch: impl FnMut(&Query) -> Result<Page<T>, StepError>,
) -> Result<(Vec<T>, String), StepError> {
    let mut out: Vec<T> = Vec::new();
    let mut seen = cursor.to_string();
    let mut min_id = cursor.to_string();
    while out.len() < limit {
        let want = (limit - out.len()).min(page_size);
        let page = fetch(&Query::After { min_id: min_id.clone(), limit: want })?;
        let mut items: Vec<T> = page.items.into_iter().filter(|i| cmp_ids(i.key(), &seen).is_gt()).collect();
        if items.is_empty() {
            break;
        }
        items.sort_by(|a, b| cmp_ids(a.key(), b.key()));
        items.dedup_by(|a, b| a.key() == b.key());
        // A server that ignored `limit`: keep the oldest, so nothing is skipped.
        let truncated = items.len() > want;
        items.truncate(want);
        let newest = items.last().map(|i| i.key().to_string()).unwrap_or_default();
        min_id = match page.links.prev_min_id {
            Some(prev) if !truncated && cmp_ids(&prev, &min_id).is_gt() && cmp_ids(&prev, &newest).is_le() => prev,
            _ => newest.clone(),
        };
        seen = newest;
        out.extend(items);
    }
    Ok((out, seen))
}

/// At most `limit` of the newest items, newest first, asking for at most `page_size` per
/// request.
pub fn newest<T: Keyed>(
    limit: usize,
    page_size: usize,
    fetch: impl FnMut(&Query) -> Result<Page<T>, StepError>,
) -> Result<Vec<T>, StepError> {
    Ok(newest_while(limit, page_size, usize::MAX, |_| true, fetch)?.0)
}

/// The newest items, newest first, up to the first one `keep` refuses (the list is
/// newest first, so everything after it is refused too), at most `limit` items and
/// `max_pages` requests; and whether a refused item or the list's end was reached, so
/// that nothing `keep` accepts was left unread.
pub fn newest_while<T: Keyed>(
    limit: usize,
    page_size: usize,
    max_pages: usize,
    keep: impl Fn(&T) -> bool,
    mut fetch: impl FnMut(&Query) -> Result<Page<T>, StepError>,
) -> Result<(Vec<T>, bool), StepError> {
    let mut out: Vec<T> = Vec::new();
    let mut max_id: Option<String> = None;
    for _ in 0..max_pages {
        if out.len() >= limit {
            return Ok((out, false));
        }
        let want = (limit - out.len()).min(page_size);
        let page = fetch(&Query::Before { max_id: max_id.clone(), limit: want })?;
        let below = |id: &str| max_id.as_deref().is_none_or(|m| cmp_ids(id, m) == Ordering::Less);
        let mut items: Vec<T> = page.items.into_iter().filter(|i| below(i.key())).collect();
        if items.is_empty() {
            return Ok((out, true));
        }
        items.sort_by(|a, b| cmp_ids(b.key(), a.key()));
        items.dedup_by(|a, b| a.key() == b.key());
        let truncated = items.len() > want;
        items.truncate(want);
        if let Some(stop) = items.iter().position(|i| !keep(i)) {
            items.truncate(stop);
            out.extend(items);
            return Ok((out, true));
        }
        let oldest = items.last().map(|i| i.key().to_string()).unwrap_or_default();
        max_id = Some(match page.links.next_max_id {
            Some(next) if !truncated && below(&next) && cmp_ids(&next, &oldest).is_ge() => next,
            _ => oldest,
        });
        out.extend(items);
    }
    Ok((out, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct Item(String);

    impl Keyed for Item {
        fn key(&self) -> &str {
            &self.0
        }
    }

    /// A list of ids `first..=last` (beyond 2^53) served like Mastodon, capped at `cap`.
    fn server(first: u64, last: u64, cap: usize) -> impl FnMut(&Query) -> Result<Page<Item>, StepError> {
        move |q: &Query| {
            let all: Vec<u64> = (first..=last).collect();
            let page: Vec<u64> = match q {
                Query::After { min_id, limit } => {
                    let min: u64 = min_id.parse().unwrap();
                    let mut p: Vec<u64> = all.iter().copied().filter(|&i| i > min).take((*limit).min(cap)).collect();
                    p.reverse();
                    p
                }
                Query::Before { max_id, limit } => {
                    let max: u64 = max_id.as_deref().map_or(u64::MAX, |m| m.parse().unwrap());
                    all.iter().rev().copied().filter(|&i| i < max).take((*limit).min(cap)).collect()
                }
            };
            let links = PageLinks {
                prev_min_id: page.first().map(u64::to_string),
                next_max_id: page.last().map(u64::to_string),
            };
            Ok(Page { items: page.iter().map(|i| Item(i.to_string())).collect(), links })
        }
    }

    const BASE: u64 = 113_000_000_000_000_000;

    #[test]
    fn reads_everything_after_the_cursor_oldest_first_across_pages() {
        let mut queries = Vec::new();
        let mut fetch = server(BASE + 1, BASE + 170, 80);
        let (items, cursor) = newer_than(&(BASE + 5).to_string(), 400, 80, |q: &Query| {
            queries.push(q.clone());
            fetch(q)
        })
        .unwrap();
        let ids: Vec<u64> = items.iter().map(|i| i.0.parse().unwrap()).collect();
        assert_eq!(ids, (BASE + 6..=BASE + 170).collect::<Vec<_>>());
        assert_eq!(cursor, (BASE + 170).to_string());
        // 80 + 80 + 5, then an empty page ends it.
        assert_eq!(queries.len(), 4);
        assert_eq!(queries[1], Query::After { min_id: (BASE + 85).to_string(), limit: 80 });
    }

    #[test]
    fn stops_at_the_limit_and_resumes_there() {
        let (items, cursor) = newer_than(&BASE.to_string(), 100, 80, server(BASE + 1, BASE + 170, 80)).unwrap();
        assert_eq!(items.len(), 100);
        assert_eq!(cursor, (BASE + 100).to_string());
        let (rest, cursor) = newer_than(&cursor, 400, 80, server(BASE + 1, BASE + 170, 80)).unwrap();
        assert_eq!(rest.first().unwrap().0, (BASE + 101).to_string());
        assert_eq!(rest.len(), 70);
        assert_eq!(cursor, (BASE + 170).to_string());
        let (none, same) = newer_than(&cursor, 400, 80, server(BASE + 1, BASE + 170, 80)).unwrap();
        assert!(none.is_empty());
        assert_eq!(same, cursor);
    }

    #[test]
    fn a_server_capping_pages_below_the_request_loses_nothing() {
        let (items, _) = newer_than(&BASE.to_string(), 50, 40, server(BASE + 1, BASE + 45, 7)).unwrap();
        assert_eq!(items.len(), 45);
    }

    #[test]
    fn a_server_ignoring_limit_is_cut_to_the_oldest() {
        let fetch = |_: &Query| {
            Ok(Page {
                items: vec![Item("30".into()), Item("20".into()), Item("10".into())],
                links: PageLinks { prev_min_id: Some("30".into()), next_max_id: Some("10".into()) },
            })
        };
        let (items, cursor) = newer_than("5", 2, 80, fetch).unwrap();
        assert_eq!(items, vec![Item("10".into()), Item("20".into())]);
        assert_eq!(cursor, "20");
    }

    #[test]
    fn newest_reads_backwards_with_max_id() {
        let mut queries = Vec::new();
        let mut fetch = server(BASE + 1, BASE + 100, 40);
        let items = newest(90, 40, |q: &Query| {
            queries.push(q.clone());
            fetch(q)
        })
        .unwrap();
        assert_eq!(items.len(), 90);
        assert_eq!(items[0].0, (BASE + 100).to_string());
        assert_eq!(items[89].0, (BASE + 11).to_string());
        assert_eq!(queries[0], Query::Before { max_id: None, limit: 40 });
        assert_eq!(queries[1], Query::Before { max_id: Some((BASE + 61).to_string()), limit: 40 });
        assert_eq!(queries[2], Query::Before { max_id: Some((BASE + 21).to_string()), limit: 10 });
        let few = newest(90, 40, server(BASE + 1, BASE + 3, 40)).unwrap();
        assert_eq!(few.len(), 3);
    }

    #[test]
    fn newest_while_stops_at_the_first_refused_item_or_the_page_budget() {
        let mut queries = 0;
        let mut fetch = server(BASE + 1, BASE + 100, 40);
        let keep = |i: &Item| i.0.parse::<u64>().unwrap() > BASE + 25;
        let (items, complete) = newest_while(400, 40, 10, keep, |q: &Query| {
            queries += 1;
            fetch(q)
        })
        .unwrap();
        assert_eq!(items.len(), 75);
        assert_eq!(items.last().unwrap().0, (BASE + 26).to_string());
        assert!(complete, "the window's start was reached");
        assert_eq!(queries, 2);
        let (items, complete) = newest_while(400, 40, 1, keep, server(BASE + 1, BASE + 100, 40)).unwrap();
        assert_eq!((items.len(), complete), (40, false), "one page only");
        let (items, complete) = newest_while(50, 40, 10, keep, server(BASE + 1, BASE + 100, 40)).unwrap();
        assert_eq!((items.len(), complete), (50, false), "cut by the limit");
        let (items, complete) = newest_while(400, 40, 10, |_: &Item| true, server(BASE + 1, BASE + 30, 40)).unwrap();
        assert_eq!((items.len(), complete), (30, true), "the list's end");
    }

    #[test]
    fn queries_render_as_mastodon_parameters() {
        assert_eq!(Query::After { min_id: "7".into(), limit: 80 }.to_query(), "min_id=7&limit=80");
        assert_eq!(Query::Before { max_id: Some("9".into()), limit: 5 }.to_query(), "max_id=9&limit=5");
        assert_eq!(Query::Before { max_id: None, limit: 40 }.to_query(), "limit=40");
    }
}
