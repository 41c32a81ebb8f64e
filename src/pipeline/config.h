/*
 * config.h - run configuration: a flat map of "section.key" -> string.
 *
 * Every option of every stage has one key (e.g. "gopher.min_words"); CLI
 * flags, the --config INI file ([section] key = value) and defaults all
 * land here, so --print-config can show the effective value of each.
 * Stages declare their options in a config_opt table (name, default,
 * help) and read them with the typed getters below.
 */
#ifndef WN_CONFIG_H
#define WN_CONFIG_H

#include "winnow.h"

typedef struct config_opt {
    const char *key;   /* "section.key" */
    const char *def;   /* default value, as text */
    const char *help;  /* one line */
} config_opt;

const char *config_get(const wn_config *c, const char *key, const char *def);
long long config_get_int(const wn_config *c, const char *key, long long def);
double config_get_double(const wn_config *c, const char *key, double def);
int config_get_bool(const wn_config *c, const char *key, int def);

#endif
