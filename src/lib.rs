//! tagcache: a PHP extension, the client of a TagCache server.
#![allow(non_snake_case)]

pub mod client;
