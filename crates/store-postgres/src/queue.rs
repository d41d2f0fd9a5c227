//! `SharedQueue`: one job queue for every district on the database, taken
//! from by any number of workers on any number of machines.
//!
//! A job is a row of `shared_jobs`: queued, taken (by a worker until its
//! lease ends), done or failed. [`SharedQueue::take`] hands a worker the
//! oldest due job in one transaction:
//!
//! - the candidate row is locked with `SELECT ... FOR UPDATE SKIP LOCKED`,
//!   so two takers never hold one job: each skips what another has locked;
//! - a district that has a job taken under a lease not yet ended is left
//!   out, so two syncs of one district never overlap. Two takers could each
//!   lock a different job of one district, so the taker then takes a
//!   transaction-scoped advisory lock of the district (without waiting:
//!   when another taker holds it, the district is skipped) and looks again,
//!   in a new statement, for a running job of the district: whoever held
//!   that lock before has committed by then, and its take is seen;
//! - a job whose lease has ended (its worker died or stalled) is due again
//!   and is taken with one more attempt; after [`MAX_ATTEMPTS`] it is
//!   marked failed with the reason instead.
//!
//! A lease is held while `now` is before its end, as the store's lock is;
//! every method takes `now` from the caller. A worker keeps its lease with
//! [`SharedQueue::renew`] and must stop working on a job whose renewal is
//! refused. Times are kept as nanoseconds since the Unix epoch, so the
//! statements compare them and they round-trip exactly.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::{Pool, Transaction};
use rostersync_core::scope::SyncScope;
use rostersync_ports::Trigger;
use tokio_postgres::Row;

use crate::error::PgStoreError;
use crate::options::{PgOptions, check_district};
use crate::store::{Cells, client, named, read_transaction, stored_count};

/// How many times a job is taken before a lease that ends without a finish
/// fails it, unless [`SharedQueue::max_attempts`] says otherwise.
pub const MAX_ATTEMPTS: u32 = 5;

/// The first key of the advisory lock a taker holds on a district (`"rsq"`
/// and a 1); the second is a hash of the district.
const TAKE_CLASS: i32 = 0x7273_7131;

/// The first key of the advisory lock [`SharedQueue::put_once`] holds on a
/// district (`"rsq"` and a 2).
const PUT_CLASS: i32 = 0x7273_7132;

/// The longest worker id.
const MAX_WORKER: usize = 200;

/// A job as a worker takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedJob {
    /// Id, shared by all districts and growing.
    pub id: i64,
    /// The district to sync.
    pub district: String,
    /// The object types.
    pub scope: SyncScope,
    /// What put it on the queue.
    pub trigger: Trigger,
    /// How many times it has been taken, this time included.
    pub attempts: u32,
    /// When the lease ends unless renewed.
    pub lease_until: DateTime<Utc>,
}

/// How a worker ends a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// The sync ran to its end.
    Done,
    /// The sync failed, for this reason.
    Failed(String),
    /// The sync did not run, or failed for a reason that may pass: the job
    /// goes back on the queue, due at `not_before`, with `reason` as its
    /// message. Unless `counted`, this take is not counted among its
    /// attempts (the district's lock was held by another run, say).
    Later {
        /// When it may be taken again.
        not_before: DateTime<Utc>,
        /// Why it waits.
        reason: String,
        /// Whether this take counts among its attempts.
        counted: bool,
    },
}

/// A job taken under a lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningJob {
    /// The job.
    pub job: i64,
    /// The worker that holds it.
    pub worker: String,
    /// When its lease ends unless renewed.
    pub lease_until: DateTime<Utc>,
}

/// The jobs of one district, as [`SharedQueue::pool`] counts them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DistrictJobs {
    /// Waiting to be taken, due or not yet.
    pub queued: u64,
    /// Taken under a lease not yet ended (at most one).
    pub running: Vec<RunningJob>,
    /// Taken under a lease that has ended: its worker is gone, and the next
    /// take resumes it (or fails it, after the last attempt).
    pub stalled: u64,
    /// Finished as done.
    pub done: u64,
    /// Failed, by its worker or after its last attempt.
    pub failed: u64,
    /// Why the latest failed job failed.
    pub last_failure: Option<String>,
    /// Why the first queued job that was put back waits, if one was.
    pub waiting: Option<String>,
}

/// A worker and its latest heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerSeen {
    /// The worker id.
    pub worker: String,
    /// When it was last seen.
    pub seen: DateTime<Utc>,
    /// Whether that was within the window [`SharedQueue::pool`] was given.
    pub alive: bool,
}

/// The pool at one instant: jobs by district and the workers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolStatus {
    /// Every district that has a job, by id.
    pub districts: BTreeMap<String, DistrictJobs>,
    /// Every worker ever seen, by id.
    pub workers: Vec<WorkerSeen>,
}

/// The queue shared by all districts and workers on one database.
///
/// Cheap to clone: clones share the pool.
#[derive(Clone)]
pub struct SharedQueue {
    pool: Pool,
    target: Arc<str>,
    max_attempts: u32,
}

impl fmt::Debug for SharedQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedQueue")
            .field("target", &self.target)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

/// A time as the queue keeps it.
fn nanos(at: DateTime<Utc>) -> Result<i64, PgStoreError> {
    at.timestamp_nanos_opt()
        .ok_or(PgStoreError::TimeOutOfRange(at))
}

/// `now + lease`, as the queue keeps it.
fn lease_end(now: DateTime<Utc>, lease: Duration) -> Result<i64, PgStoreError> {
    let end = now
        .checked_add_signed(lease)
        .ok_or(PgStoreError::LeaseTooLong(lease))?;
    end.timestamp_nanos_opt()
        .ok_or(PgStoreError::LeaseTooLong(lease))
}

/// `now` and `now + lease` as the queue keeps them, for a valid `worker`.
fn lease_times(
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<(i64, i64), PgStoreError> {
    check_worker(worker)?;
    Ok((nanos(now)?, lease_end(now, lease)?))
}

/// Refuses an empty or over-long worker id.
fn check_worker(worker: &str) -> Result<(), PgStoreError> {
    if worker.is_empty() || worker.chars().count() > MAX_WORKER {
        return Err(PgStoreError::Worker(worker.to_owned()));
    }
    Ok(())
}

/// A stored attempt count (never negative).
fn attempts_of(value: i32) -> Result<u32, PgStoreError> {
    u32::try_from(value).map_err(|_| PgStoreError::Decode {
        column: "shared_jobs.attempts",
        value: value.to_string(),
    })
}

/// Records that `worker` was seen at `now`.
async fn see(tx: &Transaction<'_>, worker: &str, now: i64) -> Result<(), PgStoreError> {
    tx.execute(
        "INSERT INTO workers (worker, seen_ns) VALUES ($1, $2)
         ON CONFLICT (worker) DO UPDATE SET seen_ns = GREATEST(workers.seen_ns, EXCLUDED.seen_ns)",
        &[&worker, &now],
    )
    .await
    .map(drop)
    .map_err(PgStoreError::pg("record a worker's heartbeat"))
}

/// Inserts a queued job; returns its id.
async fn insert(
    tx: &Transaction<'_>,
    district: &str,
    scope: SyncScope,
    trigger: Trigger,
    not_before: DateTime<Utc>,
) -> Result<i64, PgStoreError> {
    let what = "put a job on the shared queue";
    let row = tx
        .query_one(
            "INSERT INTO shared_jobs (district, scope, trigger, not_before_ns)
             VALUES ($1, $2, $3, $4) RETURNING id",
            &[
                &district,
                &scope.as_str(),
                &trigger.as_str(),
                &nanos(not_before)?,
            ],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    Cells::of(&row, what).get(0)
}

/// The job a take returned.
fn taken(row: &Row) -> Result<SharedJob, PgStoreError> {
    let what = "take a shared job";
    let cells = Cells::of(row, what);
    Ok(SharedJob {
        id: cells.get(0)?,
        district: cells.get(1)?,
        scope: named(
            "shared_jobs.scope",
            cells.get(2)?,
            &SyncScope::ALL,
            SyncScope::as_str,
        )?,
        trigger: named(
            "shared_jobs.trigger",
            cells.get(3)?,
            &Trigger::ALL,
            Trigger::as_str,
        )?,
        attempts: attempts_of(cells.get(4)?)?,
        lease_until: DateTime::from_timestamp_nanos(cells.get(5)?),
    })
}

impl SharedQueue {
    pub(crate) fn new(pool: Pool, target: Arc<str>) -> SharedQueue {
        SharedQueue {
            pool,
            target,
            max_attempts: MAX_ATTEMPTS,
        }
    }

    /// Connects with a pool of its own (as a worker process does) and
    /// brings the schema up to date, as [`PgStore::open`] does. The
    /// district of `options` is not used: the queue serves every district.
    ///
    /// # Errors
    ///
    /// As [`PgStore::open`].
    ///
    /// [`PgStore::open`]: crate::PgStore::open
    pub async fn open(options: PgOptions) -> Result<SharedQueue, PgStoreError> {
        let (pool, target) = crate::store::connect(&options).await?;
        Ok(SharedQueue::new(pool, target))
    }

    /// How many times a job is taken before a lease that ends without a
    /// finish fails it (at least 1; [`MAX_ATTEMPTS`] unless set).
    pub fn max_attempts(mut self, attempts: u32) -> SharedQueue {
        self.max_attempts = attempts.max(1);
        self
    }

    async fn client(&self) -> Result<deadpool_postgres::Client, PgStoreError> {
        client(&self.pool, &self.target).await
    }

    /// Puts a job of `district` on the queue, due at `not_before`; returns
    /// its id.
    ///
    /// # Errors
    ///
    /// An invalid district id or time, or a database failure.
    pub async fn put(
        &self,
        district: &str,
        scope: SyncScope,
        trigger: Trigger,
        not_before: DateTime<Utc>,
    ) -> Result<i64, PgStoreError> {
        check_district(district)?;
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(PgStoreError::pg("begin a put"))?;
        let id = insert(&tx, district, scope, trigger, not_before).await?;
        tx.commit()
            .await
            .map_err(PgStoreError::pg("commit a put"))?;
        Ok(id)
    }

    /// Puts a job of `district` on the queue as [`put`](SharedQueue::put)
    /// does, unless the district already has a job of `scope` that is open
    /// (queued or taken) or was put due at or after `since` (for a schedule:
    /// the window this job is for was already put). Takers of one district
    /// are serialized by an advisory lock, so two workers deciding at once
    /// put one job. Returns the new job's id, `None` when one was there.
    ///
    /// # Errors
    ///
    /// An invalid district id or time, or a database failure.
    pub async fn put_once(
        &self,
        district: &str,
        scope: SyncScope,
        trigger: Trigger,
        not_before: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> Result<Option<i64>, PgStoreError> {
        check_district(district)?;
        let what = "put a job on the shared queue once";
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(PgStoreError::pg("begin a put"))?;
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            &[&PUT_CLASS, &district],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
        let there = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM shared_jobs
                                WHERE district = $1 AND scope = $2
                                  AND (state IN ('queued', 'taken') OR not_before_ns >= $3))",
                &[&district, &scope.as_str(), &nanos(since)?],
            )
            .await
            .map_err(PgStoreError::pg(what))?;
        if Cells::of(&there, what).get::<bool>(0)? {
            return Ok(None);
        }
        let id = insert(&tx, district, scope, trigger, not_before).await?;
        tx.commit()
            .await
            .map_err(PgStoreError::pg("commit a put"))?;
        Ok(Some(id))
    }

    /// Takes the oldest job due at `now` of a district with no running job,
    /// for `worker` until `now + lease`, and records the worker as seen;
    /// `None` when there is none. A job whose lease has ended is taken
    /// again (one more attempt), or failed after the last attempt.
    ///
    /// # Errors
    ///
    /// An invalid worker id or lease, or a database failure (then nothing
    /// is taken).
    pub async fn take(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Option<SharedJob>, PgStoreError> {
        let (now, until) = lease_times(worker, now, lease)?;
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(PgStoreError::pg("begin a take"))?;
        see(&tx, worker, now).await?;
        let job = self.take_in(&tx, worker, now, until).await?;
        tx.commit()
            .await
            .map_err(PgStoreError::pg("commit a take"))?;
        Ok(job)
    }

    async fn take_in(
        &self,
        tx: &Transaction<'_>,
        worker: &str,
        now: i64,
        until: i64,
    ) -> Result<Option<SharedJob>, PgStoreError> {
        let what = "take a shared job";
        let max_attempts = i32::try_from(self.max_attempts).unwrap_or(i32::MAX);
        // Districts found busy once the advisory lock was held; each pass
        // takes a job, fails one or adds a district here, so the loop ends.
        let mut busy: Vec<String> = Vec::new();
        loop {
            let Some(row) = tx
                .query_opt(
                    "SELECT id, district, state, attempts, worker FROM shared_jobs AS j
                     WHERE ((state = 'queued' AND not_before_ns <= $1)
                            OR (state = 'taken' AND lease_until_ns <= $1))
                       AND NOT (district = ANY($2))
                       AND NOT EXISTS (SELECT 1 FROM shared_jobs AS r
                                       WHERE r.district = j.district AND r.state = 'taken'
                                         AND r.lease_until_ns > $1)
                     ORDER BY not_before_ns, id
                     LIMIT 1
                     FOR UPDATE SKIP LOCKED",
                    &[&now, &busy],
                )
                .await
                .map_err(PgStoreError::pg(what))?
            else {
                return Ok(None);
            };
            let cells = Cells::of(&row, what);
            let id: i64 = cells.get(0)?;
            let district: String = cells.get(1)?;
            let state: String = cells.get(2)?;
            let attempts: i32 = cells.get(3)?;
            if state == "taken" && attempts >= max_attempts {
                let last: Option<String> = cells.get(4)?;
                let reason = format!(
                    "gave up after {attempts} attempts: the lease of worker {} ended without a \
                     finish each time",
                    last.as_deref().unwrap_or("(unknown)")
                );
                tx.execute(
                    "UPDATE shared_jobs SET state = 'failed', lease_until_ns = NULL, message = $2
                     WHERE id = $1",
                    &[&id, &reason],
                )
                .await
                .map_err(PgStoreError::pg(what))?;
                continue;
            }
            let free = tx
                .query_one(
                    "SELECT pg_try_advisory_xact_lock($1, hashtext($2))
                            AND NOT EXISTS (SELECT 1 FROM shared_jobs
                                            WHERE district = $2 AND state = 'taken'
                                              AND lease_until_ns > $3)",
                    &[&TAKE_CLASS, &district, &now],
                )
                .await
                .map_err(PgStoreError::pg(what))?;
            if !Cells::of(&free, what).get::<bool>(0)? {
                busy.push(district);
                continue;
            }
            let row = tx
                .query_one(
                    "UPDATE shared_jobs
                     SET state = 'taken', worker = $2, lease_until_ns = $3, attempts = attempts + 1
                     WHERE id = $1
                     RETURNING id, district, scope, trigger, attempts, lease_until_ns",
                    &[&id, &worker, &until],
                )
                .await
                .map_err(PgStoreError::pg(what))?;
            return taken(&row).map(Some);
        }
    }

    /// Extends `worker`'s lease on `job` to `now + lease`, and records the
    /// worker as seen.
    ///
    /// # Errors
    ///
    /// [`PgStoreError::NotHeld`] when the job is not taken by `worker` under
    /// a lease that is still running at `now` (a lease that has ended is not
    /// renewed: another job of the district may have been taken since); an
    /// invalid worker id or lease; a database failure.
    pub async fn renew(
        &self,
        job: i64,
        worker: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<DateTime<Utc>, PgStoreError> {
        let (now, until) = lease_times(worker, now, lease)?;
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(PgStoreError::pg("begin a renewal"))?;
        let renewed = tx
            .execute(
                "UPDATE shared_jobs SET lease_until_ns = GREATEST(lease_until_ns, $4)
                 WHERE id = $1 AND worker = $2 AND state = 'taken' AND lease_until_ns > $3",
                &[&job, &worker, &now, &until],
            )
            .await
            .map_err(PgStoreError::pg("renew a lease"))?;
        if renewed == 0 {
            return Err(PgStoreError::NotHeld {
                job,
                worker: worker.to_owned(),
            });
        }
        see(&tx, worker, now).await?;
        tx.commit()
            .await
            .map_err(PgStoreError::pg("commit a renewal"))?;
        Ok(DateTime::from_timestamp_nanos(until))
    }

    /// Ends `worker`'s job as `outcome` says. A job whose lease has ended
    /// but that no other worker has taken yet may still be finished.
    ///
    /// # Errors
    ///
    /// [`PgStoreError::NotHeld`] when the job is not taken by `worker` (its
    /// lease ended and another worker took it, or it is finished); an
    /// invalid worker id; a database failure.
    pub async fn finish(
        &self,
        job: i64,
        worker: &str,
        outcome: &JobOutcome,
    ) -> Result<(), PgStoreError> {
        check_worker(worker)?;
        let client = self.client().await?;
        let finished = match outcome {
            JobOutcome::Done | JobOutcome::Failed(_) => {
                let (state, message) = match outcome {
                    JobOutcome::Failed(reason) => ("failed", Some(reason.as_str())),
                    _ => ("done", None),
                };
                client
                    .execute(
                        "UPDATE shared_jobs SET state = $3, message = $4, lease_until_ns = NULL
                         WHERE id = $1 AND worker = $2 AND state = 'taken'",
                        &[&job, &worker, &state, &message],
                    )
                    .await
            }
            JobOutcome::Later {
                not_before,
                reason,
                counted,
            } => {
                let uncounted: i32 = if *counted { 0 } else { 1 };
                client
                    .execute(
                        "UPDATE shared_jobs SET state = 'queued', not_before_ns = $3,
                                message = $4, lease_until_ns = NULL,
                                attempts = GREATEST(attempts - $5, 0)
                         WHERE id = $1 AND worker = $2 AND state = 'taken'",
                        &[&job, &worker, &nanos(*not_before)?, &reason, &uncounted],
                    )
                    .await
            }
        }
        .map_err(PgStoreError::pg("finish a shared job"))?;
        if finished == 0 {
            return Err(PgStoreError::NotHeld {
                job,
                worker: worker.to_owned(),
            });
        }
        Ok(())
    }

    /// Records that `worker` is alive at `now` (its heartbeat when idle;
    /// [`take`](SharedQueue::take) and [`renew`](SharedQueue::renew) record
    /// it too).
    ///
    /// # Errors
    ///
    /// An invalid worker id or time, or a database failure.
    pub async fn seen(&self, worker: &str, now: DateTime<Utc>) -> Result<(), PgStoreError> {
        check_worker(worker)?;
        let now = nanos(now)?;
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(PgStoreError::pg("begin a heartbeat"))?;
        see(&tx, worker, now).await?;
        tx.commit()
            .await
            .map_err(PgStoreError::pg("commit a heartbeat"))
    }

    /// The pool at `now`, read in one snapshot: each district's jobs
    /// queued, running (worker and lease end), stalled, done and failed,
    /// and each worker with its last heartbeat, alive when that was less
    /// than `alive_within` before `now`.
    ///
    /// # Errors
    ///
    /// An invalid time, or a database failure.
    pub async fn pool(
        &self,
        now: DateTime<Utc>,
        alive_within: Duration,
    ) -> Result<PoolStatus, PgStoreError> {
        let what = "read the shared queue";
        let at = nanos(now)?;
        let mut client = self.client().await?;
        let tx = read_transaction(&mut client).await?;
        let mut status = PoolStatus::default();
        let counts = tx
            .query(
                "SELECT district, state, count(*) FROM shared_jobs
                 WHERE state <> 'taken' OR lease_until_ns <= $1
                 GROUP BY district, state",
                &[&at],
            )
            .await
            .map_err(PgStoreError::pg(what))?;
        for row in &counts {
            let cells = Cells::of(row, what);
            let jobs = status.districts.entry(cells.get(0)?).or_default();
            let count = stored_count("shared_jobs count", cells.get(2)?)?;
            match cells.get::<String>(1)?.as_str() {
                "queued" => jobs.queued = count,
                "taken" => jobs.stalled = count,
                "done" => jobs.done = count,
                _ => jobs.failed = count,
            }
        }
        let running = tx
            .query(
                "SELECT district, id, worker, lease_until_ns FROM shared_jobs
                 WHERE state = 'taken' AND lease_until_ns > $1 ORDER BY district, id",
                &[&at],
            )
            .await
            .map_err(PgStoreError::pg(what))?;
        for row in &running {
            let cells = Cells::of(row, what);
            status
                .districts
                .entry(cells.get(0)?)
                .or_default()
                .running
                .push(RunningJob {
                    job: cells.get(1)?,
                    worker: cells.get(2)?,
                    lease_until: DateTime::from_timestamp_nanos(cells.get(3)?),
                });
        }
        let failures = tx
            .query(
                "SELECT DISTINCT ON (district) district, message FROM shared_jobs
                 WHERE state = 'failed' ORDER BY district, id DESC",
                &[],
            )
            .await
            .map_err(PgStoreError::pg(what))?;
        for row in &failures {
            let cells = Cells::of(row, what);
            status
                .districts
                .entry(cells.get(0)?)
                .or_default()
                .last_failure = cells.get(1)?;
        }
        let waiting = tx
            .query(
                "SELECT DISTINCT ON (district) district, message FROM shared_jobs
                 WHERE state = 'queued' AND message IS NOT NULL ORDER BY district, id",
                &[],
            )
            .await
            .map_err(PgStoreError::pg(what))?;
        for row in &waiting {
            let cells = Cells::of(row, what);
            status.districts.entry(cells.get(0)?).or_default().waiting = cells.get(1)?;
        }
        let workers = tx
            .query("SELECT worker, seen_ns FROM workers ORDER BY worker", &[])
            .await
            .map_err(PgStoreError::pg(what))?;
        for row in &workers {
            let cells = Cells::of(row, what);
            let seen = DateTime::from_timestamp_nanos(cells.get(1)?);
            status.workers.push(WorkerSeen {
                worker: cells.get(0)?,
                seen,
                alive: now - seen < alive_within,
            });
        }
        tx.commit().await.map_err(PgStoreError::pg("end a read"))?;
        Ok(status)
    }
}
