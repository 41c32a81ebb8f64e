/*
 * rules.c - the table of named line rules: built-in patterns for the
 * boilerplate real pages carry, plus user rules from a file.
 *
 * Rules are data.  Each is a name, a length bound and a PCRE2 pattern
 * matched (UTF, caseless) against one trimmed line; the first rule that
 * matches names the verdict.  Precision comes first: patterns are anchored
 * to the whole line wherever possible, so that a sentence which merely
 * mentions cookies or sharing is never a match, and every rule has a
 * length bound (most boilerplate is short) which is also what makes the
 * table cheap: a long prose line is compared with the few rules whose bound
 * admits it, and each pattern is compiled and JIT'd once.
 *
 * Rule file format (docs/clean.md):
 *     # comment
 *     NAME [maxlen=BYTES] PATTERN      a rule, PATTERN to the end of line
 *     disable NAME                     turn a rule off
 * A user rule with the name of a built-in one replaces it.
 */
#include "clean.h"

#include "rules_dispatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct cl_rule {
    char *name;
    char *pattern;
    uint32_t max_len;
    int disabled;
    int solo; /* cannot join a combined alternation (see combinable) */
    const char *const *need; /* NULL, or needles (built-in rules) */
    int nbit;                 /* this rule's bit in the needle mask */
    int jit;                  /* code is JIT-compiled */
    pcre2_code *code;
} cl_rule;

/* Rules combined into one alternation, "(*MARK:i)(?:pattern)|...", for
 * lines of at most max_len bytes: every enabled rule whose own bound
 * admits such a line.  One JIT'd match per line instead of one per rule
 * is what makes the table fast (see docs/clean.md for the measurement);
 * the alternation is tried in table order, so the first rule still wins. */
typedef struct cl_tier {
    uint32_t max_len;
    int jit;
    pcre2_code *code;
} cl_tier;

/* Every needle of every enabled rule, bucketed by first byte, so that one
 * pass over a line finds which rules' needles it contains. */
typedef struct needle_ent {
    const char *s;
    uint8_t len, bit;
} needle_ent;

struct cl_rules {
    cl_rule *r;
    size_t n, cap;
    needle_ent *nent;
    uint16_t nstart[257];
    uint64_t onebits[256];     /* 1-byte needles: byte -> rule bits set */
    uint64_t pair[65536 / 64]; /* first two bytes of a longer needle */
    uint32_t need_max; /* longest bound of a rule with needles */
    uint32_t max_len; /* longest bound of any enabled rule */
    cl_tier *tier;    /* ascending max_len; NULL = match rule by rule */
    size_t ntier;
    cl_disp disp;     /* first-two-bytes dispatch over the tiers' rules */
    size_t *own;      /* rules matched on their own, in table order */
    size_t nown;      /* (own == NULL: not built; every rule is looked at) */
};

/* Month and weekday alternations used by the timestamp rules. */
#define MON "(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|" \
            "july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|"            \
            "nov(?:ember)?|dec(?:ember)?)\\.?"
#define WDAY "(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\\.?,?\\s+"
#define CLOCK "\\d{1,2}[:.]\\d{2}(?::\\d{2})?\\s*(?:[ap]\\.?m\\.?)?" \
              "(?:\\s*\\(?[a-z]{2,5}\\)?)?"
#define DATE                                                               \
    "(?:\\d{1,2}[/.-]\\d{1,2}[/.-]\\d{2,4}|\\d{4}[/.-]\\d{1,2}[/.-]\\d{1,2}" \
    "(?:t[\\d:.+-]+z?)?|" MON "\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4}|"    \
    "\\d{1,2}(?:st|nd|rd|th)?\\s+" MON ",?\\s+\\d{4}|" MON "\\s+\\d{4}|" \
    MON "\\s+\\d{1,2}(?:st|nd|rd|th)?)"
#define STAMP_PREFIX                                                       \
    "(?:(?:published|updated|posted|last updated|last modified|modified|"  \
    "date|first published|air date|aired)(?:\\s+(?:on|at))?\\s*:?\\s*)?"

/* The built-in table, most specific first.  Each pattern must match the
 * whole line; docs/clean.md lists what each rule is for and the tests in
 * tests/unit/test_clean_rules.c hold a line it removes and a near-miss
 * sentence it keeps. */
static const struct {
    const char *name;
    uint32_t max_len;
    const char *pattern;
} builtin[] = {
    {"cookie_banner", 700,
     "^(?=.*\\bcook(?:ies|ie)\\b)(?:.*\\b(?:we|this (?:web)?site|our "
     "(?:web)?site|this (?:portal|page)|site)\\b.{0,40}\\b(?:uses?|using) "
     "cookies|.*\\b(?:accept|allow|agree to|consent to|manage|reject|"
     "use of) (?:all |the )?cookies|.*\\bcookie (?:policy|settings|"
     "preferences|notice|statement|consent)\\b|.*\\bby (?:continuing|using|"
     "browsing|clicking)\\b.{0,100}\\bcookies|(?:strictly )?(?:necessary|"
     "non-necessary|functional|analytics|performance|advertisement|"
     "marketing|targeting|third-party) cookies (?:are|is|help|used|"
     "allow|may|that|which)\\b).*$"},
    {"cookie_banner_intl", 700,
     "^.*\\b(?:utilizziamo i cookie|usiamo i cookie|questo sito (?:web )?"
     "utilizza (?:i )?cookie|wir verwenden cookies|diese website verwendet "
     "cookies|nous utilisons des cookies|ce site utilise des cookies|"
     "(?:este|nuestro) (?:sitio|portal)(?: web)? utiliza cookies|"
     "utilizamos cookies|usamos cookies|wij gebruiken cookies|"
     "deze website gebruikt cookies|używamy plików cookie|"
     "мы используем (?:файлы )?cookie).*$"},
    {"comments_closed", 80,
     "^(?:comments? (?:are|is) (?:now )?closed|commenting (?:is )?"
     "(?:now )?(?:closed|disabled)|comments? (?:have been )?disabled"
     "(?: for this (?:article|post|story))?)\\.?$"},
    {"comment_form", 220,
     "^(?:leave a (?:reply|comment)|post a comment|add a comment|write a "
     "comment|join the (?:discussion|conversation)|your email address will "
     "not be published.*|required fields are marked.*|\\d+\\s+comments?|"
     "comments?(?:\\s*\\(\\d+\\))?|no comments(?: yet)?|be the first to "
     "comment.*|(?:show|view|hide|load|read) (?:all )?(?:\\d+ )?comments|"
     "cancel reply|notify me of (?:new|follow-up) (?:comments|posts).*|"
     "save my name, email.*|you must be logged in to post a comment.*|"
     "(?:name|email|website|comment)\\s*\\*|log in to (?:comment|reply)|"
     "reply(?: to this comment)?|report (?:this )?comment|comment policy|"
     "(?:sort|order) by:?(?: newest| oldest| best| top)?|this site uses "
     "akismet to reduce spam\\..{0,80})[.:!]?$"},
    {"share_prompt", 200,
     "^(?:share(?: this)?(?: (?:article|story|post|page|video))?"
     "(?: (?:on|via) [\\w ]{1,40})?|share (?:it|this(?: \\w+)?) with "
     "(?:a|your) friends?.*|if you (?:like|liked|enjoyed) this (?:story|"
     "article|post|video).{0,80}\\bshare\\b.*|click to (?:share|email|"
     "print) .*|share on (?:facebook|twitter|linkedin|whatsapp|pinterest|"
     "reddit|email)|tweet(?: this)?|pin it|email this(?: \\w+)?|"
     "print this(?: \\w+)?|facebook|twitter|linkedin|whatsapp|pinterest|"
     "reddit|tumblr|flipboard|telegram|e-?mail|print|copy link|"
     "copy (?:the )?url|link copied|share via.*|shares?|"
     "\\d+\\s+shares?|sorry, your blog cannot share posts by email|"
     "post was not sent - check your email addresses|email check failed, "
     "please try again)[.!:]?$"},
    {"share_buttons", 200,
     "^(?:(?:facebook|twitter|whatsapp|pinterest|pint|pin|linkedin|reddit|"
     "e-?mail|print|tumblr|telegram|share|tweet|messenger|sms|copy link|"
     "flipboard|pocket|vk|weibo|wechat|baixar|mail|x)(?:\\s*[,|·•/]\\s*|"
     "\\s+|$)){2,}$"},
    {"subscribe_prompt", 260,
     "^(?:subscribe(?: now| today| here| for free)?|sign up(?: now| "
     "today| for free)?|newsletters?|(?:sign up|subscribe|register) "
     "(?:for|to) (?:our|the|my) .{0,80}|get (?:our|the) .{0,40}"
     "newsletter.*|join (?:our|the) (?:mailing list|newsletter).*|"
     "get (?:breaking )?news alerts.*|(?:subscribe|sign up) (?:for|to get)"
     " .{0,60}\\b(?:newsletter|updates|alerts|news)\\b.*|"
     "want more\\?.*subscribe.*|thanks? for (?:subscribing|signing up).*"
     "|you(?:'re| are) (?:now )?subscribed.*)[.!]?$"},
    {"newsletter_form", 260,
     "^.{0,80}\\b(?:enter your email|email address).{0,60}\\bsubscribe.*$"},
    {"follow_us", 200,
     "^(?:follow (?:us|me)(?: (?:on|at) .{1,80})?|like us on facebook.*|"
     "find us on .{1,60}|connect with us.*|follow @\\w+.*|follow .{1,40} "
     "on (?:twitter|facebook|instagram|linkedin|youtube).*|"
     "stay connected|get social)[.!:]?$"},
    {"related_link", 300,
     "^(?:also on (?:[\\w-]+\\.)+[a-z]{2,}\\b.*|also on [^:.]{1,30}:.*|"
     "also read\\s*[:\\-–—].*|"
     "read (?:more|next|also)(?:\\s*[:\\-–—»›>…|].*|\\s*$|"
     " (?:about|on|at|from|here|in) .{0,120})|related(?: "
     "(?:articles?|stories|posts?|content|coverage|news|links?|reading|"
     "topics|videos?|items))?(?:\\s*[:\\-–—|].*)?|see also\\s*[:\\-–—].*|"
     "more (?:from|on|in|about) [^.!?]{1,60}|recommended(?: for you| "
     "stories| articles| reading)?(?:\\s*:.*)?|you (?:may|might) (?:also )?"
     "(?:like|enjoy|be interested in)\\b.*|trending(?: now| stories)?"
     "\\s*:?|popular (?:now|posts|stories|articles)|most (?:read|popular|"
     "viewed|shared|commented)(?: stories| articles| posts)?|"
     "continue reading.*|click here to (?:read|see|watch|learn) .*|"
     "keep reading.*|more stories|more news|latest (?:news|stories|posts|"
     "articles)|top stories|editor'?s? picks?|don'?t miss)[.!:]?$"},
    {"syndication", 300,
     "^(?:via\\s+.{1,80}\\s+https?://\\S+.*|the post .{1,200} appeared "
     "first on (?-i:\\p{Lu}|www\\.|[a-z0-9-]+\\.[a-z]{2,})\\S*(?: \\S+){0,4}|this (?:article|story|post) (?:was )?(?:originally )?"
     "(?:appeared|published|first appeared|posted) (?:on|in|at|by) .{1,120}"
     "|originally (?:published|posted|appeared) (?:on|in|at|by) .{1,120})$"},
    {"attribution", 120,
     "^(?:via|source|sources|h/t|hat tip(?: to)?|courtesy(?: of)?)"
     "\\s*:?\\s+\\S+(?:\\s+\\S+){0,5}$"},
    {"image_caption", 400,
     "^(?:.*\\((?-i:AP|AFP|EPA|EPA-EFE|UPI|Reuters|REUTERS|Getty Images|"
     "Xinhua)(?:\\s+Photos?)?(?:\\s*/\\s*[^)]{1,60})?\\)\\.?|"
     ".*\\((?:photo|image|picture|pic|credit|photograph|file photo|"
     "courtesy|source|photo credit|image credit)s?\\s*(?::|by|courtesy of)"
     "\\s*[^)]{1,80}\\)\\.?|"
     ".*[,|/–—:-]\\s*(?:(?:photo|image|picture|credit|photograph)s?\\s*"
     "(?::|by)?\\s*)?(?:getty images?(?: for [\\w ]{1,30})?|"
     "shutterstock(?:\\.com)?|(?-i:AP|AFP|EPA|EPA-EFE|UPI)(?: Photo)?"
     "(?:/[\\w .]{1,40})?|reuters(?:/[\\w .]{1,40})?|alamy(?: stock photo)?|"
     "istock(?:photo)?|bloomberg(?: via getty images)?|wikimedia commons|"
     "xinhua|anadolu agency|nurphoto|sopa images|zuma press)\\.?)$"},
    {"photo_credit", 200,
     "^(?:(?:photo|image|picture|pic|photograph|illustration|file photo|"
     "photo illustration)(?: credits?)?\\s*(?::|by|courtesy of)\\s*.{1,100}|"
     "(?:image|photo) (?:source|credit)s?\\s*:?.{0,100})$"},
    {"byline", 120,
     "^(?-i:(?i:by|written by|posted by|words by|story by|author|"
     "reporting by|report by)\\s*:?\\s+\\p{Lu}[\\p{L}'’.-]*"
     "(?:\\s+(?:\\p{Lu}[\\p{L}'’.-]*|and|&|van|de|von|der|da|di|le|la|"
     "del|bin)){0,5}(?:\\s*(?:[,|–—•·-]|\\bon\\b)\\s*(?:\\p{Lu}|\\d).{0,80})?"
     ")$"},
    {"timestamp_alone", 100,
     "^" STAMP_PREFIX "(?:" WDAY ")?(?:" DATE "(?:\\s*(?:[-–—,|@•·]|at)?"
     "\\s*" CLOCK ")?|" CLOCK "(?:\\s*(?:[-–—,|@•·]|on)?\\s*(?:" WDAY ")?"
     DATE ")?)$"},
    {"relative_time", 60,
     "^(?:(?:\\d+|an?|one)\\s*(?:second|sec|minute|min|hour|hr|day|week|"
     "month|year|[smhdw])s?\\s+ago(?:\\s+" CLOCK ")?|just now|yesterday|today|\\d+\\s*(?:min|minute)s?"
     "\\s+read|(?:reading time|read time)\\s*:?\\s*\\d+\\s*(?:min|minute)s?"
     "(?: read)?)\\.?$"},
    {"copyright", 300,
     "^(?:(?:©|\\(c\\)|copyright\\s*(?:©|\\(c\\)|\\d{4}))\\s*.{0,250}|"
     ".{0,200}\\ball rights reserved\\b.{0,100}|.{0,120}\\b(?:may not be "
     "(?:reproduced|published|republished|redistributed)|without (?:the )?"
     "(?:prior |express )?written permission)\\b.{0,200})$"},
    {"login_prompt", 150,
     "^(?:log ?in|sign ?in|sign ?up|register|create (?:an |your )?"
     "(?:free )?account|log ?out|sign ?out|my account|my profile|"
     "forgot (?:your )?password\\??|already (?:a subscriber|have an "
     "account|registered)\\??.{0,60}|(?:log|sign) in (?:to|with) .{0,60}|"
     "subscribe ?sign ?in|sign ?in ?subscribe|don'?t have an account\\??"
     ".{0,60}|(?:log|sign) in or (?:register|sign up|subscribe).{0,60}|"
     "welcome back.{0,40}|account|profile|settings)[.!]?$"},
    {"pagination", 80,
     "^(?:(?:«|‹|<|←)?\\s*(?:previous|prev|next|older|newer)(?: (?:page|"
     "post|article|story|entries|posts|slide))?\\s*(?:»|›|>|→)?|page \\d+"
     "(?: of \\d+)?|\\d+(?:\\s+\\d+){1,12}(?:\\s+(?:next|»|›|…|→))?|"
     "(?:first|last)(?: page)?|load more(?: \\w+)?|show more|"
     "view (?:all|more)(?: \\w+)?|see (?:all|more)(?: \\w+)?|"
     "\\d+\\s*/\\s*\\d+|go to page.{0,20})$"},
    {"nav_crumbs", 250,
     "^(?:(?:home|start)\\s*(?:[>»›/|]|&gt;).{1,200}|[^.!?>»›]{1,50}"
     "(?:\\s+[>»›]\\s+[^.!?>»›]{1,50}){2,}|(?:[^.!?|•·]{1,30}\\s+[|•·]"
     "\\s+){3,}[^.!?|•·]{1,30})$"},
    {"ad_label", 80,
     "^(?:advertisement|advertising|sponsored(?: content| links?| by "
     ".{1,40})?|ads?|promoted(?: by .{1,40})?|paid (?:content|post|"
     "partner)|scroll (?:down )?to continue(?: with content| reading)?|"
     "(?:story|article) continues (?:below|after).{0,30}|continue reading "
     "below|ad feedback|report (?:this )?ad|this (?:content|article) is "
     "sponsored by.{0,60}|presented by .{1,40})[.:]?$"},
    {"site_ui", 60,
     "^(?:skip to (?:main )?(?:content|navigation|search)|menu|search|close"
     "|toggle navigation|back to (?:top|gallery|home|homepage|list|"
     "article|story|search results|menu)|top|go to top|scroll to top|"
     "learn more|find out more|loading"
     "(?:\\.\\.\\.|…)?|play(?: video)?|pause|mute|unmute|watch|listen|"
     "listen to (?:this|the) (?:article|story|podcast)|open menu|"
     "close menu|more|less|yes|no|ok|okay|accept|decline|got it|"
     "continue|cancel|submit|send|x|×|search for:?|go|home|"
     "enter your (?:email|search|keywords?).{0,20}|type your search.{0,20}"
     "|(?:expand|collapse)(?: all)?|view gallery|open gallery|"
     "\\d+ photos?|watch video|video|audio|photos?|gallery)[.!:…]?$"},
    {"separator", 40, "^[^\\p{L}\\p{N}]{1,40}$"},
    {"archive_count", 60,
     "^[\\p{L}\\d][^.!?()]{0,40}\\s?\\(\\d{1,6}\\)$"},
    {"footer_link", 80,
     "^(?:privacy(?: policy| notice| statement| center| settings)?|"
     "terms(?: (?:of (?:use|service|sale)|and conditions|& conditions))?"
     "|cookie (?:policy|settings|preferences)|contact(?: us)?|about"
     "(?: us)?|advertise(?: with us)?|careers|sitemap|site map|faqs?|"
     "help(?: center)?|imprint|impressum|accessibility|do not sell my "
     "(?:personal )?info(?:rmation)?|ad ?choices|rss(?: feeds?)?|"
     "masthead|corrections|jobs|legal(?: notice)?|disclaimer|feedback|"
     "customer (?:service|support)|terms & privacy|privacy & terms|"
     "community guidelines|community standards|privacy overview|"
     "(?:privacy (?:&|and) )?cookies? policy|gdpr(?: commitment| policy)?|"
     "shopping (?:cart|bag)|cart|checkout|wishlist|submit a tip|send us a tip|our team|"
     "work with us|licensing|reprints?(?: & permissions)?|"
     "(?:terms|privacy|cookies?|contact|about|advertise|careers|help)"
     "(?:\\s*[|·•/]\\s*(?:[\\w&' ]{1,30}))+)$"},
};

#define NBUILTIN (sizeof builtin / sizeof *builtin)

/* Needles: a built-in rule whose pattern has to scan the line is only
 * tried when the lowercased line contains one of these (a necessary
 * condition of its pattern).  A memchr scan of a short line is far cheaper
 * than a backtracking scan, and most lines contain none. */
static const struct {
    const char *name;
    const char *need[32];
} needles[] = {
    {"cookie_banner", {"cookie", NULL}},
    {"archive_count", {"(", NULL}},
    {"cookie_banner_intl", {"cookie", NULL}},
    {"newsletter_form", {"subscri", NULL}},
    {"image_caption", /* "(", or an agency after a separator */
     {"(", "getty", "shutterstock", "reuters", "alamy", "istock",
      "bloomberg", "wikimedia", "xinhua", "anadolu", "nurphoto", "zuma",
      "sopa", "afp", ", ap", ",ap", "/ap", "/ ap", "- ap", "-ap", "| ap",
      ": ap", "\xe2\x80\x93 ap", "\xe2\x80\x94 ap", "epa", "upi", NULL}},
    {"copyright",
     {"\xc2\xa9", "(c)", "copyright", "rights reserved", "may not be",
      "written permission", NULL}},
    {"nav_crumbs",
     {">", "\xc2\xbb", "\xe2\x80\xba", "|", "\xe2\x80\xa2",
      "\xc2\xb7", "/", NULL}},
};

static int combinable(const cl_rule *x);

static int add_rule(cl_rules *r, const char *name, size_t namelen,
                    const char *pat, size_t patlen, uint32_t max_len,
                    const char *file, uint64_t line, wn_error *err)
{
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *code = pcre2_compile(
        (PCRE2_SPTR)pat, patlen,
        PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &errcode,
        &erroff, NULL);
    if (!code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(errcode, msg, sizeof msg);
        return wn_err(err, WN_EINVAL, file, line,
                      "rule '%.*s': bad pattern at %zu: %s", (int)namelen,
                      name, (size_t)erroff, (char *)msg);
    }
    /* JIT is an optimisation: where it is unavailable the interpreter
     * gives the same answers. */
    int jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
    cl_rule *slot = NULL;
    free(r->own); /* a table changed after cl_rules_finish: look at all */
    r->own = NULL;
    for (size_t i = 0; i < r->n; i++)
        if (strlen(r->r[i].name) == namelen &&
            !memcmp(r->r[i].name, name, namelen))
            slot = &r->r[i];
    if (!slot) {
        if (r->n == r->cap) {
            size_t nc = r->cap ? r->cap * 2 : 32;
            cl_rule *nr = realloc(r->r, nc * sizeof *nr);
            if (!nr) {
                pcre2_code_free(code);
                return wn_err(err, WN_ENOMEM, file, line, "out of memory");
            }
            r->r = nr;
            r->cap = nc;
        }
        slot = &r->r[r->n++];
        memset(slot, 0, sizeof *slot);
        if (!(slot->name = strndup(name, namelen))) {
            r->n--;
            pcre2_code_free(code);
            return wn_err(err, WN_ENOMEM, file, line, "out of memory");
        }
    } else {
        pcre2_code_free(slot->code);
        free(slot->pattern);
    }
    slot->code = code;
    slot->jit = jit;
    slot->pattern = strndup(pat, patlen);
    slot->max_len = max_len;
    slot->disabled = 0;
    slot->need = NULL;
    slot->nbit = -1;
    if (!strcmp(file, "(built-in)"))
        for (size_t i = 0; i < sizeof needles / sizeof *needles; i++)
            if (!strcmp(needles[i].name, slot->name))
                slot->need = needles[i].need;
    slot->solo = slot->pattern ? !combinable(slot) : 1;
    return slot->pattern ? 0 : wn_err(err, WN_ENOMEM, file, line, "no memory");
}

static void recompute(cl_rules *r)
{
    r->max_len = 0;
    for (size_t i = 0; i < r->n; i++)
        if (!r->r[i].disabled && r->r[i].max_len > r->max_len)
            r->max_len = r->r[i].max_len;
}

static int valid_name(const char *s, size_t n)
{
    if (!n || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int cl_rules_disable(cl_rules *r, const char *name, wn_error *err)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->r[i].name, name)) {
            r->r[i].disabled = 1;
            recompute(r);
            return 0;
        }
    return wn_err(err, WN_EINVAL, "", 0, "no rule named '%s'", name);
}

int cl_rules_parse(cl_rules *r, const char *text, size_t n, const char *name,
                   wn_error *err)
{
    const char *p = text, *end = text + n;
    uint64_t lineno = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end, *q = p;
        lineno++;
        p = nl ? nl + 1 : end;
        while (q < e && (*q == ' ' || *q == '\t'))
            q++;
        while (e > q && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            e--;
        if (q == e || *q == '#')
            continue;
        const char *w = q;
        while (q < e && *q != ' ' && *q != '\t')
            q++;
        size_t wl = (size_t)(q - w);
        while (q < e && (*q == ' ' || *q == '\t'))
            q++;
        if (!valid_name(w, wl))
            return wn_err(err, WN_EINVAL, name, lineno,
                          "line %llu: bad rule name (letters, digits, _ "
                          "and - only)", (unsigned long long)lineno);
        if (wl == 7 && !memcmp(w, "disable", 7)) {
            char nm[65];
            size_t l = (size_t)(e - q);
            if (!valid_name(q, l))
                return wn_err(err, WN_EINVAL, name, lineno,
                              "line %llu: disable needs one rule name",
                              (unsigned long long)lineno);
            memcpy(nm, q, l);
            nm[l] = 0;
            int rc = cl_rules_disable(r, nm, err);
            if (rc) {
                err->offset = lineno;
                snprintf(err->file, sizeof err->file, "%s", name);
                return rc;
            }
            continue;
        }
        uint32_t max_len = 200;
        if (e - q > 7 && !memcmp(q, "maxlen=", 7)) {
            unsigned long v = 0;
            q += 7;
            const char *d = q;
            while (q < e && *q >= '0' && *q <= '9' && v < 100000000)
                v = v * 10 + (unsigned long)(*q++ - '0');
            if (q == d || v == 0 || (q < e && *q != ' ' && *q != '\t'))
                return wn_err(err, WN_EINVAL, name, lineno,
                              "line %llu: maxlen= needs a positive number",
                              (unsigned long long)lineno);
            max_len = (uint32_t)v;
            while (q < e && (*q == ' ' || *q == '\t'))
                q++;
        }
        if (q == e)
            return wn_err(err, WN_EINVAL, name, lineno,
                          "line %llu: rule without a pattern",
                          (unsigned long long)lineno);
        int rc = add_rule(r, w, wl, q, (size_t)(e - q), max_len, name,
                          lineno, err);
        if (rc)
            return rc;
    }
    recompute(r);
    return 0;
}

static int read_file(const char *path, wn_buf *out, wn_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return wn_err(err, WN_EIO, path, 0, "cannot open: %s",
                      strerror(errno));
    char tmp[8192];
    size_t k;
    int rc = 0;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
        if ((rc = wn_buf_append(out, tmp, k)))
            break;
    if (!rc && ferror(f))
        rc = wn_err(err, WN_EIO, path, 0, "read error");
    else if (rc)
        rc = wn_err(err, rc, path, 0, "cannot read rule file");
    fclose(f);
    return rc;
}

int cl_rules_new(int with_builtin, const char *path, const char *disable,
                 cl_rules **out, wn_error *err)
{
    *out = NULL;
    cl_rules *r = calloc(1, sizeof *r);
    if (!r)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    int rc = 0;
    for (size_t i = 0; with_builtin && i < NBUILTIN && !rc; i++)
        rc = add_rule(r, builtin[i].name, strlen(builtin[i].name),
                      builtin[i].pattern, strlen(builtin[i].pattern),
                      builtin[i].max_len, "(built-in)", i, err);
    if (!rc && path && *path) {
        wn_buf b = WN_BUF_INIT;
        rc = read_file(path, &b, err);
        if (!rc)
            rc = cl_rules_parse(r, b.data ? b.data : "", b.len, path, err);
        wn_buf_release(&b);
    }
    recompute(r);
    *out = r;
    (void)disable; /* handled by the stage, which also knows structural
                    * rule names */
    if (rc) {
        cl_rules_free(r);
        *out = NULL;
    }
    return rc;
}

static int build_needles(cl_rules *r)
{
    free(r->nent);
    r->nent = NULL;
    memset(r->nstart, 0, sizeof r->nstart);
    r->need_max = 0;
    size_t total = 0;
    int bit = 0;
    for (size_t i = 0; i < r->n; i++) {
        cl_rule *x = &r->r[i];
        x->nbit = -1;
        if (x->disabled || !x->need || bit == 64)
            continue; /* past 64 such rules: tried without a gate */
        x->nbit = bit++;
        if (x->max_len > r->need_max)
            r->need_max = x->max_len;
        for (size_t k = 0; x->need[k]; k++)
            total++;
    }
    memset(r->onebits, 0, sizeof r->onebits);
    memset(r->pair, 0, sizeof r->pair);
    if (!total)
        return 0;
    if (!(r->nent = malloc(total * sizeof *r->nent)))
        return WN_ENOMEM;
    uint16_t count[256] = {0};
    for (size_t i = 0; i < r->n; i++)
        for (size_t k = 0; r->r[i].nbit >= 0 && r->r[i].need[k]; k++)
            count[(unsigned char)r->r[i].need[k][0]]++;
    for (int c = 0; c < 256; c++)
        r->nstart[c + 1] = (uint16_t)(r->nstart[c] + count[c]);
    uint16_t fill[256];
    memcpy(fill, r->nstart, sizeof fill);
    for (size_t i = 0; i < r->n; i++)
        for (size_t k = 0; r->r[i].nbit >= 0 && r->r[i].need[k]; k++) {
            const char *nd = r->r[i].need[k];
            needle_ent *e = &r->nent[fill[(unsigned char)nd[0]]++];
            e->s = nd;
            e->len = (uint8_t)strlen(nd);
            e->bit = (uint8_t)r->r[i].nbit;
            unsigned c0 = (unsigned char)nd[0];
            if (e->len == 1) {
                r->onebits[c0] |= (uint64_t)1 << e->bit;
            } else {
                unsigned key = c0 | (unsigned)(unsigned char)nd[1] << 8;
                r->pair[key >> 6] |= (uint64_t)1 << (key & 63);
            }
        }
    return 0;
}

/* Bit i set: the line contains a needle of the rule with nbit i. */
/* lower_c without a branch: this runs on every byte of every line. */
static inline unsigned low(unsigned char c)
{
    return c + ((unsigned)((unsigned)c - 'A' < 26u) << 5);
}

static uint64_t needle_mask(const cl_rules *r, const char *s, size_t n)
{
    /* Most byte pairs start no needle: an 8 KiB bitmap of the first two
     * (lowercased) bytes of every needle rejects them before any
     * comparison; 1-byte needles are or-ed in from a table (0 for other
     * bytes) without a test. */
    uint64_t mask = 0;
    const unsigned char *p = (const unsigned char *)s;
    unsigned c0 = n ? low(p[0]) : 0;
    for (size_t k = 0; k < n; k++) {
        unsigned c1 = k + 1 < n ? low(p[k + 1]) : 0;
        mask |= r->onebits[c0];
        unsigned key = c0 | c1 << 8;
        if (WN_UNLIKELY(r->pair[key >> 6] >> (key & 63) & 1))
            for (uint16_t e = r->nstart[c0]; e < r->nstart[c0 + 1]; e++) {
                const needle_ent *x = &r->nent[e];
                if (x->len < 2 || x->len > n - k || (mask >> x->bit & 1))
                    continue;
                size_t j = 1;
                while (j < x->len && lower_c(s[k + j]) == x->s[j])
                    j++;
                if (j == x->len)
                    mask |= (uint64_t)1 << x->bit;
            }
        c0 = c1;
    }
    return mask;
}

static void free_tiers(cl_rules *r)
{
    for (size_t i = 0; i < r->ntier; i++)
        pcre2_code_free(r->tier[i].code);
    free(r->tier);
    r->tier = NULL;
    r->ntier = 0;
}

/* Builds r->disp from the tiers' rules. */
static void build_dispatch(cl_rules *r)
{
    const char **pat = calloc(r->n ? r->n : 1, sizeof *pat);
    for (size_t i = 0; pat && i < r->n; i++)
        if (!r->r[i].disabled && !r->r[i].solo)
            pat[i] = r->r[i].pattern;
    if (pat)
        cl_disp_build(&r->disp, pat, r->n);
    free(pat);
}

/* May rule x join an alternation?  Not if it numbers its own groups for
 * back-references (numbers would shift) or sets marks of its own. */
static int combinable(const cl_rule *x)
{
    uint32_t refs = 0, opts = 0;
    pcre2_pattern_info(x->code, PCRE2_INFO_BACKREFMAX, &refs);
    pcre2_pattern_info(x->code, PCRE2_INFO_ALLOPTIONS, &opts);
    /* The alternation is matched anchored: only patterns anchored at the
     * line start may join; rules with needles run on their own, gated. */
    return refs == 0 && (opts & PCRE2_ANCHORED) && !x->need && !strstr(x->pattern, "(*MARK") &&
           !strstr(x->pattern, "(*:") && !strstr(x->pattern, "(*PRUNE") &&
           !strstr(x->pattern, "(*SKIP") && !strstr(x->pattern, "(*THEN") &&
           !strstr(x->pattern, "(*COMMIT") && !strstr(x->pattern, "(*ACCEPT");
}

/* The rules a line is matched against one by one once the tiers are
 * settled: enabled ones outside the tiers. */
static int build_own(cl_rules *r)
{
    free(r->own);
    r->nown = 0;
    if (!(r->own = malloc((r->n ? r->n : 1) * sizeof *r->own)))
        return WN_ENOMEM;
    for (size_t i = 0; i < r->n; i++)
        if (!r->r[i].disabled && (!r->tier || r->r[i].solo))
            r->own[r->nown++] = i;
    return 0;
}

int cl_rules_finish(cl_rules *r, int combined, wn_error *err)
{
    free(r->own);
    r->own = NULL;
    free_tiers(r);
    cl_disp_free(&r->disp);
    if (build_needles(r))
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    if (!combined)
        return build_own(r) ? wn_err(err, WN_ENOMEM, "", 0, "out of memory")
                            : 0;
    /* Distinct bounds, ascending. */
    uint32_t *b = malloc((r->n + 1) * sizeof *b);
    if (!b)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    size_t nb = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->r[i].disabled || r->r[i].solo)
            continue;
        size_t k = 0;
        while (k < nb && b[k] != r->r[i].max_len)
            k++;
        if (k == nb)
            b[nb++] = r->r[i].max_len;
    }
    for (size_t i = 1; i < nb; i++)
        for (size_t k = i; k > 0 && b[k - 1] > b[k]; k--) {
            uint32_t t = b[k];
            b[k] = b[k - 1];
            b[k - 1] = t;
        }
    r->tier = calloc(nb ? nb : 1, sizeof *r->tier);
    wn_buf pat = WN_BUF_INIT;
    int rc = r->tier ? 0 : WN_ENOMEM;
    for (size_t t = 0; t < nb && !rc; t++) {
        wn_buf_reset(&pat);
        /* a rule missing from the combined pattern would never match */
        keep_first(&rc, wn_buf_puts(&pat, "(?:"));
        int first = 1;
        for (size_t i = 0; i < r->n; i++) {
            const cl_rule *x = &r->r[i];
            if (x->disabled || x->max_len < b[t] || x->solo)
                continue;
            keep_first(&rc, wn_buf_printf(&pat, "%s(*MARK:%zu)(?:%s)",
                                          first ? "" : "|", i, x->pattern));
            first = 0;
        }
        if (keep_first(&rc, wn_buf_puts(&pat, ")")))
            rc = WN_ENOMEM;
        int ec;
        PCRE2_SIZE eo;
        pcre2_code *code =
            rc ? NULL
               : pcre2_compile((PCRE2_SPTR)pat.data, pat.len,
                               PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS |
                                   PCRE2_ANCHORED,
                               &ec, &eo, NULL);
        if (!code) {
            /* Each part compiled alone, so this is a size limit: fall
             * back to matching rule by rule, which gives the same
             * verdicts. */
            free_tiers(r);
            break;
        }
        r->tier[r->ntier].jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
        r->tier[r->ntier].max_len = b[t];
        r->tier[r->ntier++].code = code;
    }
    wn_buf_release(&pat);
    free(b);
    if (rc) {
        free_tiers(r);
        return wn_err(err, rc, "", 0, "out of memory");
    }
    if (r->tier)
        build_dispatch(r);
    if (build_own(r))
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    return 0;
}

void cl_rules_free(cl_rules *r)
{
    if (!r)
        return;
    free_tiers(r);
    cl_disp_free(&r->disp);
    free(r->own);
    free(r->nent);
    for (size_t i = 0; i < r->n; i++) {
        pcre2_code_free(r->r[i].code);
        free(r->r[i].name);
        free(r->r[i].pattern);
    }
    free(r->r);
    free(r);
}

void *cl_rules_match_data(const cl_rules *r)
{
    (void)r;
    return pcre2_match_data_create(1, NULL);
}

void cl_rules_match_data_free(void *md) { pcre2_match_data_free(md); }

/* pcre2_jit_match skips pcre2_match's checks, which cost about as much
 * as the match itself on a short line; it checks no UTF-8 either, so it
 * runs only on text known to be valid. */
static int run(const pcre2_code *code, int jit, const char *s, size_t n,
               uint32_t opts, void *md)
{
    if (jit && (opts & PCRE2_NO_UTF_CHECK))
        return pcre2_jit_match(code, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
    return pcre2_match(code, (PCRE2_SPTR)s, n, 0, opts, md, NULL);
}

const char *cl_rules_match(const cl_rules *r, const char *s, size_t n,
                           int utf_ok, void *md)
{
    uint32_t opts = utf_ok ? PCRE2_NO_UTF_CHECK : 0;
    if (n > r->max_len || !md)
        return NULL;
    /* Table order decides: the combined alternation gives the first of
     * its rules that matches (index `hit`); a rule outside it can only
     * win if it comes earlier in the table. */
    size_t hit = r->n;
    int tiers = r->tier != NULL;
    const unsigned char *u = (const unsigned char *)s;
    if (tiers && r->disp.start && n >= 2 &&
        (unsigned)(u[0] - DISP_LO) < DISP_W &&
        (unsigned)(u[1] - DISP_LO) < DISP_W) {
        /* the tier's rules, narrowed to the alternatives that can start
         * with these two bytes; table order, so the first match is the
         * alternation's */
        size_t key = (size_t)(u[0] - DISP_LO) * DISP_W + (u[1] - DISP_LO);
        for (uint32_t e = r->disp.start[key]; e < r->disp.start[key + 1];
             e++) {
            uint16_t a = r->disp.list[e];
            size_t i = r->disp.rule[a];
            if (n <= r->r[i].max_len &&
                run(r->disp.code[a], r->disp.jit, s, n, opts, md) >= 0) {
                hit = i;
                break;
            }
        }
    } else if (tiers) {
        size_t t = 0;
        while (t < r->ntier && r->tier[t].max_len < n)
            t++;
        if (t < r->ntier &&
            run(r->tier[t].code, r->tier[t].jit, s, n, opts, md) >= 0) {
            PCRE2_SPTR mark = pcre2_get_mark(md);
            size_t i = 0;
            for (const PCRE2_UCHAR *p = mark; p && *p >= '0' && *p <= '9';
                 p++)
                i = i * 10 + (size_t)(*p - '0');
            if (mark && i < r->n)
                hit = i;
        }
    }
    uint64_t mask = n <= r->need_max ? needle_mask(r, s, n) : 0;
    size_t cnt = r->own ? r->nown : r->n;
    for (size_t k = 0; k < cnt; k++) {
        size_t i = r->own ? r->own[k] : k;
        if (i >= hit)
            break;
        const cl_rule *x = &r->r[i];
        if (x->disabled || n > x->max_len || (tiers && !x->solo))
            continue;
        if (x->nbit >= 0 && !(mask >> x->nbit & 1))
            continue;
        /* The caller checked the document's UTF-8 once (readers repair
         * it), so the per-line check is skipped; invalid text is matched
         * with checking on and simply matches nothing. */
        if (run(x->code, x->jit, s, n, opts, md) >= 0)
            return x->name;
    }
    return hit < r->n ? r->r[hit].name : NULL;
}

size_t cl_rules_count(const cl_rules *r) { return r->n; }

const char *cl_rules_name(const cl_rules *r, size_t i)
{
    return i < r->n ? r->r[i].name : NULL;
}
