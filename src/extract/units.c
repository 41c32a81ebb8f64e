/*
 * units.c - comments and teasers, recognised by their words.
 *
 * Names (class="comments") and structure (<form>) catch most comment
 * sections, but many blogs and older news sites mark their comments with
 * nothing but what a reader sees: a "12 Comments" or "Leave a Reply"
 * heading, then units of "Posted by NAME at 5:39 PM" / text / "Reply |
 * Report this comment".  Those units pass the block statistics (the
 * comment text is prose), and they are most of the tokens winnow kept
 * wrongly on the evaluation pages.  Three rules, on the blocks classify.c
 * kept, in page order:
 *
 *  1. Comment tail.  A short block that reads like a comment heading, or
 *     the first of a run of signature lines (posted by, wrote:, reply,
 *     report, permalink, a clock time with a year, "3 days ago"), ends
 *     the article: it and every kept block after it are dropped.  Only
 *     after TAIL_MIN characters of kept text (a byline at the top is not
 *     a comment); only when RUN_MIN signatures follow (one "Reply" link
 *     is not a section); only when they are dense (at most RUN_GAP
 *     characters of text per signature: blog front pages have one
 *     "Posted by" per long post, comments one per short reply); and not
 *     in a forum thread (more than two signatures before, or less text
 *     before than two average units after: every post is a unit).
 *  2. Teasers.  A block that opens with a link and ends cut off ("...",
 *     "…", "Read more", "Continue reading") is a headline plus the start
 *     of another story.
 *  3. The frame of the story: a block that is only a widget's label
 *     ("Advertisement", "Share", "Caption", "Close"), a photo credit
 *     ("Photo: Hau Dinh, AP", "Getty Images"), and, before the first long
 *     paragraph, the dateline ("Updated 5:27 am", "Nov. 19, 2019"); and
 *     the site's small print and sign-up boxes ("All rights reserved",
 *     "Terms of Use", "Subscribe to our newsletter"), up to LEGAL_MAX
 *     bytes.  The
 *     author's name ("By A. Reporter") stays: the gold of some sets has
 *     it, of others not, and it is one line of the story's own.
 *
 * The tests are substring and prefix checks on at most SIG_MAX bytes of
 * short blocks, so the cost is small next to parsing.
 */
#include "extract.h"

#include <pthread.h>
#include <string.h>

enum {
    TAIL_MIN = 300, /* chars of kept text before a comment tail */
    RUN_MIN = 3,    /* signature lines that make a comment section */
    RUN_GAP = 900,  /* at most this many chars of text per signature */
    SIG_MAX = 120,  /* bytes: longer blocks are text, not signatures */
    HEAD_MAX = 60,  /* bytes: longer blocks are not comment headings */
    TEASER_MAX = 400, /* chars: longer blocks are not teasers */
    FRAME_MAX = 100,  /* bytes: longer blocks are not bylines or credits */
    STORY_MIN = 150,  /* chars: a paragraph this long starts the story */
    LEGAL_MAX = 300,  /* bytes: longer blocks are not the small print */
};

/* Lowercased ASCII copy of at most cap - 1 bytes of s. */
static size_t lower(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        out[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    out[k] = 0;
    return k;
}

static int any(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(s, list[i]))
            return 1;
    return 0;
}

static int digit(char c) { return c >= '0' && c <= '9'; }

/* A four-digit year, 19xx or 20xx. */
static int has_year(const char *s)
{
    for (const char *p = s; *p; p++)
        if ((p == s || !digit(p[-1])) &&
            ((p[0] == '1' && p[1] == '9') || (p[0] == '2' && p[1] == '0')) &&
            digit(p[2]) && digit(p[3]) && !digit(p[4]))
            return 1;
    return 0;
}

/* "5:39 pm", "17:05", "3 hours ago" */
static int has_time(const char *s)
{
    for (const char *p = s; (p = strchr(p, ':')); p++) {
        if (p > s && digit(p[-1]) && digit(p[1]) && digit(p[2]) &&
            !digit(p[3]))
            return 1;
    }
    static const char *const ago[] = {
        "minutes ago", "minute ago", "hours ago", "hour ago", "days ago",
        "day ago", "weeks ago", "week ago", "months ago", "month ago",
        "years ago", "year ago",
    };
    return any(s, ago, sizeof ago / sizeof *ago);
}

/* A line of a comment's frame: who, when, reply, report. */
static const char *const sig_words[] = {
    "posted by", "said...", "said\xE2\x80\xA6", "says:", "said:", "wrote:",
    "reply", "report this", "report abuse", "report comment", "permalink",
    "comment #", "flag as", "in response to", "| report", "posted on",
};
static const char *const credit_words[] = {
    "getty images", "photo:", "photo by", "photograph:", "(ap photo",
    "ap photo/", "credit:", "image:", "shutterstock", "associated press)",
    "(reuters", "reuters/", "image source", "photo credit", "afp via",
    "/ afp", "(photo", "file photo",
};
/* the site's small print and its sign-up boxes */
static const char *const legal_words[] = {
    "all rights reserved", "terms of use", "terms of service",
    "privacy policy", "may not be reproduced", "copyright \xC2\xA9",
    "copyright (c)", "\xC2\xA9 19", "\xC2\xA9 20", "\xC2\xA9" "19",
    "\xC2\xA9" "20",
    "subscribe to our", "sign up for our", "our newsletter",
    "successfully subscribed", "enable javascript", "javascript is disabled",
};
#define NSIG (sizeof sig_words / sizeof *sig_words)
#define NCREDIT (sizeof credit_words / sizeof *credit_words)
#define NLEGAL (sizeof legal_words / sizeof *legal_words)
static uint64_t sig_first[256], credit_first[256], legal_first[256];

static void masks_build(void)
{
    extract_first_bytes(sig_words, NSIG, sig_first);
    extract_first_bytes(credit_words, NCREDIT, credit_first);
    extract_first_bytes(legal_words, NLEGAL, legal_first);
}

static int signature(const char *s)
{
    /* a clock time with a year: when a comment was posted (an event
     * listing has times without years) */
    return extract_contains_any(s, sig_words, sig_first) ||
           (has_year(s) && has_time(s));
}

/* "Comments", "12 comments", "Leave a Reply", "3 Responses to ...". */
static int heading(const char *s)
{
    while (*s && (digit(*s) || *s == ' ' || *s == '(' || *s == '#'))
        s++;
    if (!*s || !strchr("acdhjlopqrstwy", *s))
        return 0; /* no heading below starts with it */
    static const char *const head[] = {
        "comment", "responses", "response to", "reader comment",
        "reader's comment", "readers' comment", "leave a reply",
        "leave a comment", "post a comment", "add a comment",
        "add comment", "add your comment", "join the discussion",
        "discussion", "trackback", "thoughts on", "replies",
        "what do you think", "your comments", "show comments",
        "one response", "one comment", "have your say",
    };
    for (size_t i = 0; i < sizeof head / sizeof *head; i++)
        if (!strncmp(s, head[i], strlen(head[i])))
            return 1;
    return 0;
}

/* Does the block end cut off, as a teaser does? */
static int cut_off(const char *s, size_t n)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == ')' || s[n - 1] == ']' ||
                 s[n - 1] == '>' || (unsigned char)s[n - 1] == 0xBB))
        n--; /* "more »", "[...]", "(more)" */
    if (n >= 1 && (unsigned char)s[n - 1] == 0xC2)
        n--;
    if (n >= 3 && !memcmp(s + n - 3, "...", 3))
        return 1;
    if (n >= 3 && !memcmp(s + n - 3, "\xE2\x80\xA6", 3))
        return 1;
    char tail[32];
    size_t k = n < sizeof tail - 1 ? n : sizeof tail - 1;
    lower(s + n - k, k, tail, sizeof tail);
    static const char *const more[] = {
        "read more", "continue reading", "read full story",
        "full story", "more", "read on",
    };
    for (size_t i = 0; i < sizeof more / sizeof *more; i++) {
        size_t m = strlen(more[i]);
        if (k >= m && !strcmp(tail + k - m, more[i]) &&
            (k == m || tail[k - m - 1] == ' ' || tail[k - m - 1] == '.'))
            return 1;
    }
    return 0;
}

/* A block that is only the label of a page widget. */
static int widget_label(const char *s)
{
    static const char *const w[] = {
        "advertisement", "advertising", "ad", "share", "share this",
        "share this article", "caption", "close", "hide caption",
        "toggle caption", "enlarge this image", "print", "email",
        "e-mail", "tweet", "subscribe", "sponsored", "loading...",
        "skip ad", "image", "photo", "video", "play video", "expand",
        "read more", "more", "next", "previous", "back to top",
    };
    for (size_t i = 0; i < sizeof w / sizeof *w; i++)
        if (!strcmp(s, w[i]))
            return 1;
    return 0;
}

/* A photo credit. */
static int credit(const char *s)
{
    return extract_contains_any(s, credit_words, credit_first);
}

/* A dateline ("Posted Nov. 19, 2019", "Updated 5:50 PM"). */
static int dateline(const char *s)
{
    static const char *const lead[] = {
        "posted ", "updated", "published", "last updated", "posted:",
        "updated:", "published:",
    };
    for (size_t i = 0; i < sizeof lead / sizeof *lead; i++)
        if (!strncmp(s, lead[i], strlen(lead[i])))
            return 1;
    if (has_time(s))
        return 1;
    static const char *const month[] = {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
        "oct", "nov", "dec",
    };
    int d = 0;
    for (const char *p = s; *p; p++)
        d += digit(*p);
    if (d < 4) /* a year, or a day and a time */
        return 0;
    for (size_t i = 0; i < 12; i++)
        if (!strncmp(s, month[i], 3) || strstr(s, month[i]))
            return 1;
    return 0;
}

void extract_units(const extract_opts *o, const char *text, xblock *bl,
                   size_t nb)
{
    enum { SIG = 0x40, HEAD = 0x80 }; /* scratch bits in flags */
    char buf[SIG_MAX + 1];
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, masks_build);
    uint64_t total = 0;
    size_t sigs = 0;
    for (size_t i = 0; i < nb; i++) {
        xblock *b = &bl[i];
        if (b->cls != XC_GOOD)
            continue;
        total += b->chars;
        if (b->len > SIG_MAX)
            continue;
        lower(text + b->off, b->len, buf, sizeof buf);
        if (signature(buf)) {
            b->flags |= SIG;
            sigs++;
        }
        if (b->len <= HEAD_MAX && heading(buf))
            b->flags |= HEAD;
    }
    uint64_t before = 0;
    size_t cut = nb, seen = 0;
    for (size_t i = 0; i < nb && cut == nb; i++) {
        xblock *b = &bl[i];
        if (b->cls != XC_GOOD)
            continue;
        if (o->comments == EXTRACT_COMMENTS_DROP && before >= TAIL_MIN &&
            (b->flags & (SIG | HEAD))) {
            /* signatures from here on (after a heading: below it) */
            size_t after = b->flags & HEAD && b->flags & SIG ? sigs - 1 : sigs;
            uint64_t rest = total - before;
            /* a forum thread is signatures all the way down: the text
             * before is one post like the others, not an article */
            int article = seen <= 2 && after &&
                          before >= 2 * rest / after;
            if (article && ((b->flags & HEAD && after >= 1) ||
                            (b->flags & SIG && after >= RUN_MIN &&
                             rest <= (uint64_t)RUN_GAP * after)))
                cut = i;
        }
        if (b->flags & SIG) {
            sigs--;
            seen++;
        }
        before += b->chars;
    }
    int story = 0; /* a long paragraph was seen */
    for (size_t i = 0; i < nb; i++) {
        bl[i].flags &= (uint8_t)~(SIG | HEAD);
        if (bl[i].cls == XC_GOOD && bl[i].kind != XB_HEADING &&
            bl[i].len <= FRAME_MAX) {
            lower(text + bl[i].off, bl[i].len, buf, sizeof buf);
            if (widget_label(buf) || credit(buf) ||
                (!story && dateline(buf))) {
                bl[i].cls = XC_BAD;
                continue;
            }
        }
        if (bl[i].cls == XC_GOOD && bl[i].len <= LEGAL_MAX) {
            char lb[LEGAL_MAX + 1];
            lower(text + bl[i].off, bl[i].len, lb, sizeof lb);
            if (extract_contains_any(lb, legal_words, legal_first)) {
                bl[i].cls = XC_BAD;
                continue;
            }
        }
        if (bl[i].cls == XC_GOOD && bl[i].chars >= STORY_MIN)
            story = 1;
        if (i >= cut)
            bl[i].cls = XC_BAD;
        else if (bl[i].cls == XC_GOOD && (bl[i].flags & XF_LEAD_LINK) &&
                 bl[i].link_chars < bl[i].chars &&
                 bl[i].link_chars * 5 >= bl[i].chars &&
                 bl[i].chars <= TEASER_MAX &&
                 cut_off(text + bl[i].off, bl[i].len))
            bl[i].cls = XC_BAD;
    }
}
