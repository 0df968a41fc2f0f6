/* Tests for the libuv transport on real pipes, sockets and files: messages
 * in and out byte for byte, EOF, a vanished reader (EPIPE, no SIGPIPE), an
 * 8 MB message to a slow reader, regular files on either side, flow control
 * (input paused while the client does not read, then resumed) and a reader
 * that goes away while the output queue is long. */
#define _XOPEN_SOURCE 700 /* posix_openpt */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "planls/buf.h"
#include "planls/framer.h"
#include "planls/log.h"
#include "planls/transport.h"

/* Every test has a timeout: a transport bug shows as a failure, not a hang. */
#define MAX_MSGS 512
/* A message "big" makes on_msg answer BIG_MSGS messages of BIG_LEN bytes:
 * more than TRANSPORT_HIGH_WATER in all. */
#define BIG_MSGS 5
#define BIG_LEN ((size_t)1 << 20)

typedef struct ctx {
    uv_loop_t loop;
    transport_t *t;
    log_t log;
    char *msgs[MAX_MSGS];
    size_t lens[MAX_MSGS];
    size_t n_msg;
    int n_batch;
    int n_close;
    int close_status;
    bool echo;           /* on_msg sends the body back */
    bool close_on_batch; /* on_batch closes the transport */
    bool forward_logs;   /* the log sink sends every message to the client */
    bool big_answers;    /* a message "big" is answered with BIG_MSGS big ones */
    bool keep_open;      /* on_close does not close the transport */
    char *big;           /* BIG_LEN bytes of scratch for the big answers */
    int n_big;           /* big answers sent so far */
    int n_warn, n_error;
    char last_warn[512], last_error[512];
} ctx_t;

static void on_msg(void *ud, const char *body, size_t len)
{
    ctx_t *c = ud;
    cr_assert_lt(c->n_msg, MAX_MSGS);
    char *copy = malloc(len + 1);
    cr_assert_not_null(copy);
    memcpy(copy, body, len);
    copy[len] = '\0';
    c->msgs[c->n_msg] = copy;
    c->lens[c->n_msg++] = len;
    if (c->echo)
        transport_send(c->t, body, len);
    if (c->big_answers && len == 3 && !memcmp(body, "big", 3)) {
        if (!c->big)
            c->big = malloc(BIG_LEN);
        cr_assert_not_null(c->big);
        for (int i = 0; i < BIG_MSGS; i++) {
            memset(c->big, 'A' + c->n_big++ % 26, BIG_LEN);
            cr_assert(transport_send(c->t, c->big, BIG_LEN));
        }
    }
}

static void on_batch(void *ud)
{
    ctx_t *c = ud;
    c->n_batch++;
    if (c->close_on_batch)
        transport_close(c->t);
}

static void on_close(void *ud, int status)
{
    ctx_t *c = ud;
    c->n_close++;
    c->close_status = status;
    if (!c->keep_open)
        transport_close(c->t);
}

static void sink(void *ud, log_level_t level, const char *msg)
{
    ctx_t *c = ud;
    if (c->forward_logs && c->t)
        transport_send(c->t, msg, strlen(msg)); /* as window/logMessage would */
    if (level == LOG_WARN) {
        c->n_warn++;
        snprintf(c->last_warn, sizeof(c->last_warn), "%s", msg);
    } else if (level == LOG_ERROR) {
        c->n_error++;
        snprintf(c->last_error, sizeof(c->last_error), "%s", msg);
    }
}

static void ctx_init(ctx_t *c)
{
    memset(c, 0, sizeof(*c));
    cr_assert_eq(uv_loop_init(&c->loop), 0);
    log_init(&c->log, LOG_DEBUG);
    c->log.to_stderr = false;
    c->log.sink = sink;
    c->log.sink_ud = c;
}

static void ctx_open(ctx_t *c, int in_fd, int out_fd)
{
    c->t = transport_new(&c->loop, in_fd, out_fd, 16u * 1024 * 1024, on_msg, on_batch, on_close,
                         c, &c->log);
    cr_assert_not_null(c->t, "transport_new failed: %s", c->last_error);
}

/* Run the loop to the end, free the transport, and check nothing is left. */
static void ctx_finish(ctx_t *c)
{
    uv_run(&c->loop, UV_RUN_DEFAULT);
    transport_free(c->t);
    c->t = NULL;
    free(c->big);
    c->big = NULL;
    cr_assert_eq(uv_loop_close(&c->loop), 0, "handles left open");
}

static void ctx_free_msgs(ctx_t *c)
{
    for (size_t i = 0; i < c->n_msg; i++)
        free(c->msgs[i]);
    c->n_msg = 0;
}

static void write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        cr_assert_gt(n, 0, "write: %s", strerror(errno));
        data += n;
        len -= (size_t)n;
    }
}

/* Read until EOF (the writer side must be closed eventually). */
static char *read_to_eof(int fd, size_t *len)
{
    buf_t b = BUF_INIT;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        cr_assert_geq(n, 0, "read: %s", strerror(errno));
        if (n == 0)
            break;
        buf_append(&b, chunk, (size_t)n);
    }
    return buf_detach(&b, len);
}

static void set_blocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    cr_assert_geq(fl, 0);
    cr_assert_eq(fcntl(fd, F_SETFL, fl & ~O_NONBLOCK), 0);
}

static const char INPUT[] = "Content-Length: 17\r\n\r\n{\"jsonrpc\":\"2.0\"}"
                            "Content-Length: x\r\n\r\n{}"
                            "content-length: 2\r\n\r\n[]"
                            "Content-Length: 0\r\n\r\n";

static void check_input_msgs(const ctx_t *c)
{
    cr_assert_eq(c->n_msg, 3);
    cr_assert_str_eq(c->msgs[0], "{\"jsonrpc\":\"2.0\"}");
    cr_assert_str_eq(c->msgs[1], "[]");
    cr_assert_eq(c->lens[2], 0);
    cr_assert_eq(c->n_warn, 1);
    cr_assert_str_eq(c->last_warn, "bad input from the client skipped: "
                                   "invalid Content-Length value 'x'");
}

Test(transport, messages_in_then_eof, .timeout = 60)
{
    ctx_t c;
    ctx_init(&c);
    int in[2], out[2];
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(pipe(out), 0);
    write_all(in[1], INPUT, sizeof(INPUT) - 1);
    close(in[1]);
    ctx_open(&c, in[0], out[1]);
    ctx_finish(&c);
    check_input_msgs(&c);
    cr_assert_geq(c.n_batch, 1);
    cr_assert_eq(c.n_close, 1);
    cr_assert_eq(c.close_status, 0);
    cr_assert_eq(c.n_error, 0);
    ctx_free_msgs(&c);
    close(in[0]);
    close(out[0]);
    close(out[1]);
}

Test(transport, messages_out_flushed_on_close, .timeout = 60)
{
    ctx_t c;
    ctx_init(&c);
    int in[2], out[2];
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(pipe(out), 0);
    ctx_open(&c, in[0], out[1]);
    close(out[1]);
    transport_send(c.t, "{\"a\":1}", 7);
    transport_send(c.t, "", 0);
    transport_send(c.t, "{\"b\":\"\xc3\xa9\"}", 10);
    cr_assert_eq(transport_pending(c.t), 28 + 21 + 32, "pending %zu", transport_pending(c.t));
    cr_assert_not(transport_output_closed(c.t));
    transport_close(c.t);
    transport_close(c.t); /* twice is fine */
    cr_assert(transport_output_closed(c.t));
    cr_assert_not(transport_send(c.t, "dropped", 7));
    ctx_finish(&c);
    size_t len = 0;
    char *got = read_to_eof(out[0], &len);
    static const char want[] = "Content-Length: 7\r\n\r\n{\"a\":1}"
                               "Content-Length: 0\r\n\r\n"
                               "Content-Length: 10\r\n\r\n{\"b\":\"\xc3\xa9\"}";
    cr_assert_eq(len, sizeof(want) - 1, "got %zu bytes: %s", len, got);
    cr_assert_eq(memcmp(got, want, len), 0);
    cr_assert_eq(c.n_close, 0, "a close by the owner is not reported");
    cr_assert_eq(c.n_msg, 0);
    free(got);
    close(in[0]);
    close(in[1]);
    close(out[0]);
}

/* Requests in, echoed answers out, through one socket used both ways. */
Test(transport, same_socket_both_ways, .timeout = 60)
{
    ctx_t c;
    ctx_init(&c);
    c.echo = true;
    c.close_on_batch = true;
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    static const char req[] = "Content-Length: 5\r\n\r\nhelloContent-Length: 3\r\n\r\nbye";
    write_all(sv[1], req, sizeof(req) - 1);
    ctx_open(&c, sv[0], sv[0]);
    close(sv[0]);
    ctx_finish(&c);
    cr_assert_eq(c.n_msg, 2);
    cr_assert_eq(c.n_batch, 1);
    ctx_free_msgs(&c);
    shutdown(sv[1], SHUT_WR);
    size_t len = 0;
    char *got = read_to_eof(sv[1], &len);
    cr_assert_eq(len, sizeof(req) - 1);
    cr_assert_eq(memcmp(got, req, len), 0);
    free(got);
    close(sv[1]);
}

/* A terminal on both sides (raw mode, so the tty passes bytes unchanged). */
Test(transport, tty_both_ways, .timeout = 60)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    cr_assert_geq(master, 0);
    cr_assert_eq(grantpt(master), 0);
    cr_assert_eq(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    cr_assert_geq(slave, 0);
    struct termios tio;
    cr_assert_eq(tcgetattr(slave, &tio), 0);
    cfmakeraw(&tio);
    cr_assert_eq(tcsetattr(slave, TCSANOW, &tio), 0);
    cr_assert_eq(uv_guess_handle(slave), UV_TTY);

    ctx_t c;
    ctx_init(&c);
    c.echo = true;
    c.close_on_batch = true;
    static const char req[] = "Content-Length: 7\r\n\r\n{\"t\":1}";
    write_all(master, req, sizeof(req) - 1);
    ctx_open(&c, slave, slave);
    ctx_finish(&c);
    cr_assert_eq(c.n_msg, 1);
    cr_assert_str_eq(c.msgs[0], "{\"t\":1}");
    ctx_free_msgs(&c);
    char got[sizeof(req)];
    size_t have = 0;
    while (have < sizeof(req) - 1) {
        ssize_t n = read(master, got + have, sizeof(req) - 1 - have);
        cr_assert_gt(n, 0);
        have += (size_t)n;
    }
    cr_assert_eq(memcmp(got, req, sizeof(req) - 1), 0);
    close(slave);
    close(master);
}

static void check_epipe(int in_fd, int out_fd)
{
    ctx_t c;
    ctx_init(&c);
    ctx_open(&c, in_fd, out_fd);
    c.forward_logs = true;
    transport_send(c.t, "{\"lost\":true}", 13);
    transport_send(c.t, "{\"lost\":2}", 10);
    uv_run(&c.loop, UV_RUN_DEFAULT);
    cr_assert_eq(c.n_close, 1);
    cr_assert_eq(c.close_status, UV_EPIPE, "status %d (%s)", c.close_status,
                 uv_err_name(c.close_status));
    cr_assert_eq(c.n_error, 1, "logged once");
    cr_assert_str_eq(c.last_error, "writing to the client failed: broken pipe; output stopped");
    cr_assert_eq(transport_pending(c.t), 0);
    cr_assert(transport_output_closed(c.t));
    cr_assert_not(transport_send(c.t, "{}", 2));
    cr_assert_eq(transport_pending(c.t), 0);
    ctx_finish(&c);
    cr_assert_eq(c.n_close, 1);
}

Test(transport, peer_closed_pipe_gives_epipe, .timeout = 60)
{
    /* main() ignores SIGPIPE; the transport relies on it. */
    signal(SIGPIPE, SIG_IGN);
    int in[2], out[2];
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(pipe(out), 0);
    close(out[0]);
    check_epipe(in[0], out[1]);
    close(in[0]);
    close(in[1]);
    close(out[1]);
}

Test(transport, peer_closed_socket_gives_epipe, .timeout = 60)
{
    signal(SIGPIPE, SIG_IGN);
    int in[2], sv[2];
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    close(sv[1]);
    check_epipe(in[0], sv[0]);
    close(in[0]);
    close(in[1]);
    close(sv[0]);
}

/* A unix socket closed with unread data resets the connection: the read
 * side reports ECONNRESET. */
Test(transport, peer_reset_ends_input, .timeout = 60)
{
    signal(SIGPIPE, SIG_IGN);
    ctx_t c;
    ctx_init(&c);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    ctx_open(&c, sv[0], sv[0]);
    close(sv[0]);
    transport_send(c.t, "{\"unread\":1}", 12);
    uv_run(&c.loop, UV_RUN_NOWAIT);
    cr_assert_eq(transport_pending(c.t), 0);
    close(sv[1]);
    ctx_finish(&c);
    cr_assert_eq(c.n_close, 1);
    cr_assert_eq(c.close_status, UV_ECONNRESET, "status %s", uv_err_name(c.close_status));
    cr_assert_eq(c.n_error, 1);
    cr_assert_str_eq(c.last_error, "reading from the client failed: connection reset by peer");
}

typedef struct slow_reader {
    int fd;
    buf_t got;
} slow_reader_t;

/* Reads 4 KiB at a time and pauses now and then: a client slower than us. */
static void *slow_read(void *arg)
{
    slow_reader_t *r = arg;
    char chunk[4096];
    int reads = 0;
    for (;;) {
        ssize_t n = read(r->fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        buf_append(&r->got, chunk, (size_t)n);
        if (++reads % 64 == 0)
            usleep(2000);
    }
    return NULL;
}

/* A transport on c whose input is the pipe in[] and whose output goes to
 * a thread reading out[1] slowly into reader->got. */
static void open_to_slow_reader(ctx_t *c, int in[2], int out[2], slow_reader_t *reader,
                                pthread_t *th)
{
    ctx_init(c);
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, out), 0);
    ctx_open(c, in[0], out[0]);
    close(out[0]);
    set_blocking(out[1]);
    reader->fd = out[1];
    reader->got = (buf_t)BUF_INIT;
    cr_assert_eq(pthread_create(th, NULL, slow_read, reader), 0);
}

typedef struct drain_watch {
    ctx_t *c;
    size_t max_pending;
} drain_watch_t;

static void on_drain_tick(uv_timer_t *timer)
{
    drain_watch_t *w = timer->data;
    size_t p = transport_pending(w->c->t);
    if (p > w->max_pending)
        w->max_pending = p;
    if (p == 0) {
        transport_close(w->c->t);
        uv_close((uv_handle_t *)timer, NULL);
    }
}

Test(transport, large_message_to_slow_reader, .timeout = 60)
{
    const size_t n = 8u * 1024 * 1024;
    ctx_t c;
    int in[2], out[2];
    slow_reader_t reader;
    pthread_t th;
    open_to_slow_reader(&c, in, out, &reader, &th);

    char *body = malloc(n);
    cr_assert_not_null(body);
    for (size_t i = 0; i < n; i++)
        body[i] = (char)('a' + i % 26);
    transport_send(c.t, body, n);
    size_t framed = n + strlen("Content-Length: 8388608\r\n\r\n");
    cr_assert_eq(transport_pending(c.t), framed);

    uv_timer_t timer;
    drain_watch_t w = {&c, 0};
    uv_timer_init(&c.loop, &timer);
    timer.data = &w;
    uv_timer_start(&timer, on_drain_tick, 1, 1);
    ctx_finish(&c);
    cr_assert_eq(pthread_join(th, NULL), 0);
    cr_assert_gt(w.max_pending, 0, "the write did not complete at once");
    cr_assert_eq(c.n_close, 0);
    cr_assert_eq(c.n_error, 0);

    framer_t f;
    framer_init(&f, n);
    framer_feed(&f, reader.got.data, reader.got.len);
    const char *got = NULL;
    size_t len = 0;
    cr_assert_eq(reader.got.len, framed);
    cr_assert_eq(framer_next(&f, &got, &len, NULL), FRAMER_MSG);
    cr_assert_eq(len, n);
    cr_assert_eq(memcmp(got, body, n), 0);
    cr_assert_eq(framer_next(&f, &got, &len, NULL), FRAMER_NONE);
    framer_free(&f);
    buf_free(&reader.got);
    free(body);
    close(out[1]);
    close(in[0]);
    close(in[1]);
}

static int n_drained;
static size_t drained_pending;

static void on_drained(void *ud)
{
    ctx_t *c = ud;
    n_drained++;
    drained_pending = transport_pending(c->t);
    transport_close(c->t);
}

Test(transport, producer_told_once_when_output_drains, .timeout = 60)
{
    ctx_t c;
    int in[2], out[2];
    slow_reader_t reader;
    pthread_t th;
    open_to_slow_reader(&c, in, out, &reader, &th);
    char *body = malloc(BIG_LEN);
    cr_assert_not_null(body);
    memset(body, 'x', BIG_LEN);
    for (int i = 0; i < 3; i++)
        cr_assert(transport_send(c.t, body, BIG_LEN));
    cr_assert_gt(transport_pending(c.t), TRANSPORT_LOW_WATER);
    n_drained = 0;
    transport_when_drained(c.t, on_drained);
    transport_when_drained(c.t, on_drained); /* asked twice: told once */
    ctx_finish(&c);
    cr_assert_eq(pthread_join(th, NULL), 0);
    cr_assert_eq(n_drained, 1);
    cr_assert_lt(drained_pending, TRANSPORT_LOW_WATER);
    cr_assert_eq(reader.got.len, 3 * (BIG_LEN + strlen("Content-Length: 1048576\r\n\r\n")),
                 "everything was written");
    buf_free(&reader.got);
    free(body);
    close(out[1]);
    close(in[0]);
    close(in[1]);
}

/* An anonymous regular file (already unlinked). Caller closes the fd. */
static int temp_file(void)
{
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    int fd = dup(fileno(f));
    fclose(f);
    cr_assert_geq(fd, 0);
    return fd;
}

Test(transport, stdin_from_regular_file, .timeout = 60)
{
    int fd = temp_file();
    /* Larger than one 64 KiB read, so several reads are needed. */
    const size_t big = 200000;
    buf_t data = BUF_INIT;
    buf_append(&data, INPUT, sizeof(INPUT) - 1);
    char *body = malloc(big);
    cr_assert_not_null(body);
    memset(body, 'x', big);
    framer_encode(&data, body, big);
    write_all(fd, data.data, data.len);
    cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);

    ctx_t c;
    ctx_init(&c);
    int out[2];
    cr_assert_eq(pipe(out), 0);
    ctx_open(&c, fd, out[1]);
    ctx_finish(&c);
    cr_assert_eq(c.n_msg, 4);
    cr_assert_eq(c.lens[3], big);
    cr_assert_eq(memcmp(c.msgs[3], body, big), 0);
    c.n_msg = 3; /* check the first three the usual way */
    check_input_msgs(&c);
    c.n_msg = 4;
    ctx_free_msgs(&c);
    cr_assert_geq(c.n_batch, 2);
    cr_assert_eq(c.n_close, 1);
    cr_assert_eq(c.close_status, 0);
    free(body);
    buf_free(&data);
    close(fd);
    close(out[0]);
    close(out[1]);
}

Test(transport, stdout_to_regular_file, .timeout = 60)
{
    int fd = temp_file();
    ctx_t c;
    ctx_init(&c);
    int in[2];
    cr_assert_eq(pipe(in), 0);
    ctx_open(&c, in[0], fd);
    for (int i = 0; i < 20; i++) {
        char msg[32];
        int len = snprintf(msg, sizeof(msg), "{\"n\":%d}", i);
        transport_send(c.t, msg, (size_t)len);
    }
    transport_close(c.t);
    ctx_finish(&c);
    cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
    size_t len = 0;
    char *got = read_to_eof(fd, &len);
    buf_t want = BUF_INIT;
    for (int i = 0; i < 20; i++) {
        char msg[32];
        int mlen = snprintf(msg, sizeof(msg), "{\"n\":%d}", i);
        framer_encode(&want, msg, (size_t)mlen);
    }
    cr_assert_eq(len, want.len);
    cr_assert_eq(memcmp(got, want.data, len), 0, "written in order");
    free(got);
    buf_free(&want);
    close(fd);
    close(in[0]);
    close(in[1]);
}

Test(transport, reader_that_never_reads_is_dropped_after_timeout, .timeout = 60)
{
    ctx_t c;
    ctx_init(&c);
    int in[2], out[2];
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(pipe(out), 0);
    ctx_open(&c, in[0], out[1]);
    const size_t n = 1u << 20;
    char *body = calloc(1, n);
    cr_assert_not_null(body);
    transport_send(c.t, body, n);
    transport_close(c.t);
    ctx_finish(&c); /* returns after the flush timeout instead of hanging */
    cr_assert_eq(c.n_warn, 1);
    cr_assert_eq(strncmp(c.last_warn, "the client is not reading: ", 27), 0, "%s", c.last_warn);
    free(body);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
}

static void close_any(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

/* An owner may close every handle of its loop with uv_walk at teardown,
 * while the transport still waits to flush: that must stay safe. */
Test(transport, owner_walk_closes_handles, .timeout = 60)
{
    ctx_t c;
    ctx_init(&c);
    int in[2], out[2];
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(pipe(out), 0);
    ctx_open(&c, in[0], out[1]);
    const size_t n = 1u << 20;
    char *body = calloc(1, n);
    cr_assert_not_null(body);
    transport_send(c.t, body, n);
    transport_send(c.t, body, 10);
    transport_close(c.t);
    uv_walk(&c.loop, close_any, NULL);
    transport_send(c.t, body, 10);
    ctx_finish(&c);
    cr_assert_eq(c.n_close, 0);
    free(body);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
}

Test(transport, unsupported_fds_refused, .timeout = 60)
{
    ctx_t c;
    ctx_init(&c);
    int tcp = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(tcp, 0);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    transport_t *t = transport_new(&c.loop, tcp, p[1], 1024, on_msg, on_batch, on_close, &c,
                                   &c.log);
    cr_assert_null(t);
    char want[160];
    snprintf(want, sizeof(want),
             "cannot use the input (fd %d): it is a TCP socket; use a pipe, a terminal or a file",
             tcp);
    cr_assert_str_eq(c.last_error, want);
    t = transport_new(&c.loop, p[0], 1000, 1024, on_msg, on_batch, on_close, &c, &c.log);
    cr_assert_null(t);
    cr_assert_str_eq(c.last_error, "cannot use the output (fd 1000): it is closed or of an "
                                   "unknown type; use a pipe, a terminal or a file");
    cr_assert_eq(c.n_error, 2);
    uv_run(&c.loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&c.loop), 0);
    /* The caller's fds are untouched. */
    cr_assert_eq(write(p[1], "x", 1), 1);
    close(tcp);
    close(p[0]);
    close(p[1]);
}

/* ---- flow control ------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Run the loop without blocking for about ms milliseconds. */
static void run_for(ctx_t *c, int ms)
{
    double end = now_ms() + ms;
    while (now_ms() < end) {
        uv_run(&c->loop, UV_RUN_NOWAIT);
        usleep(1000);
    }
}

/* The client's side of the connection, non-blocking both ways. */
typedef struct peer {
    int wfd;    /* writes the transport's input */
    int rfd;    /* reads the transport's output */
    buf_t out;  /* bytes to write */
    size_t off; /* of out, written */
    buf_t got;  /* bytes read */
} peer_t;

static void peer_init(peer_t *p, int wfd, int rfd)
{
    p->wfd = wfd;
    p->rfd = rfd;
    p->out = (buf_t)BUF_INIT;
    p->off = 0;
    p->got = (buf_t)BUF_INIT;
    cr_assert_eq(fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) | O_NONBLOCK), 0);
    cr_assert_eq(fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK), 0);
}

/* Write what the kernel takes without blocking. */
static void peer_push(peer_t *p)
{
    while (p->off < p->out.len) {
        ssize_t n = write(p->wfd, p->out.data + p->off, p->out.len - p->off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        cr_assert_gt(n, 0, "write: %s", strerror(errno));
        p->off += (size_t)n;
    }
}

/* Read what is there without blocking; returns the number of bytes. */
static size_t peer_pull(peer_t *p)
{
    char chunk[65536];
    size_t total = 0;
    for (;;) {
        ssize_t n = read(p->rfd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return total;
        buf_append(&p->got, chunk, (size_t)n);
        total += (size_t)n;
    }
}

static void peer_free(peer_t *p)
{
    buf_free(&p->out);
    buf_free(&p->got);
}

/* Queue a framed body for the transport. */
static void peer_frame(peer_t *p, const char *body)
{
    framer_encode(&p->out, body, strlen(body));
}

/* The body of the k-th padding message: PAD_LEN bytes, numbered. Caller
 * frees. */
#define PAD_LEN 5000
static char *pad_body(int k)
{
    char *b = malloc(PAD_LEN + 1);
    cr_assert_not_null(b);
    int n = snprintf(b, PAD_LEN + 1, "{\"n\":%d,\"pad\":\"", k);
    memset(b + n, 'a' + k % 26, PAD_LEN - (size_t)n - 2);
    memcpy(b + PAD_LEN - 2, "\"}", 3);
    return b;
}

static void peer_pads(peer_t *p, int from, int to)
{
    for (int k = from; k < to; k++) {
        char *b = pad_body(k);
        peer_frame(p, b);
        free(b);
    }
}

/* Bytes waiting in the kernel to be read from fd. */
static size_t unread_bytes(int fd)
{
    int n = 0;
    cr_assert_eq(ioctl(fd, FIONREAD, &n), 0, "FIONREAD: %s", strerror(errno));
    return (size_t)n;
}

/* Bytes of one framed big answer. */
static size_t big_framed(void)
{
    return strlen("Content-Length: 1048576\r\n\r\n") + BIG_LEN;
}

/* Read the transport's output and run the loop until want_bytes were read
 * and want_msgs delivered, pushing the client's input meanwhile. */
static void drain(ctx_t *c, peer_t *p, size_t want_bytes, size_t want_msgs)
{
    double end = now_ms() + 60000;
    while (p->got.len < want_bytes || c->n_msg < want_msgs) {
        cr_assert_lt(now_ms(), end, "stuck: %zu of %zu bytes read, %zu of %zu messages",
                     p->got.len, want_bytes, c->n_msg, want_msgs);
        size_t n = peer_pull(p);
        peer_push(p);
        uv_run(&c->loop, UV_RUN_NOWAIT);
        if (n == 0)
            usleep(200);
    }
    cr_assert_eq(p->got.len, want_bytes, "more output than expected");
}

/* The big answers in p->got from byte `from`: `count` messages of BIG_LEN
 * bytes each, letters first_letter, first_letter + 1, ... */
static void check_big_output(const peer_t *p, size_t from, int count, int first)
{
    framer_t f;
    framer_init(&f, BIG_LEN);
    framer_feed(&f, p->got.data + from, p->got.len - from);
    for (int i = 0; i < count; i++) {
        const char *body = NULL;
        size_t len = 0;
        cr_assert_eq(framer_next(&f, &body, &len, NULL), FRAMER_MSG, "answer %d", i);
        cr_assert_eq(len, BIG_LEN);
        char want = (char)('A' + (first + i) % 26);
        for (size_t k = 0; k < len; k++)
            cr_assert_eq(body[k], want, "answer %d, byte %zu", i, k);
    }
    cr_assert_eq(framer_next(&f, &(const char *){NULL}, &(size_t){0}, NULL), FRAMER_NONE);
    framer_free(&f);
}

static void check_pads(const ctx_t *c, size_t at, int from, int to)
{
    for (int k = from; k < to; k++, at++) {
        char *want = pad_body(k);
        cr_assert_str_eq(c->msgs[at], want, "message %zu is not padding %d", at, k);
        free(want);
    }
}

/* One pause/resume cycle and the checks around it: the client asks for
 * "big" (more than TRANSPORT_HIGH_WATER of answers) and does not read.
 * The chunk holding "big" is still delivered to its end (first_extra), but
 * nothing more is read: the rest stays in the kernel and the client's
 * writes block. Once the client reads, the transport reads again, and
 * everything arrives whole and in order. probe_fd: the transport's input
 * (our own descriptor of it) for FIONREAD. */
static void pause_cycle(ctx_t *c, peer_t *p, int probe_fd, int cycle)
{
    size_t msgs0 = c->n_msg;
    size_t got0 = p->got.len;
    size_t out0 = p->out.len;
    peer_frame(p, "big");
    char after[32];
    snprintf(after, sizeof(after), "{\"after\":%d}", cycle);
    peer_frame(p, after);
    /* Half of a message: the rest is sent while input is paused. */
    char *split = pad_body(-1 - cycle);
    buf_t sb = BUF_INIT;
    framer_encode(&sb, split, strlen(split));
    buf_append(&p->out, sb.data, sb.len / 2);
    size_t first_chunk = p->out.len - out0;
    peer_push(p);
    cr_assert_eq(p->off, p->out.len);

    double end = now_ms() + 30000;
    while (c->n_msg < msgs0 + 2 && now_ms() < end)
        run_for(c, 5);
    run_for(c, 50);
    cr_assert_eq(c->n_msg, msgs0 + 2, "the chunk read is delivered to its end");
    cr_assert_str_eq(c->msgs[msgs0], "big");
    cr_assert_str_eq(c->msgs[msgs0 + 1], after);
    const size_t queued = BIG_MSGS * big_framed();
    cr_assert_eq(transport_pending(c->t), queued, "pending %zu", transport_pending(c->t));

    /* Paused: the rest of the split message and 200 more (1 MB, more
     * than a pipe or socket buffer) are not read; the client blocks. */
    buf_append(&p->out, sb.data + sb.len / 2, sb.len - sb.len / 2);
    peer_pads(p, cycle * 1000, cycle * 1000 + 200);
    for (int i = 0; i < 5; i++) {
        peer_push(p);
        run_for(c, 20);
    }
    cr_assert_eq(c->n_msg, msgs0 + 2, "input read while the output queue is full");
    cr_assert_lt(p->off, p->out.len, "the client's writes did not block");
    cr_assert_eq(unread_bytes(probe_fd), p->off - out0 - first_chunk,
                 "the transport read input while paused");
    cr_assert_eq(transport_pending(c->t), queued, "the queue grew while paused");

    /* The client reads: the queue drains, reading resumes. */
    drain(c, p, got0 + queued, msgs0 + 2 + 1 + 200);
    check_big_output(p, got0, BIG_MSGS, cycle * BIG_MSGS);
    cr_assert_str_eq(c->msgs[msgs0 + 2], split);
    check_pads(c, msgs0 + 3, cycle * 1000, cycle * 1000 + 200);
    cr_assert_eq(p->off, p->out.len);
    cr_assert_eq(unread_bytes(probe_fd), 0);
    free(split);
    buf_free(&sb);
}

/* Two cycles: pausing again after a resume works as the first time. */
static void check_flow_control(int in_fd, int out_fd, int peer_w, int peer_r)
{
    signal(SIGPIPE, SIG_IGN);
    ctx_t c;
    ctx_init(&c);
    c.big_answers = true;
    ctx_open(&c, in_fd, out_fd);
    peer_t p;
    peer_init(&p, peer_w, peer_r);
    pause_cycle(&c, &p, in_fd, 0);
    pause_cycle(&c, &p, in_fd, 1);
    cr_assert_eq(c.n_msg, 2 * 203);
    cr_assert_eq(transport_pending(c.t), 0);
    transport_close(c.t);
    ctx_finish(&c);
    cr_assert_eq(c.n_close, 0);
    cr_assert_eq(c.n_error, 0);
    cr_assert_eq(c.n_warn, 0);
    ctx_free_msgs(&c);
    peer_free(&p);
}

Test(transport, flow_control_on_pipes, .timeout = 120)
{
    int in[2], out[2];
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(pipe(out), 0);
    check_flow_control(in[0], out[1], in[1], out[0]);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
}

/* One socket both ways, as a client connected by a socket pair would. */
Test(transport, flow_control_on_one_socket, .timeout = 120)
{
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int peer2 = dup(sv[1]);
    cr_assert_geq(peer2, 0);
    check_flow_control(sv[0], sv[0], sv[1], peer2);
    close(sv[0]);
    close(sv[1]);
    close(peer2);
}

/* Regular-file input (`planls < requests`): no read is started while the
 * output queue is full; the rest of the file follows once it drained. */
Test(transport, flow_control_with_file_input, .timeout = 120)
{
    signal(SIGPIPE, SIG_IGN);
    int fd = temp_file();
    buf_t data = BUF_INIT;
    framer_encode(&data, "big", 3);
    size_t first = data.len;
    for (int k = 0; k < 100; k++) {
        char *b = pad_body(k);
        framer_encode(&data, b, strlen(b));
        free(b);
    }
    size_t pad_len = (data.len - first) / 100;
    write_all(fd, data.data, data.len);
    cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);

    ctx_t c;
    ctx_init(&c);
    c.big_answers = true;
    int out[2];
    cr_assert_eq(pipe(out), 0);
    ctx_open(&c, fd, out[1]);
    double end = now_ms() + 30000;
    while (c.n_msg == 0 && now_ms() < end)
        run_for(&c, 5);
    run_for(&c, 100);
    /* One read of 64 KiB: "big" and the paddings it holds whole. */
    size_t in_first_read = 1 + (65536 - first) / pad_len;
    cr_assert_eq(c.n_msg, in_first_read, "%zu messages delivered", c.n_msg);
    cr_assert_eq(c.n_close, 0, "end of input reached while paused");
    cr_assert_eq(transport_pending(c.t), BIG_MSGS * big_framed());

    peer_t p;
    peer_init(&p, out[1], out[0]); /* nothing to write */
    drain(&c, &p, BIG_MSGS * big_framed(), 101);
    end = now_ms() + 30000;
    while (c.n_close == 0 && now_ms() < end)
        run_for(&c, 5);
    ctx_finish(&c);
    cr_assert_eq(c.n_close, 1);
    cr_assert_eq(c.close_status, 0);
    check_big_output(&p, 0, BIG_MSGS, 0);
    check_pads(&c, 1, 0, 100);
    ctx_free_msgs(&c);
    peer_free(&p);
    buf_free(&data);
    close(fd);
    close(out[0]);
    close(out[1]);
}

/* The client closes its end of our output while the queue is long (input
 * paused): the next write fails, the queue is dropped at once (not only at
 * transport_close), the error is logged and reported once, nothing more is
 * queued or read. */
static void check_reader_gone_while_paused(int in_fd, int out_fd, int peer_w, int *peer_r)
{
    signal(SIGPIPE, SIG_IGN);
    ctx_t c;
    ctx_init(&c);
    c.big_answers = true;
    c.keep_open = true;
    ctx_open(&c, in_fd, out_fd);
    write_all(peer_w, "Content-Length: 3\r\n\r\nbig", 24);
    double end = now_ms() + 30000;
    while (c.n_msg == 0 && now_ms() < end)
        run_for(&c, 5);
    cr_assert_eq(transport_pending(c.t), BIG_MSGS * big_framed());
    cr_assert_not(transport_output_closed(c.t));
    /* Output is still accepted while input is paused: 1,000 more writes. */
    for (int i = 0; i < 1000; i++)
        cr_assert(transport_send(c.t, "{\"queued\":true}", 15));
    cr_assert_gt(transport_pending(c.t), BIG_MSGS * big_framed());

    c.forward_logs = true; /* the error log must not be queued either */
    close(*peer_r);
    *peer_r = -1;
    end = now_ms() + 30000;
    while (c.n_close == 0 && now_ms() < end) {
        uv_run(&c.loop, UV_RUN_NOWAIT);
        if (c.n_close == 0)
            usleep(1000);
    }
    cr_assert_eq(c.n_close, 1);
    /* The loop iteration that saw the failure dropped the whole queue
     * (not one failed write per iteration). */
    cr_assert_eq(transport_pending(c.t), 0, "%zu bytes still queued", transport_pending(c.t));
    cr_assert(c.close_status == UV_EPIPE || c.close_status == UV_ECONNRESET, "status %s",
              uv_err_name(c.close_status));
    cr_assert(transport_output_closed(c.t));
    cr_assert_eq(c.n_error, 1, "logged once");
    cr_assert_eq(strncmp(c.last_error, "writing to the client failed: ", 30), 0, "%s",
                 c.last_error);

    /* Nothing more is queued, and input is no longer read. */
    cr_assert_not(transport_send(c.t, "{}", 2));
    write_all(peer_w, "Content-Length: 3\r\n\r\nbig", 24);
    run_for(&c, 50);
    cr_assert_eq(c.n_msg, 1);
    cr_assert_eq(transport_pending(c.t), 0);
    cr_assert_eq(c.n_close, 1, "reported once");
    cr_assert_eq(c.n_error, 1);
    transport_close(c.t);
    ctx_finish(&c);
    ctx_free_msgs(&c);
}

Test(transport, reader_gone_while_paused_pipe, .timeout = 60)
{
    int in[2], out[2];
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(pipe(out), 0);
    check_reader_gone_while_paused(in[0], out[1], in[1], &out[0]);
    close(in[0]);
    close(in[1]);
    close(out[1]);
}

Test(transport, reader_gone_while_paused_socket, .timeout = 60)
{
    int in[2], sv[2];
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    check_reader_gone_while_paused(in[0], sv[0], in[1], &sv[1]);
    close(in[0]);
    close(in[1]);
    close(sv[0]);
}
