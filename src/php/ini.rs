//! INI entries: one default per option, `tagcache.<name>`.

use ext_php_rs::flags::IniEntryPermission;
use ext_php_rs::zend::{IniEntryDef, IniEntryDefs};

pub static INI_ENTRIES: IniEntryDefs<14> = IniEntryDefs::new([
    IniEntryDef::new(c"tagcache.host", c"127.0.0.1", IniEntryPermission::All),
    IniEntryDef::new(c"tagcache.port", c"1984", IniEntryPermission::All),
    IniEntryDef::new(c"tagcache.pool_size", c"8", IniEntryPermission::All),
    IniEntryDef::new(
        c"tagcache.connect_timeout_ms",
        c"1000",
        IniEntryPermission::All,
    ),
    IniEntryDef::new(c"tagcache.timeout_ms", c"5000", IniEntryPermission::All),
    IniEntryDef::new(c"tagcache.persistent", c"0", IniEntryPermission::All),
    IniEntryDef::new(c"tagcache.serializer", c"php", IniEntryPermission::All),
    IniEntryDef::new(c"tagcache.allowed_classes", c"1", IniEntryPermission::All),
    IniEntryDef::new(c"tagcache.retry", c"1", IniEntryPermission::All),
    IniEntryDef::new(
        c"tagcache.max_value_bytes",
        c"67108864",
        IniEntryPermission::All,
    ),
    IniEntryDef::new(c"tagcache.tcp_keepalive", c"1", IniEntryPermission::All),
    IniEntryDef::new(c"tagcache.fanout_min", c"10000", IniEntryPermission::All),
    IniEntryDef::new(c"tagcache.busy_poll_us", c"50", IniEntryPermission::All),
    IniEntryDef::end(),
]);

pub fn register(module_number: i32) {
    IniEntryDef::register(INI_ENTRIES.as_slice(), module_number);
}
