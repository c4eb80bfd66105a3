//! The time source. Deadlines and lateness depend on "now", so it is injected:
//! production uses the system clock, tests pin it.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that shows what it was last set to.
#[derive(Debug, Clone)]
pub struct FixedClock(Arc<RwLock<DateTime<Utc>>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Arc::new(RwLock::new(at)))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.write().expect("clock lock") = at;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.read().expect("clock lock")
    }
}
