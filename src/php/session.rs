//! `session.save_handler = tagcache` (placeholder while the functions land).

use ext_php_rs::builders::FunctionBuilder;

pub fn functions() -> Vec<FunctionBuilder<'static>> {
    vec![]
}
