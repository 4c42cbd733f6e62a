mod common;
use common::*;
use roost_sim::Dialect;

#[tokio::test]
async fn smoke() {
    for d in both() {
        let t = start(d).await;
        let r = t.get("/users").await;
        println!("{}", r.text);
        assert_eq!(r.code(), 200);
        let r = t.get("/servers?include=allocations").await;
        assert_eq!(r.code(), 200, "{}", r.text);
        let eggs = if d == Dialect::Pterodactyl {
            t.get("/nests/1/eggs/1?include=variables").await
        } else {
            t.get("/eggs/1?include=variables").await
        };
        println!("{}", eggs.text);
        assert_eq!(eggs.code(), 200);
    }
}
