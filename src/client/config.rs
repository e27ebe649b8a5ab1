//! Client options: defaults, parsing of one option at a time (from the PHP
//! options array or an INI entry) and validation.

use super::error::{invalid, shown, Error, Result};

/// Which serializer encodes arrays and objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Serializer {
    Php,
    Igbinary,
    Msgpack,
}

impl Serializer {
    pub fn name(self) -> &'static str {
        match self {
            Serializer::Php => "php",
            Serializer::Igbinary => "igbinary",
            Serializer::Msgpack => "msgpack",
        }
    }

    pub fn parse(s: &str) -> Result<Serializer> {
        match s {
            "php" => Ok(Serializer::Php),
            "igbinary" => Ok(Serializer::Igbinary),
            "msgpack" => Ok(Serializer::Msgpack),
            _ => Err(invalid(format!(
                "option 'serializer' must be \"php\", \"igbinary\" or \"msgpack\", \"{}\" given",
                shown(s)
            ))),
        }
    }
}

/// `compression`: how values of at least `compression_min_bytes` are
/// stored (codec.rs, "Compressed values").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    None,
    Lz4,
    Zstd,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }

    pub fn parse(s: &str) -> Result<Compression> {
        match s {
            "none" => Ok(Compression::None),
            "lz4" => Ok(Compression::Lz4),
            "zstd" => Ok(Compression::Zstd),
            _ => Err(invalid(format!(
                "option 'compression' must be \"none\", \"lz4\" or \"zstd\", \"{}\" given",
                s.escape_debug()
            ))),
        }
    }
}

/// `allowed_classes`, as for unserialize().
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AllowedClasses {
    All,
    None,
    List(Vec<String>),
}

/// `persistent`: off, the default pool of this address, or a named one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Persistent {
    No,
    Default,
    Id(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub host: String,
    pub port: u16,
    pub pool_size: usize,
    pub connect_timeout_ms: u64,
    pub timeout_ms: u64,
    pub persistent: Persistent,
    pub serializer: Serializer,
    pub allowed_classes: AllowedClasses,
    pub retry: u32,
    pub max_value_bytes: usize,
    pub tcp_keepalive: bool,
    /// Batches of at least this many commands are split over several
    /// connections.
    pub fanout_min: usize,
    /// How long to busy-poll for a reply before sleeping in poll(2), in
    /// microseconds (0: never).
    pub busy_poll_us: u64,
    /// Several servers (empty: the one of `host` and `port`).
    pub servers: Vec<ServerAddr>,
    /// What reads of keys on a server that is down give.
    pub down_server: DownServer,
    /// With several servers, one that could not be reached is tried again
    /// after this long; calls that need it before then fail at once (0:
    /// every call tries). One server alone is always tried.
    pub retry_interval_ms: u64,
    /// How values of at least `compression_min_bytes` (as wire text) are
    /// stored; any compressed value is read whatever this says.
    pub compression: Compression,
    pub compression_min_bytes: usize,
    /// The codec's level (zstd: 1 fastest to 22 smallest, negative faster
    /// still; 0 its default, 3); lz4 has none.
    pub compression_level: i32,
}

/// One server of a `servers` list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerAddr {
    /// A host name or address, IPv6 without brackets.
    pub host: String,
    pub port: u16,
    /// Its share of the keys, relative to the others' (ketama).
    pub weight: u32,
}

impl ServerAddr {
    /// "host:port" ("[::1]:port" for IPv6): how the server is named in
    /// messages, `serverForKey()` and stats.
    pub fn name(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Parses a `servers` entry: "host:port" or "host:port:weight", the
    /// host an IPv6 address in brackets if it has colons.
    pub fn parse(entry: &str) -> Result<ServerAddr> {
        let bad = |why: &str| {
            invalid(format!(
                "option 'servers': entry \"{}\" {why}",
                shown(entry)
            ))
        };
        let (host, rest) = if let Some(inner) = entry.strip_prefix('[') {
            let end = inner.find(']').ok_or_else(|| bad("has no closing ']'"))?;
            let rest = &inner[end + 1..];
            let rest = rest
                .strip_prefix(':')
                .ok_or_else(|| bad("must be 'host:port' or 'host:port:weight'"))?;
            (&inner[..end], rest)
        } else {
            match entry.split_once(':') {
                Some((h, r)) => (h, r),
                None => return Err(bad("must be 'host:port' or 'host:port:weight'")),
            }
        };
        let (port, weight) = match rest.split_once(':') {
            Some((p, w)) => (p, Some(w)),
            None => (rest, None),
        };
        let port: u16 = port
            .parse()
            .ok()
            .filter(|&p| p > 0)
            .ok_or_else(|| bad("has no valid port (1-65535)"))?;
        let weight = match weight {
            None => 1,
            Some(w) => w
                .parse::<u32>()
                .ok()
                .filter(|&w| w > 0)
                .ok_or_else(|| bad("has no valid weight (a positive integer)"))?,
        };
        Ok(ServerAddr {
            host: check_host(host).map_err(|_| {
                bad(&format!(
                    "has a bad host: \"{}\" is not a host name or address",
                    shown(host)
                ))
            })?,
            port,
            weight,
        })
    }
}

/// Why a host was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostError {
    /// Not a host name or address.
    Bad,
    /// A host with a port in it: the port is an option of its own.
    WithPort,
}

/// Checks a host name or address and returns it as the resolver takes it:
/// an IPv6 address may be given in brackets (`[::1]` is `::1`, so both share
/// a persistent pool); a host with a port in it is refused.
pub fn check_host(s: &str) -> std::result::Result<String, HostError> {
    if s.is_empty() || s.contains(['\0', ' ', '\t', '\n', '\r', ',']) {
        return Err(HostError::Bad);
    }
    if let Some(rest) = s.strip_prefix('[') {
        let Some((inner, after)) = rest.split_once(']') else {
            return Err(HostError::Bad);
        };
        return match after {
            "" if inner.contains(':') && !inner.contains(['[', ']']) => Ok(inner.to_string()),
            _ if after.starts_with(':') => Err(HostError::WithPort),
            _ => Err(HostError::Bad),
        };
    }
    if s.contains(['[', ']']) {
        return Err(HostError::Bad);
    }
    // One colon is a name or IPv4 address with a port; an IPv6 address has
    // at least two.
    if s.matches(':').count() == 1 {
        return Err(HostError::WithPort);
    }
    Ok(s.to_string())
}

/// `down_server`: what a read of a key on a server that is down gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DownServer {
    /// The call throws TagCacheConnectionException naming the server.
    Error,
    /// A miss (writes still throw).
    Miss,
}

/// One option: its name (also the INI entry `tagcache.<name>`), its
/// default as INI text, and what it means (for tagcache.ini and phpinfo).
#[derive(Debug, Clone, Copy)]
pub struct OptionDef {
    pub name: &'static str,
    pub default: &'static str,
    pub doc: &'static str,
}

/// Every option, in the order they are documented: the one table both the
/// INI entries and `Options::default()` come from.
pub const OPTIONS: &[OptionDef] = &[
    OptionDef {
        name: "host",
        default: "127.0.0.1",
        doc: "server host name or address (an IPv6 address may be in brackets)",
    },
    OptionDef {
        name: "port",
        default: "1984",
        doc: "server TCP port",
    },
    OptionDef {
        name: "pool_size",
        default: "8",
        doc: "connections the pool may open (1-1024)",
    },
    OptionDef {
        name: "connect_timeout_ms",
        default: "1000",
        doc: "connect timeout in milliseconds",
    },
    OptionDef {
        name: "timeout_ms",
        default: "5000",
        doc: "how long a call waits for the server, and for a free connection, in milliseconds",
    },
    OptionDef {
        name: "persistent",
        default: "0",
        doc: "1 or an id: keep the pool for the life of the process, shared per id",
    },
    OptionDef {
        name: "serializer",
        default: "php",
        doc: "php, igbinary or msgpack: how arrays and objects are stored",
    },
    OptionDef {
        name: "allowed_classes",
        default: "1",
        doc: "as for unserialize(): 1, 0 or a comma-separated list of classes",
    },
    OptionDef {
        name: "retry",
        default: "1",
        doc: "times a request that can be repeated is resent after its connection dropped (0-10)",
    },
    OptionDef {
        name: "max_value_bytes",
        default: "67108864",
        doc: "longest value this client writes or reads, as wire text, in bytes",
    },
    OptionDef {
        name: "tcp_keepalive",
        default: "1",
        doc: "TCP keepalive on the connections",
    },
    OptionDef {
        name: "fanout_min",
        default: "10000",
        doc: "a batch of at least this many requests is split over the pool's connections",
    },
    OptionDef {
        name: "busy_poll_us",
        default: "50",
        doc: "microseconds to busy-poll for a reply before sleeping in poll(2); 0 never",
    },
    OptionDef {
        name: "servers",
        default: "",
        doc: "several servers, comma-separated host:port or host:port:weight; empty: host and port",
    },
    OptionDef {
        name: "down_server",
        default: "error",
        doc: "error or miss: what a read of a key on a server that is down gives",
    },
    OptionDef {
        name: "retry_interval_ms",
        default: "1000",
        doc: "several servers: one that could not be reached is tried again after this long; 0 always",
    },
    OptionDef {
        name: "compression",
        default: "none",
        doc: "none, lz4 or zstd: values stored compressed when that makes them smaller (other clients cannot read them)",
    },
    OptionDef {
        name: "compression_min_bytes",
        default: "2048",
        doc: "values shorter than this, as wire text, are never compressed",
    },
    OptionDef {
        name: "compression_level",
        default: "0",
        doc: "zstd level, 1 (fastest) to 22 (smallest), negative faster still; 0 zstd's default (3); lz4 has none",
    },
];

/// The table entry of option `name`.
pub fn option_def(name: &str) -> Option<&'static OptionDef> {
    OPTIONS.iter().find(|d| d.name == name)
}

impl Default for Options {
    /// Every option at its default from `OPTIONS`.
    fn default() -> Self {
        let mut o = Options {
            host: String::new(),
            port: 0,
            pool_size: 0,
            connect_timeout_ms: 0,
            timeout_ms: 0,
            persistent: Persistent::No,
            serializer: Serializer::Php,
            allowed_classes: AllowedClasses::All,
            retry: 0,
            max_value_bytes: 0,
            tcp_keepalive: false,
            fanout_min: 0,
            busy_poll_us: 0,
            servers: Vec::new(),
            down_server: DownServer::Error,
            retry_interval_ms: 0,
            compression: Compression::None,
            compression_min_bytes: 0,
            compression_level: 0,
        };
        for d in OPTIONS {
            // Each default is checked by the `defaults` test: none can fail.
            let r = o.set_ini(d.name, d.default);
            debug_assert!(r.is_ok(), "default of {}: {r:?}", d.name);
        }
        o
    }
}

/// A value given for an option, already reduced to what PHP can express.
#[derive(Debug, Clone, PartialEq)]
pub enum OptValue {
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<String>),
}

impl OptValue {
    fn type_name(&self) -> &'static str {
        match self {
            OptValue::Bool(_) => "bool",
            OptValue::Int(_) => "int",
            OptValue::Str(_) => "string",
            OptValue::List(_) => "array",
        }
    }
}

fn wrong_type(name: &str, want: &str, got: &OptValue) -> Error {
    Error::InvalidType(format!(
        "option '{name}' must be of type {want}, {} given",
        got.type_name()
    ))
}

fn int_in(name: &str, v: &OptValue, min: i64, max: i64) -> Result<i64> {
    match v {
        OptValue::Int(i) if (min..=max).contains(i) => Ok(*i),
        OptValue::Int(i) => Err(invalid(format!(
            "option '{name}' must be between {min} and {max}, {i} given"
        ))),
        other => Err(wrong_type(name, "int", other)),
    }
}

fn boolean(name: &str, v: &OptValue) -> Result<bool> {
    match v {
        OptValue::Bool(b) => Ok(*b),
        other => Err(wrong_type(name, "bool", other)),
    }
}

impl Options {
    /// Sets one option; the name must be one of `OPTION_NAMES`.
    pub fn set(&mut self, name: &str, v: OptValue) -> Result<()> {
        match name {
            "host" => match v {
                OptValue::Str(s) => {
                    self.host = check_host(&s).map_err(|e| match e {
                        HostError::Bad => invalid(format!(
                            "option 'host' is not a host name: \"{}\"",
                            shown(&s)
                        )),
                        HostError::WithPort => invalid(format!(
                            "option 'host' must not hold a port: \"{}\"; give the port in the 'port' option",
                            shown(&s)
                        )),
                    })?
                }
                other => return Err(wrong_type(name, "string", &other)),
            },
            "servers" => match v {
                OptValue::List(entries) => {
                    let mut list: Vec<ServerAddr> = Vec::with_capacity(entries.len());
                    for e in &entries {
                        let s = ServerAddr::parse(e)?;
                        if list.iter().any(|o| o.host == s.host && o.port == s.port) {
                            return Err(invalid(format!(
                                "option 'servers': server {} is listed twice",
                                s.name()
                            )));
                        }
                        list.push(s);
                    }
                    if list.is_empty() && !entries.is_empty() {
                        return Err(invalid("option 'servers' must not be empty"));
                    }
                    self.servers = list;
                }
                other => return Err(wrong_type(name, "array", &other)),
            },
            "down_server" => match v {
                OptValue::Str(s) => {
                    self.down_server = match s.as_str() {
                        "error" => DownServer::Error,
                        "miss" => DownServer::Miss,
                        _ => {
                            return Err(invalid(format!(
                                "option 'down_server' must be \"error\" or \"miss\", \"{}\" given",
                                shown(&s)
                            )))
                        }
                    }
                }
                other => return Err(wrong_type(name, "string", &other)),
            },
            "retry_interval_ms" => self.retry_interval_ms = int_in(name, &v, 0, 3_600_000)? as u64,
            "port" => self.port = int_in(name, &v, 1, 65535)? as u16,
            "pool_size" => self.pool_size = int_in(name, &v, 1, 1024)? as usize,
            "connect_timeout_ms" => {
                self.connect_timeout_ms = int_in(name, &v, 1, 3_600_000)? as u64
            }
            "timeout_ms" => self.timeout_ms = int_in(name, &v, 1, 3_600_000)? as u64,
            "persistent" => {
                self.persistent = match v {
                    OptValue::Bool(false) => Persistent::No,
                    OptValue::Bool(true) => Persistent::Default,
                    OptValue::Str(s) if s.is_empty() => Persistent::No,
                    OptValue::Str(s) => Persistent::Id(s),
                    other => return Err(wrong_type(name, "bool|string", &other)),
                }
            }
            "serializer" => match v {
                OptValue::Str(s) => self.serializer = Serializer::parse(&s)?,
                other => return Err(wrong_type(name, "string", &other)),
            },
            "allowed_classes" => {
                self.allowed_classes = match v {
                    OptValue::Bool(true) => AllowedClasses::All,
                    OptValue::Bool(false) => AllowedClasses::None,
                    OptValue::List(l) => AllowedClasses::List(l),
                    other => return Err(wrong_type(name, "bool|array", &other)),
                }
            }
            "retry" => self.retry = int_in(name, &v, 0, 10)? as u32,
            "max_value_bytes" => {
                self.max_value_bytes = int_in(name, &v, 64, i64::from(u32::MAX))? as usize
            }
            "tcp_keepalive" => self.tcp_keepalive = boolean(name, &v)?,
            "fanout_min" => self.fanout_min = int_in(name, &v, 1, i64::from(u32::MAX))? as usize,
            "busy_poll_us" => self.busy_poll_us = int_in(name, &v, 0, 1_000_000)? as u64,
            "compression" => match v {
                OptValue::Str(s) => self.compression = Compression::parse(&s)?,
                other => return Err(wrong_type(name, "string", &other)),
            },
            "compression_min_bytes" => {
                self.compression_min_bytes = int_in(name, &v, 0, i64::from(u32::MAX))? as usize
            }
            "compression_level" => self.compression_level = int_in(name, &v, -50, 22)? as i32,
            _ => {
                return Err(invalid(format!(
                    "unknown option '{}' (known: {})",
                    shown(name),
                    OPTIONS
                        .iter()
                        .map(|d| d.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        }
        Ok(())
    }

    /// Sets an option from its INI text (`tagcache.<name>`).
    pub fn set_ini(&mut self, name: &str, text: &str) -> Result<()> {
        let t = text.trim();
        let v = match name {
            "host" | "serializer" | "down_server" | "compression" => OptValue::Str(t.to_string()),
            "servers" => OptValue::List(
                t.split(',')
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect(),
            ),
            "persistent" => match parse_ini_bool(t) {
                Some(b) => OptValue::Bool(b),
                None => OptValue::Str(t.to_string()),
            },
            "tcp_keepalive" => OptValue::Bool(parse_ini_bool(t).ok_or_else(|| {
                invalid(format!(
                    "INI tagcache.{name} must be a boolean, \"{}\" given",
                    shown(t)
                ))
            })?),
            "allowed_classes" => match parse_ini_bool(t) {
                Some(b) => OptValue::Bool(b),
                None => OptValue::List(
                    t.split(',')
                        .map(|c| c.trim().to_string())
                        .filter(|c| !c.is_empty())
                        .collect(),
                ),
            },
            _ => OptValue::Int(t.parse::<i64>().map_err(|_| {
                invalid(format!(
                    "INI tagcache.{name} must be an integer, \"{}\" given",
                    shown(t)
                ))
            })?),
        };
        self.set(name, v)
    }

    pub fn addr(&self) -> String {
        self.server_list()[0].name()
    }

    /// The servers: the `servers` list, or the one of `host` and `port`.
    pub fn server_list(&self) -> Vec<ServerAddr> {
        if self.servers.is_empty() {
            vec![ServerAddr {
                host: self.host.clone(),
                port: self.port,
                weight: 1,
            }]
        } else {
            self.servers.clone()
        }
    }

    /// The key of the persistent pool of `server` in the process-wide
    /// registry, or None for pools of this object only. Settings fixed when
    /// a connection is made are part of it, so a pool never serves
    /// connections made with other settings; two objects with overlapping
    /// server lists share the pools of the servers they have in common.
    pub fn persistent_key(&self, server: &ServerAddr) -> Option<String> {
        let id = match &self.persistent {
            Persistent::No => return None,
            Persistent::Default => "",
            Persistent::Id(id) => id.as_str(),
        };
        Some(format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            server.host,
            server.port,
            id,
            self.pool_size,
            self.connect_timeout_ms,
            self.tcp_keepalive,
            self.max_value_bytes
        ))
    }
}

/// The `host` option: a name, an IPv4 address, or an IPv6 address bare or
/// in brackets (`::1`, `[::1]`: kept without them). A port in it
/// (`127.0.0.1:1984`, `[::1]:1984`) is refused: it goes in `port`.
fn parse_ini_bool(t: &str) -> Option<bool> {
    match t.to_ascii_lowercase().as_str() {
        "1" | "on" | "yes" | "true" => Some(true),
        "0" | "off" | "no" | "false" | "" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        for d in OPTIONS {
            let mut o = Options::default();
            o.set_ini(d.name, d.default)
                .unwrap_or_else(|e| panic!("default of {}: {e}", d.name));
        }
        let names: std::collections::HashSet<_> = OPTIONS.iter().map(|d| d.name).collect();
        assert_eq!(names.len(), OPTIONS.len(), "an option listed twice");
        let o = Options::default();
        assert_eq!(o.timeout_ms, 5000);
        assert_eq!(o.fanout_min, 10_000);
        assert_eq!(o.busy_poll_us, 50);
        assert!(o.tcp_keepalive);
        assert_eq!(o.retry, 1);
        assert_eq!(o.addr(), "127.0.0.1:1984");
        assert_eq!(o.pool_size, 8);
        assert_eq!(o.max_value_bytes, 64 << 20);
        assert_eq!(o.persistent_key(&o.server_list()[0]), None);
        assert_eq!(o.compression, Compression::None);
        assert_eq!(o.compression_min_bytes, 2048);
        assert_eq!(o.compression_level, 0);
    }

    #[test]
    fn compression_options() {
        let mut o = Options::default();
        o.set_ini("compression", "zstd").unwrap();
        o.set_ini("compression_level", "-3").unwrap();
        o.set_ini("compression_min_bytes", "0").unwrap();
        assert_eq!(
            (o.compression, o.compression_level, o.compression_min_bytes),
            (Compression::Zstd, -3, 0)
        );
        o.set("compression", OptValue::Str("lz4".into())).unwrap();
        assert_eq!(o.compression, Compression::Lz4);
        let e = o
            .set("compression", OptValue::Str("gzip".into()))
            .unwrap_err();
        assert!(
            e.to_string().contains("\"none\", \"lz4\" or \"zstd\""),
            "{e}"
        );
        assert!(o.set("compression", OptValue::Int(1)).is_err());
        assert!(o.set("compression_level", OptValue::Int(23)).is_err());
        assert!(o.set("compression_min_bytes", OptValue::Int(-1)).is_err());
    }

    #[test]
    fn set_and_validate() {
        let mut o = Options::default();
        o.set("port", OptValue::Int(1234)).unwrap();
        assert_eq!(o.port, 1234);
        assert!(matches!(
            o.set("port", OptValue::Int(70000)),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            o.set("port", OptValue::Str("1".into())),
            Err(Error::InvalidType(_))
        ));
        let e = o.set("nope", OptValue::Int(1)).unwrap_err();
        assert!(e.to_string().contains("unknown option 'nope'"), "{e}");
        o.set("serializer", OptValue::Str("igbinary".into()))
            .unwrap();
        assert_eq!(o.serializer, Serializer::Igbinary);
        assert!(o.set("serializer", OptValue::Str("json".into())).is_err());
        o.set("persistent", OptValue::Str("a".into())).unwrap();
        assert_eq!(
            o.persistent_key(&o.server_list()[0]).unwrap(),
            "127.0.0.1\t1234\ta\t8\t1000\ttrue\t67108864"
        );
        o.set("allowed_classes", OptValue::List(vec!["Foo".into()]))
            .unwrap();
        assert_eq!(o.allowed_classes, AllowedClasses::List(vec!["Foo".into()]));
        assert!(o.set("pool_size", OptValue::Int(0)).is_err());
        assert!(o.set("timeout_ms", OptValue::Bool(true)).is_err());
    }

    #[test]
    fn ini_text() {
        let mut o = Options::default();
        o.set_ini("port", "4321").unwrap();
        o.set_ini("tcp_keepalive", "Off").unwrap();
        o.set_ini("persistent", "1").unwrap();
        o.set_ini("allowed_classes", "A, B").unwrap();
        assert_eq!(o.port, 4321);
        assert!(!o.tcp_keepalive);
        assert_eq!(o.persistent, Persistent::Default);
        assert_eq!(
            o.allowed_classes,
            AllowedClasses::List(vec!["A".into(), "B".into()])
        );
        assert!(o.set_ini("port", "abc").is_err());
        o.set_ini("host", "[::1]").unwrap();
        assert_eq!(o.host, "::1");
        assert!(o.set_ini("host", "127.0.0.1:1984").is_err());
    }

    #[test]
    fn hosts() {
        let host = |s: &str| {
            let mut o = Options::default();
            o.set("host", OptValue::Str(s.into()))
                .map(|()| (o.host.clone(), o.addr()))
        };
        for (given, kept, addr) in [
            ("127.0.0.1", "127.0.0.1", "127.0.0.1:1984"),
            ("cache.example", "cache.example", "cache.example:1984"),
            ("::1", "::1", "[::1]:1984"),
            ("[::1]", "::1", "[::1]:1984"),
            ("[fe80::1:2]", "fe80::1:2", "[fe80::1:2]:1984"),
            ("2001:db8::7", "2001:db8::7", "[2001:db8::7]:1984"),
        ] {
            assert_eq!(host(given).unwrap(), (kept.into(), addr.into()), "{given}");
        }
        for with_port in [
            "127.0.0.1:1984",
            "localhost:80",
            "[::1]:1984",
            "cache.example:",
        ] {
            let e = host(with_port).unwrap_err();
            assert!(matches!(e, Error::InvalidArgument(_)), "{with_port}: {e:?}");
            assert!(e.to_string().contains("'port' option"), "{with_port}: {e}");
        }
        for bad in [
            "",
            "a b",
            "[::1",
            "[]",
            "[127.0.0.1]",
            "[::1]x",
            "a]b",
            "[[::1]]",
        ] {
            let e = host(bad).unwrap_err();
            assert!(e.to_string().contains("is not a host name"), "{bad:?}: {e}");
        }
    }
}
