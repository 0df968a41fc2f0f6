/* map: string-keyed hash map with open addressing. Owns its keys, never its
 * values. */
#include "planls/map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "planls/util.h"

static unsigned hash_str(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

/* Slot holding key, or NULL. */
static map_entry_t *find(const map_t *m, const char *key, unsigned h)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        map_entry_t *e = &m->slots[i];
        if (!e->key && !e->tomb)
            return NULL;
        if (e->key && e->hash == h && strcmp(e->key, key) == 0)
            return e;
    }
}

static void rehash(map_t *m, size_t ncap)
{
    map_entry_t *old = m->slots;
    size_t ocap = m->cap;
    m->slots = xcalloc(ncap, sizeof(*m->slots));
    m->cap = ncap;
    m->used = m->count;
    for (size_t i = 0; i < ocap; i++) {
        if (!old[i].key)
            continue;
        size_t j = old[i].hash & (ncap - 1);
        while (m->slots[j].key)
            j = (j + 1) & (ncap - 1);
        m->slots[j] = old[i];
        m->slots[j].tomb = false;
    }
    free(old);
}

void *map_get(const map_t *m, const char *key)
{
    map_entry_t *e = find(m, key, hash_str(key));
    return e ? e->value : NULL;
}

bool map_has(const map_t *m, const char *key)
{
    return find(m, key, hash_str(key)) != NULL;
}

void *map_put(map_t *m, const char *key, void *value)
{
    unsigned h = hash_str(key);
    map_entry_t *e = find(m, key, h);
    if (e) {
        void *prev = e->value;
        e->value = value;
        return prev;
    }
    if ((m->used + 1) * 4 >= m->cap * 3)
        rehash(m, m->cap ? (m->count * 2 >= m->cap ? m->cap * 2 : m->cap) : 16);
    size_t mask = m->cap - 1;
    size_t i = h & mask;
    while (m->slots[i].key)
        i = (i + 1) & mask;
    if (!m->slots[i].tomb)
        m->used++;
    m->slots[i].key = xstrdup(key);
    m->slots[i].value = value;
    m->slots[i].hash = h;
    m->slots[i].tomb = false;
    m->count++;
    return NULL;
}

void *map_del(map_t *m, const char *key)
{
    map_entry_t *e = find(m, key, hash_str(key));
    if (!e)
        return NULL;
    void *prev = e->value;
    free(e->key);
    e->key = NULL;
    e->value = NULL;
    e->tomb = true;
    m->count--;
    return prev;
}

void map_clear(map_t *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    if (m->cap)
        memset(m->slots, 0, m->cap * sizeof(*m->slots));
    m->count = m->used = 0;
}

void map_free(map_t *m)
{
    map_clear(m);
    free(m->slots);
    m->slots = NULL;
    m->cap = 0;
}

bool map_next(const map_t *m, size_t *iter, const char **key, void **value)
{
    for (; *iter < m->cap; (*iter)++) {
        map_entry_t *e = &m->slots[*iter];
        if (e->key) {
            if (key)
                *key = e->key;
            if (value)
                *value = e->value;
            (*iter)++;
            return true;
        }
    }
    return false;
}

/* ---- ptrmap -------------------------------------------------------------- */

static size_t ptr_hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x;
}

/* The slot of key (cap > 0): its own, or the empty one where it belongs.
 * Linear probing; the table is at most half full. */
static size_t ptrmap_slot(const ptrmap_t *m, const void *key)
{
    size_t i = ptr_hash(key) & (m->cap - 1);
    while (m->keys[i] && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    return i;
}

void **ptrmap_at(ptrmap_t *m, const void *key, bool *added)
{
    if ((m->n + 1) * 2 > m->cap) {
        ptrmap_t g = {NULL, NULL, m->cap ? m->cap * 2 : 32, m->n};
        g.keys = xcalloc(g.cap, sizeof(*g.keys));
        g.vals = xcalloc(g.cap, sizeof(*g.vals));
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i])
                continue;
            size_t j = ptrmap_slot(&g, m->keys[i]);
            g.keys[j] = m->keys[i];
            g.vals[j] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        *m = g;
    }
    size_t i = ptrmap_slot(m, key);
    bool add = !m->keys[i];
    if (add) {
        m->keys[i] = key;
        m->vals[i] = NULL;
        m->n++;
    }
    if (added)
        *added = add;
    return &m->vals[i];
}

void ptrmap_free(ptrmap_t *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}
