//! Drift against a base, secrets, exit codes, `--target`, `-o` and the Markdown size budget.

use super::*;

#[test]
fn drift_against_a_base() {
    let panel = applied(PT);
    // Someone raised the lobby's memory in the panel (drift) ...
    panel.mutate(|st| {
        let s = st.servers.values_mut().find(|s| s.name == "Lobby").unwrap();
        s.memory = 4096;
    });
    // ... and a pull request gives survival more CPU (intended).
    let f = Fleet::copy(&fleet(PT));
    f.edit(
        "servers.kdl",
        r#"limits memory="4GiB" disk="20GiB" cpu=200"#,
        r#"limits memory="4GiB" disk="20GiB" cpu=250"#,
    );
    let base = fleet(PT);
    let base = base.to_str().unwrap();
    let r = render_all(
        "drift_against_base",
        &panel,
        f.path(),
        &["--base", base],
        &["server.lobby", "server.survival"],
    );
    let plan = r.plan();
    assert_eq!(plan["has_base"], true);
    let lobby = r.change("server.lobby");
    assert_eq!(lobby["cause"], "drift");
    assert_eq!(attr(&lobby, "limits.memory")["old"], 4096);
    assert_eq!(attr(&lobby, "limits.memory")["new"], 2048);
    assert_eq!(attr(&lobby, "limits.memory")["cause"], "drift");
    let survival = r.change("server.survival");
    assert_eq!(survival["cause"], "intended");
    assert_eq!(attr(&survival, "limits.cpu")["cause"], "intended");
    assert_eq!(plan["summary"]["intended"], 1);
    assert_eq!(plan["summary"]["drift"], 1);
    assert!(r.text.stdout.contains("[drift]"), "{}", r.text.stdout);
    let detailed = panel.plan(f.path(), &["--base", base, "--detailed-exitcode"]);
    assert_eq!(detailed.code, Some(4), "{}", detailed.show());
}

#[test]
fn user_password_is_never_printed() {
    let panel = applied(PT);
    let f = Fleet::copy(&fleet(PT));
    // A new user with a password, and a rotation of alice's.
    f.edit(
        "users.kdl",
        r#"password env="ALICE_PASSWORD""#,
        r#"password env="ALICE_PASSWORD" rotate=#true"#,
    )
    .append(
        "users.kdl",
        r#"user "carol" {
    email "carol@example.com"
    first-name "Carol"
    last-name "Ops"
    password env="ALICE_PASSWORD"
}
"#,
    );
    // `Panel::roost` fails the test if any output holds the password's value.
    let r = render_all(
        "user_password",
        &panel,
        f.path(),
        &[],
        &["user.alice", "user.carol"],
    );
    let carol = r.change("user.carol");
    assert_eq!(carol["action"], "create");
    let pw = attr(&carol, "password");
    assert_eq!(pw["sensitive"], true);
    assert!(pw["old"].is_null() && pw["new"].is_null());
    let alice = r.change("user.alice");
    assert_eq!(alice["action"], "update");
    assert_eq!(attr_names(&alice), ["password"]);
    assert_eq!(attr(&alice, "password")["sensitive"], true);
    let text = &r.text.stdout;
    assert!(text.contains("~ password = (sensitive)"), "{text}");
    assert!(squash(text).contains("+ password = (sensitive)"), "{text}");
    for out in [&r.text.stdout, &r.json.stdout, &r.markdown.stdout] {
        assert!(!out.contains(SECRET));
    }
}

// ---------------------------------------------------------------------------------------------
// Exit codes, --target, -o

#[test]
fn detailed_exitcodes() {
    let panel = applied(PT);
    let base = fleet(PT);
    let base = base.to_str().unwrap();
    let code = |dir: &Path, extra: &[&str]| {
        let mut args = vec!["--detailed-exitcode"];
        args.extend_from_slice(extra);
        let run = panel.plan(dir, &args);
        assert!(run.code != Some(1), "{}", run.show());
        run.code
    };
    // 0: nothing to do.
    assert_eq!(code(&fleet(PT), &[]), Some(0));
    assert_eq!(code(&fleet(PT), &["--base", base]), Some(0));
    // 2: the manifests changed (with or without a base).
    let f = Fleet::copy(&fleet(PT));
    f.edit("servers.kdl", "cpu=100", "cpu=150");
    assert_eq!(code(f.path(), &[]), Some(2));
    assert_eq!(code(f.path(), &["--base", base]), Some(2));
    // Without --detailed-exitcode a plan with changes is a success.
    assert_eq!(panel.plan(f.path(), &[]).code, Some(0));
    // 3: only the panel changed.
    panel.mutate(|st| {
        let s = st
            .servers
            .values_mut()
            .find(|s| s.name == "Creative")
            .unwrap();
        s.disk = 1;
    });
    assert_eq!(code(&fleet(PT), &["--base", base]), Some(3));
    // Without a base roost cannot tell drift from intent: it is a change.
    assert_eq!(code(&fleet(PT), &[]), Some(2));
    // 4: both.
    assert_eq!(code(f.path(), &["--base", base]), Some(4));
}

#[test]
fn target_limits_the_plan_to_a_resource_and_its_dependencies() {
    let panel = Panel::start(PT);
    let r = render_all(
        "target_one_server",
        &panel,
        &fleet(PT),
        &["--target", "server.lobby"],
        &[],
    );
    let mut got = r.addresses();
    got.sort();
    assert_eq!(
        got,
        [
            "allocation.node-1/10.0.0.5:25565",
            "location.fra",
            "node.node-1",
            "server.lobby",
            "user.alice",
        ]
    );
    // Two targets: the union.
    let run = panel.plan_as(
        &fleet(PT),
        "json",
        &["--target", "server.lobby", "--target", "user.bob"],
    );
    let plan = run.json();
    assert_eq!(
        plan["changes"].as_array().unwrap().len(),
        6,
        "{}",
        run.stdout
    );
    // An address the manifests do not declare is an error.
    let run = panel.plan(&fleet(PT), &["--target", "server.nope"]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert!(run.stderr.contains("roost::bad-target"), "{}", run.stderr);
}

#[test]
fn out_file_holds_the_json_plan_with_fingerprints() {
    let panel = applied(PT);
    let f = Fleet::copy(&fleet(PT));
    f.edit("servers.kdl", "cpu=100", "cpu=150");
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("plan.json");
    let run = panel.plan(f.path(), &["-o", file.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.show());
    // The terminal still gets the text plan; the file gets JSON.
    assert!(run.stdout.contains("roost will perform"), "{}", run.stdout);
    assert!(run.stderr.contains("Saved the plan to"), "{}", run.stderr);
    let text = std::fs::read_to_string(&file).unwrap();
    let plan: roost_plan::Plan = serde_json::from_str(&text).expect("the file is a Plan");
    assert_eq!(plan.format_version, roost_plan::PLAN_FORMAT_VERSION);
    assert_eq!(plan.changes.len(), 1);
    // Every live object the plan was made from: 1 location, 1 node, 6 allocations, 3 users
    // (with the admin), 3 servers.
    assert!(!plan.fingerprints.is_empty());
    for kind in ["location", "node", "allocation", "user", "server"] {
        assert!(
            plan.fingerprints.keys().any(|k| k.starts_with(kind)),
            "no {kind} fingerprint in {:?}",
            plan.fingerprints.keys()
        );
    }
    // The same document `--format json` prints.
    let json = panel.plan_as(f.path(), "json", &[]).json();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), json);
}

// ---------------------------------------------------------------------------------------------
// The Markdown size budget

/// A fleet of `servers` Minecraft servers on one node (Pterodactyl).
fn big_fleet(servers: usize) -> Fleet {
    let f = Fleet::copy(&fleet(PT));
    let mut text = String::new();
    for i in 0..servers {
        text.push_str(&format!(
            "server \"mc-{i:03}\" {{\n    name \"Minecraft {i:03}\"\n    owner \"bob\"\n    node \"node-1\"\n    egg \"Paper\" nest=\"Minecraft\"\n    limits memory=\"1GiB\" disk=\"5GiB\" cpu=50\n    features databases=0 allocations=0 backups=0\n    allocation {}\n    env MINECRAFT_VERSION=\"1.21.{}\"\n}}\n\n",
            20000 + i,
            i % 5
        ));
    }
    std::fs::write(f.path().join("servers.kdl"), text).unwrap();
    f.edit(
        "infra.kdl",
        r#"memory "16GiB" overallocate=0
    disk "200GiB" overallocate=0"#,
        r#"memory "16GiB" overallocate=-1
    disk "200GiB" overallocate=-1"#,
    )
    .edit(
        "infra.kdl",
        r#""25565-25570""#,
        &format!(r#""20000-{}""#, 20000 + servers - 1),
    );
    f
}

/// The Markdown of a plan too big for a GitHub comment: the head (summary, table, risky
/// changes) and the tail (unmanaged) are kept, the middle is shortened.
fn assert_fits(md: &str, first: &str, last: &str, shortened: bool) {
    let budget = roost_plan::render::MARKDOWN_BUDGET;
    assert!(
        md.chars().count() <= budget && md.len() <= budget,
        "{} bytes",
        md.len()
    );
    assert!(
        md.starts_with("<!-- roost-plan -->\n## roost plan\n\n**Plan: "),
        "{}",
        &md[..200]
    );
    assert!(
        md.contains("| create | update |"),
        "the summary table is kept"
    );
    assert_eq!(
        md.contains("more change(s) not shown"),
        shortened,
        "says whether it was shortened"
    );
    assert!(md.contains(first), "keeps the first changes ({first})");
    assert!(md.contains(last), "keeps the last changes ({last})");
    assert!(md.trim_end().ends_with("- user admin"), "keeps the tail");
    // Every section that is shown is whole.
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
}

#[test]
fn markdown_fits_a_github_comment() {
    const N: usize = 300;
    let f = big_fleet(N);
    let panel = Panel::start(PT);
    let md = panel.plan_as(f.path(), "markdown", &[]);
    assert_eq!(md.code, Some(0), "{}", md.show());
    let full = panel.plan_as(f.path(), "text", &[]).stdout;
    assert!(full.contains("server.mc-299"), "the text plan is whole");
    assert_fits(&md.stdout, "location.fra", "server.mc-299", true);
    assert!(md.stdout.contains(&format!(
        "**Plan: {} to create, 0 to update, 0 to delete; 1 unmanaged.**",
        1 + 1 + N + 2 + N
    )));

    // Deleting every server: as many risky changes as servers. The call-outs at the top are
    // capped so that the head cannot blow the budget by itself.
    panel.apply_ok(f.path());
    let empty = Fleet::copy(f.path());
    std::fs::write(empty.path().join("servers.kdl"), "").unwrap();
    let run = panel.roost(&[
        "plan",
        empty.path().to_str().unwrap(),
        "--format",
        "markdown",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.show());
    let md = &run.stdout;
    assert_fits(md, "server.mc-000", "server.mc-299", false);
    let head = &md[..md.find("<details>").unwrap()];
    assert!(head.contains("[!WARNING]"), "{head}");
    assert!(
        head.contains("- and 275 more risky changes: see the sections below"),
        "{head}"
    );
    assert!(head.len() < 8_000, "{} bytes of head", head.len());
}
