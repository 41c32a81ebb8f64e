/*
 * decontam.c - stage "decontaminate": keeps evaluation sets out of the
 * training data, as GPT-3 and NeMo Curator's TaskDecontamination do.
 *
 * The evaluation sets are files (decontaminate.against): JSONL, of which
 * every string (or array of strings) under decontaminate.fields of each
 * line is one item, or text, of which every non-empty line is one.  Items
 * and documents are split into the quality filters' words (ftok_get) and
 * normalised: lowercased, punctuation (Unicode P*) removed, a word left
 * empty dropped.  Each item gives its word n-grams of decontaminate.ngram
 * words (13); an item shorter than that gives one n-gram of all its words
 * when it has at least decontaminate.min_ngram (8), and nothing below.
 * Their hashes (XXH3-64 of the word hashes) go into one table with the
 * set (file) they came from.
 *
 * A document with one of those n-grams is contaminated.  mode=drop
 * rejects it ("decontaminate:matches=N>0 (SET)").  mode=cut (NeMo's way)
 * removes remove_chars (200) characters on each side of every match; the
 * rest falls into pieces: more than max_splits (10) pieces drop the
 * document ("decontaminate:pieces=N>10 (SET)"), pieces shorter than
 * min_piece (200) characters are discarded (NeMo: min_document_length),
 * and the pieces left are joined by newlines (NeMo makes each a document
 * of its own; here a document stays one document).  Either way the
 * document's metadata "decontaminated" says which sets and n-grams
 * matched: {"sets":[...],"matches":[{"set","ngram"}..],"removed_chars"}.
 * NeMo's max_matches (an n-gram found in more than 10 documents is taken
 * to be common, not leaked) needs a count over the corpus first and is
 * not done.  Without files the stage keeps everything.
 */
#include "../pipeline/stage.h"
#include "../io/io.h"
#include "tokens.h"

#include <stdlib.h>
#include <utf8proc.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#define DC "decontaminate"
#define DC_MAX_LISTED 10
#define DC_MAX_LINE ((size_t)64 << 20)

typedef struct dc_opts {
    const char *against, *fields;
    long long ngram, min_ngram, remove_chars, max_splits, min_piece;
    int drop;
} dc_opts;

#define AT(f) OPT_AT(dc_opts, f)

static const config_opt dc_table[] = {
    OPTION_LIST(DC ".against", "", NULL, OPT_EMPTY, AT(against),
                "evaluation sets: JSONL files (the fields below) or text "
                "files (each non-empty line); none: the stage keeps "
                "everything"),
    OPTION_LIST(DC ".fields", "text,question,answer", NULL, 0, AT(fields),
                "JSONL fields of an item: strings or arrays of strings, "
                "each matched on its own"),
    OPTION_INT(DC ".ngram", "13", 2, 64, 0, AT(ngram),
               "words per n-gram (GPT-3, NeMo: 13)"),
    OPTION_INT(DC ".min_ngram", "8", 1, 64, 0, AT(min_ngram),
               "an item shorter than ngram words is one n-gram when it has "
               "this many (NeMo: 8); below, it is skipped"),
    OPTION_ENUM(DC ".mode", "cut", "cut|drop", AT(drop),
                "cut: remove the text around each match; drop: reject the "
                "document"),
    OPTION_INT(DC ".remove_chars", "200", 0, OPT_NOLIMIT, 0, AT(remove_chars),
               "characters removed on each side of a match (NeMo: 200)"),
    OPTION_INT(DC ".max_splits", "10", 1, OPT_NOLIMIT, 0, AT(max_splits),
               "a document cut into more pieces is dropped (NeMo: 10)"),
    OPTION_INT(DC ".min_piece", "200", 0, OPT_NOLIMIT, 0, AT(min_piece),
               "pieces of a cut document shorter than this many characters "
               "are discarded (NeMo: min_document_length 200)"),
    OPTION_END,
};

typedef struct dc_slot {
    uint64_t key; /* 0: empty */
    uint32_t set, len;
} dc_slot;

typedef struct dc_state {
    dc_opts o;
    char **sets; /* file names (base names), by index */
    uint32_t nsets;
    dc_slot *tab;
    size_t cap, used;
    uint64_t lens; /* bit L-1: some n-gram has L words */
} dc_state;

/* ---- normalised words ---- */

/* Appends word s[0..n) lowercased without punctuation to out. */
static int norm_word(const char *s, size_t n, wn_buf *out)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    int rc = 0;
    while (p < end && !rc) {
        if (*p < 0x80) {
            unsigned c = *p++;
            /* ASCII punctuation and symbols are dropped */
            if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))
                rc = wn_buf_putc(out, (char)c);
            else if (c >= 'A' && c <= 'Z')
                rc = wn_buf_putc(out, (char)(c + 32));
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t l = utf8proc_iterate(p, end - p, &cp);
        if (l <= 0) {
            p++;
            continue;
        }
        p += l;
        utf8proc_category_t cat = utf8proc_category(cp);
        if (cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO)
            continue;
        rc = utf8_put(out, (uint32_t)utf8proc_tolower(cp));
    }
    return rc;
}

/* The normalised words of text: their hashes in wh (uint64_t) and byte
 * spans in sp (uint32_t start, end), as arrays in the two buffers.
 * Returns the count, or a negative code. */
static long words(const char *text, size_t len, wn_buf *tmp, wn_buf *wh,
                  wn_buf *sp)
{
    const ftok_doc *t = ftok_get(text, len);
    if (!t)
        return WN_ENOMEM;
    wn_buf_reset(wh);
    wn_buf_reset(sp);
    long n = 0;
    for (size_t i = 0; i < t->nwords; i++) {
        const ftok_word *w = &t->words[i];
        wn_buf_reset(tmp);
        if (norm_word(text + w->off, w->len, tmp))
            return WN_ENOMEM;
        if (!tmp->len)
            continue;
        uint64_t h = XXH3_64bits(tmp->data, tmp->len);
        uint32_t s[2] = {w->off, w->off + w->len};
        if (wn_buf_append(wh, &h, sizeof h) || wn_buf_append(sp, s, sizeof s))
            return WN_ENOMEM;
        n++;
    }
    return n;
}

static uint64_t gram_key(const uint64_t *wh, size_t n)
{
    uint64_t k = XXH3_64bits(wh, n * sizeof *wh);
    return k ? k : 1;
}

static dc_slot *slot_of(const dc_state *s, uint64_t key, uint32_t len)
{
    size_t i = (size_t)(key ^ (key >> 29)) & (s->cap - 1);
    while (s->tab[i].key && (s->tab[i].key != key || s->tab[i].len != len))
        i = (i + 1) & (s->cap - 1);
    return &s->tab[i];
}

static int tab_add(dc_state *s, uint64_t key, uint32_t len, uint32_t set)
{
    if (2 * (s->used + 1) > s->cap) {
        size_t ocap = s->cap, ncap = ocap ? 2 * ocap : 4096;
        dc_slot *old = s->tab, *nw = calloc(ncap, sizeof *nw);
        if (!nw)
            return WN_ENOMEM;
        s->tab = nw;
        s->cap = ncap;
        for (size_t i = 0; i < ocap; i++)
            if (old[i].key)
                *slot_of(s, old[i].key, old[i].len) = old[i];
        free(old);
    }
    dc_slot *e = slot_of(s, key, len);
    if (!e->key) { /* the first set that has an n-gram names it */
        e->key = key;
        e->len = len;
        e->set = set;
        s->used++;
    }
    s->lens |= 1ULL << (len - 1);
    return 0;
}

/* The n-grams of one item of set `set`. */
static int add_item(dc_state *s, const char *text, size_t len, uint32_t set,
                    wn_buf *b)
{
    long n = words(text, len, &b[0], &b[1], &b[2]);
    if (n < 0)
        return (int)n;
    const uint64_t *wh = (const uint64_t *)(void *)b[1].data;
    size_t g = (size_t)s->o.ngram;
    if ((size_t)n < g) {
        if (n < s->o.min_ngram)
            return 0;
        g = (size_t)n;
    }
    int rc = 0;
    for (size_t i = 0; i + g <= (size_t)n && !rc; i++)
        rc = tab_add(s, gram_key(wh + i, g), (uint32_t)g, set);
    return rc;
}

/* The items of one JSONL line: each field, or each string of an array. */
static int add_json_line(dc_state *s, const char *line, size_t n,
                         uint32_t set, wn_buf *b, wn_buf *str)
{
    jview v, f;
    if (jview_parse(line, n, &v))
        return WN_EFORMAT;
    const char *cur = s->o.fields, *item;
    size_t k;
    int rc = 0;
    while (!rc && (k = config_list_next(&cur, &item))) {
        char key[JVIEW_KEY];
        snprintf(key, sizeof key, "%.*s", (int)k, item);
        if (!jview_get(v, key, &f))
            continue;
        jview it, el;
        if (jview_iter(f, &it) && *f.p == '[') {
            while (!rc && jview_next(&it, NULL, 0, &el))
                if (*el.p == '"' && !(rc = jview_str(el, str)))
                    rc = add_item(s, str->data ? str->data : "", str->len,
                                  set, b);
        } else if (*f.p == '"' && !(rc = jview_str(f, str))) {
            rc = add_item(s, str->data ? str->data : "", str->len, set, b);
        }
    }
    return rc;
}

static int name_ends(const char *p, size_t n, const char *ext)
{
    size_t e = strlen(ext);
    return n >= e && !memcmp(p + n - e, ext, e);
}

/* JSONL when the name says so (.jsonl/.json, before .gz/.zst). */
static int is_jsonl(const char *path)
{
    size_t n = strlen(path);
    if (name_ends(path, n, ".gz"))
        n -= 3;
    else if (name_ends(path, n, ".zst"))
        n -= 4;
    return name_ends(path, n, ".jsonl") || name_ends(path, n, ".json");
}

static int load_set(dc_state *s, const char *path, wn_error *err)
{
    char **ns = realloc(s->sets, (s->nsets + 1) * sizeof *ns);
    if (!ns)
        return wn_err(err, WN_ENOMEM, path, 0, "out of memory");
    s->sets = ns;
    const char *base = strrchr(path, '/');
    if (!(s->sets[s->nsets] = strdup(base ? base + 1 : path)))
        return wn_err(err, WN_ENOMEM, path, 0, "out of memory");
    uint32_t set = s->nsets++;
    bufin b;
    int rc = bufin_open(&b, path, err);
    if (rc == WN_ENOMEM)
        return rc; /* err says so */
    if (rc) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return wn_err(err, WN_EINVAL, path, 0, DC ".against: %s", why);
    }
    wn_buf tmp[3] = {WN_BUF_INIT, WN_BUF_INIT, WN_BUF_INIT};
    wn_buf str = WN_BUF_INIT;
    int json = is_jsonl(path);
    const char *line;
    size_t len;
    uint64_t off = 0;
    while (!rc && (rc = bufin_getline(&b, &line, &len, DC_MAX_LINE, &off)) ==
                      1) {
        if (!json)
            rc = add_item(s, line, len, set, tmp);
        else
            rc = len ? add_json_line(s, line, len, set, tmp, &str) : 0;
        if (rc == WN_EFORMAT)
            rc = wn_err(err, WN_EINVAL, path, off,
                        DC ".against: not a JSON line");
        else if (rc)
            rc = wn_err(err, rc, path, off, "out of memory");
    }
    if (rc == WN_ELIMIT)
        rc = wn_err(err, WN_EINVAL, path, off, DC ".against: line too long");
    if (!rc && bufin_take_error(&b, err))
        rc = WN_EINVAL; /* a damaged evaluation set is no set to trust */
    bufin_close(&b);
    for (int i = 0; i < 3; i++)
        wn_buf_release(&tmp[i]);
    wn_buf_release(&str);
    return rc;
}

static void dc_free(void *state)
{
    dc_state *s = state;
    if (!s)
        return;
    for (uint32_t i = 0; i < s->nsets; i++)
        free(s->sets[i]);
    free(s->sets);
    free(s->tab);
    free(s);
}

static int dc_create(const void *opts, void **state, wn_error *err)
{
    dc_state *s = calloc(1, sizeof *s);
    if (!s)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    s->o = *(const dc_opts *)opts;
    const char *cur = s->o.against, *item;
    size_t n;
    int rc = 0;
    while (!rc && (n = config_list_next(&cur, &item))) {
        char path[4096];
        snprintf(path, sizeof path, "%.*s", (int)n, item);
        rc = load_set(s, path, err);
    }
    /* the options struct lives during create only */
    s->o.against = s->o.fields = NULL;
    if (rc) {
        dc_free(s);
        return rc;
    }
    *state = s;
    return 0;
}

/* ---- one document ---- */

typedef struct dc_match {
    uint32_t start, end, set, word, len;
} dc_match;

static int match_cmp(const void *a, const void *b)
{
    const dc_match *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start ? 1
           : x->end < y->end   ? -1 : x->end > y->end;
}

/* k code points back from at (not before 0) / forward (not past len). */
static size_t back_cps(const char *t, size_t at, long long k)
{
    while (at > 0 && k-- > 0) {
        at--;
        while (at > 0 && ((unsigned char)t[at] & 0xC0) == 0x80)
            at--;
    }
    return at;
}

static size_t fwd_cps(const char *t, size_t len, size_t at, long long k)
{
    while (at < len && k-- > 0) {
        at++;
        while (at < len && ((unsigned char)t[at] & 0xC0) == 0x80)
            at++;
    }
    return at;
}

/* The metadata: sets, the first matches (n-grams as normalised words). */
static int put_meta(const dc_state *s, wn_doc *doc, const dc_match *m,
                    size_t nm, const uint32_t *sp, size_t removed, wn_buf *o,
                    wn_buf *tmp)
{
    int rc = 0;
    const char *text = doc->text.data;
    wn_buf_reset(o);
    rc |= wn_buf_puts(o, "{\"sets\":[");
    uint32_t nlisted = 0;
    for (uint32_t set = 0; set < s->nsets; set++) {
        int has = 0;
        for (size_t i = 0; i < nm && !has; i++)
            has = m[i].set == set;
        if (!has)
            continue;
        rc |= wn_buf_puts(o, nlisted++ ? "," : "");
        rc |= wn_json_put_string(o, s->sets[set], strlen(s->sets[set]));
    }
    rc |= wn_buf_puts(o, "],\"matches\":[");
    for (size_t i = 0; i < nm && i < DC_MAX_LISTED; i++) {
        wn_buf_reset(tmp);
        for (uint32_t w = m[i].word; w < m[i].word + m[i].len; w++) {
            if (w > m[i].word)
                rc |= wn_buf_putc(tmp, ' ');
            rc |= norm_word(text + sp[2 * w], sp[2 * w + 1] - sp[2 * w], tmp);
        }
        rc |= wn_buf_printf(o, "%s{\"set\":", i ? "," : "");
        rc |= wn_json_put_string(o, s->sets[m[i].set],
                                 strlen(s->sets[m[i].set]));
        rc |= wn_buf_puts(o, ",\"ngram\":");
        rc |= wn_json_put_string(o, tmp->data ? tmp->data : "", tmp->len);
        rc |= wn_buf_putc(o, '}');
    }
    rc |= wn_buf_printf(o, "],\"match_count\":%zu,\"removed_chars\":%zu}", nm,
                        removed);
    if (!rc)
        rc = wn_doc_meta_set(doc, "decontaminated", o->data, o->len);
    return rc ? WN_ENOMEM : 0;
}

static int dc_process(void *state, wn_doc *doc, stage_scratch *sc,
                      wn_buf *reason)
{
    dc_state *s = state;
    if (!s->used || !doc->text.len)
        return STAGE_KEEP;
    wn_buf *tmp = &sc->b[0], *whb = &sc->b[2], *spb = &sc->b[3];
    const char *text = doc->text.data;
    size_t len = doc->text.len;
    long n = words(text, len, tmp, whb, spb);
    if (n < 0)
        return (int)n;
    const uint64_t *wh = (const uint64_t *)(void *)whb->data;
    const uint32_t *sp = (const uint32_t *)(void *)spb->data;
    dc_match *m = NULL;
    size_t nm = 0, cap = 0;
    int rc = 0;
    for (uint32_t g = 1; g <= 64 && !rc; g++) {
        if (!(s->lens & (1ULL << (g - 1))))
            continue;
        for (size_t i = 0; i + g <= (size_t)n && !rc; i++) {
            dc_slot *e = slot_of(s, gram_key(wh + i, g), g);
            if (!e->key)
                continue;
            if (nm == cap) {
                size_t nc = cap ? 2 * cap : 16;
                dc_match *x = realloc(m, nc * sizeof *x);
                if (!x) {
                    rc = WN_ENOMEM;
                    break;
                }
                m = x;
                cap = nc;
            }
            m[nm++] = (dc_match){sp[2 * i], sp[2 * (i + g - 1) + 1], e->set,
                                 (uint32_t)i, g};
        }
    }
    if (rc || !nm) {
        free(m);
        return rc ? rc : STAGE_KEEP;
    }
    qsort(m, nm, sizeof *m, match_cmp);
    const char *first = s->sets[m[0].set];
    /* the windows to remove, merged; the pieces between them */
    wn_buf out = WN_BUF_INIT;
    size_t pieces = 0, removed = 0, at = 0, i = 0;
    while (!rc && at <= len) {
        size_t ws = len, we = len;
        if (i < nm) {
            ws = back_cps(text, m[i].start, s->o.remove_chars);
            we = fwd_cps(text, len, m[i].end, s->o.remove_chars);
            for (i++; i < nm && back_cps(text, m[i].start,
                                         s->o.remove_chars) <= we; i++) {
                size_t e2 = fwd_cps(text, len, m[i].end, s->o.remove_chars);
                if (e2 > we)
                    we = e2;
            }
        }
        if (ws < at)
            ws = at;
        if (ws > at) {
            pieces++;
            if (ftok_cps(text + at, ws - at) >= (size_t)s->o.min_piece &&
                !s->o.drop) {
                if (out.len)
                    rc |= wn_buf_putc(&out, '\n');
                rc |= wn_buf_append(&out, text + at, ws - at);
            }
        }
        removed += ftok_cps(text + ws, we - ws);
        if (we >= len)
            break;
        at = we;
    }
    if (!rc)
        rc = put_meta(s, doc, m, nm, sp, s->o.drop ? 0 : removed, tmp, whb);
    int verdict = STAGE_KEEP;
    if (!rc) {
        wn_buf_reset(reason);
        if (s->o.drop)
            rc = wn_buf_printf(reason, DC ":matches=%zu>0 (%s)", nm, first);
        else if (pieces > (size_t)s->o.max_splits)
            rc = wn_buf_printf(reason, DC ":pieces=%zu>%lld (%s)", pieces,
                               s->o.max_splits, first);
        else if (!out.len)
            rc = wn_buf_printf(reason, DC ":kept_chars=0<1 (%s)", first);
        verdict = reason->len ? STAGE_DROP : STAGE_KEEP;
        if (rc)
            rc = WN_ENOMEM;
    }
    /* an annotated run keeps the text as it was */
    if (!rc && verdict == STAGE_KEEP && !sc->annotate &&
        wn_buf_set(&doc->text, out.data, out.len))
        rc = WN_ENOMEM;
    wn_buf_release(&out);
    free(m);
    return rc ? rc : verdict;
}

const stage_ops stage_decontaminate = {
    .name = DC,
    .group = "decontaminate", /* its own command, not winnow filter's */
    .summary = "evaluation-set n-grams (13 words) cut out of documents "
               "(or documents dropped)",
    .opts = dc_table,
    .opts_size = sizeof(dc_opts),
    .create = dc_create,
    .process = dc_process,
    .free = dc_free,
};
