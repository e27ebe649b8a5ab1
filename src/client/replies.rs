//! Where the replies of a batch go, each in the slot of its request. GET
//! values are copied into one arena rather than into a buffer each, so a
//! batch of any size costs two allocations however many values it reads.
//! Nothing here calls into PHP: the replies are turned into PHP values only
//! once every connection is back in the pool.

use super::error::{Error, Result};
use super::protocol::{Kind, Parsed, Reply, ServerStats};
use super::spare;

#[derive(Debug)]
pub struct Replies {
    arena: Vec<u8>,
    cells: Vec<Cell>,
    /// The rare replies that are neither a GET value, a miss nor `OK`
    /// (counts, key lists, errors...), out of line so a cell stays small:
    /// a batch of a million GETs holds a million cells.
    others: Vec<Option<Result<Reply>>>,
    /// Requests sent to every server (several servers): the request's slot
    /// holds the first server's reply, and these slots the others', until
    /// `merge_spread` combines them.
    spread: Vec<(usize, Vec<usize>)>,
    /// STATS replies of each server, kept by `merge_spread` for
    /// `take_per_server`.
    per_server: Vec<(usize, Vec<Result<Reply>>)>,
}

/// One request's reply as stored: 24 bytes.
#[derive(Debug, Clone, Copy)]
enum Cell {
    Pending,
    Value(usize, usize),
    Miss,
    Stored,
    Other(usize),
}

type Parts = (Vec<u8>, Vec<Cell>);

thread_local! {
    static SPARE: std::cell::Cell<Option<Parts>> = const { std::cell::Cell::new(None) };
}

impl Default for Replies {
    fn default() -> Replies {
        let (arena, cells) = spare::take(&SPARE).unwrap_or_default();
        Replies {
            arena,
            cells,
            others: Vec::new(),
            spread: Vec::new(),
            per_server: Vec::new(),
        }
    }
}

impl Drop for Replies {
    fn drop(&mut self) {
        let bytes = self.arena.capacity() + self.cells.capacity() * std::mem::size_of::<Cell>();
        self.arena.clear();
        self.cells.clear();
        spare::give(&SPARE, bytes, || {
            (
                std::mem::take(&mut self.arena),
                std::mem::take(&mut self.cells),
            )
        });
    }
}

/// The reply to one request, as taken out of `Replies`.
#[derive(Debug)]
pub enum Slot {
    /// No reply was read (only seen after a failed batch).
    Pending,
    /// GET hit: the value's wire text, `arena[start..end]`.
    Value(usize, usize),
    /// GET miss.
    Miss,
    /// Any other reply.
    Reply(Reply),
    /// The server refused this request (`ERR`).
    Err(Error),
}

impl Replies {
    pub fn new() -> Replies {
        Replies::default()
    }

    /// Empties it for a batch of `n` requests.
    pub fn reset(&mut self, n: usize) {
        self.arena.clear();
        self.others.clear();
        self.spread.clear();
        self.per_server.clear();
        self.cells.clear();
        self.cells.resize(n, Cell::Pending);
    }

    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Takes the reply of request `i` out (leaving `Pending`).
    pub fn take(&mut self, i: usize) -> Slot {
        let Some(cell) = self.cells.get_mut(i) else {
            return Slot::Pending;
        };
        match std::mem::replace(cell, Cell::Pending) {
            Cell::Pending => Slot::Pending,
            Cell::Value(a, b) => Slot::Value(a, b),
            Cell::Miss => Slot::Miss,
            Cell::Stored => Slot::Reply(Reply::Stored),
            Cell::Other(j) => match self.others.get_mut(j).and_then(Option::take) {
                Some(Ok(r)) => Slot::Reply(r),
                Some(Err(e)) => Slot::Err(e),
                None => Slot::Pending,
            },
        }
    }

    /// Takes out the failure of request `i`, if it failed: the server's
    /// `ERR`, or no reply at all. Any other reply stays in place.
    pub fn take_failure(&mut self, i: usize) -> Option<Error> {
        match self.cells.get(i).copied() {
            None | Some(Cell::Pending) => Some(no_reply()),
            Some(Cell::Other(j)) => match self.others.get_mut(j) {
                Some(slot @ Some(Err(_))) => slot.take().and_then(Result::err),
                _ => None,
            },
            Some(_) => None,
        }
    }

    fn other(&mut self, r: Result<Reply>) -> Cell {
        self.others.push(Some(r));
        Cell::Other(self.others.len() - 1)
    }

    /// The wire text of a `Slot::Value`.
    pub fn value(&self, start: usize, end: usize) -> &[u8] {
        self.arena.get(start..end).unwrap_or_default()
    }

    /// Records the reply line of request `i`. `Err` only for a line that
    /// is no answer to `kind` at all (the connection is out of step).
    pub(crate) fn put(&mut self, i: usize, kind: Kind, line: &[u8]) -> Result<()> {
        let cell = match kind.parse(line) {
            Parsed::Value(v) => {
                let start = self.arena.len();
                self.arena.extend_from_slice(v);
                Cell::Value(start, self.arena.len())
            }
            Parsed::Miss => Cell::Miss,
            Parsed::Stored => Cell::Stored,
            Parsed::Reply(r) => self.other(Ok(r)),
            Parsed::Refused(e) => self.other(Err(e)),
            Parsed::Bad(e) => return Err(e),
        };
        if let Some(c) = self.cells.get_mut(i) {
            *c = cell;
        }
        Ok(())
    }

    /// Records the reply of request `i` as `Parsed::Stored` (a line
    /// `Kind::stored_line` matched).
    #[inline]
    pub(crate) fn put_stored(&mut self, i: usize) {
        if let Some(c) = self.cells.get_mut(i) {
            *c = Cell::Stored;
        }
    }

    /// Every reply in `range` is `Reply::Stored`.
    pub fn all_stored(&self, range: std::ops::Range<usize>) -> bool {
        self.cells
            .get(range)
            .is_some_and(|c| c.iter().all(|c| matches!(c, Cell::Stored)))
    }

    /// A GET whose server is down reads as a miss (`down_server` "miss").
    pub(crate) fn set_miss(&mut self, slot: usize) {
        if let Some(c) = self.cells.get_mut(slot) {
            *c = Cell::Miss;
        }
    }

    /// Request `i` went to every server; `others` are the slots of the
    /// replies of the servers after the first.
    pub(crate) fn spread(&mut self, i: usize, others: Vec<usize>) {
        self.spread.push((i, others));
    }

    /// Combines the replies of each request sent to every server into its
    /// own slot: counts are summed, key lists joined (a key lives on one
    /// server, so the union is exact), STATS counters summed (and each
    /// server's kept for `take_per_server`). A refusal by any server is
    /// the request's reply.
    pub(crate) fn merge_spread(&mut self, kind_of: impl Fn(usize) -> Kind) {
        for (i, others) in std::mem::take(&mut self.spread) {
            let mut all = Vec::with_capacity(others.len() + 1);
            all.push(self.result(i));
            for o in others {
                all.push(self.result(o));
            }
            if kind_of(i) == Kind::Stats {
                self.per_server.push((i, all.clone()));
            }
            let merged = merge(all);
            let cell = self.other(merged);
            if let Some(c) = self.cells.get_mut(i) {
                *c = cell;
            }
        }
    }

    /// Each server's reply to request `i`, in server order, if it went to
    /// every server and was a STATS.
    pub fn take_per_server(&mut self, i: usize) -> Option<Vec<Result<Reply>>> {
        let at = self.per_server.iter().position(|(j, _)| *j == i)?;
        Some(self.per_server.swap_remove(at).1)
    }

    /// The reply of request `i` as a `Reply` (values copied out).
    pub fn result(&mut self, i: usize) -> Result<Reply> {
        let slot = self.take(i);
        self.to_result(slot)
    }

    /// A taken slot as a `Reply` (a value copied out of the arena).
    pub fn to_result(&self, slot: Slot) -> Result<Reply> {
        match slot {
            Slot::Value(a, b) => Ok(Reply::Value(Some(self.value(a, b).to_vec()))),
            Slot::Miss => Ok(Reply::Value(None)),
            Slot::Reply(r) => Ok(r),
            Slot::Err(e) => Err(e),
            Slot::Pending => Err(no_reply()),
        }
    }

    /// Every reply, in request order.
    pub fn into_results(mut self) -> Vec<Result<Reply>> {
        (0..self.len()).map(|i| self.result(i)).collect()
    }
}

/// The replies of every server to one request, as one.
fn merge(all: Vec<Result<Reply>>) -> Result<Reply> {
    let mut it = all.into_iter();
    let mut acc = it.next().unwrap_or_else(|| Err(no_reply()))?;
    for r in it {
        acc = match (acc, r?) {
            (Reply::Count(a), Reply::Count(b)) => Reply::Count(a + b),
            (Reply::Keys(mut a), Reply::Keys(b)) => {
                let mut seen: std::collections::HashSet<String> = a.iter().cloned().collect();
                a.extend(b.into_iter().filter(|k| seen.insert(k.clone())));
                Reply::Keys(a)
            }
            (Reply::Stats(a), Reply::Stats(b)) => {
                let (hits, misses) = (a.hits + b.hits, a.misses + b.misses);
                Reply::Stats(ServerStats {
                    hits,
                    misses,
                    puts: a.puts + b.puts,
                    invalidations: a.invalidations + b.invalidations,
                    hit_ratio: if hits + misses == 0 {
                        0.0
                    } else {
                        hits as f64 / (hits + misses) as f64
                    },
                })
            }
            (a, b) => {
                return Err(Error::Protocol {
                    cmd: "merge",
                    reply: format!("{a:?} and {b:?} cannot be combined"),
                })
            }
        };
    }
    Ok(acc)
}

/// The error of a request that got no reply (only after a failed batch).
fn no_reply() -> Error {
    Error::Protocol {
        cmd: "batch",
        reply: "no reply".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_keep_every_kind_of_reply_in_its_slot() {
        assert!(
            std::mem::size_of::<Cell>() <= 24,
            "a cell per request must stay small"
        );
        let mut r = Replies::new();
        r.reset(6);
        r.put(4, Kind::Get, b"VALUE\tfour").unwrap();
        r.put(0, Kind::Get, b"VALUE\t").unwrap();
        r.put(1, Kind::Get, b"NF").unwrap();
        r.put(2, Kind::Put, b"OK").unwrap();
        r.put(3, Kind::Incr, b"ERR value is not an integer")
            .unwrap();
        assert!(
            r.put(5, Kind::Del, b"VALUE\tx").is_err(),
            "a reply of the wrong kind"
        );
        for i in [0, 1, 2, 4] {
            assert!(r.take_failure(i).is_none(), "reply {i} is no failure");
        }
        assert!(matches!(r.take(0), Slot::Value(a, b) if r.value(a, b).is_empty()));
        let Slot::Value(a, b) = r.take(4) else {
            panic!("slot 4")
        };
        assert_eq!(r.value(a, b), b"four");
        assert!(matches!(r.take(1), Slot::Miss));
        assert!(matches!(r.take(2), Slot::Reply(Reply::Stored)));
        assert!(
            matches!(r.take_failure(5), Some(Error::Protocol { .. })),
            "no reply"
        );
        let err = r.take_failure(3);
        assert!(matches!(&err, Some(Error::Server(m)) if m == "value is not an integer"));
        assert!(matches!(r.take(3), Slot::Pending), "taken once");
        assert!(matches!(
            r.to_result(Slot::Reply(Reply::Count(7))),
            Ok(Reply::Count(7))
        ));
        assert!(matches!(r.take(9), Slot::Pending), "out of range");
        r.reset(1);
        assert!(matches!(r.take(0), Slot::Pending), "reset clears");
    }
}
