/*
 * pipeline.c - winnow.Pipeline (process, process_batch on threads with the
 * GIL released) and winnow.explain. (winnow_py.h: what the files share.)
 */
#include "winnow_py.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <string.h>

/* The most stages one pipeline can hold (the registry has ten). */
#define MAX_STAGES 32

/* ------------------------------------------------------------ pipeline */

/* One thread's handles: a handle is used by one thread at a time. */
typedef struct {
    wn_stage *st[MAX_STAGES];
} lane;

typedef struct {
    PyObject_HEAD
    wn_config *cfg;
    const char *names[MAX_STAGES];
    size_t nstages;
    lane *lanes;
    size_t nlanes;
    wn_doc doc;    /* process()'s document */
    wn_buf reason; /* process()'s reason */
    wn_buf meta0;  /* process()'s metadata before the stages */
    int busy;
    unsigned long long read, kept, rejected[MAX_STAGES];
} PipeObject;

static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ", ");
        if (k == n && !strncmp(p, name, n))
            return 1;
        p += k;
        p += strspn(p, ", ");
    }
    return 0;
}

/* The default stages: those of `winnow filter` (the "filter" group less
 * pii). */
static int default_stages(wn_buf *out)
{
    for (size_t i = 0; wn_stage_name_at(i); i++) {
        const char *s = wn_stage_name_at(i);
        if (!strcmp(wn_stage_group(s), "filter") && strcmp(s, "pii") &&
            wn_buf_printf(out, "%s%s", out->len ? "," : "", s))
            return -1;
    }
    return 0;
}

static int lanes_grow(PipeObject *p, size_t want)
{
    if (want <= p->nlanes)
        return 0;
    lane *l = realloc(p->lanes, want * sizeof *l);
    if (!l) {
        PyErr_NoMemory();
        return -1;
    }
    p->lanes = l;
    for (; p->nlanes < want; p->nlanes++) {
        lane *ln = &p->lanes[p->nlanes];
        memset(ln, 0, sizeof *ln);
        for (size_t i = 0; i < p->nstages; i++) {
            wn_error err = {0};
            int rc = wn_stage_new(p->names[i], p->cfg, &ln->st[i], &err);
            if (rc < 0) {
                for (size_t k = 0; k < i; k++)
                    wn_stage_free(ln->st[k]);
                wnpy_raise(&err, rc);
                return -1;
            }
        }
    }
    return 0;
}

static int Pipe_init(PipeObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"stages", "config", NULL};
    PyObject *stages = Py_None, *config = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OO:Pipeline", kwlist,
                                     &stages, &config))
        return -1;
    if (self->cfg)
        return 0; /* __init__ twice: keep the first */
    wn_config *cfg = wnpy_config_from(config);
    if (!cfg)
        return -1;
    wn_buf list = WN_BUF_INIT;
    int rc = 0;
    if (stages == Py_None) {
        rc = default_stages(&list);
    } else {
        PyObject *t = wnpy_option_text(stages);
        const char *s = t ? PyUnicode_AsUTF8(t) : NULL;
        rc = s ? wn_buf_puts(&list, s) : -1;
        Py_XDECREF(t);
        if (!s) {
            wn_buf_release(&list);
            wn_config_free(cfg);
            return -1;
        }
    }
    if (!rc)
        rc = wn_config_set(cfg, "run.stages", list.len ? list.data : "none");
    if (rc) {
        wn_buf_release(&list);
        wn_config_free(cfg);
        PyErr_NoMemory();
        return -1;
    }
    /* The engine checks stages and options exactly as the CLI does. */
    wn_engine *e = NULL;
    wn_error err = {0};
    rc = wn_engine_new(cfg, &e, &err);
    wn_engine_free(e);
    if (rc < 0) {
        wn_buf_release(&list);
        wn_config_free(cfg);
        wnpy_raise(&err, rc);
        return -1;
    }
    self->cfg = cfg;
    for (size_t i = 0; wn_stage_name_at(i) && self->nstages < MAX_STAGES; i++)
        if (list.len && in_list(list.data, wn_stage_name_at(i)))
            self->names[self->nstages++] = wn_stage_name_at(i);
    wn_buf_release(&list);
    return lanes_grow(self, 1);
}

static PyObject *Pipe_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    (void)args;
    (void)kw;
    PipeObject *p = (PipeObject *)type->tp_alloc(type, 0);
    if (!p)
        return NULL;
    wn_doc d0 = WN_DOC_INIT;
    wn_buf b0 = WN_BUF_INIT;
    p->doc = d0;
    p->reason = b0;
    return (PyObject *)p;
}

static void Pipe_dealloc(PipeObject *self)
{
    for (size_t l = 0; l < self->nlanes; l++)
        for (size_t i = 0; i < self->nstages; i++)
            wn_stage_free(self->lanes[l].st[i]);
    free(self->lanes);
    wn_config_free(self->cfg);
    wn_doc_release(&self->doc);
    wn_buf_release(&self->reason);
    wn_buf_release(&self->meta0);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Runs the stages in order until one drops doc: returns 1 (kept), 0
 * (dropped; reason set, stage index in *at) or a negative code. */
static int run_stages(PipeObject *p, lane *ln, wn_doc *doc, wn_buf *reason,
                      int *at)
{
    *at = -1;
    for (size_t s = 0; s < p->nstages; s++) {
        wn_buf_reset(reason);
        int rc = wn_stage_process(ln->st[s], doc, reason);
        if (rc == 1)
            continue;
        if (rc < 0)
            return rc;
        /* as the engine books a stage that gave no reason */
        if (!reason->len &&
            wn_buf_printf(reason, "%s:rejected", p->names[s]))
            return WN_ENOMEM;
        *at = (int)s;
        return 0;
    }
    wn_buf_reset(reason);
    return 1;
}

static int ready(PipeObject *self)
{
    if (!self->cfg) {
        PyErr_SetString(PyExc_RuntimeError, "Pipeline not initialised");
        return 0;
    }
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError,
                        "Pipeline used by two threads at once");
        return 0;
    }
    return 1;
}

static PyObject *verdict(int kept, const wn_buf *reason)
{
    if (kept)
        return Py_BuildValue("(OO)", Py_True, Py_None);
    return Py_BuildValue("(Os#)", Py_False, reason->data ? reason->data : "",
                         (Py_ssize_t)reason->len);
}

static PyObject *Pipe_process(PipeObject *self, PyObject *doc)
{
    if (!ready(self) || wnpy_doc_to_wn(doc, &self->doc))
        return NULL;
    if (wn_buf_set(&self->meta0, self->doc.meta.data, self->doc.meta.len))
        return PyErr_NoMemory();
    int rc, at;
    self->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    rc = run_stages(self, &self->lanes[0], &self->doc, &self->reason, &at);
    Py_END_ALLOW_THREADS
    self->busy = 0;
    if (rc < 0)
        return wnpy_raise_msg(rc, "a stage failed");
    self->read++;
    if (rc == 1)
        self->kept++;
    else
        self->rejected[at]++;
    if (wnpy_doc_update(doc, &self->doc, &self->meta0))
        return NULL;
    return verdict(rc, &self->reason);
}

/* process_batch: documents claimed in chunks by the threads. */
#define CHUNK 32

typedef struct {
    PipeObject *p;
    wn_doc *docs;
    wn_buf *reasons;
    int *res; /* 1 kept, 0 dropped, < 0 error */
    int *at;
    size_t n;
    atomic_size_t next;
} batch_job;

typedef struct {
    batch_job *job;
    lane *ln;
} batch_arg;

static void *batch_worker(void *arg)
{
    batch_arg *a = arg;
    batch_job *j = a->job;
    for (;;) {
        size_t i0 = atomic_fetch_add(&j->next, CHUNK);
        if (i0 >= j->n)
            break;
        size_t i1 = i0 + CHUNK < j->n ? i0 + CHUNK : j->n;
        for (size_t i = i0; i < i1; i++)
            j->res[i] = run_stages(j->p, a->ln, &j->docs[i], &j->reasons[i],
                                   &j->at[i]);
    }
    return NULL;
}

static PyObject *Pipe_process_batch(PipeObject *self, PyObject *args,
                                    PyObject *kw)
{
    static char *kwlist[] = {"docs", "threads", NULL};
    PyObject *docs;
    int threads = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|i:process_batch", kwlist,
                                     &docs, &threads))
        return NULL;
    if (!ready(self))
        return NULL;
    if (threads <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        threads = c > 0 ? (int)c : 1;
    }
    /* a tuple of its own: another thread may change a list while the GIL
     * is released */
    PyObject *seq = PySequence_Tuple(docs);
    if (!seq)
        return NULL;
    size_t n = (size_t)PyTuple_GET_SIZE(seq);
    if ((size_t)threads > n / CHUNK + 1)
        threads = (int)(n / CHUNK + 1);
    PyObject *out = NULL;
    batch_job j = {.p = self, .n = n};
    atomic_init(&j.next, 0);
    j.docs = calloc(n + 1, sizeof *j.docs);
    j.reasons = calloc(n + 1, sizeof *j.reasons);
    j.res = calloc(n + 1, sizeof *j.res);
    j.at = calloc(n + 1, sizeof *j.at);
    wn_buf *meta0 = calloc(n + 1, sizeof *meta0); /* metadata before */
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    batch_arg *ba = calloc((size_t)threads, sizeof *ba);
    if (!j.docs || !j.reasons || !j.res || !j.at || !meta0 || !tids || !ba) {
        PyErr_NoMemory();
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (wnpy_doc_to_wn(PyTuple_GET_ITEM(seq, (Py_ssize_t)i), &j.docs[i]))
            goto out;
        if (wn_buf_set(&meta0[i], j.docs[i].meta.data, j.docs[i].meta.len)) {
            PyErr_NoMemory();
            goto out;
        }
    }
    if (lanes_grow(self, (size_t)threads))
        goto out;
    int started = 1;
    self->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    for (int t = 0; t < threads; t++) {
        ba[t].job = &j;
        ba[t].ln = &self->lanes[t];
    }
    /* the calling thread is worker 0; a thread that cannot start leaves
     * its share to the others */
    for (int t = 1; t < threads; t++)
        if (!pthread_create(&tids[t], NULL, batch_worker, &ba[t]))
            started++;
        else
            ba[t].job = NULL;
    batch_worker(&ba[0]);
    for (int t = 1; t < threads; t++)
        if (ba[t].job)
            pthread_join(tids[t], NULL);
    Py_END_ALLOW_THREADS
    self->busy = 0;
    (void)started;
    for (size_t i = 0; i < n; i++)
        if (j.res[i] < 0) {
            wnpy_raise_msg(j.res[i], "a stage failed");
            goto out;
        }
    out = PyList_New((Py_ssize_t)n);
    if (!out)
        goto out;
    for (size_t i = 0; i < n; i++) {
        PyObject *v, *doc = PyTuple_GET_ITEM(seq, (Py_ssize_t)i);
        if (wnpy_doc_update(doc, &j.docs[i], &meta0[i]) ||
            !(v = verdict(j.res[i], &j.reasons[i]))) {
            Py_CLEAR(out);
            goto out;
        }
        PyList_SET_ITEM(out, (Py_ssize_t)i, v);
        self->read++;
        if (j.res[i] == 1)
            self->kept++;
        else
            self->rejected[j.at[i]]++;
    }
out:
    for (size_t i = 0; j.docs && i < n; i++)
        wn_doc_release(&j.docs[i]);
    for (size_t i = 0; j.reasons && i < n; i++)
        wn_buf_release(&j.reasons[i]);
    for (size_t i = 0; meta0 && i < n; i++)
        wn_buf_release(&meta0[i]);
    free(meta0);
    free(j.docs);
    free(j.reasons);
    free(j.res);
    free(j.at);
    free(tids);
    free(ba);
    Py_DECREF(seq);
    return out;
}

static PyObject *Pipe_stats(PipeObject *self, void *closure)
{
    (void)closure;
    PyObject *rej = PyDict_New();
    if (!rej)
        return NULL;
    for (size_t i = 0; i < self->nstages; i++) {
        PyObject *v = PyLong_FromUnsignedLongLong(self->rejected[i]);
        if (!v || PyDict_SetItemString(rej, self->names[i], v)) {
            Py_XDECREF(v);
            Py_DECREF(rej);
            return NULL;
        }
        Py_DECREF(v);
    }
    return Py_BuildValue("{sKsKsN}", "read", self->read, "kept", self->kept,
                         "rejected", rej);
}

static PyObject *Pipe_stages(PipeObject *self, void *closure)
{
    (void)closure;
    PyObject *l = PyList_New((Py_ssize_t)self->nstages);
    for (size_t i = 0; l && i < self->nstages; i++) {
        PyObject *s = PyUnicode_FromString(self->names[i]);
        if (!s) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)i, s);
    }
    return l;
}

static PyMethodDef Pipe_methods[] = {
    {"process", (PyCFunction)Pipe_process, METH_O,
     "process(doc) -> (kept, reason)\n\nRuns the stages on one Document, "
     "which they may edit (text, metadata), with the GIL released.  kept "
     "is a bool; reason is None, or the first rejection's reason, e.g. "
     "'gopher_quality:mean_word_length=2.1<3'."},
    {"process_batch", (PyCFunction)(void (*)(void))Pipe_process_batch,
     METH_VARARGS | METH_KEYWORDS,
     "process_batch(docs, threads=1) -> list of (kept, reason)\n\n"
     "process() over a sequence of Documents on `threads` threads (0: one "
     "per core) with the GIL released; results in input order."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Pipe_getset[] = {
    {"stats", (getter)Pipe_stats, NULL,
     "{'read': n, 'kept': n, 'rejected': {stage: n}} so far", NULL},
    {"stages", (getter)Pipe_stages, NULL,
     "the stages, in the order they run (the registry's)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject wnpy_PipeType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "winnow.Pipeline",
    .tp_basicsize = sizeof(PipeObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Pipeline(stages=None, config=None)\n\n"
              "winnow's per-document stages (extract, normalize, clean, "
              "langid, gopher_repetition, gopher_quality, c4_filter, "
              "fineweb, pii), run in the registry's order whatever the "
              "list's order.  stages: list or comma-separated str (default: "
              "those of `winnow filter`).  config: {'stage.option': value} "
              "or {'stage': {'option': value}}, checked as the CLI checks "
              "--set.",
    .tp_new = Pipe_new,
    .tp_init = (initproc)Pipe_init,
    .tp_dealloc = (destructor)Pipe_dealloc,
    .tp_methods = Pipe_methods,
    .tp_getset = Pipe_getset,
};

/* ------------------------------------------------------------- explain */

typedef struct {
    PyObject *list;
    int failed;
} explain_ctx;

static void explain_line(void *ctx, const char *line, size_t n,
                         const char *rule)
{
    explain_ctx *x = ctx;
    if (x->failed || !n)
        return;
    PyObject *t = Py_BuildValue("(sss#)", rule ? "DROP" : "KEEP", rule, line,
                                (Py_ssize_t)n);
    if (!t || PyList_Append(x->list, t))
        x->failed = 1;
    Py_XDECREF(t);
}

PyObject *wnpy_explain(PyObject *m, PyObject *args, PyObject *kw)
{
    (void)m;
    static char *kwlist[] = {"text", "config", NULL};
    const char *text;
    Py_ssize_t n;
    PyObject *config = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s#|O:explain", kwlist, &text,
                                     &n, &config))
        return NULL;
    wn_config *cfg = wnpy_config_from(config);
    if (!cfg)
        return NULL;
    wn_stage *norm = NULL, *clean = NULL;
    wn_doc doc = WN_DOC_INIT;
    wn_buf reason = WN_BUF_INIT;
    wn_error err = {0};
    explain_ctx x = {PyList_New(0), 0};
    PyObject *ret = NULL;
    int rc;
    if (!x.list)
        goto out;
    if ((rc = wn_stage_new("normalize", cfg, &norm, &err)) < 0 ||
        (rc = wn_stage_new("clean", cfg, &clean, &err)) < 0) {
        wnpy_raise(&err, rc);
        goto out;
    }
    if (wn_buf_set(&doc.text, text, (size_t)n)) {
        PyErr_NoMemory();
        goto out;
    }
    /* as winnow explain without site lines: normalised text, then the
     * clean stage's verdict per line (the callback needs the GIL) */
    rc = wn_stage_process(norm, &doc, &reason);
    if (rc == 1)
        rc = wn_clean_lines(clean, &doc, &reason, explain_line, &x);
    if (x.failed)
        goto out;
    if (rc < 0) {
        wnpy_raise_msg(rc, "explain failed");
        goto out;
    }
    if (rc == 0) {
        PyObject *t = Py_BuildValue("(ss#O)", "DROP", reason.data,
                                    (Py_ssize_t)reason.len, Py_None);
        if (!t || PyList_Append(x.list, t)) {
            Py_XDECREF(t);
            goto out;
        }
        Py_DECREF(t);
    }
    ret = x.list;
    x.list = NULL;
out:
    Py_XDECREF(x.list);
    wn_stage_free(norm);
    wn_stage_free(clean);
    wn_doc_release(&doc);
    wn_buf_release(&reason);
    wn_config_free(cfg);
    return ret;
}
