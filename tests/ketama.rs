//! The ketama ring places every key on the same server as php-memcached
//! with `Memcached::OPT_LIBKETAMA_COMPATIBLE`. The expected placements in
//! tests/data/ketama.tsv were printed by tests/data/ketama-gen.php with
//! Debian's php8.2-memcached (libmemcached 1.1.4); regenerate and diff:
//!
//!     php tests/data/ketama-gen.php | diff - tests/data/ketama.tsv

use tagcache::client::ketama::Ring;

struct Case {
    /// (host, port, weight) in list order.
    servers: Vec<(String, u16, u32)>,
}

impl Case {
    fn ring(&self) -> Ring {
        let list: Vec<(&str, u16, u32)> = self
            .servers
            .iter()
            .map(|(h, p, w)| (h.as_str(), *p, *w))
            .collect();
        Ring::new(&list)
    }
}

struct Data {
    cases: Vec<Case>,
    /// Each key with, per case, the position of its server.
    keys: Vec<(String, Vec<usize>)>,
}

fn load() -> Data {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/ketama.tsv");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let mut data = Data {
        cases: Vec::new(),
        keys: Vec::new(),
    };
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') {
            continue;
        }
        let mut fields = line.split('\t');
        let first = fields.next().unwrap();
        if first == "servers" {
            let list = fields.next().expect("a server list");
            let servers = list
                .split(',')
                .map(|s| {
                    let mut parts = s.rsplitn(3, ':');
                    let weight = parts.next().unwrap().parse().unwrap();
                    let port = parts.next().unwrap().parse().unwrap();
                    let host = parts.next().unwrap().to_owned();
                    (host, port, weight)
                })
                .collect();
            data.cases.push(Case { servers });
            continue;
        }
        let positions: Vec<usize> = fields.map(|f| f.parse().unwrap()).collect();
        assert_eq!(
            positions.len(),
            data.cases.len(),
            "line {}: one position per server list",
            n + 1
        );
        data.keys.push((first.to_owned(), positions));
    }
    data
}

#[test]
fn ring_agrees_with_php_memcached_on_every_key() {
    let data = load();
    assert_eq!(data.cases.len(), 8, "server lists in the data");
    assert_eq!(data.keys.len(), 10_000, "keys in the data");
    for (c, case) in data.cases.iter().enumerate() {
        let ring = case.ring();
        let mut wrong = Vec::new();
        for (key, positions) in &data.keys {
            let got = ring.server_for(key.as_bytes());
            if got != positions[c] {
                wrong.push((key.as_str(), got, positions[c]));
            }
        }
        assert!(
            wrong.is_empty(),
            "list {c} ({:?}): {} of {} keys placed differently, first (key, ours, php-memcached): {:?}",
            case.servers,
            wrong.len(),
            data.keys.len(),
            &wrong[..wrong.len().min(5)]
        );
        // Placed in groups, as a batch's keys are (Client::run), they land
        // on the same servers.
        let keys: Vec<&[u8]> = data.keys.iter().map(|(k, _)| k.as_bytes()).collect();
        let mut grouped = vec![usize::MAX; keys.len()];
        ring.servers_for(&keys, &mut grouped);
        for ((key, positions), &got) in data.keys.iter().zip(&grouped) {
            assert_eq!(got, positions[c], "list {c}: key {key} placed in a group");
        }
    }
}

/// The data itself exercises what it is meant to: every server of every
/// list holds keys (but the one with no point), and the lists whose point
/// counts come from f32 rounding are there.
#[test]
fn the_data_covers_every_server() {
    let data = load();
    for (c, case) in data.cases.iter().enumerate() {
        let mut held = vec![0usize; case.servers.len()];
        for (_, positions) in &data.keys {
            held[positions[c]] += 1;
        }
        let points = case.ring().points_per_server();
        for (s, (&h, &p)) in held.iter().zip(&points).enumerate() {
            assert_eq!(h == 0, p == 0, "list {c} server {s}: {h} keys, {p} points");
        }
    }
    let points = |c: usize| data.cases[c].ring().points_per_server();
    assert_eq!(
        points(6),
        vec![156; 25],
        "25 equal servers: 156 points each"
    );
    assert_eq!(points(7), vec![0, 316], "weights 1:1000: floor(79.92) * 4");
}
