/*
 * extract.h - main-text extraction from HTML (internal; the public face is
 * the "extract" stage, see docs/extract.md).
 *
 * extract_run() parses a page into blocks (one per paragraph, heading,
 * list item, table cell, ...), removes what is never text (script, style,
 * hidden elements) and, in main mode, boilerplate (nav/aside/footer, class
 * and id names such as "sidebar" or "share", small forms, link lists) and
 * returns the remaining blocks, one per paragraph, separated by a blank
 * line.  extract.c builds the blocks; classify.c decides which to keep.
 */
#ifndef WN_EXTRACT_H
#define WN_EXTRACT_H

#include "html.h"

enum { EXTRACT_MAIN = 0, EXTRACT_ALL = 1 };
enum { EXTRACT_PARSER_FAST = 0, EXTRACT_PARSER_GUMBO = 1 };
enum { EXTRACT_INDEX_DROP = 0, EXTRACT_INDEX_KEEP = 1 };
enum { EXTRACT_COMMENTS_DROP = 0, EXTRACT_COMMENTS_KEEP = 1 };

typedef struct extract_opts {
    int mode;              /* EXTRACT_MAIN or EXTRACT_ALL (visible text) */
    int parser;            /* EXTRACT_PARSER_* */
    double link_density;   /* above: a block outside an article is bad */
    double article_link_density; /* the same inside the chosen article */
    unsigned length_low;   /* chars: shorter blocks are "short" */
    unsigned length_high;  /* chars: longer blocks are "good" */
    double article_ratio;  /* an article/main holding this share of the
                              page's text is taken as the main content */
    double wrapper_ratio;  /* a boilerplate-named element or form holding
                              this share is a page wrapper, kept */
    unsigned heading_distance; /* chars: a heading this close before good
                                  text is kept */
    int index;             /* EXTRACT_INDEX_*: what to do with an index
                              page of several posts */
    int comments;          /* EXTRACT_COMMENTS_*: reader comments found by
                              their words (units.c) */
    unsigned rescue_words; /* a page left empty by the boilerplate rules
                              with this many visible words is extracted
                              again without them */
} extract_opts;

/* The defaults of the extract.* options (stage_extract.c declares them). */
void extract_opts_default(extract_opts *o);

/* One block of text (offsets into the text arena). */
typedef struct xblock {
    uint32_t off, len;     /* bytes in the arena */
    uint32_t chars;        /* characters (code points), spaces excluded */
    uint32_t link_chars;   /* of which inside <a> */
    uint32_t words;
    int32_t cont;          /* innermost article/main container, -1 */
    int32_t boil;          /* innermost boilerplate-named element, -1 */
    int32_t node;          /* innermost block-level element (an XG_NODE
                              group), -1 */
    uint8_t kind;          /* XB_* */
    uint8_t cls;           /* classify.c: XC_* */
    uint8_t flags;         /* XF_* */
} xblock;

enum { XF_LEAD_LINK = 1 }; /* the block's first text is inside a link */

enum { XB_TEXT = 0, XB_HEADING, XB_ITEM, XB_CELL, XB_PRE };
enum { XC_BAD = 0, XC_SHORT, XC_NEARGOOD, XC_GOOD };

/* Elements whose fate depends on how much of the page they hold: content
 * containers (article/main) and boilerplate candidates (forms, elements
 * with boilerplate class/id names); and every block-level element, for
 * the dominant element (extract_dominant).  Text is summed per group.
 * Groups are numbered in document order, so an element's descendants
 * come after it. */
typedef struct xgroup {
    int32_t parent;        /* enclosing group of the same kind, -1 */
    uint8_t is_boil;       /* XG_*: boilerplate candidate, container, or
                              any block-level element (a node) */
    uint64_t chars;        /* chars of the non-link blocks inside */
} xgroup;

enum { XG_CONT = 0, XG_BOIL = 1, XG_NODE = 2 };

/* Scratch of one thread: reused across pages. */
typedef struct extract_bufs {
    wn_buf text;   /* block text arena */
    wn_buf blocks; /* xblock[] */
    wn_buf groups; /* xgroup[] */
    wn_buf parse;  /* parser scratch */
} extract_bufs;

typedef struct extract_result {
    char title[1024];     /* <title>, whitespace collapsed, "" if none */
    char lang[64];        /* <html lang>, "" if none */
    size_t blocks;        /* blocks found */
    size_t kept;          /* blocks kept */
    int article;          /* an article/main container was chosen */
    int index;            /* several posts, none dominating */
    int rescued;          /* nothing survived the boilerplate rules; the
                             text is from a pass without them */
} extract_result;

/* Extracts the text of html[0..n) into out (replaced).  Returns 0 or a
 * negative WN_E* code. */
int extract_run(const extract_opts *o, const char *html, size_t n,
                extract_bufs *b, wn_buf *out, extract_result *res);

/* classify.c: sets cls of every block; returns the chosen container or
 * -1. */
int extract_classify(const extract_opts *o, xblock *bl, size_t nb,
                     xgroup *g, size_t ng);

/* classify.c: without an article container, keeps only the kept blocks
 * inside the deepest block-level element that holds most of the kept
 * text. */
void extract_dominant(xblock *bl, size_t nb, xgroup *g, size_t ng);

/* classify.c, after extract_classify: is the page an index of several
 * posts (a blog front page) rather than one article? */
int extract_is_index(const xblock *bl, size_t nb, const xgroup *g,
                     size_t ng);

/* extract.c: does any of names[] (at most 64) occur in s?  first[256]
 * comes from extract_first_bytes (bit i for the first byte of names[i]). */
int extract_contains_any(const char *s, const char *const *names,
                         const uint64_t *first);
void extract_first_bytes(const char *const *names, size_t n,
                         uint64_t *first);

/* units.c: after classify, marks BAD the kept blocks that the words of
 * the page show to be reader comments (a comment heading or a run of
 * "posted by ... / reply / report" lines after the article) or teasers
 * (a headline link followed by a cut-off first sentence). */
void extract_units(const extract_opts *o, const char *text, xblock *bl,
                   size_t nb);

#endif
