//! Tenancy as storage sees it: which organisations' records a read may
//! return. The HTTP layer derives it from the caller (`auth::Caller::scope`);
//! every query of a record that belongs to an organisation takes one.

/// What a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Org(String),
}

impl Scope {
    pub fn allows(&self, org_id: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Org(o) => o == org_id,
        }
    }

    pub fn org(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::Org(o) => Some(o),
        }
    }
}
