/*
 * outdir.c - what `winnow run` owns in OUTDIR, and how a finished run
 * leaves it.
 *
 * A run writes into OUTDIR only when everything there is its own: files of
 * the names it writes (data/ and rejects/ shards, stats.json, timing.json,
 * problems.jsonl, examples.jsonl, report.html, manifest.json, work/) left by an unfinished
 * attempt of the same run (work/run.conf matches) or by a finished one
 * (manifest.json records the same run.conf).  Anything else - a file winnow
 * does not write, a shard or stats.json with no record of the run that
 * wrote it, the output or work of a run with other inputs or options - is
 * refused unless --force (WN_RUN_FORCE): replacing a file nobody asked to
 * replace, or mixing two runs' shards, is a silent loss.
 *
 * A finished run removes shards past the ones it wrote (a planted
 * part-00100, the tail of a longer earlier run), records what it wrote in
 * manifest.json (last, atomically), then removes work/ unless --keep-work
 * or an input was left unfinished (the next run reads it again).
 */
#include "run_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* The files and folders a run writes at the top of OUTDIR. */
static const char *const top_names[] = {
    "data",          "rejects",       "work",           "work.removing",
    "stats.json",    "timing.json",   "problems.jsonl", "report.html",
    "examples.jsonl", "manifest.json",
};
#define NDIRS 4 /* the first ones are folders */

/* Whether name is "NAME.tmp.PID", the temporary of winnow before
 * atomic_open. */
static int old_temporary(const char *name)
{
    const char *t = strstr(name, ".tmp."), *p;
    if (!t || t == name)
        return 0;
    for (p = t + 5; *p >= '0' && *p <= '9'; p++)
        ;
    return p > t + 5 && !*p;
}

int outdir_is_temporary(const char *name)
{
    return atomic_is_temporary(name) || old_temporary(name);
}

/* "part-NNNNN.jsonl.zst" (five digits or more): *index receives NNNNN. */
static int shard_index(const char *name, size_t *index)
{
    if (strncmp(name, "part-", 5))
        return 0;
    const char *p = name + 5;
    size_t k = 0, digits = 0;
    for (; *p >= '0' && *p <= '9' && digits < 12; p++, digits++)
        k = k * 10 + (size_t)(*p - '0');
    if (digits < 5 || strcmp(p, ".jsonl.zst"))
        return 0;
    *index = k;
    return 1;
}

typedef struct scan {
    wn_buf foreign;  /* the first names winnow did not write */
    size_t nforeign;
    size_t ours;     /* files of winnow's names (not folders) */
    wn_error err;
    int failed;
} scan;

static void add_foreign(scan *s, const char *dir, const char *name)
{
    if (s->nforeign++ < 3)
        wn_buf_printf(&s->foreign, "%s%s%s%s", s->nforeign > 1 ? ", " : "",
                      dir, *dir ? "/" : "", name);
}

static int is_dir(const char *path)
{
    struct stat sb;
    return !lstat(path, &sb) && S_ISDIR(sb.st_mode);
}

/* Counts the entries of OUTDIR/rel (data or rejects): shards are ours. */
static void scan_shards(wn_run *r, scan *s, const char *rel)
{
    wn_buf p = WN_BUF_INIT;
    DIR *d = opendir(run_path(r, &p, "%s", rel));
    wn_buf_release(&p);
    if (!d)
        return;
    struct dirent *e;
    size_t k;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (shard_index(e->d_name, &k))
            s->ours++;
        else if (!outdir_is_temporary(e->d_name))
            add_foreign(s, rel, e->d_name);
    }
    closedir(d);
}

/* The "run" string of OUTDIR/manifest.json into *conf: 1, 0 when there
 * is none, -1 when the file is not a manifest winnow wrote. */
static int manifest_run(wn_run *r, wn_buf *conf)
{
    wn_buf p = WN_BUF_INIT, text = WN_BUF_INIT;
    wn_error e;
    int rc = read_whole_file(run_path(r, &p, "manifest.json"), &text, &e);
    wn_buf_release(&p);
    if (rc) {
        wn_buf_release(&text);
        return rc == 1 ? 0 : -1;
    }
    jview v, run;
    int found = -1;
    if (!jview_parse(text.data, text.len, &v) && jview_get(v, "run", &run) &&
        *run.p == '"')
        found = jview_str(run, conf) ? -1 : 1;
    wn_buf_release(&text);
    return found;
}

static int same_text(const wn_buf *a, const wn_buf *b)
{
    return a->len == b->len && (!a->len || !memcmp(a->data, b->data, a->len));
}

int outdir_claim(wn_run *r, const wn_buf *conf, int whole, wn_error *err)
{
    r->clear_work = 0;
    DIR *d = opendir(r->outdir);
    if (!d) {
        if (errno == ENOENT)
            return 0; /* a new directory */
        return wn_err(err, errno == ENOTDIR ? WN_EINVAL : WN_EIO, r->outdir, 0,
                      "cannot use as output directory: %s", strerror(errno));
    }
    scan s;
    memset(&s, 0, sizeof s);
    struct dirent *e;
    wn_buf p = WN_BUF_INIT;
    int has_work = 0;
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, ".."))
            continue;
        size_t i = 0;
        while (i < sizeof top_names / sizeof *top_names && strcmp(n, top_names[i]))
            i++;
        if (i == sizeof top_names / sizeof *top_names) {
            if (!outdir_is_temporary(n))
                add_foreign(&s, "", n);
            continue;
        }
        int dir = is_dir(run_path(r, &p, "%s", n));
        if (i < NDIRS && !dir) { /* a file where winnow keeps a folder */
            add_foreign(&s, "", n);
            continue;
        }
        if (i >= NDIRS && dir) {
            add_foreign(&s, "", n);
            continue;
        }
        if (i == 2)
            has_work = 1;
        else if (i < 2)
            scan_shards(r, &s, n);
        else if (i >= NDIRS)
            s.ours++;
    }
    closedir(d);
    int force = r->flags & WN_RUN_FORCE;
    int rc = 0;
    if (s.nforeign && !force)
        rc = wn_err(err, WN_EINVAL, r->outdir, 0,
                    "the output directory holds %zu file%s winnow did not "
                    "write (%s%s); use a new or empty directory, or --force "
                    "to write there anyway",
                    s.nforeign, s.nforeign == 1 ? "" : "s",
                    s.foreign.data ? s.foreign.data : "",
                    s.nforeign > 3 ? ", ..." : "");
    /* whose are winnow's files there?  an attempt at this run (work/),
     * or a finished run (manifest.json) */
    wn_buf have = WN_BUF_INIT;
    int work_conf = 0, other = 0;
    if (!rc && has_work) {
        wn_error e2;
        int got = read_whole_file(run_path(r, &p, "work/run.conf"), &have, &e2);
        work_conf = got == 0;
        other = work_conf && !same_text(&have, conf);
    }
    wn_buf_reset(&have);
    int man = rc ? 0 : manifest_run(r, &have);
    if (man > 0 && !same_text(&have, conf) && !work_conf)
        other = 1;
    if (!rc && !other && !work_conf && man <= 0 && s.ours && !force)
        rc = wn_err(err, WN_EINVAL, r->outdir, 0,
                    "the output directory holds winnow output with no record "
                    "of the run that wrote it (no manifest.json%s); use a new "
                    "or empty directory, or --force to replace it",
                    man < 0 ? " that winnow wrote" : "");
    if (!rc && other && !force)
        rc = wn_err(err, WN_EINVAL, r->outdir, 0,
                    "this output directory holds the %s of a run with other "
                    "inputs or options; use another directory, or --force to "
                    "replace it",
                    work_conf ? "work" : "output");
    if (!rc && other && work_conf && force && !whole)
        rc = wn_err(err, WN_EINVAL, r->outdir, 0,
                    "this output directory holds the work of a run with other "
                    "inputs or options; a part of a distributed run does not "
                    "remove it: remove %s/work", r->outdir);
    /* --force: the other run's work goes (after the lock is held) */
    r->clear_work = !rc && other && work_conf;
    wn_buf_release(&have);
    wn_buf_release(&s.foreign);
    wn_buf_release(&p);
    return rc;
}

/* Removes what dir holds (files of ours: links are removed, never
 * followed) and, unless keep_lock, the lock file and the folder itself.
 * Paths are built on the stack: removing must not stop half way for want
 * of memory (work.removing would stay behind a run that exits 0). */
static void clear_dir(const char *dir, int keep_lock)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[4096];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            (keep_lock && !strcmp(e->d_name, "lock")))
            continue;
        int k = snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (k < 0 || (size_t)k >= sizeof p)
            continue; /* longer than any path of ours */
        if (is_dir(p))
            clear_dir(p, 0);
        else
            unlink(p);
    }
    closedir(d);
    if (!keep_lock)
        rmdir(dir);
}

/* work/ goes in one step (a rename), then piece by piece: killed half way
 * through, a run must not leave work/ with some units' files gone and
 * their markers still there, which the next run would take as done.  When
 * the rename fails, work/ stays whole and the run is not over: the
 * manifest (its seal) is taken back and the next run finishes from the
 * markers, instead of a run that exits 0 leaving its work behind. */
static int remove_work(wn_run *r, wn_error *err)
{
    wn_buf w = WN_BUF_INIT, t = WN_BUF_INIT, m = WN_BUF_INIT;
    int rc = 0;
    if (run_path(r, &w, "work") && run_path(r, &t, "work.removing")) {
        clear_dir(t.data, 0); /* left by a run killed while removing */
        if (!atomic_move_dir(w.data, t.data))
            clear_dir(t.data, 0);
        else if (errno != ENOENT) {
            rc = wn_err(err, WN_EIO, w.data, 0,
                        "cannot move the work directory aside (%s): the "
                        "outputs are written but the run is not finished; "
                        "run it again", strerror(errno));
            if (run_path(r, &m, "manifest.json"))
                unlink(m.data);
        }
    }
    wn_buf_release(&w);
    wn_buf_release(&t);
    wn_buf_release(&m);
    return rc;
}

void outdir_remove_old_work(wn_run *r)
{
    wn_buf t = WN_BUF_INIT;
    if (run_path(r, &t, "work.removing"))
        clear_dir(t.data, 0);
    wn_buf_release(&t);
}

void outdir_remove_tree(const char *dir)
{
    if (dir)
        clear_dir(dir, 0);
}

void outdir_clear_work(wn_run *r)
{
    wn_buf p = WN_BUF_INIT;
    const char *w = run_path(r, &p, "work");
    if (w)
        clear_dir(w, 1);
    wn_buf_release(&p);
}

/* Removes shards of OUTDIR/rel past the first count: a longer earlier
 * run's tail, or (with --force) shards of another run. */
static void remove_stale(wn_run *r, const char *rel, size_t count)
{
    wn_buf p = WN_BUF_INIT;
    DIR *d = opendir(run_path(r, &p, "%s", rel));
    if (!d) {
        wn_buf_release(&p);
        return;
    }
    struct dirent *e;
    size_t k;
    wn_buf f = WN_BUF_INIT;
    while ((e = readdir(d)))
        if (shard_index(e->d_name, &k) && k >= count &&
            run_path(r, &f, "%s/%s", rel, e->d_name))
            unlink(f.data);
    closedir(d);
    wn_buf_release(&f);
    wn_buf_release(&p);
}

/* Files whose bytes depend on the machine (CPU seconds, wall time): the
 * manifest names them without a size, so that it is itself the same
 * bytes for the same job. */
static int machine_bytes(const char *rel)
{
    return !strcmp(rel, "timing.json") || !strcmp(rel, "report.html");
}

static int list_file(wn_run *r, wn_buf *o, wn_buf *p, const char *rel,
                     const char **sep)
{
    struct stat sb;
    if (!run_path(r, p, "%s", rel))
        return WN_ENOMEM;
    if (stat(p->data, &sb))
        return 0; /* not written by this run (e.g. no problems) */
    int rc = wn_buf_printf(o, "%s\n    {\"path\":", *sep);
    if (!rc)
        rc = wn_json_put_string(o, rel, strlen(rel));
    if (!rc)
        rc = machine_bytes(rel) ? wn_buf_puts(o, ",\"bytes\":null}")
                                : wn_buf_printf(o, ",\"bytes\":%lld}",
                                                (long long)sb.st_size);
    *sep = ",";
    return rc;
}

int outdir_finish(wn_run *r, wn_error *err)
{
    remove_stale(r, "data", r->data_shards);
    remove_stale(r, "rejects", r->reject_shards);
    wn_buf o = WN_BUF_INIT, p = WN_BUF_INIT;
    const char *sep = "";
    int rc = wn_buf_printf(&o, "{\"winnow\":\"%s\",\"run\":", wn_version());
    if (!rc)
        rc = wn_json_put_string(&o, r->conf.data ? r->conf.data : "",
                                r->conf.len);
    if (!rc)
        rc = wn_buf_puts(&o, ",\"files\":[");
    char rel[64];
    for (size_t i = 0; i < r->data_shards && !rc; i++) {
        snprintf(rel, sizeof rel, "data/part-%05zu.jsonl.zst", i);
        rc = list_file(r, &o, &p, rel, &sep);
    }
    for (size_t i = 0; i < r->reject_shards && !rc; i++) {
        snprintf(rel, sizeof rel, "rejects/part-%05zu.jsonl.zst", i);
        rc = list_file(r, &o, &p, rel, &sep);
    }
    for (size_t i = NDIRS; i < sizeof top_names / sizeof *top_names - 1 && !rc; i++)
        rc = list_file(r, &o, &p, top_names[i], &sep);
    if (!rc)
        rc = wn_buf_puts(&o, "\n]}\n");
    if (rc)
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    else if (!run_path(r, &p, "manifest.json"))
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    else
        rc = write_text_file(p.data, &o, err);
    /* an input left unfinished (a read error) is read again by the next
     * run, which needs the work; else the lock goes too: the run is over */
    if (!rc && !(r->flags & WN_RUN_KEEP_WORK) && !r->total.unfinished)
        rc = remove_work(r, err);
    wn_buf_release(&o);
    wn_buf_release(&p);
    return rc;
}
