//! The stock nests and eggs a fresh panel ships with (abridged but realistic: real images,
//! startup commands and variable rules of the upstream eggs).

use crate::state::{Egg, EggVariable, Nest, SimState};
use crate::util::now_unix;
use roost_model::Dialect;
use serde_json::{Value, json};

struct V(&'static str, &'static str, &'static str, &'static str);

struct E {
    name: &'static str,
    description: &'static str,
    images: &'static [(&'static str, &'static str)],
    startup: &'static str,
    stop: &'static str,
    done: &'static str,
    features: &'static [&'static str],
    container: &'static str,
    vars: &'static [V],
}

const JAR: V = V(
    "Server Jar File",
    "SERVER_JARFILE",
    "server.jar",
    r"required|regex:/^([\w\d._-]+)(\.jar)$/",
);

const JAVA: &[(&str, &str)] = &[
    ("Java 21", "ghcr.io/pterodactyl/yolks:java_21"),
    ("Java 17", "ghcr.io/pterodactyl/yolks:java_17"),
    ("Java 11", "ghcr.io/pterodactyl/yolks:java_11"),
    ("Java 8", "ghcr.io/pterodactyl/yolks:java_8"),
];
const MC_START: &str = "java -Xms128M -XX:MaxRAMPercentage=95.0 -jar {{SERVER_JARFILE}}";
const MC_DONE: &str = ")! For help, type ";
const MC_FEATURES: &[&str] = &["eula", "java_version", "pid_limit"];
const SRC_IMG: &[(&str, &str)] = &[("Source", "ghcr.io/parkervcp/games:source")];
const SRC_START: &str = "./srcds_run -game {{SRCDS_GAME}} -console -port {{SERVER_PORT}} +ip 0.0.0.0 +map {{SRCDS_MAP}} -strictportbind -norestart";
const SRC_DONE: &str = "gameserver Steam ID";

fn nests() -> Vec<(&'static str, &'static str, Vec<E>)> {
    vec![
        (
            "Minecraft",
            "Minecraft - the classic game from Mojang. With support for Vanilla MC, Spigot, and many others!",
            vec![
                E {
                    name: "Paper",
                    description: "High performance Spigot fork that aims to fix gameplay and mechanics inconsistencies.",
                    images: JAVA,
                    startup: MC_START,
                    stop: "stop",
                    done: MC_DONE,
                    features: MC_FEATURES,
                    container: "ghcr.io/pterodactyl/installers:alpine",
                    vars: &[
                        V(
                            "Minecraft Version",
                            "MINECRAFT_VERSION",
                            "latest",
                            "nullable|string|max:20",
                        ),
                        JAR,
                        V("Download Path", "DL_PATH", "", "nullable|string"),
                        V(
                            "Build Number",
                            "BUILD_NUMBER",
                            "latest",
                            "required|string|max:20",
                        ),
                    ],
                },
                E {
                    name: "Vanilla Minecraft",
                    description: "Minecraft is a game about placing blocks and going on adventures.",
                    images: JAVA,
                    startup: MC_START,
                    stop: "stop",
                    done: MC_DONE,
                    features: MC_FEATURES,
                    container: "ghcr.io/pterodactyl/installers:alpine",
                    vars: &[
                        JAR,
                        V(
                            "Server Version",
                            "VANILLA_VERSION",
                            "latest",
                            "required|string|between:3,15",
                        ),
                    ],
                },
                E {
                    name: "Forge Minecraft",
                    description: "Minecraft Forge Server. Minecraft Forge is a modding API (Application Programming Interface).",
                    images: JAVA,
                    startup: "java -Xms128M -XX:MaxRAMPercentage=95.0 -Dterminal.jline=false -Dterminal.ansi=true $( [[  ! -f unix_args.txt ]] && printf %s \"-jar {{SERVER_JARFILE}}\" || printf %s \"@unix_args.txt\" )",
                    stop: "stop",
                    done: MC_DONE,
                    features: MC_FEATURES,
                    container: "openjdk:8-jdk-slim",
                    vars: &[
                        JAR,
                        V(
                            "Minecraft Version",
                            "MC_VERSION",
                            "latest",
                            "required|string|max:9",
                        ),
                        V(
                            "Build Type",
                            "BUILD_TYPE",
                            "recommended",
                            "required|string|in:recommended,latest",
                        ),
                        V(
                            "Forge Version",
                            "FORGE_VERSION",
                            "",
                            "nullable|string|max:25",
                        ),
                    ],
                },
                E {
                    name: "Bungeecord",
                    description: "For a long time, Minecraft server owners have had a dream that encompasses a free, easy, and reliable way to connect multiple Minecraft servers together.",
                    images: JAVA,
                    startup: "java -Xms128M -XX:MaxRAMPercentage=95.0 -jar {{SERVER_JARFILE}}",
                    stop: "end",
                    done: "Listening on ",
                    features: &["eula", "java_version", "pid_limit"],
                    container: "ghcr.io/pterodactyl/installers:alpine",
                    vars: &[
                        V(
                            "Bungeecord Version",
                            "BUNGEE_VERSION",
                            "latest",
                            "required|alpha_num|between:1,6",
                        ),
                        V(
                            "Bungeecord Jar File",
                            "SERVER_JARFILE",
                            "bungeecord.jar",
                            r"required|regex:/^([\w\d._-]+)(\.jar)$/",
                        ),
                    ],
                },
                E {
                    name: "Sponge (SpongeVanilla)",
                    description: "SpongeVanilla is the SpongeAPI implementation for Vanilla Minecraft.",
                    images: &[
                        ("Java 21", "ghcr.io/pterodactyl/yolks:java_21"),
                        ("Java 17", "ghcr.io/pterodactyl/yolks:java_17"),
                    ],
                    startup: MC_START,
                    stop: "stop",
                    done: MC_DONE,
                    features: MC_FEATURES,
                    container: "ghcr.io/pterodactyl/installers:alpine",
                    vars: &[
                        V(
                            "Sponge Version",
                            "SPONGE_VERSION",
                            "1.12.2-7.3.0",
                            r"required|regex:/^([a-zA-Z0-9.\-_]+)$/",
                        ),
                        JAR,
                    ],
                },
            ],
        ),
        (
            "Source Engine",
            "Includes support for most Source Dedicated Server games.",
            vec![
                E {
                    name: "Counter-Strike: Global Offensive",
                    description: "Counter-Strike: Global Offensive is a multiplayer first-person shooter video game developed by Hidden Path Entertainment and Valve Corporation.",
                    images: SRC_IMG,
                    startup: "./srcds_run -game csgo -console -port {{SERVER_PORT}} +ip 0.0.0.0 +map {{SRCDS_MAP}} -strictportbind -norestart +sv_setsteamaccount {{STEAM_ACC}}",
                    stop: "quit",
                    done: "Connection to Steam servers successful",
                    features: &["steam_disk_space"],
                    container: "ghcr.io/pterodactyl/installers:debian",
                    vars: &[
                        V("Map", "SRCDS_MAP", "de_dust2", "required|string|alpha_dash"),
                        V(
                            "Steam Account Token",
                            "STEAM_ACC",
                            "",
                            "required|string|alpha_num|size:32",
                        ),
                        V(
                            "Source AppID",
                            "SRCDS_APPID",
                            "740",
                            "required|string|in:740",
                        ),
                    ],
                },
                E {
                    name: "Garrys Mod",
                    description: "Garrys Mod, is a sandbox physics game created by Garry Newman, and developed by his company, Facepunch Studios.",
                    images: SRC_IMG,
                    startup: "./srcds_run -game garrysmod -console -port {{SERVER_PORT}} +ip 0.0.0.0 +host_workshop_collection {{WORKSHOP_ID}} +map {{SRCDS_MAP}} +gamemode {{GAMEMODE}} -strictportbind -norestart +sv_setsteamaccount {{STEAM_ACC}} +maxplayers {{MAX_PLAYERS}} -tickrate {{TICKRATE}}",
                    stop: "quit",
                    done: SRC_DONE,
                    features: &["gsl_token", "steam_disk_space"],
                    container: "ghcr.io/pterodactyl/installers:debian",
                    vars: &[
                        V(
                            "Map",
                            "SRCDS_MAP",
                            "gm_flatgrass",
                            "required|string|alpha_dash",
                        ),
                        V(
                            "Steam Account Token",
                            "STEAM_ACC",
                            "",
                            "nullable|string|alpha_num|size:32",
                        ),
                        V(
                            "Source AppID",
                            "SRCDS_APPID",
                            "4020",
                            "required|string|in:4020",
                        ),
                        V("Workshop ID", "WORKSHOP_ID", "", "nullable|integer"),
                        V("Gamemode", "GAMEMODE", "sandbox", "required|string"),
                        V(
                            "Max Players",
                            "MAX_PLAYERS",
                            "32",
                            "required|integer|max:128",
                        ),
                        V("Tickrate", "TICKRATE", "22", "required|integer|max:100"),
                        V("Lua Refresh", "LUA_REFRESH", "0", "required|boolean"),
                    ],
                },
                E {
                    name: "Team Fortress 2",
                    description: "Team Fortress 2 is a team-based first-person shooter multiplayer video game developed and published by Valve Corporation.",
                    images: SRC_IMG,
                    startup: SRC_START,
                    stop: "quit",
                    done: SRC_DONE,
                    features: &["gsl_token", "steam_disk_space"],
                    container: "ghcr.io/pterodactyl/installers:debian",
                    vars: &[
                        V(
                            "Game ID",
                            "SRCDS_APPID",
                            "232250",
                            "required|string|in:232250",
                        ),
                        V(
                            "Game Name",
                            "SRCDS_GAME",
                            "tf",
                            "required|alpha_dash|between:1,100",
                        ),
                        V(
                            "Default Map",
                            "SRCDS_MAP",
                            "cp_dustbowl",
                            "required|string|alpha_dash",
                        ),
                        V(
                            "Steam Account Token",
                            "STEAM_ACC",
                            "",
                            "nullable|string|alpha_num|size:32",
                        ),
                    ],
                },
            ],
        ),
        (
            "Rust",
            "Rust - A game where you must fight to survive.",
            vec![E {
                name: "Rust",
                description: "The only aim in Rust is to survive. To do this you will need to overcome struggles such as hunger, thirst and cold.",
                images: &[("Rust", "ghcr.io/pterodactyl/games:rust")],
                startup: "./RustDedicated -batchmode +server.port {{SERVER_PORT}} +server.queryport {{QUERY_PORT}} +server.identity \"rust\" +rcon.port {{RCON_PORT}} +rcon.web true +server.hostname \\\"{{HOSTNAME}}\\\" +server.level \\\"{{LEVEL}}\\\" +server.description \\\"{{DESCRIPTION}}\\\" +server.maxplayers {{MAX_PLAYERS}} +server.worldsize \\\"{{WORLD_SIZE}}\\\" +server.seed \\\"{{WORLD_SEED}}\\\" +rcon.password \\\"{{RCON_PASS}}\\\"",
                stop: "quit",
                done: "Server startup complete",
                features: &["steam_disk_space"],
                container: "ghcr.io/pterodactyl/installers:debian",
                vars: &[
                    V(
                        "Server Name",
                        "HOSTNAME",
                        "A Rust Server",
                        "required|string|max:60",
                    ),
                    V(
                        "Modding Framework",
                        "FRAMEWORK",
                        "vanilla",
                        "required|in:vanilla,oxide,carbon",
                    ),
                    V("Level", "LEVEL", "Procedural Map", "required|string|max:20"),
                    V(
                        "Description",
                        "DESCRIPTION",
                        "Powered by Pterodactyl",
                        "required|string",
                    ),
                    V("Max Players", "MAX_PLAYERS", "40", "required|integer"),
                    V("World Size", "WORLD_SIZE", "3000", "required|integer"),
                    V("World Seed", "WORLD_SEED", "", "nullable|string"),
                    V("Queries Port", "QUERY_PORT", "27017", "required|integer"),
                    V("RCON Port", "RCON_PORT", "28016", "required|integer"),
                    V(
                        "RCON Password",
                        "RCON_PASS",
                        "CHANGEME",
                        r"required|regex:/^[\w.-]*$/|max:64",
                    ),
                ],
            }],
        ),
        (
            "Voice Servers",
            "Voice servers such as Mumble and Teamspeak 3.",
            vec![
                E {
                    name: "Teamspeak3 Server",
                    description: "VoIP software designed with security in mind, featuring crystal clear voice quality, endless customization options, and scalabilty up to thousands of simultaneous users.",
                    images: &[("Debian", "ghcr.io/pterodactyl/yolks:debian")],
                    startup: "./ts3server default_voice_port={{SERVER_PORT}} query_port={{QUERY_PORT}} filetransfer_ip=0.0.0.0 filetransfer_port={{FILE_TRANSFER}} license_accepted=1",
                    stop: "^C",
                    done: "listening on 0.0.0.0:",
                    features: &[],
                    container: "ghcr.io/pterodactyl/installers:alpine",
                    vars: &[
                        V(
                            "Server Version",
                            "TS_VERSION",
                            "latest",
                            "required|string|max:6",
                        ),
                        V(
                            "File Transfer Port",
                            "FILE_TRANSFER",
                            "30033",
                            "required|integer|between:1025,65535",
                        ),
                        V(
                            "Query Port",
                            "QUERY_PORT",
                            "10011",
                            "required|integer|between:1025,65535",
                        ),
                    ],
                },
                E {
                    name: "Mumble Server",
                    description: "Mumble is an open source, low-latency, high quality voice chat software primarily intended for use while gaming.",
                    images: &[("Mumble", "ghcr.io/parkervcp/yolks:voice_mumble")],
                    startup: "mumble-server -fg -ini murmur.ini",
                    stop: "^C",
                    done: "Server listening on",
                    features: &[],
                    container: "ghcr.io/pterodactyl/installers:alpine",
                    vars: &[
                        V(
                            "Maximum Users",
                            "MAX_USERS",
                            "100",
                            "required|numeric|min:1",
                        ),
                        V(
                            "Server Version",
                            "MUMBLE_VERSION",
                            "1.4.230",
                            "required|string",
                        ),
                    ],
                },
            ],
        ),
    ]
}

fn parse_rules(s: &str) -> Vec<String> {
    s.split('|').map(str::to_string).collect()
}

pub fn seed(s: &mut SimState) {
    let now = now_unix();
    let pt = s.dialect == Dialect::Pterodactyl;
    let author = if pt {
        "support@pterodactyl.io"
    } else {
        "panel@example.com"
    };
    for (nest_name, nest_desc, eggs) in nests() {
        let nest_id = if pt {
            let id = SimState::next_id(&mut s.counters.nest);
            let uuid = s.new_uuid();
            s.nests.insert(
                id,
                Nest {
                    id,
                    uuid,
                    author: author.into(),
                    name: nest_name.into(),
                    description: Some(nest_desc.into()),
                    created_at: now,
                    updated_at: now,
                },
            );
            Some(id)
        } else {
            None
        };
        for e in eggs {
            let id = SimState::next_id(&mut s.counters.egg);
            let uuid = s.new_uuid();
            let mut variables = Vec::new();
            for (i, v) in e.vars.iter().enumerate() {
                let vid = SimState::next_id(&mut s.counters.egg_variable);
                variables.push(EggVariable {
                    id: vid,
                    egg_id: id,
                    name: v.0.into(),
                    description: format!("{}.", v.0),
                    env_variable: v.1.into(),
                    default_value: v.2.into(),
                    user_viewable: true,
                    user_editable: true,
                    rules: parse_rules(v.3),
                    sort: if pt { None } else { Some(i as i64 + 1) },
                    created_at: now,
                    updated_at: now,
                });
            }
            let images = e
                .images
                .iter()
                .map(|(l, i)| {
                    let i = if pt {
                        i.to_string()
                    } else {
                        i.replace("ghcr.io/pterodactyl/", "ghcr.io/pelican-eggs/")
                    };
                    (l.to_string(), i)
                })
                .collect();
            let files: Value = if e.stop == "stop" {
                json!({"server.properties": {"parser": "properties", "find": {"server-ip": "0.0.0.0", "server-port": "{{server.build.default.port}}"}}})
            } else if pt {
                json!({})
            } else {
                json!([])
            };
            s.eggs.insert(
                id,
                Egg {
                    id,
                    uuid,
                    nest_id,
                    name: e.name.into(),
                    author: author.into(),
                    description: Some(e.description.into()),
                    features: Some(e.features.iter().map(|f| f.to_string()).collect()),
                    tags: if nest_id.is_none() {
                        vec![nest_name.to_lowercase()]
                    } else {
                        Vec::new()
                    },
                    docker_images: images,
                    startup_commands: vec![("Default".into(), e.startup.into())],
                    config_files: files,
                    config_startup: json!({ "done": e.done }),
                    config_stop: Some(e.stop.into()),
                    config_logs: json!([]),
                    file_denylist: json!([]),
                    config_extends: None,
                    script_privileged: true,
                    script_install: Some(format!(
                        "#!/bin/bash\n# {} installation script\n",
                        e.name
                    )),
                    script_entry: "bash".into(),
                    script_container: e.container.into(),
                    script_extends: None,
                    variables,
                    created_at: now,
                    updated_at: now,
                },
            );
        }
    }
}
