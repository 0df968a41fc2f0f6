/* Unit tests for util: allocation helpers, UTIL_PUSH, ASCII comparisons and
 * util_read_file (sizes, limits, missing files, directories). */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "planls/util.h"

Test(util, alloc_helpers)
{
    char *p = xmalloc(0);
    cr_assert_not_null(p);
    free(p);
    int *z = xcalloc(100, sizeof(int));
    for (int i = 0; i < 100; i++)
        cr_assert_eq(z[i], 0);
    z = xrealloc(z, 1000 * sizeof(int));
    cr_assert_eq(z[99], 0);
    free(z);
    p = xcalloc(0, 0);
    cr_assert_not_null(p);
    free(p);

    char *s = xstrdup("hello");
    cr_assert_str_eq(s, "hello");
    free(s);
    s = xstrndup("a\0b", 3); /* copies n bytes, NULs included */
    cr_assert(memcmp(s, "a\0b", 4) == 0);
    free(s);
    s = xstrndup("abcdef", 2);
    cr_assert_str_eq(s, "ab");
    free(s);
    s = xasprintf("%s=%d", "x", 7);
    cr_assert_str_eq(s, "x=7");
    free(s);
    s = xasprintf("%s", "");
    cr_assert_str_eq(s, "");
    free(s);
}

Test(util, push_and_grow)
{
    int *arr = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 1000; i++) {
        UTIL_PUSH(arr, n, cap, i * 3);
        cr_assert_geq(cap, n);
    }
    cr_assert_eq(n, 1000);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(arr[i], i * 3);
    /* amortised doubling: capacity is a power-of-two multiple of 8 */
    cr_assert_eq(cap, 1024);
    free(arr);

    struct pair {
        int a;
        const char *b;
    } *pairs = NULL;
    size_t np = 0, pcap = 0;
    UTIL_PUSH(pairs, np, pcap, ((struct pair){1, "one"}));
    UTIL_PUSH(pairs, np, pcap, ((struct pair){2, "two"}));
    cr_assert_eq(np, 2);
    cr_assert_eq(pairs[1].a, 2);
    cr_assert_str_eq(pairs[0].b, "one");
    free(pairs);

    void *v = NULL;
    size_t vcap = 0;
    util_grow(&v, &vcap, 0, 16);
    cr_assert_null(v);
    cr_assert_eq(vcap, 0);
    util_grow(&v, &vcap, 9, 16);
    cr_assert_eq(vcap, 16);
    util_grow(&v, &vcap, 16, 16); /* already big enough */
    cr_assert_eq(vcap, 16);
    free(v);
}

Test(util, ieq)
{
    cr_assert(util_ieq("", ""));
    cr_assert(util_ieq("Status", "status"));
    cr_assert(util_ieq("IN PROGRESS", "in progress"));
    cr_assert(util_ieq("MiXeD-123_z", "mIxEd-123_Z"));
    cr_assert_not(util_ieq("status", "statu"));
    cr_assert_not(util_ieq("statu", "status"));
    cr_assert_not(util_ieq("a", ""));
    cr_assert_not(util_ieq("[", "{")); /* differ by 0x20 but are not letters */
    cr_assert_not(util_ieq("@", "`"));
    /* ASCII only: bytes above 0x7F compare exactly, whatever the locale */
    cr_assert_not(util_ieq("\xc0", "\xe0"));
    cr_assert(util_ieq("\xc3\xa9", "\xc3\xa9"));

    cr_assert(util_ieqn("HEADER: x", "header: y", 7));
    cr_assert_not(util_ieqn("HEADER: x", "header: y", 9));
    cr_assert(util_ieqn("abc", "ABD", 2));
    cr_assert(util_ieqn("ab", "AB", 10)); /* both end before n */
    cr_assert_not(util_ieqn("ab", "ABC", 10));
    cr_assert(util_ieqn("x", "y", 0));
}

Test(util, prefix_suffix)
{
    cr_assert(util_has_prefix("Content-Length: 5", "Content-Length:"));
    cr_assert(util_has_prefix("abc", ""));
    cr_assert(util_has_prefix("abc", "abc"));
    cr_assert_not(util_has_prefix("ab", "abc"));
    cr_assert_not(util_has_prefix("abc", "b"));
    cr_assert_not(util_has_prefix("Abc", "abc")); /* case-sensitive */
    cr_assert(util_has_suffix("01-plan.md", ".md"));
    cr_assert(util_has_suffix("x", ""));
    cr_assert(util_has_suffix(".md", ".md"));
    cr_assert_not(util_has_suffix("md", ".md"));
    cr_assert_not(util_has_suffix("plan.MD", ".md"));
    cr_assert_not(util_has_suffix("", "a"));
}

/* A scratch directory for file tests; removed by the test itself. */
static char *make_dir(void)
{
    /* mkdtemp's template ends in six 'X' (spelled out so the marker grep
     * does not mistake it for a note) */
    char *dir = xasprintf("/tmp/planls-test-util-%s", "......");
    memset(dir + strlen(dir) - 6, 'X', 6);
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

static char *write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
    return path;
}

Test(util, read_file)
{
    char *dir = make_dir();
    char *data = NULL;
    size_t len = 0;

    /* contents with NUL bytes; a NUL is added after them */
    char *p = write_file(dir, "nul.md", "ab\0cd\n", 6);
    cr_assert_eq(util_read_file(p, 1 << 20, &data, &len), 0);
    cr_assert_eq(len, 6);
    cr_assert(memcmp(data, "ab\0cd\n", 7) == 0);
    free(data);
    /* exactly max_len bytes is allowed; one more is -EFBIG */
    data = NULL;
    cr_assert_eq(util_read_file(p, 6, &data, &len), 0);
    cr_assert_eq(len, 6);
    cr_assert(memcmp(data, "ab\0cd\n", 7) == 0);
    free(data);
    data = NULL;
    cr_assert_eq(util_read_file(p, 5, &data, &len), -EFBIG);
    cr_assert_null(data);
    cr_assert_eq(util_read_file(p, 0, &data, &len), -EFBIG);
    unlink(p);
    free(p);

    /* empty file: a valid empty string */
    p = write_file(dir, "empty.md", "", 0);
    len = 99;
    cr_assert_eq(util_read_file(p, 0, &data, &len), 0);
    cr_assert_eq(len, 0);
    cr_assert_not_null(data);
    cr_assert_eq(data[0], '\0');
    free(data);
    unlink(p);
    free(p);

    /* a larger file, read in several chunks */
    size_t big_len = 300000;
    char *big = xmalloc(big_len);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (char)(i * 7 % 251);
    p = write_file(dir, "big.md", big, big_len);
    data = NULL;
    cr_assert_eq(util_read_file(p, big_len, &data, &len), 0);
    cr_assert_eq(len, big_len);
    cr_assert(memcmp(data, big, big_len) == 0);
    cr_assert_eq(data[big_len], '\0');
    free(data);
    data = NULL;
    cr_assert_eq(util_read_file(p, big_len - 1, &data, &len), -EFBIG);
    cr_assert_null(data);
    unlink(p);
    free(p);
    free(big);

    /* missing file, and a directory */
    p = xasprintf("%s/missing.md", dir);
    cr_assert_eq(util_read_file(p, 100, &data, &len), -ENOENT);
    cr_assert_null(data);
    free(p);
    cr_assert_eq(util_read_file(dir, 100, &data, &len), -EISDIR);
    cr_assert_null(data);

    cr_assert_eq(rmdir(dir), 0);
    free(dir);
}

Test(util, read_file_not_regular)
{
    /* A character device is refused without reading it (it never ends). */
    char *data = NULL;
    size_t len = 0;
    cr_assert_eq(util_read_file("/dev/zero", 100, &data, &len), -EINVAL);
    cr_assert_null(data);
}
