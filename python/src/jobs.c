/*
 * jobs.c - winnow.run (on a thread of its own, with a progress callback)
 * and winnow.dedup. (winnow_py.h: what the files share.)
 */
#include "winnow_py.h"

#include <pthread.h>
#include <time.h>
#include <string.h>

/* ----------------------------------------------------------------- run */

typedef struct {
    wn_run *run;
    const char *const *inputs;
    size_t n;
    const char *outdir;
    wn_error err;
    int rc;
    int done;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    wn_buf problems; /* one per line, the first MAX_PROBLEMS */
    size_t nproblems;
} run_job;

#define MAX_PROBLEMS 1000

static void run_warn(void *ctx, const wn_error *w)
{
    run_job *j = ctx;
    char line[1200];
    wn_error_format(w, line, sizeof line);
    pthread_mutex_lock(&j->mu);
    if (j->nproblems++ < MAX_PROBLEMS)
        wn_buf_printf(&j->problems, "%s\n", line);
    pthread_mutex_unlock(&j->mu);
}

static void *run_thread(void *arg)
{
    run_job *j = arg;
    int rc = wn_run_exec(j->run, j->inputs, j->n, j->outdir, &j->err);
    pthread_mutex_lock(&j->mu);
    j->rc = rc;
    j->done = 1;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

static PyObject *progress_dict(const wn_progress *p)
{
    return Py_BuildValue("{sssKsKsKsKsd}", "phase", p->phase ? p->phase : "",
                         "bytes_done", (unsigned long long)p->bytes_done,
                         "bytes_total", (unsigned long long)p->bytes_total,
                         "docs_read", (unsigned long long)p->docs_read,
                         "docs_kept", (unsigned long long)p->docs_kept,
                         "fraction", p->fraction);
}

/* Calls progress with the run's progress now; -1 when it raised. */
static int tell(wn_run *run, PyObject *progress)
{
    wn_progress p = WN_PROGRESS_INIT;
    wn_run_get_progress(run, &p);
    PyObject *d = progress_dict(&p);
    PyObject *r = d ? PyObject_CallFunctionObjArgs(progress, d, NULL) : NULL;
    Py_XDECREF(d);
    int rc = r ? 0 : -1;
    Py_XDECREF(r);
    return rc;
}

PyObject *wnpy_run(PyObject *m, PyObject *args, PyObject *kw)
{
    (void)m;
    static char *kwlist[] = {"inputs", "output", "config", "progress",
                             "interval", NULL};
    PyObject *inputs, *outobj, *config = Py_None, *progress = Py_None;
    double interval = 0.5;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO&|OOd:run", kwlist, &inputs,
                                     PyUnicode_FSConverter, &outobj, &config,
                                     &progress, &interval))
        return NULL;
    char **paths = NULL;
    size_t n = 0;
    wn_config *cfg = NULL;
    PyObject *ret = NULL, *cb_error = NULL, *cb_type = NULL, *cb_tb = NULL;
    run_job j = {0};
    int inited = 0;
    if (progress != Py_None && !PyCallable_Check(progress)) {
        PyErr_SetString(PyExc_TypeError, "progress must be callable");
        goto out;
    }
    if (wnpy_paths_from(inputs, &paths, &n) ||
        !(cfg = wnpy_config_from(config)))
        goto out;
    int rc = wn_run_new(cfg, &j.run, &j.err);
    if (rc < 0) {
        wnpy_raise(&j.err, rc);
        goto out;
    }
    pthread_mutex_init(&j.mu, NULL);
    pthread_cond_init(&j.cv, NULL);
    inited = 1;
    wn_run_set_warn(j.run, run_warn, &j);
    j.inputs = (const char *const *)paths;
    j.n = n;
    j.outdir = PyBytes_AS_STRING(outobj);
    pthread_t tid;
    if (pthread_create(&tid, NULL, run_thread, &j)) {
        wnpy_raise_msg(WN_ENOMEM, "cannot start the run's thread");
        goto out;
    }
    /* This thread waits with the GIL released and wakes every `interval`
     * seconds to call progress.  A run cannot be stopped half-way, so an
     * exception from the callback (or Ctrl-C) is raised when it ends. */
    for (;;) {
        int done;
        Py_BEGIN_ALLOW_THREADS
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double w = interval > 0.01 ? interval : 0.01;
        ts.tv_sec += (time_t)w;
        ts.tv_nsec += (long)((w - (double)(time_t)w) * 1e9);
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&j.mu);
        if (!j.done)
            pthread_cond_timedwait(&j.cv, &j.mu, &ts);
        done = j.done;
        pthread_mutex_unlock(&j.mu);
        Py_END_ALLOW_THREADS
        if (done)
            break;
        if (!cb_type && PyErr_CheckSignals())
            PyErr_Fetch(&cb_type, &cb_error, &cb_tb);
        if (progress != Py_None && !cb_type && tell(j.run, progress))
            PyErr_Fetch(&cb_type, &cb_error, &cb_tb);
    }
    pthread_join(tid, NULL);
    if (progress != Py_None && !cb_type && j.rc == 0 &&
        tell(j.run, progress)) /* the last call: phase "done" */
        PyErr_Fetch(&cb_type, &cb_error, &cb_tb);
    if (cb_type) {
        PyErr_Restore(cb_type, cb_error, cb_tb);
        cb_type = cb_error = cb_tb = NULL;
        goto out;
    }
    if (j.rc < 0) {
        wnpy_raise(&j.err, j.rc);
        goto out;
    }
    wn_buf js = WN_BUF_INIT;
    if (wn_run_stats_json(j.run, &js)) {
        wn_buf_release(&js);
        PyErr_NoMemory();
        goto out;
    }
    PyObject *s = PyUnicode_FromStringAndSize(js.data, (Py_ssize_t)js.len);
    wn_buf_release(&js);
    PyObject *stats =
        s ? PyObject_CallFunctionObjArgs(wnpy_json_loads, s, NULL) : NULL;
    Py_XDECREF(s);
    PyObject *probs = stats ? PyUnicode_DecodeUTF8(
                                  j.problems.data ? j.problems.data : "",
                                  (Py_ssize_t)j.problems.len, "replace")
                            : NULL;
    PyObject *plist = probs ? PyUnicode_Splitlines(probs, 0) : NULL;
    Py_XDECREF(probs);
    if (plist && PyDict_SetItemString(stats, "problems", plist) == 0)
        ret = stats;
    else
        Py_XDECREF(stats);
    Py_XDECREF(plist);
out:
    Py_XDECREF(cb_type);
    Py_XDECREF(cb_error);
    Py_XDECREF(cb_tb);
    if (inited) {
        pthread_mutex_destroy(&j.mu);
        pthread_cond_destroy(&j.cv);
    }
    wn_buf_release(&j.problems);
    wn_run_free(j.run);
    wn_config_free(cfg);
    wn_inputs_free(paths, n);
    Py_DECREF(outobj);
    return ret;
}

/* --------------------------------------------------------------- dedup */

static int fs_list(PyObject *o, PyObject **keep, const char ***out,
                   size_t *n)
{
    PyObject *seq = PySequence_Fast(o, "want a list of paths");
    if (!seq)
        return -1;
    Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
    PyObject *bytes = PyList_New(k);
    const char **v = calloc((size_t)k + 1, sizeof *v);
    if (!bytes || !v) {
        Py_DECREF(seq);
        Py_XDECREF(bytes);
        free(v);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < k; i++) {
        PyObject *b;
        if (!PyUnicode_FSConverter(PySequence_Fast_GET_ITEM(seq, i), &b)) {
            Py_DECREF(seq);
            Py_DECREF(bytes);
            free(v);
            return -1;
        }
        PyList_SET_ITEM(bytes, i, b);
        v[i] = PyBytes_AS_STRING(b);
    }
    Py_DECREF(seq);
    *keep = bytes;
    *out = v;
    *n = (size_t)k;
    return 0;
}

PyObject *wnpy_dedup(PyObject *m, PyObject *args, PyObject *kw)
{
    (void)m;
    static char *kwlist[] = {"inputs", "outputs", "workdir", "rejects",
                             "config", NULL};
    PyObject *inputs, *outputs, *workdir, *rejects = Py_None,
             *config = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO&|OO:dedup", kwlist,
                                     &inputs, &outputs, PyUnicode_FSConverter,
                                     &workdir, &rejects, &config))
        return NULL;
    PyObject *ikeep = NULL, *okeep = NULL, *rkeep = NULL, *ret = NULL;
    const char **in = NULL, **outv = NULL;
    size_t nin = 0, nout = 0;
    wn_config *cfg = NULL;
    if (fs_list(inputs, &ikeep, &in, &nin) ||
        fs_list(outputs, &okeep, &outv, &nout))
        goto out;
    if (nin != nout) {
        wnpy_raise_msg(WN_EINVAL, "dedup: want one output per input");
        goto out;
    }
    if (rejects != Py_None && !PyUnicode_FSConverter(rejects, &rkeep))
        goto out;
    if (!(cfg = wnpy_config_from(config)))
        goto out;
    wn_dedup_stats st = WN_DEDUP_STATS_INIT;
    wn_error err = {0};
    int rc;
    const char *wd = PyBytes_AS_STRING(workdir);
    const char *rj = rkeep ? PyBytes_AS_STRING(rkeep) : NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = wn_dedup_check_config(cfg, &err);
    if (rc == 0)
        rc = wn_dedup_run(cfg, in, nin, wd, outv, rj, &st, &err);
    Py_END_ALLOW_THREADS
    if (rc < 0) {
        wnpy_raise(&err, rc);
        goto out;
    }
    ret = Py_BuildValue(
        "{sKsKsKsKsKsKsKsKsKsK}", "docs", (unsigned long long)st.docs,
        "text_bytes", (unsigned long long)st.text_bytes, "kept",
        (unsigned long long)st.kept, "exact_dups",
        (unsigned long long)st.exact_dups, "near_dups",
        (unsigned long long)st.near_dups, "groups",
        (unsigned long long)st.groups, "candidate_pairs",
        (unsigned long long)st.candidate_pairs, "verified_pairs",
        (unsigned long long)st.verified_pairs, "refuted_pairs",
        (unsigned long long)st.refuted_pairs, "bad_input",
        (unsigned long long)st.bad_input);
out:
    Py_XDECREF(ikeep);
    Py_XDECREF(okeep);
    Py_XDECREF(rkeep);
    Py_DECREF(workdir);
    free(in);
    free(outv);
    wn_config_free(cfg);
    return ret;
}
