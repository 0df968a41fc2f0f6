/* fixture_runner: replays one protocol fixture (protocol-fixtures/README.md)
 * against a planls binary over stdio, matching its messages partially. It must
 * never hang (every wait has a deadline) nor leave the server or temp root behind. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_S 10.0
#define MAX_HEADER_BYTES 8192
#define MAX_BODY_BYTES ((size_t)256 << 20)
#define MAX_TREE_DEPTH 64
#define PRINT_LIMIT 6000   /* bytes of one pretty-printed message on failure */
#define EXIT_WAIT_SLICE_MS 5
#define FAIL_EXIT_WAIT_MS 2000
#define WRAPPER_ERROR_CODE 99

/* Growable byte array; the runner is built without the planls library.
 * The live bytes are data[off, len): consuming from the front is O(1). */
struct bytes {
    char *data;
    size_t off, len, cap;
};

/* A mismatch explanation: the JSON path where matching failed and why. */
struct why {
    char path[512];
    char msg[512];
};

struct session {
    const char *fixture_path;
    char *server;          /* absolute when given with a slash (we chdir) */
    char *fixture_dir;     /* directory of the fixture file */
    json_t *fixture;       /* the loaded, substituted fixture */
    json_t *responses;     /* borrowed from fixture; may be NULL */
    char *root;            /* realpath of the temp root, no trailing slash */
    char *root_uri;        /* file:// URI of root */
    double timeout_ms;     /* deadline for expect, expectExit, send, exit */
    double scale;          /* multiplier for sleep and expectNone windows */
    bool verbose, keep;

    pid_t pid;             /* -1 before start and after reaping */
    bool reaped;
    bool status_reported;  /* a failure message already said how it ended */
    int status;            /* waitpid status once reaped */
    int fd_in;             /* our end of the server's stdin; -1 when closed */
    int fd_out;            /* our end of the server's stdout; -1 at EOF */
    bool in_broken;        /* the server stopped reading (EPIPE) */
    char *proto_error;     /* the server broke framing; malloc'd message */

    struct bytes rx;       /* bytes read from the server, not yet parsed */
    struct bytes tx;       /* bytes queued for the server, not yet written */
    json_t *queue;         /* messages received and not consumed */
    json_t *seen;          /* messages examined during the current step */
    json_t *last_request_id;  /* id of the last request received */
    json_t *matched_request_id; /* id of the last request an expect matched */

    size_t step_no;        /* 1-based, 0 before the steps start */
    const char *step_kind;
};

/* ---------- small helpers ---------- */

static void *xrealloc_or_die(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "fixture_runner: out of memory (%zu bytes)\n", n);
        abort();
    }
    return q;
}

/* Caller frees. */
static char *xstrdup_or_die(const char *s)
{
    size_t n = strlen(s);
    char *p = xrealloc_or_die(NULL, n + 1);
    memcpy(p, s, n + 1);
    return p;
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* printf into a fresh string; caller frees. */
static char *xprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = xrealloc_or_die(NULL, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

static size_t bytes_avail(const struct bytes *b)
{
    return b->len - b->off;
}

static const char *bytes_start(const struct bytes *b)
{
    return b->data + b->off;
}

static void bytes_append(struct bytes *b, const void *data, size_t len)
{
    if (len == 0)
        return;
    if (b->off > 0) {
        memmove(b->data, b->data + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
    }
    if (b->len + len > b->cap) {
        size_t ncap = b->cap ? b->cap : 4096;
        while (ncap < b->len + len)
            ncap *= 2;
        b->data = xrealloc_or_die(b->data, ncap);
        b->cap = ncap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

/* Drop the first n live bytes. */
static void bytes_consume(struct bytes *b, size_t n)
{
    b->off += n;
    if (b->off >= b->len)
        b->off = b->len = 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Milliseconds left until deadline, clamped to [0, INT_MAX] for poll(). */
static int ms_left(double deadline)
{
    double left = deadline - now_ms();
    if (left <= 0)
        return 0;
    if (left > (double)INT_MAX)
        return INT_MAX;
    return (int)(left + 0.999);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---------- failure reporting ---------- */

static void print_json_indented(const json_t *v, const char *indent)
{
    char *text = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);
    if (!text) {
        fprintf(stderr, "%s(unprintable JSON)\n", indent);
        return;
    }
    size_t len = strlen(text);
    size_t shown = len > PRINT_LIMIT ? PRINT_LIMIT : len;
    const char *p = text, *end = text + shown;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        fprintf(stderr, "%s%.*s\n", indent, (int)n, p);
        p += n + (nl ? 1 : 0);
    }
    if (shown < len)
        fprintf(stderr, "%s... (%zu more bytes)\n", indent, len - shown);
    free(text);
}

static void fail_header(const struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The first line of every failure: fixture, step number and kind, reason. */
static void fail_header(const struct session *s, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "fixture_runner: FAIL %s", s->fixture_path);
    if (s->step_no > 0)
        fprintf(stderr, ": step %zu (%s)", s->step_no, s->step_kind);
    fputs(": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void describe_status(int status, char *out, size_t cap)
{
    if (WIFEXITED(status))
        snprintf(out, cap, "exited with code %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, cap, "was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(out, cap, "ended with wait status 0x%x", (unsigned)status);
}

/* ---------- partial matching ---------- */

static void why_set(struct why *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record the first (deepest) reason a match failed; later calls keep it. */
static void why_set(struct why *w, const char *fmt, ...)
{
    if (!w || w->msg[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->msg, sizeof w->msg, fmt, ap);
    va_end(ap);
}

static size_t why_push(struct why *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append a path component; returns the previous path length for why_pop. */
static size_t why_push(struct why *w, const char *fmt, ...)
{
    if (!w)
        return 0;
    size_t old = strlen(w->path);
    if (w->msg[0])
        return old; /* the path of the first failure is frozen */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->path + old, sizeof w->path - old, fmt, ap);
    va_end(ap);
    return old;
}

static void why_pop(struct why *w, size_t old)
{
    if (w && !w->msg[0])
        w->path[old] = '\0';
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "real";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    case JSON_NULL: return "null";
    }
    return "?";
}

static bool is_string_eq(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0 &&
           json_string_length(v) == strlen(s);
}

/* An object pattern whose keys are only "$contains" and/or "$length". */
static bool is_array_pattern(const json_t *p)
{
    if (!json_is_object(p) || json_object_size(p) == 0)
        return false;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)p, key, v) {
        if (strcmp(key, "$contains") != 0 && strcmp(key, "$length") != 0)
            return false;
    }
    return true;
}

static bool is_regex_pattern(const json_t *p)
{
    return json_is_object(p) && json_object_size(p) == 1 &&
           json_object_get(p, "$regex") != NULL;
}

static bool match(const json_t *pat, const json_t *act, struct why *w);

/* Compact JSON of v for a one-line explanation, cut at cap - 1 bytes. */
static void render(const json_t *v, char *out, size_t cap)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t len = text ? strlen(text) : 0;
    if (len < cap)
        snprintf(out, cap, "%s", text ? text : "?");
    else
        snprintf(out, cap, "%.*s...", (int)(cap - 4), text);
    free(text);
}

/* "expected P, got A" with both values as compact JSON. */
static void why_values(struct why *w, const json_t *pat, const json_t *act)
{
    if (!w || w->msg[0])
        return;
    char p[160], a[160];
    render(pat, p, sizeof p);
    render(act, a, sizeof a);
    why_set(w, "expected %s, got %s", p, a);
}

static bool match_scalar(const json_t *pat, const json_t *act, struct why *w)
{
    bool eq;
    if (json_is_number(pat) && json_is_number(act))
        eq = json_is_integer(pat) && json_is_integer(act)
                 ? json_integer_value(pat) == json_integer_value(act)
                 : json_number_value(pat) == json_number_value(act);
    else if (json_is_string(pat) && json_is_string(act))
        eq = json_string_length(pat) == json_string_length(act) &&
             memcmp(json_string_value(pat), json_string_value(act), json_string_length(pat)) == 0;
    else
        eq = json_typeof(pat) == json_typeof(act) && !json_is_number(pat) &&
             !json_is_string(pat);
    if (!eq)
        why_values(w, pat, act);
    return eq;
}

static bool match_regex(const json_t *pat, const json_t *act, struct why *w)
{
    const char *re = json_string_value(json_object_get(pat, "$regex"));
    if (!json_is_string(act)) {
        char a[160];
        render(act, a, sizeof a);
        why_set(w, "expected a string matching /%s/, got %s", re, a);
        return false;
    }
    regex_t rx;
    if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0) {
        why_set(w, "invalid regex /%s/", re); /* validated earlier; defensive */
        return false;
    }
    bool ok = regexec(&rx, json_string_value(act), 0, NULL, 0) == 0;
    regfree(&rx);
    if (!ok) {
        char a[160];
        render(act, a, sizeof a);
        why_set(w, "%s does not match /%s/", a, re);
    }
    return ok;
}

static bool match_array_pattern(const json_t *pat, const json_t *act, struct why *w)
{
    if (!json_is_array(act)) {
        why_set(w, "expected an array, got %s", type_name(act));
        return false;
    }
    const json_t *len = json_object_get(pat, "$length");
    if (len && (size_t)json_integer_value(len) != json_array_size(act)) {
        why_set(w, "expected length %lld, got %zu", (long long)json_integer_value(len),
                json_array_size(act));
        return false;
    }
    const json_t *contains = json_object_get(pat, "$contains");
    size_t i, j;
    const json_t *elem_pat, *elem;
    json_array_foreach(contains, i, elem_pat) {
        bool found = false;
        json_array_foreach(act, j, elem) {
            if (match(elem_pat, elem, NULL)) {
                found = true;
                break;
            }
        }
        if (!found) {
            char text[160];
            render(elem_pat, text, sizeof text);
            why_set(w, "no element matches $contains[%zu] %s", i, text);
            return false;
        }
    }
    return true;
}

/* Partial match of actual against pattern (see protocol-fixtures/README.md).
 * w, when not NULL, receives the path and reason of the first mismatch. */
static bool match(const json_t *pat, const json_t *act, struct why *w)
{
    if (is_string_eq(pat, "$any"))
        return true;
    if (is_string_eq(pat, "$absent")) {
        why_set(w, "\"$absent\" is only meaningful as an object member");
        return false;
    }
    if (is_regex_pattern(pat))
        return match_regex(pat, act, w);
    if (is_array_pattern(pat))
        return match_array_pattern(pat, act, w);
    if (json_is_object(pat)) {
        if (!json_is_object(act)) {
            why_set(w, "expected an object, got %s", type_name(act));
            return false;
        }
        const char *key;
        json_t *pv;
        json_object_foreach((json_t *)pat, key, pv) {
            json_t *av = json_object_get(act, key);
            size_t old = why_push(w, ".%s", key);
            bool ok;
            if (is_string_eq(pv, "$absent")) {
                ok = av == NULL;
                if (!ok)
                    why_set(w, "expected the key to be absent");
            } else if (!av) {
                ok = false;
                why_set(w, "missing key");
            } else {
                ok = match(pv, av, w);
            }
            if (!ok)
                return false;
            why_pop(w, old);
        }
        return true;
    }
    if (json_is_array(pat)) {
        if (!json_is_array(act)) {
            why_set(w, "expected an array, got %s", type_name(act));
            return false;
        }
        if (json_array_size(pat) != json_array_size(act)) {
            why_set(w, "expected %zu elements, got %zu", json_array_size(pat),
                    json_array_size(act));
            return false;
        }
        size_t i;
        const json_t *pv;
        json_array_foreach(pat, i, pv) {
            size_t old = why_push(w, "[%zu]", i);
            if (!match(pv, json_array_get(act, i), w))
                return false;
            why_pop(w, old);
        }
        return true;
    }
    return match_scalar(pat, act, w);
}

/* Checks a pattern's special forms before the run so that a typo fails with
 * the step number instead of never matching. Returns a malloc'd error or NULL. */
static char *pattern_check(const json_t *pat, const char *where)
{
    if (is_regex_pattern(pat)) {
        const json_t *re = json_object_get(pat, "$regex");
        if (!json_is_string(re))
            return xprintf("%s: \"$regex\" must be a string", where);
        regex_t rx;
        int rc = regcomp(&rx, json_string_value(re), REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char err[256];
            regerror(rc, &rx, err, sizeof err);
            return xprintf("%s: invalid regex /%s/: %s", where, json_string_value(re), err);
        }
        regfree(&rx);
        return NULL;
    }
    if (is_array_pattern(pat)) {
        const json_t *len = json_object_get(pat, "$length");
        const json_t *contains = json_object_get(pat, "$contains");
        if (len && (!json_is_integer(len) || json_integer_value(len) < 0))
            return xprintf("%s: \"$length\" must be a non-negative integer", where);
        if (contains && !json_is_array(contains))
            return xprintf("%s: \"$contains\" must be an array of patterns", where);
        size_t i;
        const json_t *p;
        json_array_foreach(contains, i, p) {
            char *sub = xprintf("%s.$contains[%zu]", where, i);
            char *err = pattern_check(p, sub);
            free(sub);
            if (err)
                return err;
        }
        return NULL;
    }
    if (json_is_object(pat)) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)pat, key, v) {
            if (key[0] == '$')
                return xprintf("%s: unknown special key \"%s\" (use $contains, $length or "
                               "$regex alone in their object)", where, key);
            char *sub = xprintf("%s.%s", where, key);
            char *err = pattern_check(v, sub);
            free(sub);
            if (err)
                return err;
        }
        return NULL;
    }
    if (json_is_array(pat)) {
        size_t i;
        const json_t *v;
        json_array_foreach(pat, i, v) {
            char *sub = xprintf("%s[%zu]", where, i);
            char *err = pattern_check(v, sub);
            free(sub);
            if (err)
                return err;
        }
    }
    return NULL;
}

/* ---------- substitution ---------- */

/* Replace ${root} and ${rootUri} in a byte string; caller frees *out. */
static void subst_text(const char *in, size_t len, const struct session *s, struct bytes *out)
{
    static const char tok_uri[] = "${rootUri}";
    static const char tok_root[] = "${root}";
    size_t i = 0;
    out->off = out->len = 0;
    while (i < len) {
        if (in[i] == '$' && len - i >= sizeof tok_uri - 1 &&
            memcmp(in + i, tok_uri, sizeof tok_uri - 1) == 0) {
            bytes_append(out, s->root_uri, strlen(s->root_uri));
            i += sizeof tok_uri - 1;
        } else if (in[i] == '$' && len - i >= sizeof tok_root - 1 &&
                   memcmp(in + i, tok_root, sizeof tok_root - 1) == 0) {
            bytes_append(out, s->root, strlen(s->root));
            i += sizeof tok_root - 1;
        } else {
            bytes_append(out, in + i, 1);
            i++;
        }
    }
}

/* A deep copy of v with ${root}/${rootUri} replaced in every string and
 * object key. Returns a new reference. */
static json_t *subst_json(const json_t *v, const struct session *s)
{
    struct bytes b = {0};
    json_t *out = NULL;
    if (json_is_string(v)) {
        subst_text(json_string_value(v), json_string_length(v), s, &b);
        out = json_stringn(b.data ? b.data : "", b.len);
    } else if (json_is_object(v)) {
        out = json_object();
        const char *key;
        json_t *child;
        json_object_foreach((json_t *)v, key, child) {
            subst_text(key, strlen(key), s, &b);
            bytes_append(&b, "", 1);
            json_object_set_new(out, b.data, subst_json(child, s));
        }
    } else if (json_is_array(v)) {
        out = json_array();
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child) {
            json_array_append_new(out, subst_json(child, s));
        }
    } else {
        out = json_deep_copy(v);
    }
    free(b.data);
    if (!out) {
        fprintf(stderr, "fixture_runner: out of memory copying JSON\n");
        abort();
    }
    return out;
}

static bool uses_last_request_id(const json_t *v)
{
    if (is_string_eq(v, "${lastRequestId}"))
        return true;
    const char *key;
    json_t *child;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, child) {
            if (uses_last_request_id(child))
                return true;
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, child) {
            if (uses_last_request_id(child))
                return true;
        }
    }
    return false;
}

/* A copy of v with every string that is exactly "${lastRequestId}" replaced
 * by id. Returns a new reference. */
static json_t *subst_last_id(const json_t *v, const json_t *id)
{
    if (is_string_eq(v, "${lastRequestId}"))
        return json_deep_copy(id);
    const char *key;
    json_t *child;
    size_t i;
    if (json_is_object(v)) {
        json_t *out = json_object();
        json_object_foreach((json_t *)v, key, child) {
            json_object_set_new(out, key, subst_last_id(child, id));
        }
        return out;
    }
    if (json_is_array(v)) {
        json_t *out = json_array();
        json_array_foreach(v, i, child) {
            json_array_append_new(out, subst_last_id(child, id));
        }
        return out;
    }
    return json_deep_copy(v);
}

/* The pattern or message of a step with ${lastRequestId} resolved; new
 * reference, or NULL (after printing the failure) when no request id exists. */
static json_t *resolve_dynamic(struct session *s, const json_t *v)
{
    if (!uses_last_request_id(v))
        return json_incref((json_t *)v);
    const json_t *id = s->matched_request_id ? s->matched_request_id : s->last_request_id;
    if (!id) {
        fail_header(s, "\"${lastRequestId}\" used but the server has sent no request yet");
        return NULL;
    }
    return subst_last_id(v, id);
}

/* file:// URI of an absolute path, percent-encoding all but unreserved
 * characters and '/'. Caller frees. */
static char *path_to_uri(const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    struct bytes b = {0};
    bytes_append(&b, "file://", 7);
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~' || *p == '/') {
            bytes_append(&b, p, 1);
        } else {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            bytes_append(&b, esc, 3);
        }
    }
    bytes_append(&b, "", 1);
    return b.data;
}

/* ---------- the temp root ---------- */

/* A fixture path must stay inside the root: relative, no "..", no NUL. */
static bool rel_path_ok(const json_t *v)
{
    if (!json_is_string(v))
        return false;
    const char *p = json_string_value(v);
    size_t len = json_string_length(v);
    if (len == 0 || strlen(p) != len || p[0] == '/')
        return false;
    const char *c = p;
    while (*c) {
        const char *slash = strchr(c, '/');
        size_t n = slash ? (size_t)(slash - c) : strlen(c);
        if (n == 2 && c[0] == '.' && c[1] == '.')
            return false;
        c += n + (slash ? 1 : 0);
    }
    return true;
}

/* Create the parent directories of root/rel. Returns 0 or -errno. */
static int make_parents(const char *root, const char *rel)
{
    char *path = xprintf("%s/%s", root, rel);
    int rc = 0;
    for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            rc = -errno;
            break;
        }
        *p = '/';
    }
    free(path);
    return rc;
}

static int write_all_fd(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static int write_file(const char *path, const char *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return -errno;
    int rc = write_all_fd(fd, data, len);
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    return rc;
}

static int copy_file(const char *src, const char *dst, mode_t mode)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -errno;
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    int rc = 0;
    if (out < 0) {
        rc = -errno;
        goto done;
    }
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            break;
        }
        if (n == 0)
            break;
        if ((rc = write_all_fd(out, buf, (size_t)n)) != 0)
            break;
    }
    if (close(out) != 0 && rc == 0)
        rc = -errno;
done:
    close(in);
    return rc;
}

/* Recursively copy directory src into existing directory dst (regular files,
 * directories and symlinks). Returns 0 or -errno; *bad names the culprit. */
static int copy_tree(const char *src, const char *dst, int depth, char **bad)
{
    if (depth > MAX_TREE_DEPTH) {
        *bad = xstrdup_or_die(src);
        return -ELOOP;
    }
    DIR *d = opendir(src);
    if (!d) {
        *bad = xstrdup_or_die(src);
        return -errno;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *from = xprintf("%s/%s", src, e->d_name);
        char *to = xprintf("%s/%s", dst, e->d_name);
        struct stat st;
        if (lstat(from, &st) != 0) {
            rc = -errno;
        } else if (S_ISDIR(st.st_mode)) {
            if (mkdir(to, 0755) != 0)
                rc = -errno;
            else
                rc = copy_tree(from, to, depth + 1, bad);
            if (rc == 0 && chmod(to, st.st_mode & 07777) != 0)
                rc = -errno;
        } else if (S_ISREG(st.st_mode)) {
            rc = copy_file(from, to, st.st_mode & 07777);
        } else if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t n = readlink(from, target, sizeof target - 1);
            if (n < 0) {
                rc = -errno;
            } else {
                target[n] = '\0';
                if (symlink(target, to) != 0)
                    rc = -errno;
            }
        } else {
            rc = -ENOTSUP;
        }
        if (rc != 0 && !*bad)
            *bad = xstrdup_or_die(from);
        free(from);
        free(to);
    }
    closedir(d);
    return rc;
}

/* Remove path and everything below it, restoring permissions that a chmod
 * step took away. Best effort; returns 0 or the first -errno. */
static int remove_tree(const char *path, int depth)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISDIR(st.st_mode))
        return unlink(path) == 0 ? 0 : -errno;
    int rc = 0;
    chmod(path, 0700);
    DIR *d = depth <= MAX_TREE_DEPTH ? opendir(path) : NULL;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *child = xprintf("%s/%s", path, e->d_name);
            int r = remove_tree(child, depth + 1);
            if (r != 0 && rc == 0)
                rc = r;
            free(child);
        }
        closedir(d);
    }
    if (rmdir(path) != 0 && rc == 0)
        rc = -errno;
    return rc;
}

/* ---------- the server process and its pipes ---------- */

static void log_message(const struct session *s, const char *dir, const json_t *msg)
{
    if (!s->verbose)
        return;
    char *text = json_dumps(msg, JSON_COMPACT | JSON_ENCODE_ANY);
    fprintf(stderr, "fixture_runner: %s %.2000s\n", dir, text ? text : "?");
    free(text);
}

/* Queue a message for the server (Content-Length framed). */
static void queue_message(struct session *s, const json_t *msg)
{
    char *body = json_dumps(msg, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!body) {
        fprintf(stderr, "fixture_runner: cannot serialise a message\n");
        abort();
    }
    size_t len = strlen(body);
    char head[64];
    int n = snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", len);
    bytes_append(&s->tx, head, (size_t)n);
    bytes_append(&s->tx, body, len);
    free(body);
}

static bool is_request(const json_t *msg)
{
    return json_is_string(json_object_get(msg, "method")) && json_object_get(msg, "id");
}

static bool is_response(const json_t *msg)
{
    return !json_object_get(msg, "method") && json_object_get(msg, "id");
}

/* Answer a server->client request from the fixture's "responses" map (result
 * null when its method is not listed; "$manual" leaves it to the fixture). */
static void auto_answer(struct session *s, const json_t *req)
{
    const char *method = json_string_value(json_object_get(req, "method"));
    const json_t *answer = s->responses ? json_object_get(s->responses, method) : NULL;
    if (is_string_eq(answer, "$manual"))
        return;
    json_t *resp = json_pack("{s:s, s:O}", "jsonrpc", "2.0", "id", json_object_get(req, "id"));
    const json_t *err = json_is_object(answer) && json_object_size(answer) == 1
                            ? json_object_get(answer, "$error")
                            : NULL;
    if (err)
        json_object_set(resp, "error", (json_t *)err);
    else
        json_object_set_new(resp, "result", answer ? json_deep_copy(answer) : json_null());
    log_message(s, "-> (auto)", resp);
    if (!s->in_broken && s->fd_in >= 0)
        queue_message(s, resp);
    json_decref(resp);
}

static void set_proto_error(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_proto_error(struct session *s, const char *fmt, ...)
{
    if (s->proto_error)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    s->proto_error = xrealloc_or_die(NULL, (size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(s->proto_error, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
    va_end(ap);
}

/* Parse one framed message from rx if complete. Returns 1 when one was
 * taken, 0 when more bytes are needed, -1 on a framing error. */
static int parse_one(struct session *s)
{
    const char *d = bytes_start(&s->rx);
    size_t len = bytes_avail(&s->rx);
    if (len == 0)
        return 0;
    size_t hdr_end = 0;
    bool found = false;
    for (size_t i = 0; i + 3 < len && i < MAX_HEADER_BYTES; i++) {
        if (d[i] == '\r' && d[i + 1] == '\n' && d[i + 2] == '\r' && d[i + 3] == '\n') {
            hdr_end = i;
            found = true;
            break;
        }
    }
    /* A header starts with a letter and ends its lines with CRLF; report
     * stray text (a printf to stdout) as soon as it shows, not at a timeout. */
    bool stray = !isalpha((unsigned char)d[0]);
    size_t scan = found ? hdr_end : (len < MAX_HEADER_BYTES ? len : MAX_HEADER_BYTES);
    for (size_t i = 0; i < scan && !stray; i++)
        stray = d[i] == '\n' && (i == 0 || d[i - 1] != '\r');
    if (stray || (!found && len >= MAX_HEADER_BYTES)) {
        set_proto_error(s, "stray bytes instead of a message header on the server's stdout: "
                        "\"%.*s\"", (int)(scan > 80 ? 80 : scan), d);
        return -1;
    }
    if (!found)
        return 0;
    long long clen = -1;
    size_t pos = 0;
    while (pos < hdr_end) {
        const char *line = d + pos;
        const char *eol = line;
        while (eol < d + hdr_end && !(eol[0] == '\r' && eol[1] == '\n'))
            eol++;
        size_t n = (size_t)(eol - line);
        const char *colon = memchr(line, ':', n);
        if (!colon || colon == line || memchr(line, '\n', n) || memchr(line, '\r', n)) {
            set_proto_error(s, "malformed header line in the server's output: \"%.*s\"",
                            (int)(n > 200 ? 200 : n), line);
            return -1;
        }
        size_t name_len = (size_t)(colon - line);
        if (name_len == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
            const char *v = colon + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            long long val = 0;
            bool digits = v < eol;
            for (; v < eol; v++) {
                if (!isdigit((unsigned char)*v) || val > (long long)MAX_BODY_BYTES) {
                    digits = false;
                    break;
                }
                val = val * 10 + (*v - '0');
            }
            if (!digits || clen >= 0 || val > (long long)MAX_BODY_BYTES) {
                set_proto_error(s, "bad or repeated Content-Length header: \"%.*s\"",
                                (int)(n > 200 ? 200 : n), line);
                return -1;
            }
            clen = val;
        }
        pos += n + 2;
    }
    if (clen < 0) {
        set_proto_error(s, "message header without Content-Length: \"%.*s\"",
                        (int)(hdr_end > 200 ? 200 : hdr_end), d);
        return -1;
    }
    size_t body_at = hdr_end + 4;
    if (len - body_at < (size_t)clen)
        return 0;
    json_error_t err;
    json_t *msg = json_loadb(d + body_at, (size_t)clen, 0, &err);
    if (!msg) {
        set_proto_error(s, "server sent a body that is not JSON (%s): \"%.*s\"", err.text,
                        (int)(clen > 300 ? 300 : clen), d + body_at);
        return -1;
    }
    if (!json_is_object(msg) || !is_string_eq(json_object_get(msg, "jsonrpc"), "2.0")) {
        set_proto_error(s, "server sent a message that is not a JSON-RPC 2.0 object: \"%.*s\"",
                        (int)(clen > 300 ? 300 : clen), d + body_at);
        json_decref(msg);
        return -1;
    }
    bytes_consume(&s->rx, body_at + (size_t)clen);
    log_message(s, "<-", msg);
    if (is_request(msg)) {
        json_decref(s->last_request_id);
        s->last_request_id = json_incref(json_object_get(msg, "id"));
        auto_answer(s, msg);
    }
    json_array_append_new(s->queue, msg);
    return 1;
}

static void reap(struct session *s, bool block)
{
    if (s->reaped || s->pid <= 0)
        return;
    int st;
    pid_t r;
    do {
        r = waitpid(s->pid, &st, block ? 0 : WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == s->pid) {
        s->reaped = true;
        s->status = st;
    }
}

/* One round of I/O: wait up to timeout_ms for the server's stdout to be
 * readable or its stdin writable, read everything available (parsing and
 * auto-answering messages) and write what is queued. Returns -1 on a framing
 * error (s->proto_error), 0 otherwise. */
static int io_round(struct session *s, int timeout_ms)
{
    struct pollfd p[2];
    nfds_t n = 0;
    int ri = -1, wi = -1;
    if (s->fd_out >= 0) {
        p[n] = (struct pollfd){.fd = s->fd_out, .events = POLLIN};
        ri = (int)n++;
    }
    if (s->fd_in >= 0 && bytes_avail(&s->tx) > 0 && !s->in_broken) {
        p[n] = (struct pollfd){.fd = s->fd_in, .events = POLLOUT};
        wi = (int)n++;
    }
    int r = poll(n ? p : NULL, n, timeout_ms);
    if (r < 0 && errno != EINTR) {
        set_proto_error(s, "poll failed: %s", strerror(errno));
        return -1;
    }
    if (r <= 0)
        return 0;
    if (wi >= 0 && p[wi].revents) {
        while (bytes_avail(&s->tx) > 0) {
            ssize_t w = write(s->fd_in, bytes_start(&s->tx), bytes_avail(&s->tx));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            if (w < 0) {
                s->in_broken = true;  /* EPIPE: the server stopped reading */
                bytes_consume(&s->tx, bytes_avail(&s->tx));
                break;
            }
            bytes_consume(&s->tx, (size_t)w);
        }
    }
    if (ri >= 0 && p[ri].revents) {
        char buf[65536];
        for (;;) {
            ssize_t got = read(s->fd_out, buf, sizeof buf);
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            if (got <= 0) {
                close(s->fd_out);
                s->fd_out = -1;
                break;
            }
            bytes_append(&s->rx, buf, (size_t)got);
            int pr;
            while ((pr = parse_one(s)) == 1)
                ;
            if (pr < 0)
                return -1;
        }
        size_t left = bytes_avail(&s->rx);
        if (s->fd_out < 0 && left > 0) {
            set_proto_error(s, "server's stdout ended inside a message (%zu bytes left): \"%.*s\"",
                            left, (int)(left > 80 ? 80 : left), bytes_start(&s->rx));
            return -1;
        }
    }
    return 0;
}

/* Start the server (under the wrapper, if any) in the temp root with pipes
 * on its stdin and stdout. Returns 0 or -1 after printing why. */
static int spawn_server(struct session *s, const json_t *args)
{
    char *wrapper = NULL;
    char **argv = NULL;
    size_t argc = 0;
    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    int rc = -1;

    const char *env = getenv("PLANLS_FIXTURE_WRAPPER");
    size_t cap = json_array_size(args) + 2 + (env ? strlen(env) : 0);
    argv = xrealloc_or_die(NULL, cap * sizeof *argv);
    if (env) {
        char *save = NULL;
        wrapper = xstrdup_or_die(env);
        for (char *t = strtok_r(wrapper, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
            argv[argc++] = t;
    }
    argv[argc++] = (char *)s->server;
    size_t i;
    const json_t *a;
    json_array_foreach(args, i, a) {
        argv[argc++] = (char *)json_string_value(a);
    }
    argv[argc] = NULL;

    if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0 || pipe(err_pipe) != 0) {
        fail_header(s, "pipe: %s", strerror(errno));
        goto fail;
    }
    int all[6] = {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]};
    for (int k = 0; k < 6; k++)
        fcntl(all[k], F_SETFD, FD_CLOEXEC);
    fflush(NULL);
    s->pid = fork();
    if (s->pid < 0) {
        fail_header(s, "fork: %s", strerror(errno));
        goto fail;
    }
    if (s->pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        if (dup2(in_pipe[0], 0) < 0 || dup2(out_pipe[1], 1) < 0 || chdir(s->root) != 0) {
            int e = errno;
            (void)!write(err_pipe[1], &e, sizeof e);
            _exit(127);
        }
        execvp(argv[0], argv);
        int e = errno;
        (void)!write(err_pipe[1], &e, sizeof e);
        _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    in_pipe[0] = out_pipe[1] = err_pipe[1] = -1;
    int child_errno = 0;
    ssize_t n;
    do {
        n = read(err_pipe[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        fail_header(s, "cannot start %s: %s", argv[0], strerror(child_errno));
        reap(s, true);
        goto fail;
    }
    s->fd_in = in_pipe[1];
    s->fd_out = out_pipe[0];
    in_pipe[1] = out_pipe[0] = -1;
    fcntl(s->fd_in, F_SETFL, fcntl(s->fd_in, F_GETFL) | O_NONBLOCK);
    fcntl(s->fd_out, F_SETFL, fcntl(s->fd_out, F_GETFL) | O_NONBLOCK);
    rc = 0;
fail:
    for (int k = 0; k < 2; k++) {
        if (in_pipe[k] >= 0)
            close(in_pipe[k]);
        if (out_pipe[k] >= 0)
            close(out_pipe[k]);
        if (err_pipe[k] >= 0)
            close(err_pipe[k]);
    }
    free(argv);
    free(wrapper);
    return rc;
}

/* ---------- printing what the server sent ---------- */

static void print_seen(const struct session *s, const json_t *pattern)
{
    size_t total = json_array_size(s->seen) + json_array_size(s->queue);
    if (total == 0) {
        fputs("  server messages received since the previous step: none\n", stderr);
        return;
    }
    fprintf(stderr, "  server messages received since the previous step (%zu):\n",
            json_array_size(s->seen));
    const json_t *pm = json_is_object(pattern) ? json_object_get(pattern, "method") : NULL;
    const json_t *pid = json_is_object(pattern) ? json_object_get(pattern, "id") : NULL;
    size_t i;
    const json_t *m;
    json_array_foreach(s->seen, i, m) {
        fprintf(stderr, "  [%zu]\n", i + 1);
        print_json_indented(m, "    ");
        /* Explain the mismatch for messages that look like the intended one. */
        bool similar = (pm && json_object_get(m, "method") &&
                        match(pm, json_object_get(m, "method"), NULL)) ||
                       (pid && is_response(m) && match(pid, json_object_get(m, "id"), NULL));
        if (pattern && similar) {
            struct why w = {{0}, {0}};
            if (!match(pattern, m, &w))
                fprintf(stderr, "    ^ mismatch at $%s: %s\n", w.path, w.msg);
        }
    }
    if (json_array_size(s->queue) > 0) {
        fprintf(stderr, "  received but not yet examined (%zu):\n", json_array_size(s->queue));
        json_array_foreach(s->queue, i, m) {
            fprintf(stderr, "  [%zu]\n", i + 1);
            print_json_indented(m, "    ");
        }
    }
}

/* After a failed wait on the server: say whether it is gone and why. */
static void print_server_state(struct session *s)
{
    reap(s, false);
    if (s->reaped) {
        char st[128];
        describe_status(s->status, st, sizeof st);
        fprintf(stderr, "  the server %s\n", st);
        s->status_reported = true;
    }
}

/* Fail the current step because of a framing error or a dead stdout. */
static int fail_io(struct session *s, const json_t *pattern)
{
    if (s->proto_error) {
        fail_header(s, "protocol violation: %s", s->proto_error);
    } else {
        /* Give a dying server a moment so that its exit status can be shown. */
        double until = now_ms() + 1000.0 * s->scale;
        while (!s->reaped && now_ms() < until) {
            reap(s, false);
            if (!s->reaped)
                sleep_ms(EXIT_WAIT_SLICE_MS);
        }
        fail_header(s, "the server closed its stdout");
    }
    print_server_state(s);
    if (pattern) {
        fputs("  expected pattern:\n", stderr);
        print_json_indented(pattern, "    ");
    }
    print_seen(s, pattern);
    return -1;
}

/* ---------- steps ---------- */

/* Write everything queued for the server within the timeout. */
static int flush_tx(struct session *s, const char *what)
{
    double deadline = now_ms() + s->timeout_ms;
    while (bytes_avail(&s->tx) > 0 && !s->in_broken && s->fd_in >= 0) {
        int left = ms_left(deadline);
        if (left == 0) {
            fail_header(s, "the server did not read %s within %.1f s (%zu bytes pending)",
                        what, s->timeout_ms / 1000.0, bytes_avail(&s->tx));
            return -1;
        }
        if (io_round(s, left) < 0)
            return fail_io(s, NULL);
    }
    if (s->in_broken) {
        fail_header(s, "cannot send %s: the server closed its stdin", what);
        print_server_state(s);
        return -1;
    }
    return 0;
}

static int step_send(struct session *s, const json_t *msg)
{
    if (s->fd_in < 0) {
        fail_header(s, "cannot send: stdin was already closed by a closeStdin step");
        return -1;
    }
    json_t *m = resolve_dynamic(s, msg);
    if (!m)
        return -1;
    log_message(s, "->", m);
    queue_message(s, m);
    json_decref(m);
    return flush_tx(s, "the message");
}

static int step_send_raw(struct session *s, const json_t *raw)
{
    if (s->fd_in < 0) {
        fail_header(s, "cannot send: stdin was already closed by a closeStdin step");
        return -1;
    }
    if (s->verbose)
        fprintf(stderr, "fixture_runner: -> (raw) %.2000s\n", json_string_value(raw));
    bytes_append(&s->tx, json_string_value(raw), json_string_length(raw));
    return flush_tx(s, "the raw bytes");
}

static int fail_expect(struct session *s, const json_t *pattern, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_expect(struct session *s, const json_t *pattern, const char *fmt, ...)
{
    char reason[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    fail_header(s, "%s", reason);
    fputs("  expected pattern:\n", stderr);
    print_json_indented(pattern, "    ");
    print_seen(s, pattern);
    size_t unparsed = bytes_avail(&s->rx);
    if (unparsed > 0)
        fprintf(stderr, "  unparsed bytes from the server (%zu): \"%.*s\"\n", unparsed,
                (int)(unparsed > 200 ? 200 : unparsed), bytes_start(&s->rx));
    return -1;
}

/* True when msg is a response to the request id the pattern names but does
 * not match it: an expect fails at once instead of waiting. */
static bool wrong_response(const json_t *pattern, const json_t *msg, struct why *w)
{
    const json_t *pid = json_object_get(pattern, "id");
    if (!pid || json_is_object(pid) || is_string_eq(pid, "$any") || !is_response(msg) ||
        !match(pid, json_object_get(msg, "id"), NULL))
        return false;
    return !match(pattern, msg, w);
}

static void note_match(struct session *s, const json_t *msg)
{
    if (is_request(msg)) {
        json_decref(s->matched_request_id);
        s->matched_request_id = json_incref(json_object_get(msg, "id"));
    }
}

/* Take the oldest queued message (new reference) and log it as seen. */
static json_t *take_next(struct session *s)
{
    json_t *msg = json_incref(json_array_get(s->queue, 0));
    json_array_remove(s->queue, 0);
    json_array_append(s->seen, msg);
    return msg;
}

static int step_expect(struct session *s, const json_t *raw_pattern)
{
    json_t *pattern = resolve_dynamic(s, raw_pattern);
    if (!pattern)
        return -1;
    int rc = -1;
    double deadline = now_ms() + s->timeout_ms;
    for (;;) {
        while (json_array_size(s->queue) > 0) {
            json_t *msg = take_next(s);
            struct why w = {{0}, {0}};
            if (match(pattern, msg, NULL)) {
                note_match(s, msg);
                json_decref(msg);
                rc = 0;
                goto done;
            }
            bool wrong = wrong_response(pattern, msg, &w);
            json_decref(msg);
            if (wrong) {
                rc = fail_expect(s, pattern, "the response with the expected id does not match "
                                 "(at $%s: %s)", w.path, w.msg);
                goto done;
            }
        }
        if (s->proto_error || s->fd_out < 0) {
            rc = fail_io(s, pattern);
            goto done;
        }
        int left = ms_left(deadline);
        if (left == 0) {
            rc = fail_expect(s, pattern, "no matching message within %.1f s",
                             s->timeout_ms / 1000.0);
            goto done;
        }
        if (io_round(s, left) < 0) {
            rc = fail_io(s, pattern);
            goto done;
        }
    }
done:
    json_decref(pattern);
    return rc;
}

/* Like expect, for several patterns matched by distinct messages in any order. */
static int step_expect_all(struct session *s, const json_t *raw_patterns)
{
    json_t *patterns = resolve_dynamic(s, raw_patterns);
    if (!patterns)
        return -1;
    size_t n = json_array_size(patterns), remaining = n;
    bool *done_flags = calloc(n ? n : 1, sizeof *done_flags);
    int rc = -1;
    double deadline = now_ms() + s->timeout_ms;
    if (!done_flags)
        abort();
    while (remaining > 0) {
        while (remaining > 0 && json_array_size(s->queue) > 0) {
            json_t *msg = take_next(s);
            bool used = false;
            for (size_t i = 0; i < n && !used; i++) {
                if (!done_flags[i] && match(json_array_get(patterns, i), msg, NULL)) {
                    done_flags[i] = used = true;
                    remaining--;
                    note_match(s, msg);
                }
            }
            for (size_t i = 0; i < n && !used; i++) {
                struct why w = {{0}, {0}};
                if (!done_flags[i] && wrong_response(json_array_get(patterns, i), msg, &w)) {
                    json_decref(msg);
                    rc = fail_expect(s, json_array_get(patterns, i),
                                     "the response with the id of pattern %zu does not match "
                                     "(at $%s: %s)", i + 1, w.path, w.msg);
                    goto done;
                }
            }
            json_decref(msg);
        }
        if (remaining == 0)
            break;
        if (s->proto_error || s->fd_out < 0) {
            rc = fail_io(s, patterns);
            goto done;
        }
        int left = ms_left(deadline);
        if (left == 0) {
            json_t *missing = json_array();
            for (size_t i = 0; i < n; i++) {
                if (!done_flags[i])
                    json_array_append(missing, json_array_get(patterns, i));
            }
            rc = fail_expect(s, missing, "%zu of %zu patterns matched no message within %.1f s",
                             remaining, n, s->timeout_ms / 1000.0);
            json_decref(missing);
            goto done;
        }
        if (io_round(s, left) < 0) {
            rc = fail_io(s, patterns);
            goto done;
        }
    }
    rc = 0;
done:
    free(done_flags);
    json_decref(patterns);
    return rc;
}

/* No message matching the pattern arrives within the window. Messages are
 * not consumed: later steps still see them. */
static int step_expect_none(struct session *s, const json_t *arg)
{
    json_t *pattern = resolve_dynamic(s, json_object_get(arg, "match"));
    if (!pattern)
        return -1;
    double window = json_number_value(json_object_get(arg, "within")) * s->scale;
    double deadline = now_ms() + window;
    size_t scanned = 0;
    int rc = -1;
    for (;;) {
        for (; scanned < json_array_size(s->queue); scanned++) {
            json_t *msg = json_array_get(s->queue, scanned);
            json_array_append(s->seen, msg);
            if (match(pattern, msg, NULL)) {
                /* The examined ones are listed as seen; keep only the rest. */
                for (size_t k = 0; k <= scanned; k++)
                    json_array_remove(s->queue, 0);
                rc = fail_expect(s, pattern, "a matching message arrived within %.0f ms "
                                 "(the last one listed)", window);
                goto done;
            }
        }
        if (s->proto_error) {
            rc = fail_io(s, pattern);
            goto done;
        }
        int left = ms_left(deadline);
        if (left == 0)
            break;
        if (io_round(s, left) < 0) {
            rc = fail_io(s, pattern);
            goto done;
        }
    }
    /* Seen but kept: the next step examines them again. */
    json_array_clear(s->seen);
    rc = 0;
done:
    json_decref(pattern);
    return rc;
}

/* Wait, handling server requests meanwhile. */
static int step_sleep(struct session *s, const json_t *ms)
{
    double deadline = now_ms() + json_number_value(ms) * s->scale;
    int left;
    while ((left = ms_left(deadline)) > 0) {
        if (io_round(s, left) < 0)
            return fail_io(s, NULL);
    }
    return 0;
}

static int step_close_stdin(struct session *s)
{
    if (s->fd_in < 0)
        return 0;
    if (!s->in_broken && bytes_avail(&s->tx) > 0 && flush_tx(s, "pending answers") < 0)
        return -1;
    close(s->fd_in);
    s->fd_in = -1;
    return 0;
}

/* Wait until the server exits or the deadline passes, reading its output. */
static void wait_exit(struct session *s, double deadline)
{
    for (;;) {
        reap(s, false);
        if (s->reaped)
            return;
        int left = ms_left(deadline);
        if (left == 0)
            return;
        if (io_round(s, left < EXIT_WAIT_SLICE_MS ? left : EXIT_WAIT_SLICE_MS) < 0) {
            /* Keep waiting for the exit; the framing error is reported later. */
            if (s->fd_out >= 0) {
                close(s->fd_out);
                s->fd_out = -1;
            }
        }
    }
}

static int step_expect_exit(struct session *s, const json_t *code)
{
    wait_exit(s, now_ms() + s->timeout_ms);
    if (!s->reaped) {
        fail_header(s, "the server did not exit within %.1f s", s->timeout_ms / 1000.0);
        print_seen(s, NULL);
        return -1;
    }
    if (s->proto_error)
        return fail_io(s, NULL);
    char st[128];
    describe_status(s->status, st, sizeof st);
    if (!WIFEXITED(s->status) || WEXITSTATUS(s->status) != json_integer_value(code)) {
        fail_header(s, "expected exit code %lld, but the server %s",
                    (long long)json_integer_value(code), st);
        s->status_reported = true;
        return -1;
    }
    return 0;
}

static int step_file_op(struct session *s, const char *kind, const json_t *arg)
{
    int rc = 0;
    char *a = NULL, *b = NULL;
    if (strcmp(kind, "writeFile") == 0) {
        const char *rel = json_string_value(json_object_get(arg, "path"));
        const json_t *text = json_object_get(arg, "text");
        a = xprintf("%s/%s", s->root, rel);
        rc = make_parents(s->root, rel);
        if (rc == 0)
            rc = write_file(a, json_string_value(text), json_string_length(text), 0644);
    } else if (strcmp(kind, "deleteFile") == 0) {
        a = xprintf("%s/%s", s->root, json_string_value(arg));
        struct stat st;
        rc = lstat(a, &st) != 0 ? -errno : remove_tree(a, 0);
    } else if (strcmp(kind, "renameFile") == 0) {
        const char *to = json_string_value(json_object_get(arg, "to"));
        a = xprintf("%s/%s", s->root, json_string_value(json_object_get(arg, "from")));
        b = xprintf("%s/%s", s->root, to);
        rc = make_parents(s->root, to);
        if (rc == 0 && rename(a, b) != 0)
            rc = -errno;
    } else if (strcmp(kind, "chmod") == 0) {
        a = xprintf("%s/%s", s->root, json_string_value(json_object_get(arg, "path")));
        mode_t mode = (mode_t)strtol(json_string_value(json_object_get(arg, "mode")), NULL, 8);
        if (chmod(a, mode) != 0)
            rc = -errno;
    } else if (strcmp(kind, "mkdir") == 0) {
        char *rel = xprintf("%s/", json_string_value(arg));
        rc = make_parents(s->root, rel);
        free(rel);
    }
    if (rc != 0)
        fail_header(s, "%s%s%s: %s", a ? a : "", b ? " -> " : "", b ? b : "", strerror(-rc));
    free(a);
    free(b);
    if (rc != 0)
        return -1;
    /* Let the server react to the change meanwhile (it may send requests). */
    if (io_round(s, 0) < 0)
        return fail_io(s, NULL);
    return 0;
}

/* ---------- fixture validation ---------- */

/* The action key of a step object (every key other than "comment"), or NULL
 * when there is not exactly one. */
static const char *step_kind_of(const json_t *step, const json_t **arg)
{
    const char *kind = NULL, *key;
    json_t *v;
    if (!json_is_object(step))
        return NULL;
    json_object_foreach((json_t *)step, key, v) {
        if (strcmp(key, "comment") == 0)
            continue;
        if (kind)
            return NULL;
        kind = key;
        *arg = v;
    }
    return kind;
}

static bool is_nonneg_number(const json_t *v)
{
    return json_is_number(v) && json_number_value(v) >= 0;
}

/* Check one step's shape; returns a malloc'd error or NULL. */
static char *check_step(const char *kind, const json_t *arg, const char *where)
{
    if (strcmp(kind, "send") == 0)
        return NULL;
    if (strcmp(kind, "sendRaw") == 0)
        return json_is_string(arg) ? NULL : xprintf("%s: sendRaw takes a string", where);
    if (strcmp(kind, "expect") == 0) {
        if (!json_is_object(arg))
            return xprintf("%s: expect takes an object pattern", where);
        return pattern_check(arg, where);
    }
    if (strcmp(kind, "expectAll") == 0) {
        if (!json_is_array(arg) || json_array_size(arg) == 0)
            return xprintf("%s: expectAll takes a non-empty array of object patterns", where);
        size_t i;
        const json_t *p;
        json_array_foreach(arg, i, p) {
            if (!json_is_object(p))
                return xprintf("%s: expectAll[%zu] is not an object pattern", where, i);
            char *err = pattern_check(p, where);
            if (err)
                return err;
        }
        return NULL;
    }
    if (strcmp(kind, "expectNone") == 0) {
        if (!json_is_object(arg) || !json_is_object(json_object_get(arg, "match")) ||
            !is_nonneg_number(json_object_get(arg, "within")) || json_object_size(arg) != 2)
            return xprintf("%s: expectNone takes {\"match\": {...}, \"within\": ms}", where);
        return pattern_check(json_object_get(arg, "match"), where);
    }
    if (strcmp(kind, "writeFile") == 0) {
        if (!json_is_object(arg) || !rel_path_ok(json_object_get(arg, "path")) ||
            !json_is_string(json_object_get(arg, "text")) || json_object_size(arg) != 2)
            return xprintf("%s: writeFile takes {\"path\": relative path, \"text\": string}",
                           where);
        return NULL;
    }
    if (strcmp(kind, "deleteFile") == 0 || strcmp(kind, "mkdir") == 0)
        return rel_path_ok(arg) ? NULL
                                : xprintf("%s: %s takes a relative path inside the root", where,
                                          kind);
    if (strcmp(kind, "renameFile") == 0) {
        if (!json_is_object(arg) || !rel_path_ok(json_object_get(arg, "from")) ||
            !rel_path_ok(json_object_get(arg, "to")) || json_object_size(arg) != 2)
            return xprintf("%s: renameFile takes {\"from\": path, \"to\": path}", where);
        return NULL;
    }
    if (strcmp(kind, "chmod") == 0) {
        const json_t *mode = json_is_object(arg) ? json_object_get(arg, "mode") : NULL;
        const char *m = json_is_string(mode) ? json_string_value(mode) : "";
        bool octal = m[0] != '\0' && strlen(m) <= 4 && strspn(m, "01234567") == strlen(m);
        if (!json_is_object(arg) || !rel_path_ok(json_object_get(arg, "path")) || !octal ||
            json_object_size(arg) != 2)
            return xprintf("%s: chmod takes {\"path\": path, \"mode\": \"octal string\"}", where);
        return NULL;
    }
    if (strcmp(kind, "sleep") == 0)
        return is_nonneg_number(arg) ? NULL : xprintf("%s: sleep takes milliseconds", where);
    if (strcmp(kind, "closeStdin") == 0)
        return json_is_true(arg) ? NULL : xprintf("%s: closeStdin takes true", where);
    if (strcmp(kind, "expectExit") == 0) {
        if (!json_is_integer(arg) || json_integer_value(arg) < 0 || json_integer_value(arg) > 255)
            return xprintf("%s: expectExit takes an exit code 0..255", where);
        return NULL;
    }
    return xprintf("%s: unknown step \"%s\"", where, kind);
}

/* Validate the whole (substituted) fixture; returns a malloc'd error or NULL. */
static char *check_fixture(const json_t *fx)
{
    static const char *const top_keys[] = {"description", "workspace", "files", "args",
                                           "responses", "steps"};
    if (!json_is_object(fx))
        return xprintf("the fixture is not a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)fx, key, v) {
        bool known = false;
        for (size_t i = 0; i < sizeof top_keys / sizeof top_keys[0]; i++)
            known = known || strcmp(key, top_keys[i]) == 0;
        if (!known)
            return xprintf("unknown top-level key \"%s\"", key);
    }
    const json_t *desc = json_object_get(fx, "description");
    if (!json_is_string(desc) || json_string_length(desc) == 0)
        return xprintf("\"description\" (a non-empty string) is required");
    const json_t *ws = json_object_get(fx, "workspace");
    if (ws && !json_is_string(ws))
        return xprintf("\"workspace\" must be a directory path");
    const json_t *files = json_object_get(fx, "files");
    if (files) {
        if (!json_is_object(files))
            return xprintf("\"files\" must map relative paths to text");
        json_object_foreach((json_t *)files, key, v) {
            json_t *k = json_string(key);
            bool ok = rel_path_ok(k) && json_is_string(v);
            json_decref(k);
            if (!ok)
                return xprintf("\"files\": \"%s\" must be a relative path with a string", key);
        }
    }
    const json_t *args = json_object_get(fx, "args");
    if (args) {
        size_t i;
        const json_t *a;
        if (!json_is_array(args))
            return xprintf("\"args\" must be an array of strings");
        json_array_foreach(args, i, a) {
            if (!json_is_string(a) || strlen(json_string_value(a)) != json_string_length(a))
                return xprintf("\"args\"[%zu] must be a string", i);
        }
    }
    const json_t *responses = json_object_get(fx, "responses");
    if (responses && !json_is_object(responses))
        return xprintf("\"responses\" must map methods to results");
    const json_t *steps = json_object_get(fx, "steps");
    if (!json_is_array(steps) || json_array_size(steps) == 0)
        return xprintf("\"steps\" (a non-empty array) is required");
    size_t i;
    const json_t *step;
    json_array_foreach(steps, i, step) {
        const json_t *arg = NULL;
        const char *kind = step_kind_of(step, &arg);
        if (!kind)
            return xprintf("step %zu: a step is an object with exactly one action key "
                           "(and an optional \"comment\")", i + 1);
        char *where = xprintf("step %zu (%s)", i + 1, kind);
        char *err = check_step(kind, arg, where);
        free(where);
        if (err)
            return err;
    }
    return NULL;
}

/* ---------- setup, run, teardown ---------- */

static int make_root(struct session *s)
{
    const char *tmp = getenv("TMPDIR");
    char *templ = xprintf("%s/planls-fixture-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int rc = -1;
    if (!mkdtemp(templ)) {
        fprintf(stderr, "fixture_runner: mkdtemp %s: %s\n", templ, strerror(errno));
        goto done;
    }
    char real[PATH_MAX];
    if (!realpath(templ, real)) {
        fprintf(stderr, "fixture_runner: realpath %s: %s\n", templ, strerror(errno));
        rmdir(templ);
        goto done;
    }
    s->root = xstrdup_or_die(real);
    s->root_uri = path_to_uri(real);
    rc = 0;
done:
    free(templ);
    return rc;
}

/* Copy the fixture's workspace and files into the root. */
static int populate_root(struct session *s)
{
    const json_t *ws = json_object_get(s->fixture, "workspace");
    if (ws) {
        const char *rel = json_string_value(ws);
        char *src = rel[0] == '/' ? xstrdup_or_die(rel) : xprintf("%s/%s", s->fixture_dir, rel);
        char *bad = NULL;
        int rc = copy_tree(src, s->root, 0, &bad);
        if (rc != 0)
            fail_header(s, "cannot copy workspace %s (%s): %s", src, bad ? bad : "?",
                        strerror(-rc));
        free(bad);
        free(src);
        if (rc != 0)
            return -1;
    }
    const json_t *files = json_object_get(s->fixture, "files");
    const char *key;
    json_t *text;
    json_object_foreach((json_t *)files, key, text) {
        char *path = xprintf("%s/%s", s->root, key);
        int rc = make_parents(s->root, key);
        if (rc == 0)
            rc = write_file(path, json_string_value(text), json_string_length(text), 0644);
        if (rc != 0)
            fail_header(s, "cannot write %s: %s", path, strerror(-rc));
        free(path);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int run_step(struct session *s, const char *kind, const json_t *arg)
{
    if (strcmp(kind, "send") == 0)
        return step_send(s, arg);
    if (strcmp(kind, "sendRaw") == 0)
        return step_send_raw(s, arg);
    if (strcmp(kind, "expect") == 0)
        return step_expect(s, arg);
    if (strcmp(kind, "expectAll") == 0)
        return step_expect_all(s, arg);
    if (strcmp(kind, "expectNone") == 0)
        return step_expect_none(s, arg);
    if (strcmp(kind, "sleep") == 0)
        return step_sleep(s, arg);
    if (strcmp(kind, "closeStdin") == 0)
        return step_close_stdin(s);
    if (strcmp(kind, "expectExit") == 0)
        return step_expect_exit(s, arg);
    return step_file_op(s, kind, arg);
}

/* End of the steps: let the server finish (closing its stdin) and judge how
 * it ended. Always fails on a signal or the wrapper's error code. */
static int finish(struct session *s, bool failed)
{
    s->step_no = 0;
    if (!s->reaped && s->pid > 0) {
        if (s->fd_in >= 0) {
            close(s->fd_in); /* pending auto-answers no longer matter */
            s->fd_in = -1;
        }
        double wait = failed ? FAIL_EXIT_WAIT_MS * s->scale : s->timeout_ms;
        wait_exit(s, now_ms() + wait);
        if (!s->reaped) {
            kill(s->pid, SIGKILL);
            reap(s, true);
            if (!failed)
                fail_header(s, "the server did not exit within %.1f s after its stdin was "
                            "closed (killed)", wait / 1000.0);
            else
                fputs("  the server was still running after the failure: killed\n", stderr);
            return -1;
        }
    }
    if (!s->reaped)
        return failed ? -1 : 0;
    char st[128];
    describe_status(s->status, st, sizeof st);
    bool bad_end = WIFSIGNALED(s->status) ||
                   (WIFEXITED(s->status) && WEXITSTATUS(s->status) == WRAPPER_ERROR_CODE);
    const char *hint = WIFEXITED(s->status) ? " (the wrapper's error code: see its report above)"
                                            : "";
    if (failed) {
        /* The step's failure is already printed; add how the server ended. */
        if (bad_end && !s->status_reported)
            fprintf(stderr, "  then the server %s%s\n", st, hint);
        return -1;
    }
    if (bad_end) {
        fail_header(s, "the server %s%s", st, hint);
        return -1;
    }
    if (s->proto_error) {
        fail_header(s, "protocol violation: %s", s->proto_error);
        return -1;
    }
    return 0;
}

static int run_steps(struct session *s)
{
    const json_t *steps = json_object_get(s->fixture, "steps");
    size_t i;
    const json_t *step;
    json_array_foreach(steps, i, step) {
        const json_t *arg = NULL;
        s->step_no = i + 1;
        s->step_kind = step_kind_of(step, &arg);
        json_array_clear(s->seen);
        if (run_step(s, s->step_kind, arg) != 0) {
            const json_t *comment = json_object_get(step, "comment");
            if (json_is_string(comment))
                fprintf(stderr, "  step comment: %s\n", json_string_value(comment));
            return -1;
        }
    }
    return 0;
}

static void usage(FILE *out)
{
    fputs("usage: fixture_runner --server PATH/TO/planls FIXTURE.json\n"
          "Replays a protocol fixture against the server; exit 0 = pass, 1 = fail, 2 = usage.\n"
          "Environment: PLANLS_FIXTURE_WRAPPER (command prefix, split on spaces),\n"
          "  PLANLS_FIXTURE_TIMEOUT (seconds, default 10), PLANLS_FIXTURE_KEEP=1 (keep the\n"
          "  temp root), PLANLS_FIXTURE_VERBOSE=1 (trace every message).\n"
          "Format: protocol-fixtures/README.md\n",
          out);
}

/* Make a sanitizer error in the server end in SIGABRT rather than exit code
 * 1 (which a server also uses for a plain exit), so it always fails the run;
 * an explicit abort_on_error setting is kept. */
static void ensure_sanitizer_abort(const char *var)
{
    const char *cur = getenv(var);
    if (cur && strstr(cur, "abort_on_error"))
        return;
    char *val = cur && *cur ? xprintf("%s:abort_on_error=1", cur)
                            : xstrdup_or_die("abort_on_error=1");
    setenv(var, val, 1);
    free(val);
}

/* Parse the environment's timeout; returns false when it is not a positive number. */
static bool read_timeout(struct session *s)
{
    const char *t = getenv("PLANLS_FIXTURE_TIMEOUT");
    double secs = DEFAULT_TIMEOUT_S;
    if (t && *t) {
        char *end;
        secs = strtod(t, &end);
        if (*end != '\0' || !(secs > 0) || secs > 86400)
            return false;
    }
    s->timeout_ms = secs * 1000.0;
    s->scale = secs > DEFAULT_TIMEOUT_S ? secs / DEFAULT_TIMEOUT_S : 1.0;
    return true;
}

int main(int argc, char **argv)
{
    struct session s = {.pid = -1, .fd_in = -1, .fd_out = -1};
    const char *fixture_path = NULL;
    json_t *raw = NULL;
    char *err = NULL;
    int status = 1;
    bool started = false, failed = false;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--server") == 0 && i + 1 < argc && !s.server) {
            i++;
            /* The server runs in the temp root: make a relative path absolute. */
            char real[PATH_MAX];
            bool has_slash = strchr(argv[i], '/') != NULL;
            s.server = xstrdup_or_die(has_slash && realpath(argv[i], real) ? real : argv[i]);
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            status = 0;
            goto done;
        } else if (argv[i][0] != '-' && !fixture_path) {
            fixture_path = argv[i];
        } else {
            usage(stderr);
            status = 2;
            goto done;
        }
    }
    if (!s.server || !fixture_path) {
        usage(stderr);
        status = 2;
        goto done;
    }
    if (!read_timeout(&s)) {
        fprintf(stderr, "fixture_runner: PLANLS_FIXTURE_TIMEOUT must be a positive number of "
                        "seconds\n");
        status = 2;
        goto done;
    }
    s.fixture_path = fixture_path;
    const char *verbose = getenv("PLANLS_FIXTURE_VERBOSE");
    const char *keep = getenv("PLANLS_FIXTURE_KEEP");
    s.verbose = verbose && strcmp(verbose, "1") == 0;
    s.keep = keep && strcmp(keep, "1") == 0;
    signal(SIGPIPE, SIG_IGN);
    ensure_sanitizer_abort("ASAN_OPTIONS");
    ensure_sanitizer_abort("UBSAN_OPTIONS");
    s.queue = json_array();
    s.seen = json_array();

    json_error_t jerr;
    raw = json_load_file(fixture_path, JSON_REJECT_DUPLICATES, &jerr);
    if (!raw) {
        fail_header(&s, "not valid JSON: %s:%d:%d: %s", fixture_path, jerr.line, jerr.column,
                    jerr.text);
        goto done;
    }
    char *slash = strrchr(fixture_path, '/');
    if (!slash)
        s.fixture_dir = xstrdup_or_die(".");
    else if (slash == fixture_path)
        s.fixture_dir = xstrdup_or_die("/");
    else
        s.fixture_dir = xprintf("%.*s", (int)(slash - fixture_path), fixture_path);
    if (make_root(&s) != 0)
        goto done;
    s.fixture = subst_json(raw, &s);
    if ((err = check_fixture(s.fixture)) != NULL) {
        fail_header(&s, "bad fixture: %s", err);
        goto done;
    }
    s.responses = json_object_get(s.fixture, "responses");
    if (populate_root(&s) != 0)
        goto done;
    if (spawn_server(&s, json_object_get(s.fixture, "args")) != 0)
        goto done;
    started = true;
    failed = run_steps(&s) != 0;
    status = finish(&s, failed) == 0 ? 0 : 1;
    if (status != 0)
        fprintf(stderr, "  fixture description: %s\n",
                json_string_value(json_object_get(s.fixture, "description")));
    if (status == 0)
        printf("fixture_runner: PASS %s (%zu steps)\n", fixture_path,
               json_array_size(json_object_get(s.fixture, "steps")));

done:
    if (!started && s.pid > 0 && !s.reaped) {
        kill(s.pid, SIGKILL);
        reap(&s, true);
    }
    if (s.fd_in >= 0)
        close(s.fd_in);
    if (s.fd_out >= 0)
        close(s.fd_out);
    if (s.root) {
        if (s.keep)
            fprintf(stderr, "fixture_runner: kept the temp root %s\n", s.root);
        else
            remove_tree(s.root, 0);
    }
    free(err);
    free(s.proto_error);
    free(s.rx.data);
    free(s.tx.data);
    free(s.root);
    free(s.root_uri);
    free(s.fixture_dir);
    free(s.server);
    json_decref(s.last_request_id);
    json_decref(s.matched_request_id);
    json_decref(s.queue);
    json_decref(s.seen);
    json_decref(s.fixture);
    json_decref(raw);
    return status;
}
