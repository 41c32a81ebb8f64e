/*
 * config.h - run configuration: a flat map of "section.key" -> string, and
 * the typed option tables that read it.
 *
 * Every option of every stage has one key (e.g. "gopher.min_words"); CLI
 * flags, the --config INI file ([section] key = value) and defaults all
 * land in the map, so --print-config can show the effective value of each.
 *
 * An owner (a stage, the run, dedup) declares each of its options ONCE, in
 * a config_opt table: key, type, default, range or choices, one line of
 * help, and where the parsed value goes in the owner's options struct.
 * config_parse() turns a wn_config into that struct, parsing the defaults
 * with the same code as the user's values, so a default is written once
 * and a bad value is always WN_EINVAL with a message that names the option
 * and says what it accepts - never silently replaced by the default.
 */
#ifndef WN_CONFIG_H
#define WN_CONFIG_H

#include "winnow.h"

#include <math.h>
#include <stddef.h>

/* Option types and the C type of the field each one fills. */
enum config_type {
    OPT_BOOL,   /* int: 1/0, true/false, yes/no, on/off (any case) */
    OPT_INT,    /* an integer field of 4 or 8 bytes, signed or not (see
                   config_parse); decimal digits with an optional '-' */
    OPT_DOUBLE, /* double; finite (no nan, no inf) */
    OPT_SIZE,   /* size_t; the wn_parse_size grammar (64k, 2GiB, 1.5G) */
    OPT_ENUM,   /* int: the index of the value among choices */
    OPT_LIST,   /* const char *: comma-separated items, blanks around
                   items ignored; items must be among choices if given */
    OPT_PATH,   /* const char *: a file name (opened by its user) */
    OPT_STRING, /* const char *: any text */
};

/* Flags. */
enum {
    /* Numbers: "off", "none" or "" switch the rule off.  Such an option is
     * stored as a double whatever its type (an OPT_INT only restricts the
     * spelling to integers), NaN when off: see config_number. */
    OPT_OFF = 1,
    /* Lists, paths, strings: the empty value is allowed. */
    OPT_EMPTY = 2,
    /* Lists: the word "all" alone is allowed (every item); the field then
     * points to the static string "all". */
    OPT_ALL = 4,
};

/* No bound: the min or max of a number without one. */
#define OPT_NOLIMIT HUGE_VAL

typedef struct config_opt {
    const char *key;     /* "section.key" */
    int type;            /* enum config_type */
    const char *def;     /* default, as text: parsed like a user's value */
    double min, max;     /* numbers: accepted range, inclusive */
    const char *choices; /* enum, list: "a|b|c"; an entry "x=a" accepts x
                            as another spelling of a (not shown in help) */
    unsigned flags;      /* OPT_OFF, OPT_EMPTY, OPT_ALL */
    size_t offset, size; /* the field in the options struct: OPT_AT() */
    const char *help;    /* one line */
} config_opt;

/* Where an option's value goes: field f of options struct T. */
#define OPT_AT(T, f) offsetof(T, f), sizeof(((T *)0)->f)

/* Table rows, one macro per type; `at` is OPT_AT(T, field).  A table ends
 * with OPTION_END. */
#define OPTION_BOOL(key, def, at, help)                                      \
    {key, OPT_BOOL, def, 0, 1, NULL, 0, at, help}
#define OPTION_INT(key, def, lo, hi, flags, at, help)                        \
    {key, OPT_INT, def, lo, hi, NULL, flags, at, help}
#define OPTION_DOUBLE(key, def, lo, hi, flags, at, help)                     \
    {key, OPT_DOUBLE, def, lo, hi, NULL, flags, at, help}
#define OPTION_SIZE(key, def, lo, hi, at, help)                              \
    {key, OPT_SIZE, def, lo, hi, NULL, 0, at, help}
#define OPTION_ENUM(key, def, choices, at, help)                             \
    {key, OPT_ENUM, def, 0, 0, choices, 0, at, help}
#define OPTION_LIST(key, def, choices, flags, at, help)                      \
    {key, OPT_LIST, def, 0, 0, choices, flags, at, help}
#define OPTION_PATH(key, def, flags, at, help)                               \
    {key, OPT_PATH, def, 0, 0, NULL, flags, at, help}
#define OPTION_STRING(key, def, flags, at, help)                             \
    {key, OPT_STRING, def, 0, 0, NULL, flags, at, help}
#define OPTION_END {NULL, 0, NULL, 0, 0, NULL, 0, 0, 0, NULL}

/* Fills the options struct at out from table: each option gets cfg's value
 * (cfg may be NULL) or else its default, parsed and range-checked by the
 * same code.  Keys of cfg that table does not declare are not looked at
 * (see config_unknown_key).  Returns 0, or WN_EINVAL with a message such
 * as "extract.link_density: 'abc' is not a number in [0, 1]".  String
 * fields point into cfg or the table: copy what must outlive cfg.
 * An OPT_INT field is written by its size: 4 bytes hold [INT32_MIN,
 * INT32_MAX] (so an int or an unsigned field will do), 8 bytes hold the
 * range of long long, or of uint64_t when the table's max is finite and
 * above LLONG_MAX (then the field must be unsigned). */
int config_parse(const config_opt *table, const wn_config *cfg, void *out,
                 wn_error *err);

/* The first key of cfg under "prefix." that table does not declare, or
 * NULL (also when cfg is NULL). */
const char *config_unknown_key(const config_opt *table, const char *prefix,
                               const wn_config *cfg);

/* The row of key in table, or NULL. */
const config_opt *config_find(const config_opt *table, const char *key);

/* The row of key among every option winnow has (run.*, dedup.*, each
 * registered stage's), or NULL. */
const config_opt *config_find_any(const char *key);

/* What o accepts, for help and messages: "bool", "int, >= 0", "double in
 * [0, 1], or off", "size, >= 1024", "one of main, all", "list of email,
 * ip, phone, may be empty", "list, or all", "path, may be empty", ...
 * Always NUL-terminated. */
void config_describe(const config_opt *o, char *out, size_t outsz);

/* The value of number option o in the parsed struct opts, as a double;
 * NaN when an OPT_OFF option is off. */
double config_number(const config_opt *o, const void *opts);

/* Walks a list value: returns the length of the next item (blanks
 * trimmed, empty items skipped) and points *item at it, or 0 at the end.
 * Start with *cursor = the value. */
size_t config_list_next(const char **cursor, const char **item);

/* The choices of list option o that value v names: bit i for the i-th
 * choice (aliases set their target's bit).  v must have passed
 * config_parse. */
unsigned config_list_mask(const config_opt *o, const char *v);

/* ------------------------------------------------ per-language settings
 *
 * A stage with add_language (stage.h) takes per-language values of its
 * options: documents in language L are judged under the values of
 *   1. the key "stage.L.option" ([stage.L] in the INI), if set;
 *   2. else the language table (lang_table.c: FineWeb-2's published
 *      per-language choices, or winnow's documented defaults);
 *   3. else "stage.option" (the user's value or the default).
 * Language codes are langid's (ISO 639-1 where one exists). */

/* The table's value of key for language lang (canonical code), or NULL;
 * *source (may be NULL) gets where the value comes from. */
const char *langconf_get(const char *lang, const char *key,
                         const char **source);
/* The i-th language of the table, or NULL past the end. */
const char *langconf_lang_at(size_t i);
/* lang[0..n) in canonical form into out: lowercase, the region or script
 * after '-' or '_' dropped, CLD2's older codes renamed (iw -> he, nb ->
 * no, jw -> jv, tl -> fil); "" when it is not a language code. */
void langconf_canon(const char *lang, size_t n, char *out, size_t outsz);
/* For "stage.L.rest" (stage plen bytes long) where L is a language code:
 * the length of L, with *rest pointing at ".rest"; else 0. */
size_t config_lang_part(const char *key, size_t plen, const char **rest);
/* config_unknown_key, also accepting "prefix.L.option" for every option
 * of table. */
const char *config_unknown_key_lang(const config_opt *table,
                                    const char *prefix, const wn_config *cfg);

/* The option tables of the run (run.c), of dedup (dedup/options.c) and
 * of substr (substr/options.c). */
const config_opt *run_option_table(void);
const config_opt *dedup_option_table(void);
const config_opt *substr_option_table(void);

#endif
