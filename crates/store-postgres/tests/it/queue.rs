//! The queue shared by all districts and workers: every job taken once by
//! takers on their own pools, never two running jobs of one district, a dead
//! worker's job taken again once its lease passes, a job put back to wait,
//! the attempts cap, the pool's counts, and each job kept to the district it
//! was put for.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Duration, Utc};
use rostersync_core::scope::SyncScope;
use rostersync_ports::{ErrorKind, PortError, Trigger};
use rostersync_store_postgres::{
    JobOutcome, PgStoreError, RunningJob, SharedJob, SharedQueue, WorkerSeen,
};

use rostersync_store_postgres::test_server::Server;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn t0() -> DateTime<Utc> {
    at("2026-11-28T02:00:00Z")
}

async fn queue(server: &Server) -> SharedQueue {
    SharedQueue::open(server.options("unused")).await.unwrap()
}

fn not_held(error: PgStoreError, job: i64, worker: &str) {
    assert!(
        matches!(&error, PgStoreError::NotHeld { job: j, worker: w } if *j == job && w == worker),
        "{error:?}"
    );
    assert_eq!(PortError::from(error).kind(), ErrorKind::Conflict);
}

/// `worker` can neither renew nor finish `job` at `now`.
async fn refused(queue: &SharedQueue, job: i64, worker: &str, now: DateTime<Utc>) {
    let renewal = queue.renew(job, worker, now, Duration::seconds(30)).await;
    not_held(renewal.unwrap_err(), job, worker);
    let finish = queue.finish(job, worker, &JobOutcome::Done).await;
    not_held(finish.unwrap_err(), job, worker);
}

#[tokio::test]
async fn four_takers_take_every_job_once_and_never_two_of_one_district_at_once() {
    let server = Server::start().await;
    let scheduler = queue(&server).await;
    // The table itself refuses a second taken job of a district: no lease
    // ends in this test, so every taken job is running.
    server
        .client()
        .await
        .batch_execute(
            "CREATE UNIQUE INDEX one_running_per_district ON shared_jobs (district)
             WHERE state = 'taken'",
        )
        .await
        .unwrap();
    let now = t0();
    let lease = Duration::minutes(10);
    // A district's jobs side by side, so that a taker that skips a job
    // another has locked finds the next job of the same district: without
    // the second look under the district's advisory lock, the index above
    // refuses a take in every run.
    let mut put = Vec::new();
    for district in 0..10 {
        for _ in 0..4 {
            let id = scheduler
                .put(
                    &format!("district-{district}"),
                    SyncScope::All,
                    Trigger::Scheduled,
                    now,
                )
                .await
                .unwrap();
            put.push((id, format!("district-{district}")));
        }
    }
    // Each taker on its own pool, as separate processes would be.
    let mut takers = Vec::new();
    for index in 0..4 {
        takers.push((format!("worker-{index}"), queue(&server).await));
    }
    let holding: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());
    let most_at_once = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let runs = takers.iter().map(|(worker, queue)| {
        let (holding, most_at_once, finished) = (&holding, &most_at_once, &finished);
        async move {
            let mut mine: Vec<SharedJob> = Vec::new();
            // Bounded: far more tries than 40 jobs need.
            for _ in 0..100_000 {
                let Some(job) = queue.take(worker, now, lease).await.unwrap() else {
                    if finished.load(Ordering::SeqCst) == 40 {
                        break;
                    }
                    tokio::task::yield_now().await;
                    continue;
                };
                {
                    let mut held = holding.lock().unwrap();
                    let before = held.insert(job.district.clone(), worker.clone());
                    assert_eq!(before, None, "{} taken twice at once", job.district);
                    most_at_once.fetch_max(held.len(), Ordering::SeqCst);
                }
                // By the API: the district runs this job only, for this worker.
                let pool = queue.pool(now, Duration::minutes(1)).await.unwrap();
                assert_eq!(
                    pool.districts[&job.district].running,
                    vec![RunningJob {
                        job: job.id,
                        worker: worker.clone(),
                        lease_until: now + lease,
                    }]
                );
                tokio::task::yield_now().await;
                holding.lock().unwrap().remove(&job.district);
                queue
                    .finish(job.id, worker, &JobOutcome::Done)
                    .await
                    .unwrap();
                finished.fetch_add(1, Ordering::SeqCst);
                mine.push(job);
            }
            mine
        }
    });
    let taken: Vec<Vec<SharedJob>> = futures::future::join_all(runs).await;

    let mut all: Vec<(i64, String)> = taken
        .iter()
        .flatten()
        .map(|job| (job.id, job.district.clone()))
        .collect();
    all.sort();
    assert_eq!(all, put, "every job taken exactly once, for its district");
    assert!(taken.iter().flatten().all(|job| job.attempts == 1));
    assert!(
        taken.iter().filter(|mine| !mine.is_empty()).count() >= 2,
        "the takers shared the work: {:?}",
        taken.iter().map(Vec::len).collect::<Vec<_>>()
    );
    assert!(
        most_at_once.load(Ordering::SeqCst) >= 2,
        "districts ran side by side"
    );
    let pool = scheduler.pool(now, Duration::minutes(1)).await.unwrap();
    assert_eq!(pool.districts.len(), 10);
    for jobs in pool.districts.values() {
        assert_eq!((jobs.queued, jobs.done, jobs.failed), (0, 4, 0));
        assert!(jobs.running.is_empty());
    }
    let workers: Vec<&str> = pool.workers.iter().map(|w| w.worker.as_str()).collect();
    assert_eq!(workers, ["worker-0", "worker-1", "worker-2", "worker-3"]);
}

#[tokio::test]
async fn a_job_whose_worker_stops_renewing_is_taken_again_after_its_lease() {
    let server = Server::start().await;
    let (first, second) = (queue(&server).await, queue(&server).await);
    let lease = Duration::seconds(30);
    let id = first
        .put("district-a", SyncScope::Users, Trigger::Manual, t0())
        .await
        .unwrap();
    let job = first.take("worker-1", t0(), lease).await.unwrap().unwrap();
    assert_eq!(
        job,
        SharedJob {
            id,
            district: "district-a".to_owned(),
            scope: SyncScope::Users,
            trigger: Trigger::Manual,
            attempts: 1,
            lease_until: t0() + lease,
        }
    );
    // Held: nobody else takes it, and its worker renews it.
    let later = t0() + Duration::seconds(20);
    assert_eq!(second.take("worker-2", later, lease).await.unwrap(), None);
    assert_eq!(
        first.renew(id, "worker-1", later, lease).await.unwrap(),
        later + lease
    );
    refused(&second, id, "worker-2", later).await;
    let before_end = later + lease - Duration::nanoseconds(1);
    assert_eq!(
        second.take("worker-2", before_end, lease).await.unwrap(),
        None
    );
    // worker-1 dies. At its lease's end the job is free again.
    let end = later + lease;
    let pool = second.pool(end, Duration::seconds(10)).await.unwrap();
    assert_eq!(pool.districts["district-a"].stalled, 1);
    assert!(pool.districts["district-a"].running.is_empty());
    let again = second.take("worker-2", end, lease).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (id, 2));
    assert_eq!(again.lease_until, end + lease);
    // The dead worker, back, can neither renew nor finish it.
    refused(&first, id, "worker-1", end).await;
    let pool = first.pool(end, Duration::seconds(10)).await.unwrap();
    assert_eq!(
        pool.districts["district-a"].running,
        vec![RunningJob {
            job: id,
            worker: "worker-2".to_owned(),
            lease_until: end + lease,
        }]
    );
    // worker-1 last seen at its renewal, 30 s before: not alive.
    assert_eq!(
        pool.workers,
        vec![
            WorkerSeen {
                worker: "worker-1".to_owned(),
                seen: later,
                alive: false,
            },
            WorkerSeen {
                worker: "worker-2".to_owned(),
                seen: end,
                alive: true,
            },
        ]
    );
    second
        .finish(id, "worker-2", &JobOutcome::Done)
        .await
        .unwrap();
    // Finished: no one can finish or renew it again, and it is not taken.
    not_held(
        second
            .finish(id, "worker-2", &JobOutcome::Done)
            .await
            .unwrap_err(),
        id,
        "worker-2",
    );
    let far = end + Duration::hours(1);
    assert_eq!(second.take("worker-3", far, lease).await.unwrap(), None);
    let pool = second.pool(far, Duration::seconds(10)).await.unwrap();
    assert_eq!(pool.districts["district-a"].done, 1);
    assert_eq!(pool.districts["district-a"].stalled, 0);
}

#[tokio::test]
async fn a_job_taken_too_often_fails_with_the_reason_and_the_pool_counts_it() {
    let server = Server::start().await;
    let queue = queue(&server).await.max_attempts(3);
    let lease = Duration::seconds(30);
    let doomed = queue
        .put("district-a", SyncScope::All, Trigger::Scheduled, t0())
        .await
        .unwrap();
    let mut now = t0();
    for attempt in 1..=3 {
        let job = queue
            .take(&format!("worker-{attempt}"), now, lease)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((job.id, job.attempts), (doomed, attempt));
        now += lease;
    }
    // Later jobs: one of A behind the doomed one, one of B to fail by its
    // worker, one of C running, one of D not yet due.
    let next_a = queue
        .put("district-a", SyncScope::Users, Trigger::Manual, t0())
        .await
        .unwrap();
    let of_b = queue
        .put("district-b", SyncScope::All, Trigger::Manual, t0())
        .await
        .unwrap();
    queue
        .put("district-c", SyncScope::All, Trigger::Manual, t0())
        .await
        .unwrap();
    queue
        .put(
            "district-d",
            SyncScope::All,
            Trigger::Scheduled,
            now + Duration::hours(1),
        )
        .await
        .unwrap();
    // The third lease has ended: the doomed job fails, and the take goes on
    // to A's next job.
    let job = queue.take("worker-4", now, lease).await.unwrap().unwrap();
    assert_eq!((job.id, job.attempts), (next_a, 1));
    let job = queue.take("worker-4", now, lease).await.unwrap().unwrap();
    assert_eq!(job.id, of_b);
    queue
        .finish(
            of_b,
            "worker-4",
            &JobOutcome::Failed("the LMS refused the token".to_owned()),
        )
        .await
        .unwrap();
    let of_c = queue.take("worker-5", now, lease).await.unwrap().unwrap();
    assert_eq!(of_c.district, "district-c");
    assert_eq!(queue.take("worker-6", now, lease).await.unwrap(), None);

    let pool = queue.pool(now, Duration::minutes(1)).await.unwrap();
    let a = &pool.districts["district-a"];
    assert_eq!((a.queued, a.stalled, a.done, a.failed), (0, 0, 0, 1));
    assert_eq!(a.running.len(), 1);
    let reason = a.last_failure.as_deref().unwrap();
    assert!(
        reason.contains("after 3 attempts") && reason.contains("worker-3"),
        "{reason}"
    );
    let b = &pool.districts["district-b"];
    assert_eq!((b.queued, b.failed, b.running.len()), (0, 1, 0));
    assert_eq!(b.last_failure.as_deref(), Some("the LMS refused the token"));
    let c = &pool.districts["district-c"];
    assert_eq!((c.queued, c.failed, c.running.len()), (0, 0, 1));
    assert_eq!(c.running[0].worker, "worker-5");
    let d = &pool.districts["district-d"];
    assert_eq!((d.queued, d.failed, d.running.len()), (1, 0, 0));
    assert_eq!(pool.districts.len(), 4);
    // Workers 1 to 3 were seen at their takes, 30 s or more before.
    let alive: Vec<(&str, bool)> = pool
        .workers
        .iter()
        .map(|w| (w.worker.as_str(), w.alive))
        .collect();
    assert_eq!(
        alive,
        [
            ("worker-1", false),
            ("worker-2", false),
            ("worker-3", true),
            ("worker-4", true),
            ("worker-5", true),
            ("worker-6", true),
        ]
    );
    // The failed job stays failed: no take brings it back.
    let far = now + Duration::days(1);
    let taken = queue.take("worker-7", far, lease).await.unwrap().unwrap();
    assert_eq!(taken.district, "district-a");
    assert_ne!(taken.id, doomed);
}

#[tokio::test]
async fn a_job_put_back_waits_until_its_time_counting_its_attempt_only_when_asked() {
    let server = Server::start().await;
    let queue = queue(&server).await;
    let lease = Duration::seconds(30);
    let id = queue
        .put("district-a", SyncScope::All, Trigger::Scheduled, t0())
        .await
        .unwrap();
    let job = queue.take("worker-1", t0(), lease).await.unwrap().unwrap();
    assert_eq!((job.id, job.attempts), (id, 1));
    // Another run held the district's lock: back on the queue for a minute,
    // the take not counted; only the worker that holds the job may say so.
    let wait = |counted| JobOutcome::Later {
        not_before: t0() + Duration::minutes(1),
        reason: "the sync lock is held by another run".to_owned(),
        counted,
    };
    not_held(
        queue
            .finish(id, "worker-2", &wait(false))
            .await
            .unwrap_err(),
        id,
        "worker-2",
    );
    queue.finish(id, "worker-1", &wait(false)).await.unwrap();
    let pool = queue.pool(t0(), Duration::minutes(5)).await.unwrap();
    let jobs = &pool.districts["district-a"];
    assert_eq!((jobs.queued, jobs.running.len(), jobs.failed), (1, 0, 0));
    assert_eq!(
        jobs.waiting.as_deref(),
        Some("the sync lock is held by another run")
    );
    let before = t0() + Duration::seconds(59);
    assert!(
        queue
            .take("worker-2", before, lease)
            .await
            .unwrap()
            .is_none()
    );
    let again = t0() + Duration::minutes(1);
    let job = queue.take("worker-2", again, lease).await.unwrap().unwrap();
    assert_eq!((job.id, job.attempts), (id, 1), "the wait was not counted");
    // A failure that may pass counts its attempt.
    queue.finish(id, "worker-2", &wait(true)).await.unwrap();
    let job = queue.take("worker-3", again, lease).await.unwrap().unwrap();
    assert_eq!((job.id, job.attempts), (id, 2));
    queue
        .finish(id, "worker-3", &JobOutcome::Done)
        .await
        .unwrap();
    let pool = queue.pool(again, Duration::minutes(5)).await.unwrap();
    let jobs = &pool.districts["district-a"];
    assert_eq!(
        (jobs.queued, jobs.done, jobs.waiting.as_deref()),
        (0, 1, None)
    );
}

#[tokio::test]
async fn a_job_stays_with_its_district_and_a_busy_district_holds_back_no_other() {
    let server = Server::start().await;
    let queue = queue(&server).await;
    let lease = Duration::minutes(5);
    // Ids that look like SQL and like each other stay apart.
    let districts = [
        "district-a",
        "district-a ",
        "a'; DROP TABLE shared_jobs; --",
    ];
    let mut put = BTreeMap::new();
    for district in districts {
        for _ in 0..2 {
            let id = queue
                .put(district, SyncScope::Sections, Trigger::Manual, t0())
                .await
                .unwrap();
            put.insert(id, district);
        }
    }
    // Each district's first job runs at once; the second waits for it.
    let mut first_round = Vec::new();
    for worker in ["w1", "w2", "w3"] {
        let job = queue.take(worker, t0(), lease).await.unwrap().unwrap();
        assert_eq!(put[&job.id], job.district);
        first_round.push(job);
    }
    let mut running: Vec<&str> = first_round.iter().map(|j| j.district.as_str()).collect();
    running.sort_unstable();
    let mut expected = districts.to_vec();
    expected.sort_unstable();
    assert_eq!(running, expected);
    assert_eq!(queue.take("w4", t0(), lease).await.unwrap(), None);
    // One district finishes: only its next job is free.
    let done = &first_round[1];
    queue
        .finish(done.id, "w2", &JobOutcome::Done)
        .await
        .unwrap();
    let next = queue.take("w4", t0(), lease).await.unwrap().unwrap();
    assert_eq!(next.district, done.district);
    assert_eq!(put[&next.id], done.district);
    assert_eq!(queue.take("w5", t0(), lease).await.unwrap(), None);
    // A job not yet due is not taken before its time: the takes just
    // before it resume the three stalled jobs (their leases have ended),
    // one per district, and nothing else.
    let later = t0() + Duration::hours(2);
    let due_later = queue
        .put("district-b", SyncScope::All, Trigger::Scheduled, later)
        .await
        .unwrap();
    let before = later - Duration::nanoseconds(1);
    let mut resumed = Vec::new();
    while let Some(job) = queue.take("w5", before, Duration::hours(1)).await.unwrap() {
        assert_eq!(put[&job.id], job.district);
        assert_eq!(job.attempts, 2);
        resumed.push(job.district);
        assert!(resumed.len() <= 3, "{resumed:?}");
    }
    resumed.sort_unstable();
    assert_eq!(resumed, expected);
    let job = queue.take("w6", later, lease).await.unwrap().unwrap();
    assert_eq!((job.id, job.district.as_str()), (due_later, "district-b"));
    // Bad ids are refused before they reach the database.
    assert!(matches!(
        queue
            .put("", SyncScope::All, Trigger::Manual, t0())
            .await
            .unwrap_err(),
        PgStoreError::District(_)
    ));
    assert!(matches!(
        queue.take("", t0(), lease).await.unwrap_err(),
        PgStoreError::Worker(_)
    ));
}

/// The figure of M15's queue throughput: jobs taken (and finished) per
/// second by 4 workers on their own pools, over 1000 jobs of 100 districts.
/// Printed (`--nocapture`), not asserted: only that every job was taken once.
#[tokio::test]
async fn four_workers_take_a_thousand_jobs_and_the_rate_is_printed() {
    let server = Server::start().await;
    let scheduler = queue(&server).await;
    let now = t0();
    for round in 0..10 {
        for district in 0..100 {
            let scope = SyncScope::ALL[(round + district) % SyncScope::ALL.len()];
            scheduler
                .put(
                    &format!("district-{district}"),
                    scope,
                    Trigger::Scheduled,
                    now,
                )
                .await
                .unwrap();
        }
    }
    let mut workers = Vec::new();
    for index in 0..4 {
        workers.push((format!("worker-{index}"), queue(&server).await));
    }
    let started = std::time::Instant::now();
    let runs = workers.iter().map(|(worker, queue)| async move {
        let mut taken = Vec::new();
        // Bounded: a take returns None only when every due district is
        // running elsewhere; the others finish their jobs meanwhile.
        for _ in 0..100_000 {
            match queue.take(worker, now, Duration::minutes(5)).await.unwrap() {
                Some(job) => {
                    queue
                        .finish(job.id, worker, &JobOutcome::Done)
                        .await
                        .unwrap();
                    taken.push(job.id);
                }
                None => {
                    let pool = queue.pool(now, Duration::minutes(1)).await.unwrap();
                    let left: u64 = pool
                        .districts
                        .values()
                        .map(|jobs| jobs.queued + jobs.running.len() as u64)
                        .sum();
                    if left == 0 {
                        break;
                    }
                }
            }
        }
        taken
    });
    let taken: Vec<Vec<i64>> = futures::future::join_all(runs).await;
    let elapsed = started.elapsed();
    let mut all: Vec<i64> = taken.into_iter().flatten().collect();
    let total = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!((all.len(), total), (1000, 1000));
    println!(
        "shared queue: 1000 jobs of 100 districts taken and finished by 4 workers in {:.3} s: \
         {:.0} jobs/s",
        elapsed.as_secs_f64(),
        1000.0 / elapsed.as_secs_f64()
    );
}

#[tokio::test]
async fn put_once_puts_one_job_per_district_scope_and_window_even_from_racing_workers() {
    let server = Server::start().await;
    let (first, second) = (queue(&server).await, queue(&server).await);
    let window = t0() - Duration::minutes(5);
    let (a, b) = tokio::join!(
        first.put_once(
            "district-a",
            SyncScope::All,
            Trigger::Scheduled,
            t0(),
            window
        ),
        second.put_once(
            "district-a",
            SyncScope::All,
            Trigger::Scheduled,
            t0(),
            window
        ),
    );
    let ids: Vec<i64> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    // Another district and another scope are apart.
    for (district, scope) in [
        ("district-b", SyncScope::All),
        ("district-a", SyncScope::Users),
    ] {
        let put = first
            .put_once(district, scope, Trigger::Scheduled, t0(), window)
            .await
            .unwrap();
        assert!(put.is_some(), "{district} {scope}");
    }
    // Taken and finished, the window is still put: no second job for it.
    let job = first
        .take("worker-1", t0(), Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.id, ids[0]);
    first
        .finish(job.id, "worker-1", &JobOutcome::Done)
        .await
        .unwrap();
    let again = second
        .put_once(
            "district-a",
            SyncScope::All,
            Trigger::Scheduled,
            t0(),
            window,
        )
        .await
        .unwrap();
    assert_eq!(again, None);
    // The next window is put.
    let next = t0() + Duration::days(1);
    let later = second
        .put_once("district-a", SyncScope::All, Trigger::Scheduled, next, next)
        .await
        .unwrap();
    assert!(later.is_some());
}
