/*
 * classify.c - which blocks of a page are its main text.
 *
 * Two signals, in this order:
 *  1. Structure.  If the page marks its content - <article>, <main>,
 *     role="main", itemprop="articleBody" - and one such container holds
 *     at least extract.article_ratio of the page's non-link text, only the
 *     blocks inside it can be main text, and inside it a block is dropped
 *     only when it is mostly links (extract.article_link_density): the
 *     page's author already said where the article is.
 *     Otherwise, or in addition: a <form> holding less than half of the
 *     page's text (comment, search, newsletter forms) is boilerplate; a
 *     form around the whole page (ASP.NET wraps pages in one) is not.
 *  2. Block statistics, after jusText (Pomikalek 2011) without its
 *     stop-word lists, so that it works the same in every language: a
 *     block with link density above extract.link_density is bad; one of
 *     extract.length_high characters or more is good; one shorter than
 *     extract.length_low is short; in between, near-good.  Then context
 *     decides: a short block between good ones (nearest good-or-bad
 *     neighbours on both sides) is good, a near-good block next to a good
 *     one is good, and a heading followed within extract.heading_distance
 *     characters by good text is good.  Everything else is dropped.
 */
#include "extract.h"

#include <stdlib.h>

static double link_density(const xblock *b)
{
    return b->chars ? (double)b->link_chars / b->chars : 0.0;
}

/* Is block b inside container c (directly or through nested ones)? */
static int inside(const xgroup *g, int32_t b, int32_t c)
{
    for (int guard = 0; b >= 0 && guard < 1 << 16; guard++) {
        if (b == c)
            return 1;
        b = g[b].parent;
    }
    return 0;
}

/* Nearest neighbour of i in direction dir (+1/-1) that is GOOD or BAD;
 * the page edges count as BAD. */
static int neighbour(const xblock *bl, size_t nb, size_t i, int dir)
{
    for (size_t k = i;;) {
        if (dir < 0 ? k == 0 : k + 1 >= nb)
            return XC_BAD;
        k = dir < 0 ? k - 1 : k + 1;
        if (bl[k].cls == XC_GOOD || bl[k].cls == XC_BAD)
            return bl[k].cls;
    }
}

static void jus_text(const extract_opts *o, xblock *bl, size_t nb)
{
    for (size_t i = 0; i < nb; i++) {
        xblock *b = &bl[i];
        if (b->cls == XC_BAD)
            continue; /* decided by structure */
        if (link_density(b) > o->link_density)
            b->cls = XC_BAD;
        else if (b->chars >= o->length_high)
            b->cls = XC_GOOD;
        else if (b->chars < o->length_low || b->kind == XB_HEADING)
            b->cls = XC_SHORT;
        else
            b->cls = XC_NEARGOOD;
    }
    /* near-good blocks, against the good/bad blocks of the first pass
     * (decisions parked in classes the neighbour search ignores) */
    enum { TO_GOOD = 4, TO_BAD = 5 };
    for (size_t i = 0; i < nb; i++) {
        if (bl[i].cls != XC_NEARGOOD)
            continue;
        int p = neighbour(bl, nb, i, -1), n = neighbour(bl, nb, i, +1);
        bl[i].cls = (p == XC_GOOD || n == XC_GOOD) ? TO_GOOD : TO_BAD;
    }
    for (size_t i = 0; i < nb; i++)
        if (bl[i].cls >= TO_GOOD)
            bl[i].cls = bl[i].cls == TO_GOOD ? XC_GOOD : XC_BAD;
    /* headings: good text follows closely */
    for (size_t i = 0; i < nb; i++) {
        if (bl[i].cls != XC_SHORT || bl[i].kind != XB_HEADING)
            continue;
        size_t dist = 0;
        for (size_t k = i + 1; k < nb && dist <= o->heading_distance; k++) {
            if (bl[k].cls == XC_GOOD) {
                bl[i].cls = XC_GOOD;
                break;
            }
            dist += bl[k].chars;
        }
    }
    /* short blocks take the class of their surroundings */
    for (size_t i = 0; i < nb; i++) {
        if (bl[i].cls != XC_SHORT)
            continue;
        int p = neighbour(bl, nb, i, -1), n = neighbour(bl, nb, i, +1);
        bl[i].cls = p == XC_GOOD && n == XC_GOOD ? TO_GOOD : TO_BAD;
    }
    for (size_t i = 0; i < nb; i++)
        if (bl[i].cls >= TO_GOOD)
            bl[i].cls = bl[i].cls == TO_GOOD ? XC_GOOD : XC_BAD;
}

/* Adds the chars of every block whose class is `cls` (any class when
 * cls < 0) to each group it sits in (through nesting), for group kind
 * is_boil; returns the total over the blocks. */
static uint64_t sum_groups(const xblock *bl, size_t nb, xgroup *g, size_t ng,
                           int is_boil, int cls)
{
    uint64_t total = 0;
    for (size_t i = 0; i < ng; i++)
        if (g[i].is_boil == is_boil)
            g[i].chars = 0;
    for (size_t i = 0; i < nb; i++) {
        if (cls >= 0 ? bl[i].cls != cls : link_density(&bl[i]) > 0.5)
            continue;
        total += bl[i].chars;
        for (int32_t c = is_boil ? bl[i].boil : bl[i].cont, guard = 0;
             c >= 0 && (size_t)c < ng && guard < 1 << 16; guard++) {
            g[c].chars += bl[i].chars;
            c = g[c].parent;
        }
    }
    return total;
}

/* Marks BAD the blocks inside a boilerplate group that holds less than
 * wrapper_ratio of the good text (blocks of class XC_GOOD now). */
static void drop_boilerplate(const extract_opts *o, xblock *bl, size_t nb,
                             xgroup *g, size_t ng, uint8_t *bad)
{
    uint64_t good = sum_groups(bl, nb, g, ng, 1, XC_GOOD);
    for (size_t i = 0; i < nb; i++) {
        bad[i] = 0;
        for (int32_t c = bl[i].boil, guard = 0;
             c >= 0 && (size_t)c < ng && guard < 1 << 16; guard++) {
            if (g[c].chars < o->wrapper_ratio * good) {
                bad[i] = 1;
                break;
            }
            c = g[c].parent;
        }
    }
}

int extract_classify(const extract_opts *o, xblock *bl, size_t nb,
                     xgroup *g, size_t ng)
{
    if (o->mode == EXTRACT_ALL) {
        for (size_t i = 0; i < nb; i++)
            bl[i].cls = XC_GOOD;
        return -1;
    }
    for (size_t i = 0; i < nb; i++)
        bl[i].cls = XC_SHORT;
    uint64_t page = sum_groups(bl, nb, g, ng, 0, -1);
    int32_t best = -1;
    for (size_t c = 0; c < ng; c++)
        if (g[c].is_boil == XG_CONT &&
            (best < 0 || g[c].chars > g[best].chars))
            best = (int32_t)c;
    if (best >= 0 && page && g[best].chars >= o->article_ratio * page) {
        for (size_t i = 0; i < nb; i++)
            bl[i].cls = inside(g, bl[i].cont, best) &&
                                link_density(&bl[i]) <= o->article_link_density
                            ? XC_GOOD : XC_BAD;
    } else {
        best = -1;
        jus_text(o, bl, nb);
    }
    /* Boilerplate-named elements and forms holding little of the text
     * judged good are boilerplate; one holding most of it wraps the
     * content (a Blogger "widget Blog", an ASP.NET page form).  Without
     * an article, the block statistics run again with those blocks out,
     * since they separate the good blocks around them. */
    uint8_t *bad = malloc(2 * (nb ? nb : 1));
    if (!bad)
        return best; /* out of memory: keep the decision without them */
    uint8_t *first = bad + nb;
    drop_boilerplate(o, bl, nb, g, ng, bad);
    for (size_t i = 0; i < nb; i++) {
        first[i] = bl[i].cls;
        bl[i].cls = bad[i] ? XC_BAD : best >= 0 ? bl[i].cls : XC_SHORT;
    }
    if (best < 0)
        jus_text(o, bl, nb);
    /* Nothing left: every text block sat in some boilerplate-named element
     * (sites that call every box a "widget"); fall back to the decision
     * without names, as Readability retries without its name rules. */
    size_t kept = 0;
    for (size_t i = 0; i < nb; i++)
        kept += bl[i].cls == XC_GOOD;
    if (!kept)
        for (size_t i = 0; i < nb; i++)
            bl[i].cls = first[i];
    free(bad);
    return best;
}

/* Pages without <article>/<main> still have one element around the
 * story: blocks the statistics kept outside it are sidebars, teaser
 * boxes and footers that happen to hold prose.  The element is the
 * deepest whose subtree holds DOMINANT of the kept non-link text (above
 * half, so the candidates form one chain from the root); headings are
 * kept wherever they are, since a story's title often sits in a header
 * above its body. */
#define DOMINANT 0.75

void extract_dominant(xblock *bl, size_t nb, xgroup *g, size_t ng)
{
    uint64_t total = 0;
    for (size_t i = 0; i < ng; i++)
        if (g[i].is_boil == XG_NODE)
            g[i].chars = 0;
    for (size_t i = 0; i < nb; i++) {
        if (bl[i].cls != XC_GOOD || link_density(&bl[i]) > 0.5)
            continue;
        total += bl[i].chars;
        for (int32_t c = bl[i].node, guard = 0;
             c >= 0 && (size_t)c < ng && guard < 1 << 16; guard++) {
            g[c].chars += bl[i].chars;
            c = g[c].parent;
        }
    }
    /* the elements holding DOMINANT form one chain from the root, and a
     * descendant comes after its ancestors: the last one is the deepest */
    int32_t best = -1;
    for (size_t i = 0; i < ng; i++)
        if (g[i].is_boil == XG_NODE && g[i].chars >= DOMINANT * total)
            best = (int32_t)i;
    if (best < 0 || !total)
        return;
    /* the element's span of blocks, and the kept run just before it (a
     * lead paragraph set apart from the body) stay */
    size_t first = nb, last = 0;
    for (size_t i = 0; i < nb; i++) {
        int32_t c = bl[i].node;
        for (int guard = 0; c > best && (size_t)c < ng && guard < 1 << 16;
             guard++)
            c = g[c].parent;
        if (c == best) {
            if (first == nb)
                first = i;
            last = i;
        }
    }
    size_t lead = first;
    while (lead > 0 && first < nb && bl[lead - 1].cls == XC_GOOD)
        lead--;
    for (size_t i = 0; i < nb; i++)
        if (bl[i].cls == XC_GOOD && bl[i].kind != XB_HEADING &&
            (i < lead || i > last))
            bl[i].cls = XC_BAD;
}

/* A blog front page or a section page: three or more innermost content
 * containers (<article>, ...) of POST_MIN characters or more, together
 * most of the page, none twice as long as the next (a page where one
 * post dominates, a story above teasers, has that post as its article).
 * The group sums are those extract_classify left: non-link text per
 * container. */
#define POST_MIN 300

int extract_is_index(const xblock *bl, size_t nb, const xgroup *g,
                     size_t ng)
{
    uint64_t page = 0, posts = 0, n = 0, largest = 0, second = 0;
    for (size_t i = 0; i < nb; i++)
        if (link_density(&bl[i]) <= 0.5)
            page += bl[i].chars;
    uint8_t *big_child = calloc(ng ? ng : 1, 1);
    if (!big_child)
        return 0;
    for (size_t c = 0; c < ng; c++)
        if (g[c].is_boil == XG_CONT && g[c].chars >= POST_MIN &&
            g[c].parent >= 0 &&
            (size_t)g[c].parent < ng)
            big_child[g[c].parent] = 1;
    for (size_t c = 0; c < ng; c++)
        if (g[c].is_boil == XG_CONT && g[c].chars >= POST_MIN &&
            !big_child[c]) {
            posts += g[c].chars;
            n++;
            if (g[c].chars > largest) {
                second = largest;
                largest = g[c].chars;
            } else if (g[c].chars > second)
                second = g[c].chars;
        }
    free(big_child);
    return n >= 3 && page && posts * 2 >= page && largest < 2 * second;
}
