/* fuzz_util: helpers shared by the libFuzzer targets and their replay
 * driver. Test code only; it writes only inside its own temporary
 * directories. */
#define _GNU_SOURCE 1
#include "fuzz_util.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "planls/util.h"

void fz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz check failed: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* Temporary directories to remove at exit (harness state lives as long as
 * the process: libFuzzer's entry point has no context argument). */
static char *tmpdirs[8];
static size_t n_tmpdirs;
static pid_t tmp_owner;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void fz_rm_rf(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_tmpdirs(void)
{
    /* Only the process that made them (not a forked child) cleans up. */
    if (getpid() != tmp_owner)
        return;
    for (size_t i = 0; i < n_tmpdirs; i++) {
        fz_rm_rf(tmpdirs[i]);
        free(tmpdirs[i]);
    }
    n_tmpdirs = 0;
}

const char *fz_tmpdir(const char *prefix)
{
    FZ_CHECK(n_tmpdirs < sizeof(tmpdirs) / sizeof(tmpdirs[0]), "too many temp dirs");
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    char *tmpl = xasprintf("%s/planls-%s-XXXXXX", base, prefix);
    FZ_CHECK(mkdtemp(tmpl) != NULL, "mkdtemp %s: %s", tmpl, strerror(errno));
    char *real = realpath(tmpl, NULL);
    FZ_CHECK(real != NULL, "realpath %s", tmpl);
    free(tmpl);
    if (n_tmpdirs == 0) {
        tmp_owner = getpid();
        atexit(remove_tmpdirs);
    }
    tmpdirs[n_tmpdirs++] = real;
    return real;
}

void fz_mkdirs(const char *dir)
{
    char *p = xstrdup(dir);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    mkdir(p, 0755);
    free(p);
}

void fz_write(const char *root, const char *rel, const char *data, size_t len)
{
    char *path = xasprintf("%s/%s", root, rel);
    char *dir = xstrdup(path);
    *strrchr(dir, '/') = '\0';
    fz_mkdirs(dir);
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    FILE *fp = fopen(tmp, "wb");
    FZ_CHECK(fp != NULL, "cannot write %s: %s", tmp, strerror(errno));
    FZ_CHECK(fwrite(data, 1, len, fp) == len, "short write to %s", tmp);
    FZ_CHECK(fclose(fp) == 0, "close %s", tmp);
    FZ_CHECK(rename(tmp, path) == 0, "rename %s: %s", tmp, strerror(errno));
    free(tmp);
    free(dir);
    free(path);
}

void fz_copy_tree(const char *src, const char *dst)
{
    DIR *dp = opendir(src);
    FZ_CHECK(dp != NULL, "cannot open %s", src);
    struct dirent *de;
    while ((de = readdir(dp))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *s = xasprintf("%s/%s", src, de->d_name);
        char *d = xasprintf("%s/%s", dst, de->d_name);
        struct stat st;
        if (lstat(s, &st) == 0 && S_ISDIR(st.st_mode)) {
            fz_mkdirs(d);
            fz_copy_tree(s, d);
        } else if (S_ISREG(st.st_mode)) {
            char *data = NULL;
            size_t len = 0;
            FZ_CHECK(util_read_file(s, 64u << 20, &data, &len) == 0, "cannot read %s", s);
            fz_write(dst, de->d_name, data, len);
            free(data);
        }
        free(s);
        free(d);
    }
    closedir(dp);
}

uint8_t fz_u8(fz_reader_t *r)
{
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}

uint16_t fz_u16(fz_reader_t *r)
{
    uint16_t lo = fz_u8(r);
    return (uint16_t)(lo | (uint16_t)fz_u8(r) << 8);
}

const char *fz_bytes(fz_reader_t *r, size_t want, size_t *len)
{
    size_t n = want < r->n ? want : r->n;
    const char *p = (const char *)r->p;
    r->p += n;
    r->n -= n;
    *len = n;
    return p;
}

uint64_t fz_hash(const uint8_t *data, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= data[i];
        h *= 1099511628211ull;
    }
    return h;
}

uint64_t fz_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

bool fz_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t k;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            k = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (i + k >= n) /* truncated */
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}

size_t fz_json_check(const json_t *v, const char *what)
{
    FZ_CHECK(v != NULL, "%s: NULL JSON value", what);
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    FZ_CHECK(s != NULL, "%s: the JSON value does not serialise", what);
    size_t n = strlen(s);
    free(s);
    return n;
}

static json_int_t get_uint(const json_t *o, const char *k, const char *what)
{
    json_t *v = json_object_get(o, k);
    FZ_CHECK(json_is_integer(v), "%s: '%s' is not an integer", what, k);
    json_int_t n = json_integer_value(v);
    FZ_CHECK(n >= 0 && n <= (json_int_t)UINT32_MAX, "%s: '%s' = %lld out of range", what, k,
             (long long)n);
    return n;
}

void fz_check_range(const json_t *range, const char *what)
{
    FZ_CHECK(json_is_object(range), "%s: range is not an object", what);
    json_t *s = json_object_get(range, "start"), *e = json_object_get(range, "end");
    FZ_CHECK(json_is_object(s) && json_is_object(e), "%s: range without start/end", what);
    json_int_t sl = get_uint(s, "line", what), sc = get_uint(s, "character", what);
    json_int_t el = get_uint(e, "line", what), ec = get_uint(e, "character", what);
    FZ_CHECK(sl < el || (sl == el && sc <= ec), "%s: range end %lld:%lld before start %lld:%lld",
             what, (long long)el, (long long)ec, (long long)sl, (long long)sc);
}
