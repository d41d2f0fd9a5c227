//! A write whose answer never comes: the simulator applies it, then holds
//! the connection open without answering, and tells the test it got there.
//! A test kills the client at that moment to leave a run cut off in the
//! middle of a phase, with a write the client never heard back from.

use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// One armed hold: the `pass + 1`-th matching write is held.
#[derive(Debug)]
struct Armed {
    method: String,
    route: String,
    pass: usize,
    reached: Arc<Notify>,
}

/// The hold switch, shared by the handler and the test handle.
#[derive(Debug, Default)]
pub(crate) struct Hold(Mutex<Option<Armed>>);

impl Hold {
    /// Arms the hold for the write after `pass` writes of `method` on
    /// `route` (a route pattern, e.g. `users` or `courses/{id}/sections`);
    /// returns what is notified when that write is held.
    pub(crate) fn arm(&self, method: &str, route: &str, pass: usize) -> Arc<Notify> {
        let reached = Arc::new(Notify::new());
        *super::router::lock(&self.0) = Some(Armed {
            method: method.to_owned(),
            route: route.to_owned(),
            pass,
            reached: reached.clone(),
        });
        reached
    }

    /// Whether this applied write is the one to hold; disarms when it is.
    fn take(&self, method: &str, route: &str) -> Option<Arc<Notify>> {
        let mut armed = super::router::lock(&self.0);
        let matches = armed
            .as_ref()
            .is_some_and(|a| a.method == method && a.route == route);
        if !matches {
            return None;
        }
        match armed.as_mut() {
            Some(a) if a.pass > 0 => {
                a.pass -= 1;
                None
            }
            _ => armed.take().map(|a| a.reached),
        }
    }

    /// After a write was applied: never answers the held one.
    pub(crate) async fn after_write(&self, method: &str, route: &str) {
        if let Some(reached) = self.take(method, route) {
            reached.notify_one();
            std::future::pending::<()>().await;
        }
    }
}
