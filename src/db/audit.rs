//! The append-only audit trail: rows are inserted, never updated or deleted.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_log;
use super::DbConn;

pub struct AuditEntry<'a> {
    pub organisation_id: Option<&'a str>,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub content_hash: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub at: NaiveDateTime,
}

pub fn record(conn: &mut DbConn, e: AuditEntry<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(uuid::Uuid::new_v4().to_string()),
            audit_log::organisation_id.eq(e.organisation_id),
            audit_log::actor.eq(e.actor),
            audit_log::action.eq(e.action),
            audit_log::entity.eq(e.entity),
            audit_log::entity_id.eq(e.entity_id),
            audit_log::content_hash.eq(e.content_hash),
            audit_log::reason.eq(e.reason),
            audit_log::at.eq(e.at),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub organisation_id: Option<String>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub content_hash: Option<String>,
    pub reason: Option<String>,
    pub at: NaiveDateTime,
}

/// Entries written together (a file's submissions), as multi-row inserts.
pub fn insert_rows(conn: &mut DbConn, rows: &[AuditRow]) -> QueryResult<()> {
    for chunk in rows.chunks(3000) {
        let insert = diesel::insert_into(audit_log::table).values(chunk);
        match conn {
            DbConn::Sqlite(c) => insert.execute(c)?,
            DbConn::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// The trail of one record, oldest first.
pub fn for_entity(conn: &mut DbConn, entity: &str, entity_id: &str) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::entity.eq(entity))
        .filter(audit_log::entity_id.eq(entity_id))
        .order((audit_log::at.asc(), audit_log::id.asc()))
        .select(AuditRow::as_select())
        .load(conn)
}
