/* transport: LSP messages over a pair of file descriptors (stdin/stdout) with
 * libuv. Reads through libuv (pipe, tty or regular file), frames with the
 * pure framer, and writes through a queue that survives partial writes and a
 * slow reader. A vanished peer (EOF, EPIPE, ECONNRESET) ends the transport
 * through on_close; SIGPIPE must be ignored by the process (main does it). */
#ifndef PLANLS_TRANSPORT_H
#define PLANLS_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "planls/framer.h"
#include "planls/log.h"

/* One framed body (borrowed, valid during the call). */
typedef void (*transport_msg_fn)(void *ud, const char *body, size_t len);
/* Called after each batch of input was framed (use it to process queues). */
typedef void (*transport_batch_fn)(void *ud);
/* The input ended (status 0: EOF) or I/O failed (a negative UV_E* code).
 * Called once; the transport stops reading. */
typedef void (*transport_close_fn)(void *ud, int status);

typedef struct transport transport_t;

/* Start reading in_fd and writing out_fd on loop. Bodies larger than max_len
 * are refused by the framer. Caller frees with transport_free() after the
 * loop no longer runs the transport's handles (transport_close, then run the
 * loop until it returns). Returns NULL and logs when the fds cannot be used. */
transport_t *transport_new(uv_loop_t *loop, int in_fd, int out_fd, size_t max_len,
                           transport_msg_fn on_msg, transport_batch_fn on_batch,
                           transport_close_fn on_close, void *ud, log_t *log);
/* Frame and queue body (copied). Never blocks; never raises SIGPIPE. */
void transport_send(transport_t *t, const char *body, size_t len);
/* Bytes queued and not yet written. */
size_t transport_pending(const transport_t *t);
/* Stop reading; queued writes are flushed (best effort) before the handles
 * close. Safe to call more than once. */
void transport_close(transport_t *t);
void transport_free(transport_t *t);

#endif
