//! `include "PATH"`: shared files read into a manifest set, relative to the including file,
//! each once; problems in them named by their path; a missing file an error at its line.

use std::path::Path;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const PANEL: &str = "panel { dialect \"pterodactyl\"; }\n";
const NODE: &str = r#"location "fra" {}
node "n1" { location "fra"; fqdn "n1.example.com"; memory 4096; disk 4096; allocations "10.0.0.1" "25565-25566"; }
user "ana" { email "ana@example.com"; first-name "Ana"; last-name "A"; }
"#;
const TEMPLATE: &str = r#"template "paper" { owner "ana"; egg "Paper" nest="Minecraft"; limits memory=1024 disk=1024; }
"#;

fn render(e: &roost_manifest::ManifestErrors) -> String {
    e.render_plain(120)
}

#[test]
fn environments_share_templates_and_each_file_is_read_once() {
    let root = tempfile::tempdir().unwrap();
    write(
        root.path(),
        "common/templates.kdl",
        &format!("include \"./more.kdl\"\n{TEMPLATE}"),
    );
    write(
        root.path(),
        "common/more.kdl",
        "include \"templates.kdl\"\n",
    );
    for env in ["staging", "production"] {
        write(
            root.path(),
            &format!("{env}/fleet.kdl"),
            &format!(
                "include \"../common/templates.kdl\"\ninclude \"../common/templates.kdl\"\n{PANEL}{NODE}server \"lobby\" from=\"paper\" {{ node \"n1\"; allocation 25565; }}\n"
            ),
        );
        let m = roost_manifest::load_dir(&root.path().join(env))
            .unwrap_or_else(|e| panic!("{}", render(&e)));
        assert_eq!(m.desired.servers["lobby"].owner, "ana", "{env}");
        let labels: Vec<&str> = m.sources.files.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            labels,
            ["fleet.kdl", "../common/templates.kdl", "../common/more.kdl"],
            "{env}"
        );
    }
}

#[test]
fn problems_in_an_included_file_name_it_and_a_missing_file_names_the_include() {
    let root = tempfile::tempdir().unwrap();
    write(
        root.path(),
        "common/templates.kdl",
        "template \"paper\" { ownr \"ana\"; }\n",
    );
    write(
        root.path(),
        "env/fleet.kdl",
        &format!("include \"../common/templates.kdl\"\n{PANEL}"),
    );
    let e = roost_manifest::load_dir(&root.path().join("env")).unwrap_err();
    let text = render(&e);
    assert!(text.contains("../common/templates.kdl:1:"), "{text}");

    write(
        root.path(),
        "gone/fleet.kdl",
        &format!("{PANEL}include \"../nowhere.kdl\"\n"),
    );
    let e = roost_manifest::load_dir(&root.path().join("gone")).unwrap_err();
    let text = render(&e);
    assert!(
        text.contains("cannot read `../nowhere.kdl`") && text.contains("fleet.kdl:2:1"),
        "{text}"
    );

    write(root.path(), "bad/fleet.kdl", &format!("{PANEL}include\n"));
    let e = roost_manifest::load_dir(&root.path().join("bad")).unwrap_err();
    assert!(
        render(&e).contains("`include` takes one path"),
        "{}",
        render(&e)
    );
}
