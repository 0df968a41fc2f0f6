/* fuzz_server: the whole language server in-process (server_run) on an
 * arbitrary client byte stream, without pipes: the stream is a memfd the
 * transport reads as a regular file to its end (EOF ends the session), and
 * the server's output goes to another memfd.
 *
 * Input: [capability byte] + raw client bytes (framed messages, garbage,
 * anything). The harness first sends its own `initialize` (rooted in
 * FZ_SERVER_ROOT, a copy of the fixtures' workspaces, with the capabilities the first byte
 * selects, see fuzz_server_caps.h) and `initialized`, so the fuzzed stream
 * cannot move the server's root elsewhere on the machine. Checks: the server
 * returns exit code 0 or 1 and does not crash; everything it wrote is a
 * sequence of Content-Length frames of JSON-RPC 2.0 objects, with nothing
 * else; and the harness's `initialize` got a result. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_server_caps.h"
#include "fuzz_util.h"
#include "planls/buf.h"
#include "planls/framer.h"
#include "planls/server.h"
#include "planls/util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* As main does: a vanished peer must never kill us with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    /* The protocol fixtures' workspaces, so that seeds made from the fixtures
     * name real documents. */
    fz_mkdirs(FZ_SERVER_ROOT);
    fz_copy_tree(PLANLS_SOURCE_DIR "/protocol-fixtures/workspaces/nav", FZ_SERVER_ROOT);
    fz_copy_tree(PLANLS_SOURCE_DIR "/protocol-fixtures/workspaces/diag", FZ_SERVER_ROOT);
    return 0;
}

static json_t *initialize_msg(uint8_t caps)
{
    json_t *c = json_object();
    json_t *encs = json_array();
    if (caps & FZ_CAP_UTF8)
        json_array_append_new(encs, json_string("utf-8"));
    else if (caps & FZ_CAP_UTF32)
        json_array_append_new(encs, json_string("utf-32"));
    else
        json_array_append_new(encs, json_string("utf-16"));
    json_object_set_new(c, "general", json_pack("{s:o}", "positionEncodings", encs));
    json_t *td = json_pack(
        "{s:{s:{s:b}},s:{s:b,s:b},s:{s:b},s:{s:[s]}}", "completion", "completionItem",
        "snippetSupport", (caps & FZ_CAP_SNIPPETS) != 0, "publishDiagnostics",
        "relatedInformation", (caps & FZ_CAP_RELATED) != 0, "versionSupport", 1, "documentSymbol",
        "hierarchicalDocumentSymbolSupport", (caps & FZ_CAP_HIERARCHY) != 0, "hover",
        "contentFormat", (caps & FZ_CAP_MD_HOVER) ? "markdown" : "plaintext");
    if (caps & FZ_CAP_PULL)
        json_object_set_new(td, "diagnostic", json_object());
    json_object_set_new(c, "textDocument", td);
    /* Dynamic registration for watched files: the server then does not set
     * up inotify watches of its own (the stream drives file events). */
    json_object_set_new(
        c, "workspace",
        json_pack("{s:b,s:{s:b},s:{s:b,s:[s,s]}}", "configuration", (caps & FZ_CAP_CONFIG) != 0,
                  "didChangeWatchedFiles", "dynamicRegistration", 1, "workspaceEdit",
                  "documentChanges", 1, "resourceOperations", "create", "rename"));
    return json_pack("{s:s,s:s,s:s,s:{s:n,s:s,s:o}}", "jsonrpc", "2.0", "id", "fuzz-init",
                     "method", "initialize", "params", "processId", "rootUri",
                     "file://" FZ_SERVER_ROOT, "capabilities", c);
}

static void append_msg(buf_t *b, json_t *msg)
{
    char *body = json_dumps(msg, JSON_COMPACT);
    framer_encode(b, body, strlen(body));
    free(body);
    json_decref(msg);
}

static int memfd_with(const char *name, const char *data, size_t len)
{
    int fd = memfd_create(name, 0);
    FZ_CHECK(fd >= 0, "memfd_create: %s", strerror(errno));
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        FZ_CHECK(w > 0, "write to memfd: %s", strerror(errno));
        off += (size_t)w;
    }
    FZ_CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");
    return fd;
}

/* Everything the server wrote must be frames of JSON-RPC objects. */
static void check_output(int fd)
{
    off_t end = lseek(fd, 0, SEEK_END);
    FZ_CHECK(end >= 0 && lseek(fd, 0, SEEK_SET) == 0, "lseek output");
    char *out = xmalloc((size_t)end + 1);
    size_t got = 0;
    while (got < (size_t)end) {
        ssize_t r = read(fd, out + got, (size_t)end - got);
        FZ_CHECK(r > 0, "read output");
        got += (size_t)r;
    }
    if (getenv("PLANLS_FUZZ_DUMP")) /* for debugging a replay */
        fwrite(out, 1, got, stderr);
    framer_t f;
    framer_init(&f, SIZE_MAX);
    framer_feed(&f, out, got);
    bool init_answered = false;
    for (;;) {
        const char *body, *err = NULL;
        size_t len;
        framer_event_t e = framer_next(&f, &body, &len, &err);
        if (e == FRAMER_NONE)
            break;
        FZ_CHECK(e == FRAMER_MSG, "server output is not framed: %s", err ? err : "?");
        json_error_t jerr;
        json_t *m = json_loadb(body, len, 0, &jerr);
        FZ_CHECK(m && json_is_object(m), "server wrote a body that is not a JSON object: %s",
                 jerr.text);
        json_t *v = json_object_get(m, "jsonrpc");
        FZ_CHECK(json_is_string(v) && !strcmp(json_string_value(v), "2.0"), "jsonrpc != 2.0");
        json_t *id = json_object_get(m, "id");
        if (json_is_string(id) && !strcmp(json_string_value(id), "fuzz-init") &&
            !json_object_get(m, "method"))
            init_answered = json_is_object(json_object_get(m, "result"));
        json_decref(m);
    }
    FZ_CHECK(f.in.len == f.off && !f.in_body, "server output ends inside a message");
    FZ_CHECK(init_answered, "the harness's initialize got no result");
    framer_free(&f);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_reader_t r = {data, size};
    uint8_t caps = fz_u8(&r);
    buf_t in = BUF_INIT;
    append_msg(&in, initialize_msg(caps));
    append_msg(&in, json_pack("{s:s,s:s,s:{}}", "jsonrpc", "2.0", "method", "initialized",
                              "params"));
    buf_append(&in, r.p, r.n);
    int in_fd = memfd_with("planls-fuzz-in", in.data, in.len);
    int out_fd = memfd_with("planls-fuzz-out", "", 0);
    buf_free(&in);

    server_opts_t opts = {.log_level = LOG_WARN, .in_fd = in_fd, .out_fd = out_fd, .threads = 1};
    int rc = server_run(&opts);
    FZ_CHECK(rc == 0 || rc == 1, "server_run returned %d", rc);
    check_output(out_fd);
    close(in_fd);
    close(out_fd);
    return 0;
}
