/* client: a minimal LSP client over pipes for the benchmark (see client.h).
 * It writes only to the server's stdin and reads only its stdout; it never
 * blocks on a write while the server waits for us to read. */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "planls/buf.h"
#include "planls/util.h"

#define READ_CHUNK 65536

struct lsp_client {
    pid_t pid;
    int in_fd;   /* server's stdin (we write) */
    int out_fd;  /* server's stdout (we read) */
    buf_t rbuf;  /* bytes read, not yet framed */
    long next_id;
    json_t *config;
    bool eof;
    char err[256];
    lsp_counts_t counts;
};

double lsp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

lsp_client_t *lsp_spawn(char *const argv[], const char *stderr_path, json_t *config)
{
    int to_srv[2] = {-1, -1}, from_srv[2] = {-1, -1};
    lsp_client_t *c = NULL;
    if (pipe(to_srv) != 0 || pipe(from_srv) != 0) {
        perror("planls-bench: pipe");
        goto fail;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(to_srv[i], F_SETFD, FD_CLOEXEC);
        fcntl(from_srv[i], F_SETFD, FD_CLOEXEC);
    }
    int errfd = open(stderr_path ? stderr_path : "/dev/null",
                     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (errfd < 0) {
        fprintf(stderr, "planls-bench: %s: %s\n", stderr_path, strerror(errno));
        goto fail;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("planls-bench: fork");
        close(errfd);
        goto fail;
    }
    if (pid == 0) {
        dup2(to_srv[0], 0);
        dup2(from_srv[1], 1);
        dup2(errfd, 2);
        execv(argv[0], argv);
        fprintf(stderr, "planls-bench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(errfd);
    close(to_srv[0]);
    close(from_srv[1]);
    c = xcalloc(1, sizeof(*c));
    c->pid = pid;
    c->in_fd = to_srv[1];
    c->out_fd = from_srv[0];
    c->next_id = 1;
    c->config = config ? json_incref(config) : json_object();
    fcntl(c->in_fd, F_SETFL, fcntl(c->in_fd, F_GETFL) | O_NONBLOCK);
    fcntl(c->out_fd, F_SETFL, fcntl(c->out_fd, F_GETFL) | O_NONBLOCK);
    return c;
fail:
    for (int i = 0; i < 2; i++) {
        if (to_srv[i] >= 0)
            close(to_srv[i]);
        if (from_srv[i] >= 0)
            close(from_srv[i]);
    }
    return NULL;
}

pid_t lsp_pid(const lsp_client_t *c)
{
    return c->pid;
}

const char *lsp_error(const lsp_client_t *c)
{
    return c->err[0] ? c->err : "no error";
}

lsp_counts_t lsp_counts(const lsp_client_t *c)
{
    return c->counts;
}

/* Read what the server has written (never blocks). Returns false at end of
 * output or on a read error. */
static bool fill(lsp_client_t *c)
{
    for (;;) {
        buf_reserve(&c->rbuf, READ_CHUNK);
        ssize_t n = read(c->out_fd, c->rbuf.data + c->rbuf.len, READ_CHUNK);
        if (n > 0) {
            c->rbuf.len += (size_t)n;
            c->rbuf.data[c->rbuf.len] = '\0';
            continue;
        }
        if (n == 0) {
            c->eof = true;
            snprintf(c->err, sizeof(c->err), "server closed its output");
            return false;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return true;
        c->eof = true;
        snprintf(c->err, sizeof(c->err), "read: %s", strerror(errno));
        return false;
    }
}

/* Write all of data, reading the server's output meanwhile so that neither
 * side can block the other. */
static int write_all(lsp_client_t *c, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(c->in_fd, data + off, len - off);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            snprintf(c->err, sizeof(c->err), "write: %s", strerror(errno));
            return -1;
        }
        struct pollfd p[2] = {{c->in_fd, POLLOUT, 0}, {c->out_fd, POLLIN, 0}};
        if (poll(p, c->eof ? 1 : 2, 10000) <= 0) {
            snprintf(c->err, sizeof(c->err), "server does not read its input");
            return -1;
        }
        if (!c->eof && (p[1].revents & (POLLIN | POLLHUP)))
            fill(c);
    }
    return 0;
}

/* Frame and send a message (stolen). */
static int send_msg(lsp_client_t *c, json_t *msg)
{
    char *body = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!body)
        return -1;
    char head[64];
    size_t blen = strlen(body);
    int hl = snprintf(head, sizeof(head), "Content-Length: %zu\r\n\r\n", blen);
    int rc = write_all(c, head, (size_t)hl);
    if (rc == 0)
        rc = write_all(c, body, blen);
    free(body);
    return rc;
}

long lsp_request(lsp_client_t *c, const char *method, json_t *params)
{
    long id = c->next_id++;
    json_t *m = json_pack("{s:s,s:I,s:s}", "jsonrpc", "2.0", "id", (json_int_t)id, "method", method);
    if (params)
        json_object_set_new(m, "params", params);
    return send_msg(c, m) == 0 ? id : -1;
}

int lsp_notify(lsp_client_t *c, const char *method, json_t *params)
{
    json_t *m = json_pack("{s:s,s:s}", "jsonrpc", "2.0", "method", method);
    if (params)
        json_object_set_new(m, "params", params);
    return send_msg(c, m);
}

/* Answer a request from the server as VS Code would. */
static void answer(lsp_client_t *c, json_t *msg)
{
    const char *method = json_string_value(json_object_get(msg, "method"));
    json_t *id = json_object_get(msg, "id");
    json_t *reply = json_pack("{s:s,s:O}", "jsonrpc", "2.0", "id", id);
    c->counts.server_requests++;
    if (strcmp(method, "workspace/configuration") == 0) {
        json_t *items = json_object_get(json_object_get(msg, "params"), "items");
        json_t *res = json_array();
        for (size_t i = 0; i < json_array_size(items); i++)
            json_array_append(res, c->config);
        json_object_set_new(reply, "result", res);
    } else if (strcmp(method, "workspace/applyEdit") == 0) {
        json_object_set_new(reply, "result", json_pack("{s:b}", "applied", 0));
    } else if (strcmp(method, "window/workDoneProgress/create") == 0 ||
               strcmp(method, "client/registerCapability") == 0 ||
               strcmp(method, "client/unregisterCapability") == 0 ||
               strcmp(method, "window/showMessageRequest") == 0 ||
               strncmp(method, "workspace/", 10) == 0) {
        json_object_set_new(reply, "result", json_null());
    } else {
        json_object_set_new(reply, "error", json_pack("{s:i,s:s}", "code", -32601, "message",
                                                      "method not found"));
    }
    send_msg(c, reply);
}

/* Cut one complete message off rbuf; NULL when none is complete yet. */
static json_t *take_frame(lsp_client_t *c)
{
    char *d = c->rbuf.data;
    if (!d)
        return NULL;
    char *end = strstr(d, "\r\n\r\n");
    if (!end)
        return NULL;
    long clen = -1;
    for (char *line = d; line < end;) {
        char *eol = strstr(line, "\r\n");
        if (strncasecmp(line, "Content-Length:", 15) == 0)
            clen = strtol(line + 15, NULL, 10);
        line = eol + 2;
    }
    size_t head = (size_t)(end - d) + 4;
    if (clen < 0) {
        snprintf(c->err, sizeof(c->err), "message without Content-Length");
        c->eof = true;
        return NULL;
    }
    if (c->rbuf.len - head < (size_t)clen)
        return NULL;
    json_error_t e;
    json_t *msg = json_loadb(d + head, (size_t)clen, 0, &e);
    c->counts.messages++;
    c->counts.bytes += head + (size_t)clen;
    buf_consume(&c->rbuf, head + (size_t)clen);
    if (!msg) {
        snprintf(c->err, sizeof(c->err), "invalid JSON from the server: %s", e.text);
        c->eof = true;
    }
    return msg;
}

json_t *lsp_next(lsp_client_t *c, double timeout_ms, double *t_ms)
{
    double deadline = lsp_now_ms() + timeout_ms;
    for (;;) {
        json_t *msg = take_frame(c);
        if (msg) {
            double t = lsp_now_ms();
            if (t_ms)
                *t_ms = t;
            if (json_is_string(json_object_get(msg, "method")) && json_object_get(msg, "id"))
                answer(c, msg);
            return msg;
        }
        if (c->eof)
            return NULL;
        double left = deadline - lsp_now_ms();
        if (left <= 0) {
            snprintf(c->err, sizeof(c->err), "timed out after %.0f ms", timeout_ms);
            return NULL;
        }
        struct pollfd p = {c->out_fd, POLLIN, 0};
        int pr = poll(&p, 1, (int)(left + 1));
        if (pr < 0 && errno != EINTR) {
            snprintf(c->err, sizeof(c->err), "poll: %s", strerror(errno));
            return NULL;
        }
        if (pr > 0)
            fill(c);
    }
}

int lsp_close(lsp_client_t *c, double timeout_ms)
{
    if (!c)
        return -1;
    close(c->in_fd);
    double deadline = lsp_now_ms() + timeout_ms;
    int status = 0, rc = -1;
    for (;;) {
        pid_t w = waitpid(c->pid, &status, WNOHANG);
        if (w == c->pid)
            break;
        if (w < 0) {
            status = -1;
            break;
        }
        if (lsp_now_ms() > deadline) {
            kill(c->pid, SIGKILL);
            waitpid(c->pid, &status, 0);
            break;
        }
        /* Keep draining so a server flushing its last messages never
         * blocks on a full pipe. */
        if (!c->eof)
            fill(c);
        usleep(1000);
    }
    if (status >= 0 && WIFEXITED(status))
        rc = WEXITSTATUS(status);
    else if (status >= 0 && WIFSIGNALED(status))
        rc = 128 + WTERMSIG(status);
    close(c->out_fd);
    buf_free(&c->rbuf);
    json_decref(c->config);
    free(c);
    return rc;
}

long lsp_proc_status_kb(pid_t pid, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    size_t kl = strlen(key);
    long v = -1;
    while (fgets(line, sizeof(line), fp))
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            v = strtol(line + kl + 1, NULL, 10);
            break;
        }
    fclose(fp);
    return v;
}

double lsp_proc_cpu_ms(pid_t pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    size_t n = fread(line, 1, sizeof(line) - 1, fp);
    fclose(fp);
    line[n] = '\0';
    /* Fields after the command name, which is in parentheses and may hold
     * spaces: state is field 3, utime 14, stime 15. */
    char *p = strrchr(line, ')');
    unsigned long long ut, st;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    long hz = sysconf(_SC_CLK_TCK);
    return (double)(ut + st) * 1e3 / (double)(hz > 0 ? hz : 100);
}

int lsp_proc_schedstat(pid_t pid, double *run_ms, double *wait_ms)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    unsigned long long run, wait;
    int n = fscanf(fp, "%llu %llu", &run, &wait);
    fclose(fp);
    if (n != 2)
        return -1;
    *run_ms = (double)run / 1e6;
    *wait_ms = (double)wait / 1e6;
    return 0;
}
