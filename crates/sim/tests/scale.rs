//! Seeding a large fleet without HTTP and listing it must stay fast.
mod common;
use common::*;
use roost_sim::{NodeParams, ServerParams, UserParams};
use std::time::Instant;

#[tokio::test]
async fn ten_thousand_servers() {
    for d in both() {
        let t = start(d).await;
        let t0 = Instant::now();
        let egg = t.sim.state().eggs.keys().next().copied().unwrap();
        t.sim.mutate(|s| {
            let loc = s.add_location("fleet", None);
            let users: Vec<u64> = (0..5_000)
                .map(|i| {
                    s.add_user(UserParams {
                        username: format!("u{i}"),
                        email: format!("u{i}@x.io"),
                        ..Default::default()
                    })
                })
                .collect();
            let mut allocs = Vec::new();
            for n in 0..500 {
                let node = s.add_node(NodeParams {
                    name: format!("node-{n}"),
                    location_id: Some(loc),
                    ..Default::default()
                });
                for p in 0..50 {
                    allocs.push(s.add_allocation(
                        node,
                        &format!("10.{}.{}.1", n / 256, n % 256),
                        25565 + p,
                        None,
                    ));
                }
            }
            for i in 0..10_000usize {
                s.add_server(ServerParams {
                    name: format!("srv-{i}"),
                    user_id: users[i % users.len()],
                    egg_id: egg,
                    allocation_id: Some(allocs[i * 2]),
                    additional_allocations: vec![allocs[i * 2 + 1]],
                    ..Default::default()
                });
            }
        });
        let seeded = t0.elapsed();
        let t1 = Instant::now();
        let r = t.get("/servers?per_page=10000&include=allocations").await;
        let listed = t1.elapsed();
        assert_eq!(r.code(), 200);
        let j = r.json();
        assert_eq!(j["meta"]["pagination"]["count"], 10_000);
        assert_eq!(
            j["data"][9999]["attributes"]["relationships"]["allocations"]["data"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let t2 = Instant::now();
        let r = t.get("/nodes/250?include=servers").await;
        assert_eq!(r.code(), 200);
        let one = t2.elapsed();
        eprintln!(
            "{d}: seed {seeded:?}, list 10k servers+allocations {listed:?} ({} bytes), node with servers {one:?}",
            r.text.len().max(j.to_string().len())
        );
        assert!(listed.as_secs() < 20, "listing took {listed:?}");
    }
}
