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

/* A map from a pointer's identity to a value: keys are compared by address
 * and never dereferenced. For memo tables keyed by shared strings (a
 * document's link paths: one string per distinct target). Zero-initialised
 * ({0}) is empty. */
typedef struct ptrmap {
    const void **keys; /* NULL = empty slot */
    void **vals;
    size_t cap, n;     /* cap: 0 or a power of two */
} ptrmap_t;

/* The value slot of key (not NULL), added holding NULL when missing;
 * *added (may be NULL) says which. Valid until the next ptrmap_at. */
void **ptrmap_at(ptrmap_t *m, const void *key, bool *added);
void ptrmap_free(ptrmap_t *m);

#endif
