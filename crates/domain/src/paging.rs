//! Paging of every list: which page to show and the page shown.

use serde::Serialize;
use utoipa::ToSchema;

use crate::validation::{Errors, FieldError};

/// Items per page when none is asked for.
pub const DEFAULT_PER_PAGE: i64 = 25;
/// Most items per page.
pub const MAX_PER_PAGE: i64 = 100;

/// Which page of a list to show, checked: `page` from 1, `per_page` from 1 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// The page number, from 1.
    pub page: i64,
    /// Items per page.
    pub per_page: i64,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest { page: 1, per_page: DEFAULT_PER_PAGE }
    }
}

impl PageRequest {
    /// Checks what a person asked for, filling in the defaults.
    pub fn new(page: Option<i64>, per_page: Option<i64>) -> Result<PageRequest, Vec<FieldError>> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut errors = Errors::new();
        errors.check(page < 1, "page", "must be 1 or more");
        errors.check(page > 1_000_000, "page", "must be at most 1000000");
        errors.check(!(1..=MAX_PER_PAGE).contains(&per_page), "per_page", format!("must be from 1 to {MAX_PER_PAGE}"));
        errors.finish(PageRequest { page, per_page })
    }

    /// How many items come before this page.
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

/// One page of a list, with the total number of items in the whole list.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// How many items the whole list holds.
    pub total: i64,
    /// This page's number, from 1.
    pub page: i64,
    /// Items per page.
    pub per_page: i64,
}

impl<T> Page<T> {
    /// A page of `items` out of `total`.
    pub fn new(items: Vec<T>, total: i64, request: PageRequest) -> Page<T> {
        Page { items, total, page: request.page, per_page: request.per_page }
    }

    /// The same page with each item turned into something else.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests() {
        let table = [
            (None, None, Some((1, 25))),
            (Some(3), Some(10), Some((3, 10))),
            (Some(0), None, None),
            (Some(-1), None, None),
            (None, Some(0), None),
            (None, Some(101), None),
            (None, Some(100), Some((1, 100))),
        ];
        for (page, per_page, expected) in table {
            let got = PageRequest::new(page, per_page).ok().map(|r| (r.page, r.per_page));
            assert_eq!(got, expected, "{page:?} {per_page:?}");
        }
        assert_eq!(PageRequest::new(Some(3), Some(10)).unwrap().offset(), 20);
    }
}
