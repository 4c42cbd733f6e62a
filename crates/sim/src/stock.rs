//! The stock nests and eggs a fresh panel ships with (abridged but realistic: real images,
//! startup commands and variable rules of the upstream eggs), and its stock database host. Plain
//! data with its own types: the state turns it into rows (`SimState::seed_stock`).

/// One variable of a stock egg.
pub struct StockVariable {
    pub name: &'static str,
    pub env_variable: &'static str,
    pub default_value: &'static str,
    /// Laravel rules joined with `|`, as the egg files write them.
    pub rules: &'static str,
}

const fn var(
    name: &'static str,
    env_variable: &'static str,
    default_value: &'static str,
    rules: &'static str,
) -> StockVariable {
    StockVariable {
        name,
        env_variable,
        default_value,
        rules,
    }
}

pub struct StockEgg {
    pub name: &'static str,
    pub description: &'static str,
    /// (label, image) pairs; Pelican's eggs live under `ghcr.io/pelican-eggs/`.
    pub images: &'static [(&'static str, &'static str)],
    pub startup: &'static str,
    pub stop: &'static str,
    /// The console line that tells the server is up.
    pub done: &'static str,
    pub features: &'static [&'static str],
    /// The install script's container.
    pub container: &'static str,
    pub vars: &'static [StockVariable],
}

/// The database host a fresh sim has (a real panel starts with none; tests would add one
/// first anyway).
pub struct StockDatabaseHost {
    pub name: &'static str,
    pub host: &'static str,
    pub port: u16,
    pub username: &'static str,
}

pub const DATABASE_HOST: StockDatabaseHost = StockDatabaseHost {
    name: "mysql-1",
    host: "127.0.0.1",
    port: 3306,
    username: "panel",
};

pub struct StockNest {
    pub name: &'static str,
    pub description: &'static str,
    pub eggs: &'static [StockEgg],
}

const JAR: StockVariable = var(
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

pub const NESTS: &[StockNest] = &[
    StockNest {
        name: "Minecraft",
        description: "Minecraft - the classic game from Mojang. With support for Vanilla MC, Spigot, and many others!",
        eggs: &[
            StockEgg {
                name: "Paper",
                description: "High performance Spigot fork that aims to fix gameplay and mechanics inconsistencies.",
                images: JAVA,
                startup: MC_START,
                stop: "stop",
                done: MC_DONE,
                features: MC_FEATURES,
                container: "ghcr.io/pterodactyl/installers:alpine",
                vars: &[
                    var(
                        "Minecraft Version",
                        "MINECRAFT_VERSION",
                        "latest",
                        "nullable|string|max:20",
                    ),
                    JAR,
                    var("Download Path", "DL_PATH", "", "nullable|string"),
                    var(
                        "Build Number",
                        "BUILD_NUMBER",
                        "latest",
                        "required|string|max:20",
                    ),
                ],
            },
            StockEgg {
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
                    var(
                        "Server Version",
                        "VANILLA_VERSION",
                        "latest",
                        "required|string|between:3,15",
                    ),
                ],
            },
            StockEgg {
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
                    var(
                        "Minecraft Version",
                        "MC_VERSION",
                        "latest",
                        "required|string|max:9",
                    ),
                    var(
                        "Build Type",
                        "BUILD_TYPE",
                        "recommended",
                        "required|string|in:recommended,latest",
                    ),
                    var(
                        "Forge Version",
                        "FORGE_VERSION",
                        "",
                        "nullable|string|max:25",
                    ),
                ],
            },
            StockEgg {
                name: "Bungeecord",
                description: "For a long time, Minecraft server owners have had a dream that encompasses a free, easy, and reliable way to connect multiple Minecraft servers together.",
                images: JAVA,
                startup: "java -Xms128M -XX:MaxRAMPercentage=95.0 -jar {{SERVER_JARFILE}}",
                stop: "end",
                done: "Listening on ",
                features: &["eula", "java_version", "pid_limit"],
                container: "ghcr.io/pterodactyl/installers:alpine",
                vars: &[
                    var(
                        "Bungeecord Version",
                        "BUNGEE_VERSION",
                        "latest",
                        "required|alpha_num|between:1,6",
                    ),
                    var(
                        "Bungeecord Jar File",
                        "SERVER_JARFILE",
                        "bungeecord.jar",
                        r"required|regex:/^([\w\d._-]+)(\.jar)$/",
                    ),
                ],
            },
            StockEgg {
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
                    var(
                        "Sponge Version",
                        "SPONGE_VERSION",
                        "1.12.2-7.3.0",
                        r"required|regex:/^([a-zA-Z0-9.\-_]+)$/",
                    ),
                    JAR,
                ],
            },
        ],
    },
    StockNest {
        name: "Source Engine",
        description: "Includes support for most Source Dedicated Server games.",
        eggs: &[
            StockEgg {
                name: "Counter-Strike: Global Offensive",
                description: "Counter-Strike: Global Offensive is a multiplayer first-person shooter video game developed by Hidden Path Entertainment and Valve Corporation.",
                images: SRC_IMG,
                startup: "./srcds_run -game csgo -console -port {{SERVER_PORT}} +ip 0.0.0.0 +map {{SRCDS_MAP}} -strictportbind -norestart +sv_setsteamaccount {{STEAM_ACC}}",
                stop: "quit",
                done: "Connection to Steam servers successful",
                features: &["steam_disk_space"],
                container: "ghcr.io/pterodactyl/installers:debian",
                vars: &[
                    var("Map", "SRCDS_MAP", "de_dust2", "required|string|alpha_dash"),
                    var(
                        "Steam Account Token",
                        "STEAM_ACC",
                        "",
                        "required|string|alpha_num|size:32",
                    ),
                    var(
                        "Source AppID",
                        "SRCDS_APPID",
                        "740",
                        "required|string|in:740",
                    ),
                ],
            },
            StockEgg {
                name: "Garrys Mod",
                description: "Garrys Mod, is a sandbox physics game created by Garry Newman, and developed by his company, Facepunch Studios.",
                images: SRC_IMG,
                startup: "./srcds_run -game garrysmod -console -port {{SERVER_PORT}} +ip 0.0.0.0 +host_workshop_collection {{WORKSHOP_ID}} +map {{SRCDS_MAP}} +gamemode {{GAMEMODE}} -strictportbind -norestart +sv_setsteamaccount {{STEAM_ACC}} +maxplayers {{MAX_PLAYERS}} -tickrate {{TICKRATE}}",
                stop: "quit",
                done: SRC_DONE,
                features: &["gsl_token", "steam_disk_space"],
                container: "ghcr.io/pterodactyl/installers:debian",
                vars: &[
                    var(
                        "Map",
                        "SRCDS_MAP",
                        "gm_flatgrass",
                        "required|string|alpha_dash",
                    ),
                    var(
                        "Steam Account Token",
                        "STEAM_ACC",
                        "",
                        "nullable|string|alpha_num|size:32",
                    ),
                    var(
                        "Source AppID",
                        "SRCDS_APPID",
                        "4020",
                        "required|string|in:4020",
                    ),
                    var("Workshop ID", "WORKSHOP_ID", "", "nullable|integer"),
                    var("Gamemode", "GAMEMODE", "sandbox", "required|string"),
                    var(
                        "Max Players",
                        "MAX_PLAYERS",
                        "32",
                        "required|integer|max:128",
                    ),
                    var("Tickrate", "TICKRATE", "22", "required|integer|max:100"),
                    var("Lua Refresh", "LUA_REFRESH", "0", "required|boolean"),
                ],
            },
            StockEgg {
                name: "Team Fortress 2",
                description: "Team Fortress 2 is a team-based first-person shooter multiplayer video game developed and published by Valve Corporation.",
                images: SRC_IMG,
                startup: SRC_START,
                stop: "quit",
                done: SRC_DONE,
                features: &["gsl_token", "steam_disk_space"],
                container: "ghcr.io/pterodactyl/installers:debian",
                vars: &[
                    var(
                        "Game ID",
                        "SRCDS_APPID",
                        "232250",
                        "required|string|in:232250",
                    ),
                    var(
                        "Game Name",
                        "SRCDS_GAME",
                        "tf",
                        "required|alpha_dash|between:1,100",
                    ),
                    var(
                        "Default Map",
                        "SRCDS_MAP",
                        "cp_dustbowl",
                        "required|string|alpha_dash",
                    ),
                    var(
                        "Steam Account Token",
                        "STEAM_ACC",
                        "",
                        "nullable|string|alpha_num|size:32",
                    ),
                ],
            },
        ],
    },
    StockNest {
        name: "Rust",
        description: "Rust - A game where you must fight to survive.",
        eggs: &[StockEgg {
            name: "Rust",
            description: "The only aim in Rust is to survive. To do this you will need to overcome struggles such as hunger, thirst and cold.",
            images: &[("Rust", "ghcr.io/pterodactyl/games:rust")],
            startup: "./RustDedicated -batchmode +server.port {{SERVER_PORT}} +server.queryport {{QUERY_PORT}} +server.identity \"rust\" +rcon.port {{RCON_PORT}} +rcon.web true +server.hostname \\\"{{HOSTNAME}}\\\" +server.level \\\"{{LEVEL}}\\\" +server.description \\\"{{DESCRIPTION}}\\\" +server.maxplayers {{MAX_PLAYERS}} +server.worldsize \\\"{{WORLD_SIZE}}\\\" +server.seed \\\"{{WORLD_SEED}}\\\" +rcon.password \\\"{{RCON_PASS}}\\\"",
            stop: "quit",
            done: "Server startup complete",
            features: &["steam_disk_space"],
            container: "ghcr.io/pterodactyl/installers:debian",
            vars: &[
                var(
                    "Server Name",
                    "HOSTNAME",
                    "A Rust Server",
                    "required|string|max:60",
                ),
                var(
                    "Modding Framework",
                    "FRAMEWORK",
                    "vanilla",
                    "required|in:vanilla,oxide,carbon",
                ),
                var("Level", "LEVEL", "Procedural Map", "required|string|max:20"),
                var(
                    "Description",
                    "DESCRIPTION",
                    "Powered by Pterodactyl",
                    "required|string",
                ),
                var("Max Players", "MAX_PLAYERS", "40", "required|integer"),
                var("World Size", "WORLD_SIZE", "3000", "required|integer"),
                var("World Seed", "WORLD_SEED", "", "nullable|string"),
                var("Queries Port", "QUERY_PORT", "27017", "required|integer"),
                var("RCON Port", "RCON_PORT", "28016", "required|integer"),
                var(
                    "RCON Password",
                    "RCON_PASS",
                    "CHANGEME",
                    r"required|regex:/^[\w.-]*$/|max:64",
                ),
            ],
        }],
    },
    StockNest {
        name: "Voice Servers",
        description: "Voice servers such as Mumble and Teamspeak 3.",
        eggs: &[
            StockEgg {
                name: "Teamspeak3 Server",
                description: "VoIP software designed with security in mind, featuring crystal clear voice quality, endless customization options, and scalabilty up to thousands of simultaneous users.",
                images: &[("Debian", "ghcr.io/pterodactyl/yolks:debian")],
                startup: "./ts3server default_voice_port={{SERVER_PORT}} query_port={{QUERY_PORT}} filetransfer_ip=0.0.0.0 filetransfer_port={{FILE_TRANSFER}} license_accepted=1",
                stop: "^C",
                done: "listening on 0.0.0.0:",
                features: &[],
                container: "ghcr.io/pterodactyl/installers:alpine",
                vars: &[
                    var(
                        "Server Version",
                        "TS_VERSION",
                        "latest",
                        "required|string|max:6",
                    ),
                    var(
                        "File Transfer Port",
                        "FILE_TRANSFER",
                        "30033",
                        "required|integer|between:1025,65535",
                    ),
                    var(
                        "Query Port",
                        "QUERY_PORT",
                        "10011",
                        "required|integer|between:1025,65535",
                    ),
                ],
            },
            StockEgg {
                name: "Mumble Server",
                description: "Mumble is an open source, low-latency, high quality voice chat software primarily intended for use while gaming.",
                images: &[("Mumble", "ghcr.io/parkervcp/yolks:voice_mumble")],
                startup: "mumble-server -fg -ini murmur.ini",
                stop: "^C",
                done: "Server listening on",
                features: &[],
                container: "ghcr.io/pterodactyl/installers:alpine",
                vars: &[
                    var(
                        "Maximum Users",
                        "MAX_USERS",
                        "100",
                        "required|numeric|min:1",
                    ),
                    var(
                        "Server Version",
                        "MUMBLE_VERSION",
                        "1.4.230",
                        "required|string",
                    ),
                ],
            },
        ],
    },
];
