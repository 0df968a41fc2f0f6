/* fuzz_server_caps: the first byte of a fuzz_server input chooses the client
 * capabilities of the `initialize` the harness sends; shared with seedgen so
 * that seeds made from fixtures keep their fixture's capabilities. */
#ifndef PLANLS_FUZZ_SERVER_CAPS_H
#define PLANLS_FUZZ_SERVER_CAPS_H

/* The workspace fuzz_server runs in: a fixed path, so that seeds made from
 * the protocol fixtures name real files. Written (atomically) at start-up,
 * never by the server. */
#define FZ_SERVER_ROOT "/tmp/planls-fuzz-ws"

#define FZ_CAP_UTF8 0x01
#define FZ_CAP_UTF32 0x02
#define FZ_CAP_SNIPPETS 0x04
#define FZ_CAP_PULL 0x08
#define FZ_CAP_RELATED 0x10
#define FZ_CAP_HIERARCHY 0x20
#define FZ_CAP_MD_HOVER 0x40
#define FZ_CAP_CONFIG 0x80

#endif
