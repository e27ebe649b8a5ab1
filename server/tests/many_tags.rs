//! PUTs with 100,000 tags over TCP (issue 16: de-duplicating them compared
//! every tag with every other, 15 s for one PUT and 29 s to replace it).
//! Every tag given is linked to the key, once; a replacement unlinks
//! exactly the tags it drops.

mod common;

use common::{keys, Conn, Server};

/// KEYS_BY_TAG for every tag, in pipelined chunks (so that neither side's
/// socket buffer fills while the other writes); the keys of each reply.
fn keys_by_tag(conn: &mut Conn, tags: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::with_capacity(tags.len());
    for chunk in tags.chunks(5000) {
        let lines: Vec<String> = chunk.iter().map(|t| format!("KEYS_BY_TAG\t{t}")).collect();
        out.extend(conn.pipeline(&lines).iter().map(|r| keys(r)));
    }
    out
}

/// Asserts `key` is listed under each tag in `with` and under none in
/// `without`.
fn assert_linked(conn: &mut Conn, key: &str, with: &[String], without: &[String]) {
    for (tag, listed) in with.iter().zip(keys_by_tag(conn, with)) {
        assert_eq!(listed, [key], "tag {tag}");
    }
    for (tag, listed) in without.iter().zip(keys_by_tag(conn, without)) {
        assert!(listed.is_empty(), "tag {tag} still lists {listed:?}");
    }
}

#[test]
fn put_with_100000_distinct_tags_links_each_once() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    let tags: Vec<String> = (0..100_000).map(|i| format!("t{i}")).collect();
    let put = format!("PUT\tk\t-\t{}\tv", tags.join(","));
    assert_eq!(conn.request(&put), "OK");
    let absent: Vec<String> = ["t100000", "t", "t0,t1", "0"].map(String::from).to_vec();
    assert_linked(&mut conn, "k", &tags, &absent);

    // Replaced by the odd tags: the even ones are unlinked.
    let (odd, even): (Vec<String>, Vec<String>) = tags
        .iter()
        .cloned()
        .partition(|t| t[1..].parse::<u32>().unwrap() % 2 == 1);
    let put = format!("PUT\tk\t-\t{}\tw", odd.join(","));
    assert_eq!(conn.request(&put), "OK");
    assert_eq!(conn.request("GET\tk"), "VALUE\tw");
    assert_linked(&mut conn, "k", &odd, &even);

    assert_eq!(conn.request("INV_TAG\tt99999"), "INV_TAG\t1");
    assert_linked(&mut conn, "k", &[], &odd);
}

#[test]
fn put_with_100000_tags_of_1000_distinct_links_each_once() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    let distinct: Vec<String> = (0..1000).map(|i| format!("d{i}")).collect();
    // 100 rounds of the 1,000, each rotated, with empty tags among them.
    let mut given: Vec<&str> = Vec::new();
    for round in 0..100 {
        for i in 0..1000 {
            given.push(&distinct[(i + round * 13) % 1000]);
            if i % 97 == 0 {
                given.push("");
            }
        }
    }
    let put = format!("PUT\tk\t-\t{}\tv", given.join(","));
    assert_eq!(conn.request(&put), "OK");
    let absent: Vec<String> = ["d1000", "d"].map(String::from).to_vec();
    assert_linked(&mut conn, "k", &distinct, &absent);
    // The key is counted once, and unlinked from every tag it carried.
    assert_eq!(conn.request("INV_TAGS_ANY\td0,d1,d2"), "INV_TAGS_ANY\t1");
    assert_linked(&mut conn, "k", &[], &distinct);
}
