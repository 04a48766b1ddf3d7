#ifndef PROMO_CSQLITE_SHIM_H
#define PROMO_CSQLITE_SHIM_H

#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast of -1 to a function pointer, which Swift cannot import as a macro.
static const sqlite3_destructor_type promo_sqlite_transient = SQLITE_TRANSIENT;
static const sqlite3_destructor_type promo_sqlite_static = SQLITE_STATIC;

// sqlite3_config is variadic, which Swift cannot call. Turning off memory statistics removes a global mutex
// from every allocation; it must run before the first connection opens.
static inline int promo_sqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

#endif
