/* transport: LSP messages over a pair of file descriptors (stdin/stdout) with
 * libuv. Reads through libuv (pipe, tty or regular file), frames with the
 * pure framer, and writes through a queue that survives partial writes and a
 * slow reader. A vanished peer (EOF, EPIPE, ECONNRESET) ends the transport
 * through on_close; SIGPIPE must be ignored by the process (main does it).
 *
 * Flow control: while more than TRANSPORT_HIGH_WATER bytes of output are
 * queued (a client that does not read its input), no more input is read, so
 * that the client's own writes block instead of our queue growing; messages
 * already read are still delivered. Reading resumes once the queue is below
 * TRANSPORT_LOW_WATER. */
#ifndef PLANLS_TRANSPORT_H
#define PLANLS_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "planls/framer.h"
#include "planls/log.h"

/* Queued output (bytes) above which input is paused, and below which it
 * resumes. */
#define TRANSPORT_HIGH_WATER ((size_t)4 * 1024 * 1024)
#define TRANSPORT_LOW_WATER ((size_t)1 * 1024 * 1024)

/* One framed body (borrowed, valid during the call). */
typedef void (*transport_msg_fn)(void *ud, const char *body, size_t len);
/* Called after each batch of input was framed (use it to process queues). */
typedef void (*transport_batch_fn)(void *ud);
/* The input ended (status 0: EOF) or I/O failed (a negative UV_E* code;
 * a failed write means the client is gone: the output queue was dropped and
 * transport_send accepts nothing more). Called once; the transport stops
 * reading. */
typedef void (*transport_close_fn)(void *ud, int status);

typedef struct transport transport_t;

/* Start reading in_fd and writing out_fd on loop. Bodies larger than max_len
 * are refused by the framer. Caller frees with transport_free() after the
 * loop no longer runs the transport's handles (transport_close, then run the
 * loop until it returns). Returns NULL and logs when the fds cannot be used. */
transport_t *transport_new(uv_loop_t *loop, int in_fd, int out_fd, size_t max_len,
                           transport_msg_fn on_msg, transport_batch_fn on_batch,
                           transport_close_fn on_close, void *ud, log_t *log);
/* Frame and queue body (copied). Never blocks; never raises SIGPIPE.
 * Returns false, and drops body, once the output is closed (see
 * transport_output_closed). */
bool transport_send(transport_t *t, const char *body, size_t len);
/* True once no output is accepted any more: a write failed (the client
 * closed its end: EPIPE, ECONNRESET...; the queue was dropped and on_close
 * reported the error) or transport_close was called. */
bool transport_output_closed(const transport_t *t);
/* Bytes queued and not yet written. */
size_t transport_pending(const transport_t *t);
typedef void (*transport_drain_fn)(void *ud);
/* Call fn(ud) once, from a write's completion, when fewer than
 * TRANSPORT_LOW_WATER bytes remain queued: for producers that hold back
 * output while the client is behind. Replaces an earlier fn; never called
 * once the output is closed. */
void transport_when_drained(transport_t *t, transport_drain_fn fn);
/* Stop reading; queued writes are flushed (best effort) before the handles
 * close. Safe to call more than once. */
void transport_close(transport_t *t);
void transport_free(transport_t *t);

#endif
