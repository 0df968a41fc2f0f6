/* Tests for map: insert, replace, delete with tombstones, growth, iteration. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "planls/map.h"

Test(map, put_get_replace_delete)
{
    map_t m = MAP_INIT;
    cr_assert_null(map_get(&m, "a"));
    cr_assert_null(map_put(&m, "a", (void *)1));
    cr_assert_eq(map_put(&m, "a", (void *)2), (void *)1);
    cr_assert_eq(map_get(&m, "a"), (void *)2);
    cr_assert_eq(m.count, 1);
    cr_assert_eq(map_del(&m, "a"), (void *)2);
    cr_assert_null(map_get(&m, "a"));
    cr_assert_not(map_has(&m, "a"));
    cr_assert_eq(m.count, 0);
    map_free(&m);
}

Test(map, many_keys_with_churn)
{
    map_t m = MAP_INIT;
    char k[32];
    for (intptr_t i = 0; i < 20000; i++) {
        snprintf(k, sizeof(k), "/path/%ld.md", (long)i);
        map_put(&m, k, (void *)(i + 1));
        if (i % 3 == 0) {
            snprintf(k, sizeof(k), "/path/%ld.md", (long)(i / 2));
            map_del(&m, k);
        }
    }
    size_t live = 0;
    for (intptr_t i = 0; i < 20000; i++) {
        snprintf(k, sizeof(k), "/path/%ld.md", (long)i);
        void *v = map_get(&m, k);
        if (v) {
            cr_assert_eq(v, (void *)(i + 1));
            live++;
        }
    }
    cr_assert_eq(live, m.count);
    size_t seen = 0;
    const char *key;
    for (size_t it = 0; map_next(&m, &it, &key, NULL);)
        seen++;
    cr_assert_eq(seen, m.count);
    /* Tombstones never fill the table: the load stays bounded. */
    cr_assert_lt(m.used, m.cap);
    map_free(&m);
}

Test(map, delete_during_iteration)
{
    map_t m = MAP_INIT;
    map_put(&m, "x", (void *)1);
    map_put(&m, "y", (void *)2);
    map_put(&m, "z", (void *)3);
    const char *key;
    for (size_t it = 0; map_next(&m, &it, &key, NULL);)
        if (key[0] != 'y')
            map_del(&m, key);
    cr_assert_eq(m.count, 1);
    cr_assert_eq(map_get(&m, "y"), (void *)2);
    map_clear(&m);
    cr_assert_eq(m.count, 0);
    map_free(&m);
}

/* ptrmap: keys by address (equal strings at two addresses are two keys),
 * growth keeps every value, a zero-initialised map is empty. */
Test(ptrmap, keys_by_address_through_growth)
{
    ptrmap_t m = {0};
    static char keys[1000][4];
    bool added = false;
    for (int i = 0; i < 1000; i++) {
        strcpy(keys[i], "k");
        void **v = ptrmap_at(&m, keys[i], &added);
        cr_assert(added, "key %d is new", i);
        cr_assert_null(*v);
        *v = (void *)(intptr_t)(i + 1);
    }
    cr_assert_eq(m.n, 1000);
    cr_assert_geq(m.cap, 2000, "at most half full");
    for (int i = 0; i < 1000; i++) {
        void **v = ptrmap_at(&m, keys[i], &added);
        cr_assert_not(added);
        cr_assert_eq((intptr_t)*v, i + 1);
    }
    cr_assert_eq(m.n, 1000);
    cr_assert_null(*ptrmap_at(&m, "k", NULL), "a literal is another address");
    ptrmap_free(&m);
    cr_assert_null(m.keys);
    cr_assert_eq(m.n, 0);
}
