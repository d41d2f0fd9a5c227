//! A district's jobs moving between workers keep the district's LMS rate
//! limit: two workers, each with its own Schoology client and database
//! pool and sharing nothing but the PostgreSQL store and queue, take one
//! district's two jobs one after the other. The second counts the calls the
//! first kept in the store: when they say Schoology asked for a wait, it
//! makes no call before the wait is over. The simulator, enforcing its
//! limit, refuses no call of either.

use std::path::Path;
use std::time::Duration as StdDuration;

use rostersync_core::SyncScope;
use rostersync_engine::CALL_MEMORY;
use rostersync_ports::{CallMemory, RunStatus, Trigger};
use rostersync_store_postgres::PASSWORD_ENV;
use rostersync_store_postgres::test_server::{DATABASE, PASSWORD, Server};

use super::*;
use crate::config;
use crate::demo::map_everything;
use crate::sim_district::SimDistrict;

/// The limit Schoology keeps to, per window.
const QUOTA: u32 = 20;
/// The limit the district is configured with: a little under Schoology's,
/// as the admin guide advises, so that a loaded test machine's delays never
/// crowd one window past Schoology's.
const CONFIGURED: u32 = 16;
const WINDOW_SECONDS: u64 = 2;
/// The wait Schoology asked the first worker for, at its end.
const PAUSE: StdDuration = StdDuration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_districts_jobs_moving_between_workers_keep_its_rate_limit() {
    let server = Server::start().await;
    let sims = SimDistrict::start(
        QUOTA,
        StdDuration::from_secs(WINDOW_SECONDS),
        &[(PASSWORD_ENV, PASSWORD.to_owned())],
    )
    .await;
    let lms = &sims.lms;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("district-a.toml");
    let limit = "rate_requests = 500\nrate_per_seconds = 5\n";
    let store = "path = \"rostersync.db\"\n";
    let text = &sims.config;
    assert!(text.contains(limit) && text.contains(store), "{text}");
    let text = text
        .replace(
            limit,
            &format!("rate_requests = {CONFIGURED}\nrate_per_seconds = {WINDOW_SECONDS}\n"),
        )
        .replace(
            store,
            &format!(
                "url = \"{}\"\ndistrict = \"district-a\"\n",
                server.url(DATABASE)
            ),
        );
    std::fs::write(&path, text).unwrap();
    let env = sims.env.clone();
    let load = |path: &Path| -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)?;
        Ok(config::parse(path, &text, &*env)?)
    };
    let quiet = Out { json: true };
    assert_eq!(map_everything(&path, &load, quiet).await.unwrap(), EXIT_OK);
    let config = load(&path).unwrap();
    assert_eq!(least_lease_of(&config, 3), 2 * WINDOW_SECONDS);
    assert_eq!(seconds(u64::MAX), Duration::seconds(7 * 24 * 3600));

    // Two workers: each wires its own engine, client and pool.
    let worker = |name: &'static str| {
        let config = config.clone();
        async move {
            let wired = wire::engine(&config, wire::now()).await.unwrap();
            (
                name,
                District {
                    id: "district-a".to_owned(),
                    config,
                    wired,
                },
            )
        }
    };
    let workers = [worker("worker-a").await, worker("worker-b").await];
    let queue = SharedQueue::open(server.options("district-a"))
        .await
        .unwrap();
    for _ in 0..2 {
        queue
            .put("district-a", SyncScope::All, Trigger::Manual, wire::now())
            .await
            .unwrap();
    }
    let key = lms.admin_credentials().key.clone();
    let before = lms.counters();
    let lease = Duration::seconds(60);
    let [(a_name, a), (b_name, b)] = &workers;
    let job = queue
        .take(a_name, wire::now(), lease)
        .await
        .unwrap()
        .unwrap();
    work_job(&queue, a, &job, a_name, lease, quiet).await;

    // The first worker's calls are kept for the district's next run; say
    // Schoology answered its last one with a Retry-After.
    let kept = kept_calls(a).await;
    assert_eq!(kept.origin, a.wired.lms.client().call_memory().origin);
    assert!(!kept.calls.is_empty());
    let (paused_at, paused_wall) = (std::time::Instant::now(), wire::now());
    let told = CallMemory {
        paused_until: Some(paused_wall + Duration::from_std(PAUSE).unwrap()),
        ..kept
    };
    wire::save_setting(a.wired.store.as_ref(), CALL_MEMORY, &told)
        .await
        .unwrap();
    let first_calls = lms.arrivals(&key).len();

    let job = queue
        .take(b_name, wire::now(), lease)
        .await
        .unwrap()
        .unwrap();
    work_job(&queue, b, &job, b_name, lease, quiet).await;
    assert!(
        queue
            .take(a_name, wire::now(), lease)
            .await
            .unwrap()
            .is_none()
    );

    // The second worker made no call before the wait was over.
    let arrivals = lms.arrivals(&key);
    let second = &arrivals[first_calls..];
    assert!(!second.is_empty());
    let ended = paused_at + PAUSE - StdDuration::from_millis(5);
    assert!(
        second[0] >= ended,
        "the second worker called {:?} after the wait began, before it ended",
        second[0].duration_since(paused_at)
    );
    assert_eq!(
        kept_calls(b).await.origin,
        b.wired.lms.client().call_memory().origin
    );

    // Both jobs ran, one on each worker, each calling the LMS.
    let runs = a.wired.store.runs(10).await.unwrap();
    let statuses: Vec<RunStatus> = runs.iter().map(|run| run.status).collect();
    assert_eq!(statuses, [RunStatus::Succeeded, RunStatus::Succeeded]);
    let calls: Vec<u64> = [a, b]
        .iter()
        .map(|district| district.wired.lms.client().call_stats().answers)
        .collect();
    assert!(calls.iter().all(|calls| *calls > 5), "{calls:?}");
    // The simulator, enforcing its limit, refused nothing.
    let counters = lms.counters();
    assert_eq!(counters.rate_limited, 0, "{counters:#?}");
    assert!(counters.peak() <= u64::from(QUOTA), "{counters:#?}");
    assert_eq!(
        counters.total_requests() - before.total_requests(),
        calls.iter().sum::<u64>()
    );
}

/// The LMS calls kept in the district's store.
async fn kept_calls(district: &District) -> CallMemory {
    wire::setting(district.wired.store.as_ref(), CALL_MEMORY)
        .await
        .unwrap()
        .unwrap()
}

#[test]
fn a_job_waits_for_a_held_lock_uncounted_retries_what_may_pass_and_fails_the_rest() {
    use rostersync_ports::{ErrorKind, PortError};
    let now = wire::now();
    let job = |attempts| SharedJob {
        id: 7,
        district: "district-a".to_owned(),
        scope: SyncScope::All,
        trigger: Trigger::Scheduled,
        attempts,
        lease_until: now,
    };
    let held = Err(EngineError::AlreadyRunning {
        scope: SyncScope::All,
        holder: "host-b process 12 (run 4)".to_owned(),
    });
    let JobOutcome::Later {
        not_before,
        reason,
        counted,
    } = job_outcome(&held, &job(3), now)
    else {
        panic!("a held lock is waited for");
    };
    assert_eq!(
        (not_before - now, counted),
        (Duration::seconds(LOCK_WAIT_SECONDS), false)
    );
    assert!(reason.contains("host-b process 12"), "{reason}");

    let unavailable = || {
        Err(EngineError::Lms {
            what: "read users",
            source: PortError::new(ErrorKind::Unavailable, "503 from Schoology"),
        })
    };
    let JobOutcome::Later {
        not_before,
        reason,
        counted,
    } = job_outcome(&unavailable(), &job(2), now)
    else {
        panic!("an unavailable LMS is tried again");
    };
    assert_eq!((not_before - now, counted), (Duration::seconds(120), true));
    assert!(reason.starts_with("attempt 2 of 5 failed"), "{reason}");
    let last = job_outcome(&unavailable(), &job(MAX_ATTEMPTS), now);
    assert!(
        matches!(&last, JobOutcome::Failed(reason) if reason.starts_with("gave up after 5 attempts") && reason.contains("503")),
        "{last:?}"
    );
    let refused = Err(EngineError::Lms {
        what: "write users",
        source: PortError::new(ErrorKind::Auth, "401"),
    });
    assert!(matches!(
        job_outcome(&refused, &job(1), now),
        JobOutcome::Failed(_)
    ));
}
