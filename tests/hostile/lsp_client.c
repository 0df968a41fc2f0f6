/* lsp_client: a non-blocking LSP client over pipes for the hostile-input
 * tests (see lsp_client.h). Failures abort the test through Criterion's
 * assertions. It writes only inside its own temporary workspace. */
#define _GNU_SOURCE 1
#include "lsp_client.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "planls/util.h"

double lc_slow(void)
{
    const char *t = getenv("PLANLS_FIXTURE_TIMEOUT");
    double v = t ? atof(t) : 0;
    return v > 10 ? v / 10 : 1;
}

bool lc_instrumented(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return true;
#endif
#endif
    return getenv("PLANLS_UNDER_VALGRIND") != NULL;
}

double lc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* What lc_fini needs to clean up after a test that ended early on an
 * assertion: the clients themselves may have lived on that test's stack, so
 * only copies are kept (each Criterion test runs in its own process). */
typedef struct live {
    const lc_t *owner; /* compared, never dereferenced */
    pid_t pid;         /* server not yet reaped, or -1 */
    char root[256];
} live_t;

static live_t live[8];

static live_t *live_of(const lc_t *c)
{
    for (size_t i = 0; i < UTIL_ARRAY_LEN(live); i++)
        if (live[i].owner == c)
            return &live[i];
    return NULL;
}

void lc_fini(void)
{
    for (size_t i = 0; i < UTIL_ARRAY_LEN(live); i++) {
        live_t *l = &live[i];
        if (!l->owner)
            continue;
        if (l->pid > 0) {
            int status;
            kill(l->pid, SIGKILL);
            waitpid(l->pid, &status, 0);
        }
        if (l->root[0])
            lc_rm_rf(l->root);
        memset(l, 0, sizeof(*l));
    }
}

void lc_workspace(lc_t *c)
{
    memset(c, 0, sizeof(*c));
    c->pid = -1;
    c->to_server = c->from_server = -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(c->root, sizeof(c->root), "%s/planls-hostile-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    cr_assert_not_null(mkdtemp(c->root), "mkdtemp: %s", strerror(errno));
    char *real = realpath(c->root, NULL);
    cr_assert_not_null(real);
    snprintf(c->root, sizeof(c->root), "%s", real);
    free(real);
    snprintf(c->root_uri, sizeof(c->root_uri), "file://%s", c->root);
    c->next_id = 1;
    live_t *l = live_of(NULL);
    if (l) {
        l->owner = c;
        l->pid = -1;
        snprintf(l->root, sizeof(l->root), "%s", c->root);
    }
}

static void mkdirs_for(const char *path)
{
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    free(p);
}

void lc_write(const lc_t *c, const char *rel, const char *data, size_t len)
{
    char *path = xasprintf("%s/%s", c->root, rel);
    mkdirs_for(path);
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp, "cannot write %s: %s", path, strerror(errno));
    cr_assert_eq(fwrite(data, 1, len, fp), len);
    cr_assert_eq(fclose(fp), 0);
    free(path);
}

void lc_write_str(const lc_t *c, const char *rel, const char *text)
{
    lc_write(c, rel, text, strlen(text));
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    chmod(path, 0700);
    remove(path);
    return 0;
}

void lc_rm_rf(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void lc_cleanup(lc_t *c)
{
    if (c->root[0])
        lc_rm_rf(c->root);
    c->root[0] = '\0';
    live_t *l = live_of(c);
    if (l)
        memset(l, 0, sizeof(*l));
}

void lc_start(lc_t *c, const char *const *extra_args, const char *const *wrapper)
{
    int in[2], out[2];
    cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
    cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
    const char *argv[32];
    size_t n = 0;
    for (size_t i = 0; wrapper && wrapper[i] && n < 20; i++)
        argv[n++] = wrapper[i];
    argv[n++] = PLANLS_BINARY;
    for (size_t i = 0; extra_args && extra_args[i] && n < 30; i++)
        argv[n++] = extra_args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        if (chdir(c->root) != 0)
            _exit(127);
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    c->pid = pid;
    live_t *l = live_of(c);
    if (l)
        l->pid = pid;
    c->to_server = in[1];
    c->from_server = out[0];
    fcntl(c->to_server, F_SETFL, O_NONBLOCK);
    fcntl(c->from_server, F_SETFL, O_NONBLOCK);
    framer_init(&c->framer, SIZE_MAX);
    c->out = (buf_t)BUF_INIT;
}

static void inbox_push(lc_t *c, json_t *m)
{
    UTIL_PUSH(c->inbox, c->n_inbox, c->cap_inbox, m);
}

static void auto_answer(lc_t *c, json_t *m)
{
    json_t *id = json_object_get(m, "id");
    if (!json_object_get(m, "method") || !id)
        return;
    json_t *a = json_pack("{s:s,s:O,s:n}", "jsonrpc", "2.0", "id", id, "result");
    lc_send(c, a);
}

static void read_some(lc_t *c)
{
    char chunk[65536];
    for (;;) {
        ssize_t r = read(c->from_server, chunk, sizeof(chunk));
        if (r > 0) {
            c->bytes_in += (size_t)r;
            framer_feed(&c->framer, chunk, (size_t)r);
            const char *body, *err;
            size_t len;
            framer_event_t e;
            while ((e = framer_next(&c->framer, &body, &len, &err)) != FRAMER_NONE) {
                cr_assert_eq(e, FRAMER_MSG, "server output is not framed: %s", err);
                json_error_t jerr;
                json_t *m = json_loadb(body, len, 0, &jerr);
                cr_assert_not_null(m, "server sent a body that is not JSON: %s", jerr.text);
                auto_answer(c, m);
                inbox_push(c, m);
            }
            continue;
        }
        if (r == 0) {
            c->eof = true;
            close(c->from_server);
            c->from_server = -1;
        } else if (errno != EAGAIN && errno != EINTR) {
            c->eof = true;
        }
        return;
    }
}

static void write_some(lc_t *c)
{
    while (c->to_server >= 0 && c->out_off < c->out.len) {
        ssize_t w = write(c->to_server, c->out.data + c->out_off, c->out.len - c->out_off);
        if (w > 0) {
            c->out_off += (size_t)w;
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        /* EPIPE: the server is gone; drop the rest. */
        c->out_off = c->out.len;
    }
    if (c->out_off == c->out.len) {
        buf_clear(&c->out);
        c->out_off = 0;
    }
}

void lc_pump(lc_t *c, int ms)
{
    double end = lc_now_ms() + ms;
    size_t had = c->n_inbox;
    bool writing = c->to_server >= 0 && c->out_off < c->out.len;
    for (;;) {
        struct pollfd p[2];
        int n = 0;
        if (c->from_server >= 0)
            p[n++] = (struct pollfd){c->from_server, POLLIN, 0};
        bool want_write = c->to_server >= 0 && c->out_off < c->out.len;
        if (want_write)
            p[n++] = (struct pollfd){c->to_server, POLLOUT, 0};
        double left = end - lc_now_ms();
        if (n == 0 || left <= 0)
            return;
        int rc = poll(p, (nfds_t)n, (int)left + 1);
        if (rc < 0 && errno != EINTR)
            return;
        for (int i = 0; i < n; i++) {
            if (p[i].fd == c->from_server && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                read_some(c);
            else if (p[i].fd == c->to_server && (p[i].revents & (POLLOUT | POLLERR | POLLHUP)))
                write_some(c);
        }
        if (c->n_inbox > had)
            return;
        /* A flush is done once the queue has drained. */
        if (writing && c->out_off == c->out.len)
            return;
    }
}

bool lc_flush(lc_t *c, int ms)
{
    double end = lc_now_ms() + ms;
    while (c->to_server >= 0 && c->out_off < c->out.len) {
        double left = end - lc_now_ms();
        if (left <= 0)
            return false;
        lc_pump(c, (int)left + 1);
    }
    return true;
}

void lc_send_raw(lc_t *c, const char *data, size_t len)
{
    buf_append(&c->out, data, len);
    write_some(c);
}

void lc_send(lc_t *c, json_t *msg)
{
    char *body = json_dumps(msg, JSON_COMPACT);
    cr_assert_not_null(body);
    buf_t b = BUF_INIT;
    framer_encode(&b, body, strlen(body));
    lc_send_raw(c, b.data, b.len);
    buf_free(&b);
    free(body);
    json_decref(msg);
}

int lc_request(lc_t *c, const char *method, json_t *params)
{
    int id = c->next_id++;
    json_t *m = json_pack("{s:s,s:i,s:s}", "jsonrpc", "2.0", "id", id, "method", method);
    if (params)
        json_object_set_new(m, "params", params);
    lc_send(c, m);
    return id;
}

void lc_notify(lc_t *c, const char *method, json_t *params)
{
    json_t *m = json_pack("{s:s,s:s}", "jsonrpc", "2.0", "method", method);
    if (params)
        json_object_set_new(m, "params", params);
    lc_send(c, m);
}

json_t *lc_next(lc_t *c, int ms)
{
    double end = lc_now_ms() + ms * lc_slow();
    while (c->inbox_head == c->n_inbox) {
        double left = end - lc_now_ms();
        if (left <= 0 || (c->eof && c->from_server < 0))
            return NULL;
        lc_pump(c, (int)left + 1);
    }
    json_t *m = c->inbox[c->inbox_head++];
    if (c->inbox_head == c->n_inbox)
        c->inbox_head = c->n_inbox = 0;
    return m;
}

json_t *lc_response(lc_t *c, int id, int ms, json_t *keep)
{
    double end = lc_now_ms() + ms * lc_slow();
    for (;;) {
        double left = end - lc_now_ms();
        json_t *m = lc_next(c, left > 0 ? (int)(left / lc_slow()) + 1 : 0);
        if (!m)
            return NULL;
        json_t *mid = json_object_get(m, "id");
        if (!json_object_get(m, "method") && json_is_integer(mid) && json_integer_value(mid) == id)
            return m;
        if (keep)
            json_array_append_new(keep, m);
        else
            json_decref(m);
    }
}

json_t *lc_notification(lc_t *c, const char *method, const char *uri, int ms)
{
    double end = lc_now_ms() + ms * lc_slow();
    for (;;) {
        double left = end - lc_now_ms();
        json_t *m = lc_next(c, left > 0 ? (int)(left / lc_slow()) + 1 : 0);
        if (!m)
            return NULL;
        json_t *meth = json_object_get(m, "method");
        json_t *params = json_object_get(m, "params");
        json_t *u = json_object_get(params, "uri");
        if (json_is_string(meth) && !strcmp(json_string_value(meth), method) &&
            (!uri || (json_is_string(u) && !strcmp(json_string_value(u), uri)))) {
            json_incref(params);
            json_decref(m);
            return params;
        }
        json_decref(m);
    }
}

void lc_close_stdin(lc_t *c)
{
    lc_flush(c, 10000);
    if (c->to_server >= 0)
        close(c->to_server);
    c->to_server = -1;
}

bool lc_wait_exit(lc_t *c, int ms)
{
    if (c->exited)
        return true;
    double end = lc_now_ms() + ms * lc_slow();
    for (;;) {
        pid_t r = waitpid(c->pid, &c->status, WNOHANG);
        if (r == c->pid) {
            c->exited = true;
            live_t *l = live_of(c);
            if (l)
                l->pid = -1;
            return true;
        }
        if (lc_now_ms() > end)
            return false;
        /* Keep draining its output so it never blocks on a full pipe. */
        if (c->from_server >= 0)
            lc_pump(c, 20);
        else
            usleep(20000);
    }
}

void lc_stop(lc_t *c)
{
    if (c->pid > 0 && !c->exited) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, &c->status, 0);
        c->exited = true;
    }
    live_t *l = live_of(c);
    if (l)
        l->pid = -1;
    if (c->to_server >= 0)
        close(c->to_server);
    if (c->from_server >= 0)
        close(c->from_server);
    c->to_server = c->from_server = -1;
    for (size_t i = c->inbox_head; i < c->n_inbox; i++)
        json_decref(c->inbox[i]);
    free(c->inbox);
    c->inbox = NULL;
    c->n_inbox = c->inbox_head = c->cap_inbox = 0;
    framer_free(&c->framer);
    buf_free(&c->out);
}

static long status_kb(const lc_t *c, const char *key)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)c->pid);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return 0;
    char line[256];
    long v = 0;
    size_t kl = strlen(key);
    while (fgets(line, sizeof(line), fp))
        if (!strncmp(line, key, kl) && line[kl] == ':')
            v = atol(line + kl + 1);
    fclose(fp);
    return v;
}

long lc_rss_kb(const lc_t *c)
{
    return status_kb(c, "VmRSS");
}

long lc_hwm_kb(const lc_t *c)
{
    return status_kb(c, "VmHWM");
}

char *lc_uri(const lc_t *c, const char *rel)
{
    return xasprintf("%s/%s", c->root_uri, rel);
}

json_t *lc_open_params(const lc_t *c, const char *rel, const char *text, size_t len)
{
    char *uri = lc_uri(c, rel);
    json_t *p = json_pack("{s:{s:s,s:s,s:i,s:s%}}", "textDocument", "uri", uri, "languageId",
                          "markdown", "version", 1, "text", text, len);
    free(uri);
    cr_assert_not_null(p, "didOpen params (text must be valid UTF-8)");
    return p;
}

json_t *lc_initialize(lc_t *c, json_t *capabilities, json_t *init_options)
{
    json_t *params = json_pack("{s:n,s:s,s:o}", "processId", "rootUri", c->root_uri,
                               "capabilities", capabilities ? capabilities : json_object());
    if (init_options)
        json_object_set_new(params, "initializationOptions", init_options);
    int id = lc_request(c, "initialize", params);
    json_t *r = lc_response(c, id, 20000, NULL);
    cr_assert_not_null(r, "no answer to initialize");
    json_t *res = json_incref(json_object_get(r, "result"));
    cr_assert_not_null(res, "initialize failed");
    json_decref(r);
    lc_notify(c, "initialized", json_object());
    return res;
}
