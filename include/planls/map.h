/* map: a string-keyed hash map (open addressing, linear probing). Keys are
 * copied and owned by the map; values are borrowed pointers. */
#ifndef PLANLS_MAP_H
#define PLANLS_MAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct map_entry {
    char *key;   /* NULL = empty slot */
    void *value;
    unsigned hash;
    bool tomb;   /* deleted slot, keeps probe chains intact */
} map_entry_t;

typedef struct map {
    map_entry_t *slots;
    size_t cap;   /* power of two, 0 when empty */
    size_t count; /* live entries */
    size_t used;  /* live + tombstones */
} map_t;

#define MAP_INIT {NULL, 0, 0, 0}

void *map_get(const map_t *m, const char *key);
bool map_has(const map_t *m, const char *key);
/* Insert or replace; returns the previous value (or NULL). */
void *map_put(map_t *m, const char *key, void *value);
/* Remove; returns the removed value (or NULL). */
void *map_del(map_t *m, const char *key);
void map_clear(map_t *m);
void map_free(map_t *m);

/* Iteration: for (size_t i = 0; map_next(m, &i, &k, &v);) ... Entries may
 * not be added during iteration; the current one may be deleted. */
bool map_next(const map_t *m, size_t *iter, const char **key, void **value);

#endif
