/* text: document text, its line index, LSP position encodings and edits.
 *
 * Inside planls every position is a byte offset; conversion to and from LSP
 * positions (line + character in UTF-8, UTF-16 or UTF-32 code units) happens
 * only through this module, at the protocol boundary.
 *
 * Line terminators are "\n", "\r\n" and a lone "\r" (as LSP defines them).
 * Invalid UTF-8 is never trusted: each byte of an invalid sequence counts as
 * one code point (U+FFFD: one unit in every encoding). Positions are clamped:
 * a line past the end maps to the end of the document, a character past the
 * end of its line maps to the end of that line (before its terminator), and a
 * position inside a code point (mid UTF-8 sequence, between the two halves of a
 * surrogate pair) rounds down to the start of that code point. */
#ifndef PLANLS_TEXT_H
#define PLANLS_TEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum text_enc {
    TEXT_ENC_UTF16 = 0, /* LSP default */
    TEXT_ENC_UTF8,
    TEXT_ENC_UTF32,
} text_enc_t;

typedef struct text_pos {
    uint32_t line;
    uint32_t character;
} text_pos_t;

typedef struct text_range {
    text_pos_t start;
    text_pos_t end;
} text_range_t;

/* Private to text.c: where the latest conversions on a document ended. */
struct text_pos_cache;

/* A document's bytes and the offset at which each line starts. Fields are
 * read-only to callers (change text through text_doc_set/text_doc_apply);
 * documents are capped at 4 GiB (offsets are 32-bit). An offset between the
 * \r and \n of a CRLF maps to the end of that line's content.
 * Invariants: data[len] == '\0' (data may contain other NULs);
 * n_lines >= 1; lines[0] == 0; lines[i] is the offset just after the i-th
 * terminator.
 *
 * Position conversions (text_pos_at, text_range_at, text_offset_at) remember
 * where the latest ones ended and continue from there when the next one is
 * on the same line, in the same encoding and further along it: converting
 * many ascending offsets on one very long line walks that line once, not
 * once per offset. They write that memory through pos_cache even though they
 * take a const document, so conversions on one document are not thread-safe
 * (planls runs them on the loop thread only). Every mutation (text_doc_set,
 * text_doc_apply) forgets it; a document made by text_doc_new/text_doc_adopt
 * starts without any. Create documents only through those two functions and
 * never copy the struct (the copy would share pos_cache). */
typedef struct text_doc {
    char *data;
    size_t len;
    size_t cap;        /* bytes allocated for data (>= len + 1) */
    uint32_t *lines;
    size_t n_lines;
    size_t cap_lines;
    struct text_pos_cache *pos_cache; /* owned; private to text.c */
} text_doc_t;

/* New document holding a copy of data. Caller frees with text_doc_free(). */
text_doc_t *text_doc_new(const char *data, size_t len);
/* New document taking ownership of a malloc'd buffer of len+1 bytes whose
 * data[len] is '\0'. Caller frees with text_doc_free(). */
text_doc_t *text_doc_adopt(char *data, size_t len);
void text_doc_free(text_doc_t *doc);

/* Replace the whole text. */
void text_doc_set(text_doc_t *doc, const char *data, size_t len);

/* Replace the text in range (LSP positions in enc, clamped and ordered: an
 * end before start is treated as start) with data[0..len). Only the lines
 * from the edit onwards are re-indexed. Returns the byte offsets of the
 * replaced span before the edit through *start_off and *end_off when non-NULL. */
void text_doc_apply(text_doc_t *doc, text_range_t range, const char *data, size_t len,
                    text_enc_t enc, size_t *start_off, size_t *end_off);

/* LSP position -> byte offset (clamped as described above). Not
 * thread-safe on one document (see text_doc_t). */
size_t text_offset_at(const text_doc_t *doc, text_pos_t pos, text_enc_t enc);
/* Byte offset (clamped to len; rounded down to a code point start) -> LSP
 * position. Not thread-safe on one document (see text_doc_t). */
text_pos_t text_pos_at(const text_doc_t *doc, size_t offset, text_enc_t enc);
/* Byte offsets -> LSP range (start converted first, then end). Not
 * thread-safe on one document (see text_doc_t). */
text_range_t text_range_at(const text_doc_t *doc, size_t start, size_t end, text_enc_t enc);

/* Line containing byte offset (0-based). O(log lines). */
uint32_t text_line_of(const text_doc_t *doc, size_t offset);
/* Byte offset of the start of line (clamped: a line past the end gives len). */
size_t text_line_start(const text_doc_t *doc, uint32_t line);
/* Byte offset of the end of line's content, before its terminator. */
size_t text_line_end(const text_doc_t *doc, uint32_t line);

/* Length of the code point starting at s[0] (1..4), given n > 0 bytes
 * available; an invalid or truncated sequence gives 1. *cp receives the code
 * point (U+FFFD for invalid). */
size_t text_utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Number of units of code point cp in enc (1 or 2 for UTF-16; 1..4 for UTF-8;
 * 1 for UTF-32). */
uint32_t text_cp_units(uint32_t cp, text_enc_t enc);
/* Units of bytes s[0..n) in enc, decoding as text_utf8_decode does. */
size_t text_units(const char *s, size_t n, text_enc_t enc);
/* True when s[0..n) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool text_utf8_valid(const char *s, size_t n);

/* A copy of s[0..n) that is valid UTF-8: each byte of an invalid sequence
 * becomes U+FFFD. Caller frees; *out_len (if non-NULL) gets its length. */
char *text_utf8_clean(const char *s, size_t n, size_t *out_len);
/* A JSON string (new reference, never NULL) of untrusted NUL-terminated
 * text: jansson refuses invalid UTF-8, document text is never trusted. NULL
 * s gives "". */
json_t *text_json(const char *s);

/* "utf-16" / "utf-8" / "utf-32" <-> enum; text_enc_parse returns false for
 * anything else. */
const char *text_enc_name(text_enc_t enc);
bool text_enc_parse(const char *name, text_enc_t *enc);

#endif
