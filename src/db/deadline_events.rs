//! Which `deadline.approaching` events were recorded on which day: one row
//! per (organisation, reminder item, Stockholm day), written in the event's
//! own write transaction (`service::deadline_events`).

use std::collections::HashSet;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::deadline_event_marks as marks;
use super::DbConn;

/// The items of `org` already announced on `day`.
pub fn marked(conn: &mut DbConn, org: &str, day: NaiveDate) -> QueryResult<HashSet<String>> {
    Ok(marks::table
        .filter(marks::organisation_id.eq(org))
        .filter(marks::day.eq(day))
        .select(marks::item)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// Notes that `item` of `org` was announced on `day`.
pub fn mark(conn: &mut DbConn, org: &str, item: &str, day: NaiveDate) -> QueryResult<()> {
    diesel::insert_into(marks::table)
        .values((
            marks::organisation_id.eq(org),
            marks::item.eq(item),
            marks::day.eq(day),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets the days before `day`: only today's marks decide anything.
pub fn prune_before(conn: &mut DbConn, day: NaiveDate) -> QueryResult<usize> {
    diesel::delete(marks::table.filter(marks::day.lt(day))).execute(conn)
}
