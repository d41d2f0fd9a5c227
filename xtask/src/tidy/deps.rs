//! The dependency directions of DESIGN.md §2, checked on the workspace's dependency graph.
//!
//! The rules are a table of data ([`RULES`]) keyed by package name.
//! A crate that does not exist yet is simply absent from the graph, and its rules start to apply the day it arrives.
//! The graph holds what each workspace manifest declares (`cargo metadata --no-deps`): direct edges, with their kind.
//! Most rules also follow normal edges through other workspace crates, so a detour through another internal crate is caught too;
//! one mistake can then show up once for each crate above it, each message naming its path.

use std::{
    collections::{BTreeMap, BTreeSet, VecDeque},
    path::Path,
};

use anyhow::Context;
use cargo_metadata::{DependencyKind, MetadataCommand};

const CORE: &str = "rostersync-core";
const PORTS: &str = "rostersync-ports";
const ENGINE: &str = "rostersync-engine";
const STORE: &str = "rostersync-store";
const STORE_PG: &str = "rostersync-store-postgres";
const SIM: &str = "rostersync-sim";
/// The retry policy the SIS clients share.
const RETRY: &str = "rostersync-retry";
/// The binary package; the top of the graph.
const BIN: &str = "rostersync";
const XTASK: &str = "xtask";
const TESTS: &str = "rostersync-tests";
/// The SIS and LMS clients with their adapters.
const CLIENTS: &[&str] = &[
    "rostersync-eschoolplus",
    "rostersync-schoology",
    "rostersync-oneroster",
];

/// Dependency kinds a rule looks at.
const LINKED: &[Kind] = &[Kind::Normal, Kind::Build];
const NORMAL: &[Kind] = &[Kind::Normal];
const ALL: &[Kind] = &[Kind::Normal, Kind::Build, Kind::Dev];

/// The rules, in the order violations are reported.
const RULES: &[Rule] = &[
    Rule {
        subject: Subject::Named(&[CORE]),
        forbid: Forbid::Named(&[
            "tokio",
            "reqwest",
            "hyper",
            "async-trait",
            "governor",
            "rusqlite",
        ]),
        kinds: LINKED,
        transitive: true,
        why: "the core is pure: no async runtime, HTTP or database",
    },
    Rule {
        subject: Subject::Named(&[CORE]),
        forbid: Forbid::InternalExcept(&[]),
        kinds: LINKED,
        transitive: true,
        why: "the core is the bottom layer and names no other rostersync crate",
    },
    Rule {
        subject: Subject::Named(&[PORTS]),
        forbid: Forbid::InternalExcept(&[CORE]),
        kinds: LINKED,
        transitive: true,
        why: "the ports are traits over core types and sit directly on the core",
    },
    Rule {
        subject: Subject::Named(&[PORTS]),
        forbid: Forbid::Named(&["reqwest", "hyper", "tokio", "governor"]),
        kinds: LINKED,
        transitive: true,
        why: "the seams name no transport, runtime or rate limiter",
    },
    Rule {
        subject: Subject::Named(&[RETRY]),
        forbid: Forbid::InternalExcept(&[]),
        kinds: LINKED,
        transitive: true,
        why: "the shared retry policy sits below the clients and names no rostersync crate",
    },
    Rule {
        subject: Subject::Named(&[RETRY]),
        forbid: Forbid::Named(&["reqwest", "hyper"]),
        kinds: LINKED,
        transitive: true,
        why: "the shared retry policy decides waits, not transports; each client classifies its own failures",
    },
    Rule {
        subject: Subject::Named(CLIENTS),
        forbid: Forbid::Named(&[ENGINE, STORE, BIN]),
        kinds: ALL,
        transitive: true,
        why: "a client needs only core and ports; it knows nothing of who drives it",
    },
    Rule {
        subject: Subject::Named(CLIENTS),
        forbid: Forbid::Named(CLIENTS),
        kinds: ALL,
        transitive: true,
        why: "clients do not know each other",
    },
    Rule {
        subject: Subject::Named(&[ENGINE]),
        forbid: Forbid::Named(CLIENTS),
        kinds: ALL,
        transitive: true,
        why: "the engine names no client; adapters plug in through the ports",
    },
    Rule {
        subject: Subject::Named(&[ENGINE]),
        forbid: Forbid::Named(&["reqwest", "hyper"]),
        kinds: LINKED,
        transitive: true,
        why: "only clients speak HTTP",
    },
    Rule {
        subject: Subject::Named(&[STORE, STORE_PG]),
        forbid: Forbid::Named(CLIENTS),
        kinds: ALL,
        transitive: true,
        why: "the store keeps state behind the StateStore port and names no client",
    },
    Rule {
        subject: Subject::Named(&[SIM]),
        forbid: Forbid::Named(&[ENGINE]),
        kinds: ALL,
        transitive: true,
        why: "the simulators stand in for the outside world, which does not know the engine",
    },
    Rule {
        subject: Subject::Any,
        forbid: Forbid::Named(&[BIN]),
        kinds: ALL,
        transitive: false,
        why: "the `rostersync` binary is the top of the graph; nothing depends on it",
    },
    Rule {
        subject: Subject::Any,
        forbid: Forbid::Named(&[XTASK]),
        kinds: ALL,
        transitive: false,
        why: "xtask is tooling and never a dependency",
    },
    Rule {
        subject: Subject::Library,
        forbid: Forbid::Named(&["anyhow"]),
        kinds: NORMAL,
        transitive: false,
        why: "libraries return typed errors (thiserror); anyhow is for the binary, xtask, tests and benches",
    },
];

/// The kind of a dependency edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Normal,
    Build,
    Dev,
}

/// One workspace package and the dependencies its manifest declares.
#[derive(Debug, Clone)]
pub(crate) struct Package {
    pub(crate) name: String,
    /// Path of the manifest, relative to the workspace root, for messages.
    pub(crate) manifest: String,
    pub(crate) deps: Vec<Dep>,
}

/// One declared dependency, by package name (not by its `rename`).
#[derive(Debug, Clone)]
pub(crate) struct Dep {
    pub(crate) name: String,
    pub(crate) kind: Kind,
}

/// The workspace packages, by name.
#[derive(Debug)]
pub(crate) struct Graph {
    packages: BTreeMap<String, Package>,
}

/// A broken dependency rule.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Violation {
    pub(crate) manifest: String,
    pub(crate) message: String,
}

#[derive(Debug)]
struct Rule {
    subject: Subject,
    forbid: Forbid,
    kinds: &'static [Kind],
    /// Also follow normal edges through workspace crates.
    transitive: bool,
    why: &'static str,
}

/// Which workspace packages a rule applies to.
#[derive(Debug)]
enum Subject {
    Named(&'static [&'static str]),
    /// Every workspace package except the binary, xtask, the tests crate and benchmark crates.
    Library,
    Any,
}

/// What a rule forbids.
#[derive(Debug)]
enum Forbid {
    Named(&'static [&'static str]),
    /// Every workspace package but these.
    InternalExcept(&'static [&'static str]),
}

impl Graph {
    /// The workspace's graph, from `cargo metadata --no-deps` run in `root`.
    pub(crate) fn from_metadata(root: &Path) -> anyhow::Result<Graph> {
        let metadata = MetadataCommand::new()
            .current_dir(root)
            .no_deps()
            .exec()
            .context("running `cargo metadata`")?;
        let packages = metadata.workspace_packages().into_iter().map(|package| {
            let manifest = package.manifest_path.as_std_path();
            let manifest = manifest.strip_prefix(root).unwrap_or(manifest);
            let deps = package
                .dependencies
                .iter()
                .map(|dep| Dep {
                    name: dep.name.clone(),
                    kind: match dep.kind {
                        DependencyKind::Development => Kind::Dev,
                        DependencyKind::Build => Kind::Build,
                        _ => Kind::Normal,
                    },
                })
                .collect();
            Package {
                name: package.name.to_string(),
                manifest: manifest.display().to_string(),
                deps,
            }
        });
        Ok(Graph::new(packages))
    }

    /// A graph of these workspace packages.
    pub(crate) fn new(packages: impl IntoIterator<Item = Package>) -> Graph {
        Graph {
            packages: packages.into_iter().map(|p| (p.name.clone(), p)).collect(),
        }
    }

    /// The number of workspace packages.
    pub(crate) fn len(&self) -> usize {
        self.packages.len()
    }

    fn is_internal(&self, name: &str) -> bool {
        self.packages.contains_key(name)
    }
}

/// Checks every rule on every package of `graph`, and returns all violations.
pub(crate) fn check(graph: &Graph) -> Vec<Violation> {
    let mut violations = Vec::new();
    for rule in RULES {
        for package in graph
            .packages
            .values()
            .filter(|p| rule.subject.matches(&p.name))
        {
            for (target, path) in reachable(graph, package, rule) {
                if !rule.forbid.matches(graph, package, &target) {
                    continue;
                }
                let via = match path.as_slice() {
                    [] => String::new(),
                    hops => format!(" (via {})", hops.join(" -> ")),
                };
                violations.push(Violation {
                    manifest: package.manifest.clone(),
                    message: format!("{} depends on {target}{via}: {}", package.name, rule.why),
                });
            }
        }
    }
    violations
}

/// Every package `package` depends on under `rule`, each with the internal crates on the way.
fn reachable(graph: &Graph, package: &Package, rule: &Rule) -> BTreeMap<String, Vec<String>> {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut visited = BTreeSet::from([package.name.clone()]);
    let mut queue = VecDeque::from([(package, Vec::<String>::new())]);
    while let Some((from, path)) = queue.pop_front() {
        let first_hop = path.is_empty();
        for dep in &from.deps {
            // Past the first hop only normal edges count: the build script and tests of a
            // dependency are not part of the subject.
            let kinds = if first_hop { rule.kinds } else { NORMAL };
            if !kinds.contains(&dep.kind) || dep.name == package.name {
                continue;
            }
            found
                .entry(dep.name.clone())
                .or_insert_with(|| path.clone());
            let follow = rule.transitive && dep.kind == Kind::Normal;
            if let Some(next) = graph.packages.get(&dep.name).filter(|_| follow) {
                if visited.insert(next.name.clone()) {
                    let mut next_path = path.clone();
                    next_path.push(next.name.clone());
                    queue.push_back((next, next_path));
                }
            }
        }
    }
    found
}

impl Subject {
    fn matches(&self, name: &str) -> bool {
        match self {
            Subject::Named(names) => names.contains(&name),
            Subject::Library => !is_application(name),
            Subject::Any => true,
        }
    }
}

impl Forbid {
    fn matches(&self, graph: &Graph, subject: &Package, target: &str) -> bool {
        match self {
            Forbid::Named(names) => names.contains(&target) && target != subject.name,
            Forbid::InternalExcept(allowed) => {
                graph.is_internal(target) && !allowed.contains(&target)
            }
        }
    }
}

/// Packages that are not libraries: the binary, xtask, the tests crate and benchmark crates.
fn is_application(name: &str) -> bool {
    [BIN, XTASK, TESTS].contains(&name) || name.ends_with("-bench") || name.ends_with("-benches")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A package named `name` with `deps` given as `(name, kind)`.
    fn package(name: &str, deps: &[(&str, Kind)]) -> Package {
        Package {
            name: name.to_owned(),
            manifest: format!("{name}/Cargo.toml"),
            deps: deps
                .iter()
                .map(|(dep, kind)| Dep {
                    name: (*dep).to_owned(),
                    kind: *kind,
                })
                .collect(),
        }
    }

    /// The planned workspace of DESIGN.md §2, with every edge it allows.
    fn healthy() -> Vec<Package> {
        use Kind::*;
        vec![
            package(
                CORE,
                &[("chrono", Normal), ("thiserror", Normal), ("proptest", Dev)],
            ),
            package(
                PORTS,
                &[
                    (CORE, Normal),
                    ("async-trait", Normal),
                    ("thiserror", Normal),
                ],
            ),
            package(
                "rostersync-schoology",
                &[
                    (CORE, Normal),
                    (PORTS, Normal),
                    ("reqwest", Normal),
                    ("governor", Normal),
                    ("wiremock", Dev),
                ],
            ),
            package(
                "rostersync-eschoolplus",
                &[(CORE, Normal), (PORTS, Normal), ("reqwest", Normal)],
            ),
            package(
                "rostersync-oneroster",
                &[(CORE, Normal), (PORTS, Normal), ("reqwest", Normal)],
            ),
            package(
                ENGINE,
                &[
                    (CORE, Normal),
                    (PORTS, Normal),
                    ("tokio", Normal),
                    (SIM, Dev),
                ],
            ),
            package(
                STORE,
                &[(CORE, Normal), (PORTS, Normal), ("rusqlite", Normal)],
            ),
            package(SIM, &[(CORE, Normal), ("fastrand", Normal)]),
            package(
                BIN,
                &[
                    (ENGINE, Normal),
                    (STORE, Normal),
                    ("rostersync-schoology", Normal),
                    ("rostersync-eschoolplus", Normal),
                    ("anyhow", Normal),
                ],
            ),
            package(
                TESTS,
                &[(ENGINE, Normal), (SIM, Normal), ("anyhow", Normal)],
            ),
            package(
                "rostersync-bench",
                &[(CORE, Normal), (SIM, Normal), ("anyhow", Normal)],
            ),
            package(XTASK, &[("anyhow", Normal), ("cargo_metadata", Normal)]),
        ]
    }

    /// `healthy()` with `name`'s package replaced.
    fn with(name: &str, deps: &[(&str, Kind)]) -> Graph {
        Graph::new(healthy().into_iter().map(|p| {
            if p.name == name {
                package(name, deps)
            } else {
                p
            }
        }))
    }

    fn messages(graph: &Graph) -> Vec<String> {
        check(graph)
            .into_iter()
            .map(|v| format!("{}: {}", v.manifest, v.message))
            .collect()
    }

    #[test]
    fn planned_workspace_passes() {
        assert_eq!(messages(&Graph::new(healthy())), Vec::<String>::new());
    }

    #[test]
    fn empty_and_partial_workspaces_pass() {
        assert!(check(&Graph::new([])).is_empty());
        let partial = healthy()
            .into_iter()
            .filter(|p| [CORE, PORTS, SIM].contains(&p.name.as_str()));
        assert!(check(&Graph::new(partial)).is_empty());
    }

    #[test]
    fn core_must_stay_pure() {
        let graph = with(
            CORE,
            &[
                ("tokio", Kind::Normal),
                (PORTS, Kind::Normal),
                (SIM, Kind::Dev),
                ("reqwest", Kind::Dev),
            ],
        );
        assert_eq!(
            messages(&graph),
            [
                // Through ports, the core would also pull in async-trait.
                "rostersync-core/Cargo.toml: rostersync-core depends on async-trait (via rostersync-ports): the core is pure: no async runtime, HTTP or database",
                "rostersync-core/Cargo.toml: rostersync-core depends on tokio: the core is pure: no async runtime, HTTP or database",
                "rostersync-core/Cargo.toml: rostersync-core depends on rostersync-ports: the core is the bottom layer and names no other rostersync crate",
                // The same mistake, seen from the crate above.
                "rostersync-ports/Cargo.toml: rostersync-ports depends on tokio (via rostersync-core): the seams name no transport, runtime or rate limiter",
            ]
        );
    }

    #[test]
    fn ports_sit_on_core_only() {
        let graph = with(
            PORTS,
            &[
                (CORE, Kind::Normal),
                (SIM, Kind::Normal),
                ("hyper", Kind::Build),
            ],
        );
        let found = messages(&graph);
        // The engine depends on ports, but a build dependency of ports is not part of the engine.
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].contains("rostersync-ports depends on rostersync-sim: the ports are traits"),
            "{found:#?}"
        );
        assert!(
            found[1].contains("rostersync-ports depends on hyper: the seams"),
            "{found:#?}"
        );
    }

    #[test]
    fn engine_names_no_client_even_through_another_crate() {
        let mut packages = healthy();
        packages.push(package(
            "rostersync-glue",
            &[("rostersync-schoology", Kind::Normal)],
        ));
        let graph = Graph::new(packages.into_iter().map(|p| {
            if p.name == ENGINE {
                package(
                    ENGINE,
                    &[
                        (PORTS, Kind::Normal),
                        ("rostersync-glue", Kind::Normal),
                        ("rostersync-oneroster", Kind::Dev),
                    ],
                )
            } else {
                p
            }
        }));
        let found = messages(&graph);
        assert_eq!(
            found,
            [
                "rostersync-engine/Cargo.toml: rostersync-engine depends on rostersync-oneroster: the engine names no client; adapters plug in through the ports",
                "rostersync-engine/Cargo.toml: rostersync-engine depends on rostersync-schoology (via rostersync-glue): the engine names no client; adapters plug in through the ports",
                "rostersync-engine/Cargo.toml: rostersync-engine depends on reqwest (via rostersync-glue -> rostersync-schoology): only clients speak HTTP",
            ]
        );
    }

    #[test]
    fn clients_stay_apart() {
        let graph = with(
            "rostersync-oneroster",
            &[
                (PORTS, Kind::Normal),
                ("rostersync-eschoolplus", Kind::Normal),
                (ENGINE, Kind::Dev),
            ],
        );
        let found = messages(&graph);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].contains("depends on rostersync-engine: a client needs only core and ports"),
            "{found:#?}"
        );
        assert!(
            found[1].contains("depends on rostersync-eschoolplus: clients do not know each other"),
            "{found:#?}"
        );
    }

    #[test]
    fn nothing_depends_on_the_binary() {
        let found = messages(&with(TESTS, &[(BIN, Kind::Dev)]));
        assert_eq!(
            found,
            [
                "rostersync-tests/Cargo.toml: rostersync-tests depends on rostersync: the `rostersync` binary is the top of the graph; nothing depends on it"
            ]
        );
    }

    #[test]
    fn libraries_do_not_list_anyhow() {
        let graph = with(SIM, &[(CORE, Kind::Normal), ("anyhow", Kind::Normal)]);
        let graph_dev = with(SIM, &[(CORE, Kind::Normal), ("anyhow", Kind::Dev)]);
        let found = messages(&graph);
        assert!(found.iter().any(|m| m.starts_with("rostersync-sim/Cargo.toml: rostersync-sim depends on anyhow: libraries return typed errors")), "{found:#?}");
        // A library's tests may use anyhow; the tests crate, benches, xtask and the binary may use it anywhere.
        assert!(!messages(&graph_dev).iter().any(|m| m.contains("anyhow")));
        assert!(!found.iter().any(|m| m.starts_with("rostersync/Cargo.toml")));
    }

    #[test]
    fn every_violation_is_reported() {
        let graph = Graph::new([
            package(CORE, &[("tokio", Kind::Normal), ("anyhow", Kind::Normal)]),
            package(
                STORE,
                &[("rostersync-schoology", Kind::Normal), (BIN, Kind::Dev)],
            ),
            package(BIN, &[]),
            package("rostersync-schoology", &[]),
        ]);
        assert_eq!(
            messages(&graph),
            [
                "rostersync-core/Cargo.toml: rostersync-core depends on tokio: the core is pure: no async runtime, HTTP or database",
                "rostersync-store/Cargo.toml: rostersync-store depends on rostersync-schoology: the store keeps state behind the StateStore port and names no client",
                "rostersync-store/Cargo.toml: rostersync-store depends on rostersync: the `rostersync` binary is the top of the graph; nothing depends on it",
                "rostersync-core/Cargo.toml: rostersync-core depends on anyhow: libraries return typed errors (thiserror); anyhow is for the binary, xtask, tests and benches",
            ]
        );
    }
}
