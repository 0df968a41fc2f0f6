/* fuzz_util: helpers shared by the libFuzzer targets and their replay
 * driver (temporary workspaces, a byte reader over the fuzzer's input, JSON
 * checks). Test code only: never linked into planls. */
#ifndef PLANLS_FUZZ_UTIL_H
#define PLANLS_FUZZ_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef PLANLS_SOURCE_DIR
#define PLANLS_SOURCE_DIR "."
#endif

/* Stop the process with a message on stderr (abort(): libFuzzer and the
 * replay driver both report it as a crash with the input that caused it). */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#define FZ_CHECK(cond, ...)                                                     \
    do {                                                                        \
        if (!(cond))                                                            \
            fz_fail(__VA_ARGS__);                                               \
    } while (0)

/* A fresh temporary directory (realpath'd) removed at process exit.
 * prefix is a short name. Returns static-lifetime storage. */
const char *fz_tmpdir(const char *prefix);
/* mkdir -p of dir. */
void fz_mkdirs(const char *dir);
/* Write root/rel (parents created) atomically: temp file + rename, so that
 * processes sharing a directory never see a half-written file. */
void fz_write(const char *root, const char *rel, const char *data, size_t len);
/* Copy every regular file under src (recursively) to dst, keeping the
 * relative layout. */
void fz_copy_tree(const char *src, const char *dst);
/* rm -rf. */
void fz_rm_rf(const char *path);

/* A cursor over the fuzzer's bytes; reads past the end give zeroes. */
typedef struct fz_reader {
    const uint8_t *p;
    size_t n;
} fz_reader_t;

uint8_t fz_u8(fz_reader_t *r);
uint16_t fz_u16(fz_reader_t *r);
/* Up to want bytes (fewer at the end); *len receives the count. */
const char *fz_bytes(fz_reader_t *r, size_t want, size_t *len);

/* FNV-1a of data, to derive deterministic choices from raw documents. */
uint64_t fz_hash(const uint8_t *data, size_t len);
/* A small deterministic generator (splitmix64). */
uint64_t fz_next(uint64_t *state);

/* True when s[0..n) is valid UTF-8 (an implementation independent of
 * src/text.c, used as an oracle). */
bool fz_utf8_valid(const char *s, size_t n);
/* Checks that v serialises (jansson refuses invalid strings) and returns the
 * length of the serialised text. */
size_t fz_json_check(const json_t *v, const char *what);
/* Checks an LSP Range object: four non-negative integers, start <= end. */
void fz_check_range(const json_t *range, const char *what);

#endif
