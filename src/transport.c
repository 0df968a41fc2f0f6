/* transport: LSP messages over two file descriptors with libuv (pipe, tty or
 * regular file on either side). Frames input with the framer, queues output
 * so that nothing ever blocks, and stops reading while the queue is too long
 * (flow control). Must never write anything but framed messages to out_fd,
 * and must never raise SIGPIPE itself (main ignores it). */
#include "planls/transport.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "planls/util.h"

/* How long transport_close waits for a client that stopped reading before
 * the queued output is dropped. */
#define TRANSPORT_FLUSH_TIMEOUT_MS 5000
#define TRANSPORT_READ_CHUNK 65536

typedef enum io_kind {
    IO_NONE = 0,
    IO_STREAM, /* pipe, socket or tty: uv_read / uv_write */
    IO_FILE,   /* regular file or character device: uv_fs_read / uv_fs_write */
} io_kind_t;

typedef union io_handle {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_pipe_t pipe;
    uv_tty_t tty;
} io_handle_t;

/* One framed message being written to a stream (freed by its callback). */
typedef struct write_req {
    uv_write_t req;
    transport_t *t;
    char *data;
    size_t len;
} write_req_t;

/* One framed message waiting to be written to a regular file. */
typedef struct file_chunk {
    struct file_chunk *next;
    char *data;
    size_t len;
    size_t done; /* bytes already written */
} file_chunk_t;

struct transport {
    uv_loop_t *loop;
    log_t *log;
    transport_msg_fn on_msg;
    transport_batch_fn on_batch;
    transport_close_fn on_close;
    void *ud;
    framer_t framer;

    io_kind_t in_kind, out_kind;
    /* Our own dup()s of the caller's fds. A stream handle owns (and closes)
     * its fd once opened; *_fd_ours says the fd is still ours to close. */
    int in_fd, out_fd;
    bool in_fd_ours, out_fd_ours;
    io_handle_t in, out;
    bool in_open, out_open; /* handle initialised (closed or not) */
    uv_fs_t in_req, out_req;
    bool in_busy, out_busy; /* an fs request is in flight */
    file_chunk_t *fq_head, *fq_tail;
    uv_timer_t flush_timer;
    bool timer_open;        /* flush_timer initialised */

    size_t pending;   /* framed bytes queued and not yet written */
    size_t n_writes;  /* stream write requests in flight */
    int n_callbacks;  /* our close callbacks and fs requests still to run */
    bool reading;     /* input wanted: not ended, failed or closed */
    bool paused;      /* input paused: more than TRANSPORT_HIGH_WATER queued */
    transport_drain_fn on_drain; /* transport_when_drained(), once */
    bool closing;     /* transport_close was called */
    bool out_done;    /* output closed or being closed */
    bool write_failed;
    bool close_reported;
    bool free_when_idle; /* transport_new failed: free once handles closed */

    char rbuf[TRANSPORT_READ_CHUNK];
};

static const char *handle_type_name(uv_handle_type type)
{
    switch (type) {
    case UV_TCP:
        return "a TCP socket";
    case UV_UDP:
        return "a UDP socket";
    case UV_UNKNOWN_HANDLE:
        return "closed or of an unknown type";
    default:
        return "of an unsupported type";
    }
}

static io_kind_t kind_of(uv_handle_type type)
{
    switch (type) {
    case UV_NAMED_PIPE:
    case UV_TTY:
        return IO_STREAM;
    case UV_FILE:
        return IO_FILE;
    default:
        return IO_NONE;
    }
}

static void release(transport_t *t)
{
    framer_free(&t->framer);
    while (t->fq_head) {
        file_chunk_t *c = t->fq_head;
        t->fq_head = c->next;
        free(c->data);
        free(c);
    }
    free(t);
}

static void on_handle_closed(uv_handle_t *h)
{
    transport_t *t = h->data;
    t->n_callbacks--;
    if (t->n_callbacks == 0 && t->free_when_idle)
        release(t);
}

/* Close one of our handles unless it is closing already: an owner tearing
 * down its loop may have closed every handle with uv_walk. */
static void close_handle(transport_t *t, uv_handle_t *h)
{
    if (uv_is_closing(h))
        return;
    t->n_callbacks++;
    uv_close(h, on_handle_closed);
}

/* Report the end of the transport to the owner, once. */
static void report_close(transport_t *t, int status)
{
    if (t->close_reported)
        return;
    t->close_reported = true;
    if (t->on_close)
        t->on_close(t->ud, status);
}

static void stop_reading(transport_t *t)
{
    if (!t->reading)
        return;
    t->reading = false;
    if (t->in_kind == IO_STREAM)
        uv_read_stop(&t->in.stream);
}

static void input_ended(transport_t *t, int status)
{
    if (!t->reading)
        return;
    if (status == 0) {
        if (t->framer.in_body || t->framer.in.len > t->framer.off)
            log_debug(t->log, "input ended inside a message");
        else
            log_debug(t->log, "end of input");
    } else {
        log_error(t->log, "reading from the client failed: %s", uv_strerror(status));
    }
    stop_reading(t);
    report_close(t, status);
}

/* Feed one chunk to the framer and hand every complete message on, then
 * tell the owner the batch is complete. Framing errors are logged and
 * skipped: the framer resynchronises by itself. */
static void deliver(transport_t *t, const char *data, size_t len)
{
    framer_feed(&t->framer, data, len);
    while (t->reading) {
        const char *body = NULL, *err = NULL;
        size_t blen = 0;
        framer_event_t ev = framer_next(&t->framer, &body, &blen, &err);
        if (ev == FRAMER_NONE)
            break;
        if (ev == FRAMER_BAD)
            log_warn(t->log, "bad input from the client skipped: %s", err);
        else if (t->on_msg)
            t->on_msg(t->ud, body, blen);
    }
    if (t->reading && t->on_batch)
        t->on_batch(t->ud);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    transport_t *t = h->data;
    (void)suggested;
    buf->base = t->rbuf;
    buf->len = sizeof(t->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    transport_t *t = s->data;
    if (nread > 0)
        deliver(t, buf->base, (size_t)nread);
    else if (nread < 0)
        input_ended(t, nread == UV_EOF ? 0 : (int)nread);
}

/* Close the fds that are still ours once no fs request uses them. */
static void close_idle_fds(transport_t *t)
{
    if (t->in_fd_ours && t->closing && !t->in_busy) {
        close(t->in_fd);
        t->in_fd_ours = false;
    }
    if (t->out_fd_ours && t->out_done && !t->out_busy) {
        close(t->out_fd);
        t->out_fd_ours = false;
    }
}

static void on_file_read(uv_fs_t *req);

static int start_file_read(transport_t *t)
{
    uv_buf_t b = {.base = t->rbuf, .len = sizeof(t->rbuf)};
    t->in_req.data = t;
    int r = uv_fs_read(t->loop, &t->in_req, t->in_fd, &b, 1, -1, on_file_read);
    if (r < 0)
        return r;
    t->in_busy = true;
    t->n_callbacks++;
    return 0;
}

/* Regular-file input: one read at a time, each chunk delivered like a
 * stream read, until EOF. */
static void on_file_read(uv_fs_t *req)
{
    transport_t *t = req->data;
    ssize_t n = req->result;
    uv_fs_req_cleanup(req);
    t->in_busy = false;
    t->n_callbacks--;
    if (t->reading) {
        if (n > 0) {
            deliver(t, t->rbuf, (size_t)n);
            /* Paused: resume_input starts the next read. */
            int r = t->reading && !t->paused && !t->in_busy ? start_file_read(t) : 0;
            if (r < 0)
                input_ended(t, r);
        } else {
            input_ended(t, n == 0 ? 0 : (int)n);
        }
    }
    close_idle_fds(t);
}

/* Flow control: a client that sends without reading our output must not
 * grow the queue without bound, so input is no longer read while more than
 * TRANSPORT_HIGH_WATER bytes wait; the client's writes then block. What was
 * read already is still framed and delivered (deliver goes on to the end of
 * its chunk), so no byte is lost or read twice. */
static void pause_input(transport_t *t)
{
    if (t->paused || !t->reading || t->pending <= TRANSPORT_HIGH_WATER)
        return;
    t->paused = true; /* first: the log sink may send (and come back here) */
    if (t->in_kind == IO_STREAM && !uv_is_closing(&t->in.handle))
        uv_read_stop(&t->in.stream);
    /* File input: on_file_read does not start the next read. */
    log_debug(t->log, "the client is not reading: %zu bytes queued, input paused", t->pending);
}

/* Resume reading once the queue has drained below TRANSPORT_LOW_WATER
 * (called as writes complete). Nothing to restart once the input ended or
 * the transport is closing. */
static void resume_input(transport_t *t)
{
    if (!t->paused || t->pending >= TRANSPORT_LOW_WATER)
        return;
    t->paused = false;
    if (!t->reading || (t->in_kind == IO_STREAM && uv_is_closing(&t->in.handle)))
        return;
    int r = 0;
    if (t->in_kind == IO_STREAM)
        r = uv_read_start(&t->in.stream, on_alloc, on_read);
    else if (!t->in_busy)
        r = start_file_read(t); /* else the read in flight starts the next */
    if (r < 0)
        input_ended(t, r);
    else
        log_debug(t->log, "output drained to %zu bytes, input resumed", t->pending);
}

static void close_out(transport_t *t);

/* After a write completed: input may resume, and a producer waiting for
 * the queue to drain is told once. */
static void after_write(transport_t *t)
{
    resume_input(t);
    transport_drain_fn fn = t->on_drain;
    if (fn && t->pending < TRANSPORT_LOW_WATER && !t->write_failed) {
        t->on_drain = NULL;
        fn(t->ud);
    }
}

/* A write failed (EPIPE, ECONNRESET, ...): the client is gone. Log once,
 * accept no more output, drop the queue (closing the output handle cancels
 * the queued stream writes), stop reading and tell the owner. */
static void fail_write(transport_t *t, int status)
{
    if (t->write_failed)
        return;
    t->write_failed = true; /* first: the log sink may send */
    log_error(t->log, "writing to the client failed: %s; output stopped", uv_strerror(status));
    stop_reading(t);
    close_out(t);
    report_close(t, status);
}

static void on_write(uv_write_t *req, int status)
{
    write_req_t *w = (write_req_t *)req;
    transport_t *t = w->t;
    t->pending -= w->len;
    t->n_writes--;
    free(w->data);
    free(w);
    if (status < 0 && status != UV_ECANCELED)
        fail_write(t, status);
    if (t->closing && t->n_writes == 0)
        close_out(t);
    after_write(t);
}

/* Drop the file-output queue except a chunk that is being written. */
static void drop_file_queue(transport_t *t)
{
    file_chunk_t *keep = t->out_busy ? t->fq_head : NULL;
    file_chunk_t *c = keep ? keep->next : t->fq_head;
    while (c) {
        file_chunk_t *next = c->next;
        t->pending -= c->len - c->done;
        free(c->data);
        free(c);
        c = next;
    }
    if (keep)
        keep->next = NULL;
    t->fq_head = t->fq_tail = keep;
}

static void on_file_write(uv_fs_t *req);

/* Write the rest of the head chunk of the file-output queue. */
static void start_file_write(transport_t *t)
{
    file_chunk_t *c = t->fq_head;
    if (!c || t->out_busy)
        return;
    uv_buf_t b = {.base = c->data + c->done, .len = c->len - c->done};
    t->out_req.data = t;
    int r = uv_fs_write(t->loop, &t->out_req, t->out_fd, &b, 1, -1, on_file_write);
    if (r < 0) {
        drop_file_queue(t);
        fail_write(t, r);
        return;
    }
    t->out_busy = true;
    t->n_callbacks++;
}

static void on_file_write(uv_fs_t *req)
{
    transport_t *t = req->data;
    ssize_t n = req->result;
    uv_fs_req_cleanup(req);
    t->out_busy = false;
    t->n_callbacks--;
    file_chunk_t *c = t->fq_head;
    if (n < 0 || t->write_failed) {
        drop_file_queue(t);
        if (n < 0)
            fail_write(t, (int)n);
    } else {
        c->done += (size_t)n;
        t->pending -= (size_t)n;
        if (c->done == c->len) {
            t->fq_head = c->next;
            if (!t->fq_head)
                t->fq_tail = NULL;
            free(c->data);
            free(c);
        }
        if (t->out_done)
            drop_file_queue(t); /* flush timed out meanwhile */
        else
            start_file_write(t);
    }
    if (t->closing && !t->fq_head)
        close_out(t);
    close_idle_fds(t);
    after_write(t);
}

static void on_flush_timeout(uv_timer_t *timer)
{
    transport_t *t = timer->data;
    log_warn(t->log, "the client is not reading: %zu bytes of output dropped", t->pending);
    close_out(t);
}

/* Close the output side (queued stream writes are cancelled by libuv) and
 * the flush timer. */
static void close_out(transport_t *t)
{
    if (t->out_done)
        return;
    t->out_done = true;
    if (t->out_kind == IO_STREAM && t->out_open)
        close_handle(t, &t->out.handle);
    else if (t->out_kind == IO_FILE)
        drop_file_queue(t);
    if (t->timer_open)
        close_handle(t, (uv_handle_t *)&t->flush_timer);
    close_idle_fds(t);
}

/* Open a pipe or tty handle on fd (ours). On success the handle owns fd. */
static int open_stream(transport_t *t, io_handle_t *h, uv_handle_type type, int fd,
                       bool readable)
{
    int r;
    if (type == UV_TTY) {
        r = uv_tty_init(t->loop, &h->tty, fd, readable);
        if (r < 0)
            return r; /* not initialised: nothing to close */
    } else {
        uv_pipe_init(t->loop, &h->pipe, 0);
        r = uv_pipe_open(&h->pipe, fd);
        if (r < 0) {
            h->handle.data = t;
            close_handle(t, &h->handle);
            return r;
        }
    }
    h->handle.data = t;
    return 0;
}

static int dup_fd(int fd)
{
    int r = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    return r < 0 ? -errno : r;
}

transport_t *transport_new(uv_loop_t *loop, int in_fd, int out_fd, size_t max_len,
                           transport_msg_fn on_msg, transport_batch_fn on_batch,
                           transport_close_fn on_close, void *ud, log_t *log)
{
    transport_t *t = xcalloc(1, sizeof(*t));
    t->loop = loop;
    t->log = log;
    t->on_msg = on_msg;
    t->on_batch = on_batch;
    t->on_close = on_close;
    t->ud = ud;
    framer_init(&t->framer, max_len);
    t->in_fd = t->out_fd = -1;

    uv_handle_type in_type = uv_guess_handle(in_fd);
    uv_handle_type out_type = uv_guess_handle(out_fd);
    t->in_kind = kind_of(in_type);
    t->out_kind = kind_of(out_type);
    if (t->in_kind == IO_NONE || t->out_kind == IO_NONE) {
        bool bad_in = t->in_kind == IO_NONE;
        log_error(log, "cannot use %s (fd %d): it is %s; use a pipe, a terminal or a file",
                  bad_in ? "the input" : "the output", bad_in ? in_fd : out_fd,
                  handle_type_name(bad_in ? in_type : out_type));
        goto fail;
    }
    /* Work on duplicates: the caller keeps its fds (stdin/stdout stay
     * open), and in_fd == out_fd (one socket) gets two distinct fds. */
    int r = dup_fd(in_fd);
    if (r < 0)
        goto fail_errno;
    t->in_fd = r;
    t->in_fd_ours = true;
    r = dup_fd(out_fd);
    if (r < 0)
        goto fail_errno;
    t->out_fd = r;
    t->out_fd_ours = true;

    uv_timer_init(loop, &t->flush_timer);
    t->flush_timer.data = t;
    t->timer_open = true;
    uv_unref((uv_handle_t *)&t->flush_timer);

    if (t->out_kind == IO_STREAM) {
        r = open_stream(t, &t->out, out_type, t->out_fd, false);
        if (r < 0)
            goto fail_uv;
        t->out_open = true;
        t->out_fd_ours = false;
    }
    if (t->in_kind == IO_STREAM) {
        r = open_stream(t, &t->in, in_type, t->in_fd, true);
        if (r < 0)
            goto fail_uv;
        t->in_open = true;
        t->in_fd_ours = false;
        r = uv_read_start(&t->in.stream, on_alloc, on_read);
    } else {
        r = start_file_read(t);
    }
    if (r < 0)
        goto fail_uv;
    t->reading = true;
    return t;

fail_errno:
    log_error(log, "cannot use the client's file descriptors: %s", strerror(-r));
    goto fail;
fail_uv:
    log_error(log, "cannot use the client's file descriptors: %s", uv_strerror(r));
fail:
    /* Handles already opened must be closed through the loop; the struct is
     * freed by the last close callback (or now, when there is none). */
    if (t->in_open)
        close_handle(t, &t->in.handle);
    if (t->out_open)
        close_handle(t, &t->out.handle);
    if (t->timer_open)
        close_handle(t, (uv_handle_t *)&t->flush_timer);
    if (t->in_fd_ours)
        close(t->in_fd);
    if (t->out_fd_ours)
        close(t->out_fd);
    if (t->n_callbacks == 0)
        release(t);
    else
        t->free_when_idle = true;
    return NULL;
}

bool transport_send(transport_t *t, const char *body, size_t len)
{
    /* Dropped silently: logging here could loop back through a log sink
     * that forwards to the client (window/logMessage). */
    if (transport_output_closed(t))
        return false;
    buf_t b = BUF_INIT;
    framer_encode(&b, body, len);
    size_t n = 0;
    char *data = buf_detach(&b, &n);
    t->pending += n;
    if (t->out_kind == IO_FILE) {
        file_chunk_t *c = xcalloc(1, sizeof(*c));
        c->data = data;
        c->len = n;
        if (t->fq_tail)
            t->fq_tail->next = c;
        else
            t->fq_head = c;
        t->fq_tail = c;
        start_file_write(t);
        if (t->write_failed)
            return false;
        pause_input(t);
        return true;
    }
    write_req_t *w = xmalloc(sizeof(*w));
    w->t = t;
    w->data = data;
    w->len = n;
    uv_buf_t ub = {.base = data, .len = n};
    t->n_writes++;
    int r = uv_write(&w->req, &t->out.stream, &ub, 1, on_write);
    if (r < 0) {
        t->n_writes--;
        t->pending -= n;
        free(data);
        free(w);
        fail_write(t, r);
        return false;
    }
    pause_input(t);
    return true;
}

void transport_when_drained(transport_t *t, transport_drain_fn fn)
{
    t->on_drain = fn;
}

size_t transport_pending(const transport_t *t)
{
    return t->pending;
}

bool transport_output_closed(const transport_t *t)
{
    return t->write_failed || t->closing || t->out_done;
}

void transport_close(transport_t *t)
{
    if (t->closing)
        return;
    t->closing = true;
    stop_reading(t);
    if (t->in_open)
        close_handle(t, &t->in.handle);
    bool flushed = t->out_kind == IO_STREAM ? t->n_writes == 0 : t->fq_head == NULL;
    if (flushed || t->write_failed) {
        close_out(t);
    } else {
        /* The timer stays unreferenced: the writes in flight keep the loop
         * alive, and it must not outlive them. */
        uv_timer_start(&t->flush_timer, on_flush_timeout, TRANSPORT_FLUSH_TIMEOUT_MS, 0);
    }
    close_idle_fds(t);
}

/* Only valid once the loop has run the close callbacks: every handle closed
 * (by transport_close or by the owner's own teardown) and no fs request or
 * close callback outstanding. */
void transport_free(transport_t *t)
{
    if (!t)
        return;
    assert(t->n_callbacks == 0 && "transport_free before the loop closed its handles");
    assert(!t->in_open || uv_is_closing(&t->in.handle));
    assert(!t->out_open || uv_is_closing(&t->out.handle));
    assert(!t->timer_open || uv_is_closing((uv_handle_t *)&t->flush_timer));
    if (t->in_fd_ours)
        close(t->in_fd);
    if (t->out_fd_ours)
        close(t->out_fd);
    release(t);
}
