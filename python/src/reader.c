/*
 * reader.c - winnow.read: a Reader iterates the Documents of input files,
 * decoding with the GIL released. (winnow_py.h: what the files share.)
 */
#include "winnow_py.h"

#include <string.h>

/* -------------------------------------------------------------- reader */

enum { ERR_RAISE, ERR_SKIP };

typedef struct {
    PyObject_HEAD
    char **paths;
    size_t npaths, next;
    wn_reader *r;
    const char *cur; /* the path being read */
    wn_reader_opts opts;
    char *text_field;
    wn_doc doc;
    wn_stats done; /* counters of the readers already closed */
    int errors;
    int busy; /* a thread is inside next() with the GIL released */
} ReaderObject;

static void reader_close_cur(ReaderObject *self)
{
    if (self->r) {
        wn_stats_add(&self->done, wn_reader_stats(self->r));
        wn_reader_close(self->r);
        self->r = NULL;
    }
}

static PyObject *Reader_next(ReaderObject *self)
{
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError,
                        "winnow reader used by two threads at once");
        return NULL;
    }
    wn_error err = {0};
    for (;;) {
        if (!self->r) {
            if (self->next >= self->npaths)
                return NULL; /* StopIteration */
            self->cur = self->paths[self->next++];
            int rc;
            self->busy = 1;
            Py_BEGIN_ALLOW_THREADS
            rc = wn_reader_open(self->cur, &self->opts, &self->r, &err);
            Py_END_ALLOW_THREADS
            self->busy = 0;
            if (rc < 0) {
                self->done.bad_files++;
                if (self->errors == ERR_RAISE ||
                    (!WN_IS_BAD_INPUT(rc) && rc != WN_EIO))
                    return wnpy_raise(&err, rc);
                continue;
            }
        }
        int rc;
        self->busy = 1;
        Py_BEGIN_ALLOW_THREADS
        rc = wn_reader_next(self->r, &self->doc, &err);
        Py_END_ALLOW_THREADS
        self->busy = 0;
        if (rc == WN_DOC)
            return wnpy_doc_from_wn(&self->doc);
        if (rc == WN_EOF) {
            reader_close_cur(self);
            continue;
        }
        if (WN_IS_BAD_INPUT(rc)) { /* the reader goes on from here */
            if (self->errors == ERR_RAISE)
                return wnpy_raise(&err, rc);
            continue;
        }
        reader_close_cur(self); /* cannot go on with this file */
        if (self->errors == ERR_RAISE || rc == WN_ENOMEM)
            return wnpy_raise(&err, rc);
    }
}

static PyObject *Reader_iter(PyObject *self)
{
    Py_INCREF(self);
    return self;
}

static void Reader_dealloc(ReaderObject *self)
{
    if (self->r)
        wn_reader_close(self->r);
    wn_inputs_free(self->paths, self->npaths);
    wn_doc_release(&self->doc);
    free(self->text_field);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Reader_close(ReaderObject *self, PyObject *unused)
{
    (void)unused;
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "reader busy in another thread");
        return NULL;
    }
    reader_close_cur(self);
    self->next = self->npaths;
    Py_RETURN_NONE;
}

static PyObject *Reader_enter(PyObject *self, PyObject *unused)
{
    (void)unused;
    Py_INCREF(self);
    return self;
}

static PyObject *Reader_exit(ReaderObject *self, PyObject *args)
{
    (void)args;
    return Reader_close(self, NULL);
}

static PyObject *stats_dict(const wn_stats *s)
{
    wn_buf out = WN_BUF_INIT;
    if (wn_stats_write_json(s, &out))
        return PyErr_NoMemory();
    PyObject *str = PyUnicode_FromStringAndSize(out.data, (Py_ssize_t)out.len);
    wn_buf_release(&out);
    if (!str)
        return NULL;
    PyObject *d = PyObject_CallFunctionObjArgs(wnpy_json_loads, str, NULL);
    Py_DECREF(str);
    return d;
}

static PyObject *Reader_stats(ReaderObject *self, void *closure)
{
    (void)closure;
    wn_stats s = self->done;
    if (self->r)
        wn_stats_add(&s, wn_reader_stats(self->r));
    return stats_dict(&s);
}

static PyMethodDef Reader_methods[] = {
    {"close", (PyCFunction)Reader_close, METH_NOARGS,
     "close()\n\nStops reading and frees the open file."},
    {"__enter__", (PyCFunction)Reader_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)Reader_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Reader_getset[] = {
    {"stats", (getter)Reader_stats, NULL,
     "the input counters so far (dict; the 'input' object of stats.json)",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject wnpy_ReaderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "winnow.Reader",
    .tp_basicsize = sizeof(ReaderObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "An iterator of Document over input files (made by "
              "winnow.read).",
    .tp_iter = Reader_iter,
    .tp_iternext = (iternextfunc)Reader_next,
    .tp_dealloc = (destructor)Reader_dealloc,
    .tp_methods = Reader_methods,
    .tp_getset = Reader_getset,
};

/* A list of str (or one str / os.PathLike) -> C strings, expanded by
 * wn_inputs_expand (directories walked). */
int wnpy_paths_from(PyObject *paths, char ***list, size_t *n)
{
    PyObject *seq;
    if (PyUnicode_Check(paths) || PyBytes_Check(paths) ||
        PyObject_HasAttrString(paths, "__fspath__"))
        seq = PyTuple_Pack(1, paths);
    else
        seq = PySequence_Fast(paths, "paths must be a path or a list of "
                                     "paths");
    if (!seq)
        return -1;
    Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
    PyObject **enc = calloc((size_t)k + 1, sizeof *enc);
    const char **args = calloc((size_t)k + 1, sizeof *args);
    int rc = -1;
    if (!enc || !args) {
        PyErr_NoMemory();
        goto out;
    }
    for (Py_ssize_t i = 0; i < k; i++) {
        if (!PyUnicode_FSConverter(PySequence_Fast_GET_ITEM(seq, i), &enc[i]))
            goto out;
        args[i] = PyBytes_AS_STRING(enc[i]);
    }
    wn_error err = {0};
    *list = NULL;
    *n = 0;
    int erc;
    Py_BEGIN_ALLOW_THREADS
    erc = wn_inputs_expand(args, (size_t)k, list, n, &err);
    Py_END_ALLOW_THREADS
    if (erc < 0) {
        wn_inputs_free(*list, *n);
        wnpy_raise(&err, erc);
        goto out;
    }
    rc = 0;
out:
    for (Py_ssize_t i = 0; enc && i < k; i++)
        Py_XDECREF(enc[i]);
    free(enc);
    free(args);
    Py_DECREF(seq);
    return rc;
}

PyObject *wnpy_read(PyObject *m, PyObject *args, PyObject *kw)
{
    (void)m;
    static char *kwlist[] = {"paths", "format", "text_field", "errors",
                             "max_record", "html", NULL};
    PyObject *paths;
    const char *format = "auto", *text_field = "text", *errors = "raise";
    Py_ssize_t max_record = (Py_ssize_t)WN_MAX_RECORD;
    int html = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|$sssnp:read", kwlist, &paths,
                                     &format, &text_field, &errors,
                                     &max_record, &html))
        return NULL;
    int fmt = wn_format_parse(format);
    if (fmt < 0)
        return wnpy_raise_msg(WN_EINVAL,
                              "format: want auto, warc, jsonl, text or html");
    if (strcmp(errors, "raise") && strcmp(errors, "skip"))
        return wnpy_raise_msg(WN_EINVAL, "errors: want 'raise' or 'skip'");
    if (max_record < 1)
        return wnpy_raise_msg(WN_EINVAL, "max_record must be positive");
    ReaderObject *r = PyObject_New(ReaderObject, &wnpy_ReaderType);
    if (!r)
        return NULL;
    r->paths = NULL;
    r->npaths = r->next = 0;
    r->r = NULL;
    r->cur = NULL;
    wn_doc d0 = WN_DOC_INIT;
    r->doc = d0;
    memset(&r->done, 0, sizeof r->done);
    r->busy = 0;
    r->errors = strcmp(errors, "skip") ? ERR_RAISE : ERR_SKIP;
    r->text_field = strdup(text_field);
    wn_reader_opts o = WN_READER_OPTS_INIT;
    r->opts = o;
    r->opts.format = fmt;
    r->opts.text_field = r->text_field;
    r->opts.max_record = (size_t)max_record;
    r->opts.warc_html = html;
    if (!r->text_field) {
        Py_DECREF(r);
        return PyErr_NoMemory();
    }
    if (wnpy_paths_from(paths, &r->paths, &r->npaths)) {
        Py_DECREF(r);
        return NULL;
    }
    return (PyObject *)r;
}
