//! `FakeSis`: a SIS that returns a given read and counts how often it is read.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use rostersync_core::model::sis::{School, Term};
use rostersync_ports::{PortResult, SisRead, SisRequest, SisSource};

/// A SIS returning a fixed [`SisRead`] (replaceable with [`FakeSis::set`]).
#[derive(Debug, Default)]
pub struct FakeSis {
    read: Mutex<SisRead>,
    reads: AtomicUsize,
    requests: Mutex<Vec<SisRequest>>,
}

impl FakeSis {
    /// A SIS that returns `read`.
    pub fn new(read: SisRead) -> Self {
        FakeSis {
            read: Mutex::new(read),
            ..FakeSis::default()
        }
    }

    /// Replaces what the SIS returns.
    pub fn set(&self, read: SisRead) {
        *lock(&self.read) = read;
    }

    /// A copy of what the SIS returns.
    pub fn read(&self) -> SisRead {
        lock(&self.read).clone()
    }

    /// How many reads (schools, terms or snapshots) were made.
    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }

    /// The snapshot requests received, in order.
    pub fn requests(&self) -> Vec<SisRequest> {
        lock(&self.requests).clone()
    }
}

/// Locks a mutex, recovering the data of a poisoned one (a panicking test
/// thread must not hide the state from the others).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[async_trait]
impl SisSource for FakeSis {
    async fn schools(&self) -> PortResult<Vec<School>> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        Ok(lock(&self.read).snapshot.schools.clone())
    }

    async fn terms(&self, school_year: i32) -> PortResult<Vec<Term>> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        Ok(lock(&self.read)
            .snapshot
            .terms
            .iter()
            .filter(|term| term.school_year == school_year)
            .cloned()
            .collect())
    }

    async fn snapshot(&self, request: &SisRequest) -> PortResult<SisRead> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        lock(&self.requests).push(request.clone());
        Ok(lock(&self.read).clone())
    }
}
