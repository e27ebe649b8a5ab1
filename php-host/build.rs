//! ext-php-rs' `embed` feature links `-lphp` but says neither where
//! libphp.so is nor how to find it at run time: both come from
//! `$PHP_CONFIG --prefix` (the PHP the bindings are generated from).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PHP_CONFIG");
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_EMBED").is_none() {
        return;
    }
    let php_config = std::env::var("PHP_CONFIG").unwrap_or_else(|_| "php-config".into());
    let out = Command::new(&php_config)
        .arg("--prefix")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {php_config} --prefix: {e}"));
    assert!(
        out.status.success(),
        "{php_config} --prefix failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let prefix = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let lib = format!("{prefix}/lib");
    assert!(
        std::path::Path::new(&format!("{lib}/libphp.so")).exists(),
        "{lib}/libphp.so not found: build PHP with --enable-embed (scripts/zts.sh)"
    );
    println!("cargo:rustc-link-search=native={lib}");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
}
