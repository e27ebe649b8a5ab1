//! Errors of the client core. The PHP layer maps each kind to an exception
//! class (`ErrorKind`), so the wording here is what users read.

use std::time::Duration;

/// What went wrong, grouped by the exception the PHP layer throws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad argument or option: `ValueError` in PHP.
    InvalidArgument,
    /// Wrong argument type: `TypeError` in PHP.
    InvalidType,
    /// Refused, reset, closed, timed out, pool exhausted.
    Connection,
    /// An `ERR` reply or a reply that does not fit the request.
    Server,
    /// Anything else (a value that cannot be decoded, a too large reply).
    Other,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    InvalidType(String),
    #[error("cannot connect to TagCache at {addr}: {reason}")]
    Connect { addr: String, reason: String },
    #[error("TagCache at {addr}: {op} timed out after {ms} ms")]
    Timeout {
        addr: String,
        op: &'static str,
        ms: u128,
    },
    #[error("TagCache at {addr}: {op} failed: {reason}")]
    Io {
        addr: String,
        op: &'static str,
        reason: String,
    },
    #[error("TagCache at {addr} closed the connection{detail}")]
    Closed { addr: String, detail: String },
    #[error("TagCache at {addr} is down ({reason}); not tried again for {retry_ms} ms (retry_interval_ms)")]
    ServerDown {
        addr: String,
        reason: String,
        retry_ms: u128,
    },
    #[error("{op} reached only some servers, so it is not complete: {failed}; {done}")]
    Partial {
        op: &'static str,
        /// Each server that failed, with why.
        failed: String,
        /// What the others did.
        done: String,
    },
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Several(Vec<Error>),
    #[error("TagCache at {addr}: pool exhausted: {busy} connections busy for {ms} ms")]
    PoolExhausted { addr: String, busy: usize, ms: u128 },
    #[error("TagCache server error: {0}")]
    Server(String),
    #[error("unexpected reply from TagCache to {cmd}: {reply}")]
    Protocol { cmd: &'static str, reply: String },
    #[error("TagCache reply exceeds max_value_bytes ({limit} bytes); connection closed")]
    ReplyTooLarge { limit: usize },
    #[error("cannot decode value: {0}")]
    Decode(String),
    /// The connection failed after a request that may not be resent
    /// (`Kind::resend_safe`) was sent: the server may or may not have
    /// carried it out.
    #[error("{cause}; the outcome of {verb} is unknown: it was sent and the server may have carried it out (it is never resent, since a second try could report another result)")]
    OutcomeUnknown {
        verb: &'static str,
        cause: Box<Error>,
    },
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::InvalidType(_) => ErrorKind::InvalidType,
            Error::Connect { .. }
            | Error::Timeout { .. }
            | Error::Io { .. }
            | Error::Closed { .. }
            | Error::PoolExhausted { .. }
            | Error::ServerDown { .. }
            | Error::Partial { .. }
            | Error::OutcomeUnknown { .. } => ErrorKind::Connection,
            Error::Several(list) => list.first().map_or(ErrorKind::Connection, Error::kind),
            Error::Server(_) | Error::Protocol { .. } => ErrorKind::Server,
            Error::ReplyTooLarge { .. } | Error::Decode(_) => ErrorKind::Other,
        }
    }

    pub(crate) fn timeout(addr: &str, op: &'static str, d: Duration) -> Error {
        Error::Timeout {
            addr: addr.to_string(),
            op,
            ms: d.as_millis(),
        }
    }

    pub(crate) fn io(addr: &str, op: &'static str, e: &std::io::Error) -> Error {
        Error::Io {
            addr: addr.to_string(),
            op,
            reason: e.to_string(),
        }
    }

    /// The connection was closed or reset under the request (not a
    /// timeout, not a reply out of step): the half of the resend rule that
    /// is about the error (engine.rs, `Failure::resendable`).
    pub fn is_connection_dropped(&self) -> bool {
        matches!(self, Error::Closed { .. } | Error::Io { .. })
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Text from outside (user input, a server's reply) as a message quotes
/// it: control characters escaped as Rust writes them (`\0`, `\t`,
/// `\u{1b}`). A message must never hold a NUL byte (PHP cannot throw it),
/// nor line breaks or terminal escapes that would garble a log line.
pub fn shown(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out.into()
}

pub(crate) fn invalid(msg: impl Into<String>) -> Error {
    Error::InvalidArgument(msg.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_escapes_control_characters_only() {
        assert_eq!(
            shown("plain 'text' \"here\" \u{e9}"),
            "plain 'text' \"here\" \u{e9}"
        );
        assert_eq!(shown("a\0b\tc\nd\u{1b}"), "a\\0b\\tc\\nd\\u{1b}");
        let e = Error::InvalidArgument(format!("unknown option '{}'", shown("po\0rt")));
        assert!(!e.to_string().contains('\0'));
    }
}
