/*
 * docline.h - what the end of a run reads of a document, found in the JSON
 * line winnow wrote for it (wn_doc_to_json) without decoding the line: the
 * final shards copy the line as it is.
 */
#ifndef WN_DOCLINE_H
#define WN_DOCLINE_H

#include "../core/core.h"

/* Values as JSON text in the line ([p, end); p NULL when absent).  The
 * members are the ones the JSONL reader would give the document: id, url
 * and the text (or the html) are the first string members of that name;
 * language, duplicate_count and reject_reason the first members of that
 * name among the others (wn_doc_meta_get).  jview_str decodes one. */
typedef struct docline {
    jview id, url, text, lang, dupc, reason;
    size_t text_bytes, text_chars; /* the decoded text's length */
} docline;

/* 0, or WN_EFORMAT when the line is not one JSON object with a string
 * text (or html) that the reader would take without repairs. */
int docline_scan(const char *line, size_t n, docline *d);

#endif
