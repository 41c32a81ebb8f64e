/*
 * _winnow.c - the CPython extension: libwinnow's readers, stages, run and
 * dedup as Python objects (the `winnow` package wraps it; see
 * python/README.md and docs/python.md).
 *
 * Built only on the public API of include/winnow.h (the experimental tier
 * for the line cleaners' verdicts).  The GIL is released around every call
 * into the library that reads, decodes or runs stages, so Python threads
 * (and process_batch's own threads) run while winnow works.  Python
 * objects are touched only with the GIL held: documents are converted to
 * wn_doc before the GIL is released and back after it is taken again.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#define WINNOW_EXPERIMENTAL
#include "winnow.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

/* The most stages one pipeline can hold (the registry has ten). */
#define MAX_STAGES 32

static PyObject *Error, *InputError, *OptionError, *FileError;
static PyObject *json_loads, *json_dumps;

/* ------------------------------------------------------------- errors */

/* Raises the exception class that fits err->code, with attributes code,
 * file, offset and message; returns NULL for `return raise_wn(...)`. */
static PyObject *raise_wn(const wn_error *err, int code)
{
    int c = err->code ? err->code : code;
    PyObject *type = c == WN_EINVAL       ? OptionError
                     : c == WN_EIO        ? FileError
                     : WN_IS_BAD_INPUT(c) ? InputError
                     : c == WN_ENOMEM     ? PyExc_MemoryError
                                          : Error;
    if (type == PyExc_MemoryError)
        return PyErr_NoMemory();
    char text[1200];
    if (err->file[0] || err->msg[0])
        wn_error_format(err, text, sizeof text);
    else
        snprintf(text, sizeof text, "%s", wn_strerror(c));
    PyObject *exc = PyObject_CallFunction(type, "s", text);
    if (!exc)
        return NULL;
    PyObject *file = PyUnicode_DecodeUTF8(err->file, strlen(err->file),
                                          "replace");
    PyObject *msg = PyUnicode_DecodeUTF8(err->msg, strlen(err->msg),
                                         "replace");
    PyObject *off = PyLong_FromUnsignedLongLong(err->offset);
    PyObject *cod = PyLong_FromLong(c);
    if (file && msg && off && cod &&
        !PyObject_SetAttrString(exc, "file", file) &&
        !PyObject_SetAttrString(exc, "offset", off) &&
        !PyObject_SetAttrString(exc, "message", msg) &&
        !PyObject_SetAttrString(exc, "code", cod))
        PyErr_SetObject(type, exc);
    Py_XDECREF(file);
    Py_XDECREF(msg);
    Py_XDECREF(off);
    Py_XDECREF(cod);
    Py_DECREF(exc);
    return NULL;
}

static PyObject *raise_msg(int code, const char *msg)
{
    wn_error err = {0};
    err.code = code;
    snprintf(err.msg, sizeof err.msg, "%s", msg);
    return raise_wn(&err, code);
}

/* ------------------------------------------------------------- config */

/* Python value -> option text: bool as 1/0, numbers by repr, lists and
 * tuples joined by commas (stage lists, languages), str as is. */
static PyObject *option_text(PyObject *v)
{
    if (PyBool_Check(v))
        return PyUnicode_FromString(v == Py_True ? "1" : "0");
    if (PyUnicode_Check(v)) {
        Py_INCREF(v);
        return v;
    }
    if (PyList_Check(v) || PyTuple_Check(v)) {
        PyObject *parts = PyList_New(0);
        PyObject *seq = PySequence_Fast(v, "a list");
        if (!parts || !seq) {
            Py_XDECREF(parts);
            Py_XDECREF(seq);
            return NULL;
        }
        for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
            PyObject *t = option_text(PySequence_Fast_GET_ITEM(seq, i));
            if (!t || PyList_Append(parts, t)) {
                Py_XDECREF(t);
                Py_DECREF(parts);
                Py_DECREF(seq);
                return NULL;
            }
            Py_DECREF(t);
        }
        Py_DECREF(seq);
        PyObject *sep = PyUnicode_FromString(",");
        PyObject *r = sep ? PyUnicode_Join(sep, parts) : NULL;
        Py_XDECREF(sep);
        Py_DECREF(parts);
        return r;
    }
    if (PyLong_Check(v) || PyFloat_Check(v))
        return PyObject_Str(v);
    PyErr_Format(PyExc_TypeError, "option value of type %s: want str, int, "
                 "float, bool or a list", Py_TYPE(v)->tp_name);
    return NULL;
}

/* Adds the items of dict d ("section.key": value, or "section": {key:
 * value}) to c.  None values are skipped (the default stays). */
static int config_add(wn_config *c, PyObject *d, const char *prefix)
{
    if (!PyDict_Check(d)) {
        PyErr_SetString(PyExc_TypeError, "config must be a dict");
        return -1;
    }
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(d, &pos, &k, &v)) {
        if (!PyUnicode_Check(k)) {
            PyErr_SetString(PyExc_TypeError, "config keys must be str");
            return -1;
        }
        const char *ks = PyUnicode_AsUTF8(k);
        if (!ks)
            return -1;
        char key[256];
        snprintf(key, sizeof key, "%s%s%s", prefix ? prefix : "",
                 prefix ? "." : "", ks);
        if (v == Py_None)
            continue;
        if (PyDict_Check(v)) {
            if (config_add(c, v, key))
                return -1;
            continue;
        }
        PyObject *t = option_text(v);
        if (!t)
            return -1;
        const char *ts = PyUnicode_AsUTF8(t);
        int rc = ts ? wn_config_set(c, key, ts) : -1;
        Py_DECREF(t);
        if (!ts)
            return -1;
        if (rc) {
            PyErr_NoMemory();
            return -1;
        }
    }
    return 0;
}

/* A new wn_config from a dict or None. */
static wn_config *config_from(PyObject *d)
{
    wn_config *c = wn_config_new();
    if (!c) {
        PyErr_NoMemory();
        return NULL;
    }
    if (d && d != Py_None && config_add(c, d, NULL)) {
        wn_config_free(c);
        return NULL;
    }
    return c;
}

/* ----------------------------------------------------------- documents */

typedef struct {
    PyObject_HEAD
    PyObject *id, *url, *date, *source, *text, *http; /* str, never NULL */
    PyObject *meta_raw; /* str: JSON members as read, parsed on demand */
    PyObject *metadata; /* dict once asked for (then it is the truth) */
    int kind;           /* enum wn_doc_kind */
    unsigned long long offset;
} DocObject;

static PyTypeObject DocType;

static PyObject *empty_str;

static PyObject *str_of(const wn_buf *b)
{
    if (!b->len) {
        Py_INCREF(empty_str);
        return empty_str;
    }
    return PyUnicode_DecodeUTF8(b->data, (Py_ssize_t)b->len, "replace");
}

static DocObject *doc_alloc(void)
{
    DocObject *d = PyObject_GC_New(DocObject, &DocType);
    if (!d)
        return NULL;
    d->id = d->url = d->date = d->source = d->text = d->http = empty_str;
    for (int i = 0; i < 6; i++)
        Py_INCREF(empty_str);
    d->meta_raw = d->metadata = NULL;
    d->kind = WN_DOC_TEXT;
    d->offset = 0;
    PyObject_GC_Track(d);
    return d;
}

static void set_field(PyObject **slot, PyObject *v)
{
    PyObject *old = *slot;
    *slot = v;
    Py_XDECREF(old);
}

/* A Document from a wn_doc (GIL held). */
static PyObject *doc_from_wn(const wn_doc *w)
{
    DocObject *d = doc_alloc();
    if (!d)
        return NULL;
    PyObject *v;
#define TAKE(field)                                                          \
    if (!(v = str_of(&w->field)))                                            \
        goto fail;                                                           \
    set_field(&d->field, v);
    TAKE(id) TAKE(url) TAKE(date) TAKE(source) TAKE(text) TAKE(http)
#undef TAKE
    if (w->meta.len) {
        if (!(v = str_of(&w->meta)))
            goto fail;
        d->meta_raw = v;
    }
    d->kind = w->kind;
    d->offset = w->offset;
    return (PyObject *)d;
fail:
    Py_DECREF(d);
    return NULL;
}

static int put_str(wn_buf *b, PyObject *s, const char *what)
{
    if (!PyUnicode_Check(s)) {
        PyErr_Format(PyExc_TypeError, "Document.%s must be str", what);
        return -1;
    }
    Py_ssize_t n;
    const char *p = PyUnicode_AsUTF8AndSize(s, &n);
    if (!p)
        return -1;
    if (wn_buf_set(b, p, (size_t)n)) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* The metadata as raw JSON members: the text read if the dict was never
 * asked for, else the dict serialised (its key order kept). */
static int put_meta(wn_buf *b, DocObject *d)
{
    wn_buf_reset(b);
    if (!d->metadata)
        return d->meta_raw ? put_str(b, d->meta_raw, "metadata") : 0;
    if (!PyDict_Check(d->metadata)) {
        PyErr_SetString(PyExc_TypeError, "Document.metadata must be a dict");
        return -1;
    }
    if (!PyDict_GET_SIZE(d->metadata))
        return 0;
    PyObject *s = PyObject_CallFunctionObjArgs(json_dumps, d->metadata, NULL);
    if (!s)
        return -1;
    Py_ssize_t n;
    const char *p = PyUnicode_AsUTF8AndSize(s, &n);
    int rc = -1;
    if (p && n >= 2) { /* "{...}" less its braces */
        rc = wn_buf_set(b, p + 1, (size_t)n - 2);
        if (rc)
            PyErr_NoMemory();
    }
    Py_DECREF(s);
    return rc;
}

/* Document -> wn_doc (GIL held); w is reset first. */
static int doc_to_wn(PyObject *o, wn_doc *w)
{
    if (!PyObject_TypeCheck(o, &DocType)) {
        PyErr_Format(PyExc_TypeError, "want a winnow.Document, not %s",
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    DocObject *d = (DocObject *)o;
    wn_doc_reset(w);
    if (put_str(&w->text, d->text, "text") || put_str(&w->id, d->id, "id") ||
        put_str(&w->url, d->url, "url") ||
        put_str(&w->date, d->date, "date") ||
        put_str(&w->source, d->source, "source") ||
        put_str(&w->http, d->http, "http") || put_meta(&w->meta, d))
        return -1;
    w->kind = d->kind;
    w->offset = d->offset;
    return 0;
}

static int same_bytes(PyObject *s, const wn_buf *b)
{
    Py_ssize_t n;
    const char *p = PyUnicode_AsUTF8AndSize(s, &n);
    return p && (size_t)n == b->len && (!n || !memcmp(p, b->data, b->len));
}

/* What the stages changed goes back into the Document (GIL held): text
 * and metadata (only when changed, so unchanged strings stay shared). */
static int doc_update(PyObject *o, const wn_doc *w)
{
    DocObject *d = (DocObject *)o;
    PyObject *v;
    if (!same_bytes(d->text, &w->text)) {
        if (!(v = str_of(&w->text)))
            return -1;
        set_field(&d->text, v);
    }
    d->kind = w->kind;
    wn_buf old = WN_BUF_INIT;
    if (put_meta(&old, d)) {
        wn_buf_release(&old);
        return -1;
    }
    int changed = old.len != w->meta.len ||
                  (old.len && memcmp(old.data, w->meta.data, old.len));
    wn_buf_release(&old);
    if (changed) {
        if (!(v = str_of(&w->meta)))
            return -1;
        set_field(&d->meta_raw, v);
        Py_CLEAR(d->metadata);
    }
    return 0;
}

static int Doc_init(DocObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"text", "id", "url", "date", "source",
                             "metadata", "kind", "http", NULL};
    PyObject *text = empty_str, *id = empty_str, *url = empty_str,
             *date = empty_str, *source = empty_str, *meta = Py_None,
             *http = empty_str;
    const char *kind = "text";
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|UUUUUOsU:Document", kwlist,
                                     &text, &id, &url, &date, &source, &meta,
                                     &kind, &http))
        return -1;
    if (meta != Py_None && !PyDict_Check(meta)) {
        PyErr_SetString(PyExc_TypeError, "metadata must be a dict or None");
        return -1;
    }
    if (strcmp(kind, "text") && strcmp(kind, "html")) {
        PyErr_SetString(PyExc_ValueError, "kind must be 'text' or 'html'");
        return -1;
    }
    self->kind = strcmp(kind, "html") ? WN_DOC_TEXT : WN_DOC_HTML;
#define PUT(field, v)                                                        \
    Py_INCREF(v);                                                            \
    set_field(&self->field, v);
    PUT(text, text) PUT(id, id) PUT(url, url) PUT(date, date)
    PUT(source, source) PUT(http, http)
#undef PUT
    Py_CLEAR(self->meta_raw);
    if (meta == Py_None)
        meta = PyDict_New();
    else
        meta = PyDict_Copy(meta);
    if (!meta)
        return -1;
    set_field(&self->metadata, meta);
    return 0;
}

static PyObject *Doc_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    (void)type;
    (void)args;
    (void)kw;
    return (PyObject *)doc_alloc();
}

static int Doc_traverse(DocObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->metadata);
    return 0;
}

static int Doc_clear(DocObject *self)
{
    Py_CLEAR(self->metadata);
    return 0;
}

static void Doc_dealloc(DocObject *self)
{
    PyObject_GC_UnTrack(self);
    Py_CLEAR(self->id);
    Py_CLEAR(self->url);
    Py_CLEAR(self->date);
    Py_CLEAR(self->source);
    Py_CLEAR(self->text);
    Py_CLEAR(self->http);
    Py_CLEAR(self->meta_raw);
    Py_CLEAR(self->metadata);
    PyObject_GC_Del(self);
}

static PyObject *Doc_get_metadata(DocObject *self, void *closure)
{
    (void)closure;
    if (!self->metadata) {
        PyObject *dict;
        if (self->meta_raw) {
            PyObject *s = PyUnicode_FromFormat("{%U}", self->meta_raw);
            if (!s)
                return NULL;
            dict = PyObject_CallFunctionObjArgs(json_loads, s, NULL);
            Py_DECREF(s);
        } else {
            dict = PyDict_New();
        }
        if (!dict)
            return NULL;
        self->metadata = dict;
        Py_CLEAR(self->meta_raw);
    }
    Py_INCREF(self->metadata);
    return self->metadata;
}

static int Doc_set_metadata(DocObject *self, PyObject *v, void *closure)
{
    (void)closure;
    if (!v || !PyDict_Check(v)) {
        PyErr_SetString(PyExc_TypeError, "metadata must be a dict");
        return -1;
    }
    Py_INCREF(v);
    set_field(&self->metadata, v);
    Py_CLEAR(self->meta_raw);
    return 0;
}

static PyObject *Doc_get_kind(DocObject *self, void *closure)
{
    (void)closure;
    return PyUnicode_FromString(self->kind == WN_DOC_HTML ? "html" : "text");
}

static int Doc_set_str(DocObject *self, PyObject *v, void *closure)
{
    if (!v || !PyUnicode_Check(v)) {
        PyErr_Format(PyExc_TypeError, "Document.%s must be str",
                     (const char *)closure);
        return -1;
    }
    static const char *const names[] = {"id", "url", "date", "source",
                                        "text", "http"};
    PyObject **slots[] = {&self->id, &self->url, &self->date,
                          &self->source, &self->text, &self->http};
    for (int i = 0; i < 6; i++)
        if (!strcmp(names[i], closure)) {
            Py_INCREF(v);
            set_field(slots[i], v);
        }
    return 0;
}

static PyObject *Doc_get_str(DocObject *self, void *closure)
{
    const char *n = closure;
    PyObject *v = !strcmp(n, "id")       ? self->id
                  : !strcmp(n, "url")    ? self->url
                  : !strcmp(n, "date")   ? self->date
                  : !strcmp(n, "source") ? self->source
                  : !strcmp(n, "http")   ? self->http
                                         : self->text;
    Py_INCREF(v);
    return v;
}

static PyObject *Doc_to_json(DocObject *self, PyObject *unused)
{
    (void)unused;
    wn_doc w = WN_DOC_INIT;
    wn_buf out = WN_BUF_INIT;
    PyObject *r = NULL;
    if (!doc_to_wn((PyObject *)self, &w)) {
        if (wn_doc_to_json(&w, &out))
            PyErr_NoMemory();
        else
            r = PyUnicode_DecodeUTF8(out.data ? out.data : "",
                                     (Py_ssize_t)out.len, "replace");
    }
    wn_buf_release(&out);
    wn_doc_release(&w);
    return r;
}

static PyObject *Doc_repr(DocObject *self)
{
    return PyUnicode_FromFormat("Document(id=%R, url=%R, text=<%zd chars>)",
                                self->id, self->url,
                                PyUnicode_GET_LENGTH(self->text));
}

static PyGetSetDef Doc_getset[] = {
    {"id", (getter)Doc_get_str, (setter)Doc_set_str, "document id (str)",
     "id"},
    {"url", (getter)Doc_get_str, (setter)Doc_set_str, "URL (str, may be "
     "empty)", "url"},
    {"date", (getter)Doc_get_str, (setter)Doc_set_str, "date as given by the "
     "input (str, may be empty)", "date"},
    {"source", (getter)Doc_get_str, (setter)Doc_set_str,
     "where it was read: 'FILE:OFFSET' (str)", "source"},
    {"text", (getter)Doc_get_str, (setter)Doc_set_str,
     "UTF-8 text; for kind 'html' the HTML page", "text"},
    {"http", (getter)Doc_get_str, (setter)Doc_set_str,
     "HTML documents: the HTTP response head, raw (str)", "http"},
    {"metadata", (getter)Doc_get_metadata, (setter)Doc_set_metadata,
     "every other field of the input record (dict, JSON values)", NULL},
    {"kind", (getter)Doc_get_kind, NULL, "'text' or 'html'", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef Doc_members[] = {
    {"offset", T_ULONGLONG, offsetof(DocObject, offset), READONLY,
     "byte offset of the record in the decoded input"},
    {NULL, 0, 0, 0, NULL},
};

static PyMethodDef Doc_methods[] = {
    {"to_json", (PyCFunction)Doc_to_json, METH_NOARGS,
     "to_json() -> str\n\nThe document as the one JSON object `winnow read` "
     "writes for it (keys id, url, date, source, text, then the metadata)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject DocType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "winnow.Document",
    .tp_basicsize = sizeof(DocObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Document(text='', id='', url='', date='', source='', "
              "metadata=None, kind='text', http='')\n\n"
              "One document: its text, identity, provenance and metadata.",
    .tp_new = Doc_new,
    .tp_init = (initproc)Doc_init,
    .tp_dealloc = (destructor)Doc_dealloc,
    .tp_traverse = (traverseproc)Doc_traverse,
    .tp_clear = (inquiry)Doc_clear,
    .tp_getset = Doc_getset,
    .tp_members = Doc_members,
    .tp_methods = Doc_methods,
    .tp_repr = (reprfunc)Doc_repr,
};

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

static PyTypeObject ReaderType;

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
                    return raise_wn(&err, rc);
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
            return doc_from_wn(&self->doc);
        if (rc == WN_EOF) {
            reader_close_cur(self);
            continue;
        }
        if (WN_IS_BAD_INPUT(rc)) { /* the reader goes on from here */
            if (self->errors == ERR_RAISE)
                return raise_wn(&err, rc);
            continue;
        }
        reader_close_cur(self); /* cannot go on with this file */
        if (self->errors == ERR_RAISE || rc == WN_ENOMEM)
            return raise_wn(&err, rc);
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
    PyObject *d = PyObject_CallFunctionObjArgs(json_loads, str, NULL);
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

static PyTypeObject ReaderType = {
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
static int paths_from(PyObject *paths, char ***list, size_t *n)
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
        raise_wn(&err, erc);
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

static PyObject *mod_read(PyObject *m, PyObject *args, PyObject *kw)
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
        return raise_msg(WN_EINVAL, "format: want auto, warc, jsonl, text "
                                    "or html");
    if (strcmp(errors, "raise") && strcmp(errors, "skip"))
        return raise_msg(WN_EINVAL, "errors: want 'raise' or 'skip'");
    if (max_record < 1)
        return raise_msg(WN_EINVAL, "max_record must be positive");
    ReaderObject *r = PyObject_New(ReaderObject, &ReaderType);
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
    if (paths_from(paths, &r->paths, &r->npaths)) {
        Py_DECREF(r);
        return NULL;
    }
    return (PyObject *)r;
}

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
    int busy;
    unsigned long long read, kept, rejected[MAX_STAGES];
} PipeObject;

static PyTypeObject PipeType;

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
                raise_wn(&err, rc);
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
    wn_config *cfg = config_from(config);
    if (!cfg)
        return -1;
    wn_buf list = WN_BUF_INIT;
    int rc = 0;
    if (stages == Py_None) {
        rc = default_stages(&list);
    } else {
        PyObject *t = option_text(stages);
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
        raise_wn(&err, rc);
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
    if (!ready(self) || doc_to_wn(doc, &self->doc))
        return NULL;
    int rc, at;
    self->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    rc = run_stages(self, &self->lanes[0], &self->doc, &self->reason, &at);
    Py_END_ALLOW_THREADS
    self->busy = 0;
    if (rc < 0)
        return raise_msg(rc, "a stage failed");
    self->read++;
    if (rc == 1)
        self->kept++;
    else
        self->rejected[at]++;
    if (doc_update(doc, &self->doc))
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
    PyObject *seq = PySequence_Fast(docs, "docs must be a sequence");
    if (!seq)
        return NULL;
    size_t n = (size_t)PySequence_Fast_GET_SIZE(seq);
    if ((size_t)threads > n / CHUNK + 1)
        threads = (int)(n / CHUNK + 1);
    PyObject *out = NULL;
    batch_job j = {.p = self, .n = n};
    atomic_init(&j.next, 0);
    j.docs = calloc(n + 1, sizeof *j.docs);
    j.reasons = calloc(n + 1, sizeof *j.reasons);
    j.res = calloc(n + 1, sizeof *j.res);
    j.at = calloc(n + 1, sizeof *j.at);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    batch_arg *ba = calloc((size_t)threads, sizeof *ba);
    if (!j.docs || !j.reasons || !j.res || !j.at || !tids || !ba) {
        PyErr_NoMemory();
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (doc_to_wn(PySequence_Fast_GET_ITEM(seq, i), &j.docs[i]))
            goto out;
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
            raise_msg(j.res[i], "a stage failed");
            goto out;
        }
    out = PyList_New((Py_ssize_t)n);
    if (!out)
        goto out;
    for (size_t i = 0; i < n; i++) {
        PyObject *v;
        if (doc_update(PySequence_Fast_GET_ITEM(seq, i), &j.docs[i]) ||
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

static PyTypeObject PipeType = {
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

static PyObject *mod_explain(PyObject *m, PyObject *args, PyObject *kw)
{
    (void)m;
    static char *kwlist[] = {"text", "config", NULL};
    const char *text;
    Py_ssize_t n;
    PyObject *config = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s#|O:explain", kwlist, &text,
                                     &n, &config))
        return NULL;
    wn_config *cfg = config_from(config);
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
        raise_wn(&err, rc);
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
        raise_msg(rc, "explain failed");
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

static PyObject *mod_run(PyObject *m, PyObject *args, PyObject *kw)
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
    if (paths_from(inputs, &paths, &n) || !(cfg = config_from(config)))
        goto out;
    int rc = wn_run_new(cfg, &j.run, &j.err);
    if (rc < 0) {
        raise_wn(&j.err, rc);
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
        raise_msg(WN_ENOMEM, "cannot start the run's thread");
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
        if (progress != Py_None && !cb_type) {
            wn_progress p = WN_PROGRESS_INIT;
            wn_run_get_progress(j.run, &p);
            PyObject *d = progress_dict(&p);
            PyObject *r = d ? PyObject_CallFunctionObjArgs(progress, d, NULL)
                            : NULL;
            Py_XDECREF(d);
            if (!r)
                PyErr_Fetch(&cb_type, &cb_error, &cb_tb);
            Py_XDECREF(r);
        }
    }
    pthread_join(tid, NULL);
    if (progress != Py_None && !cb_type && j.rc == 0) {
        wn_progress p = WN_PROGRESS_INIT;
        wn_run_get_progress(j.run, &p);
        PyObject *d = progress_dict(&p);
        PyObject *r = d ? PyObject_CallFunctionObjArgs(progress, d, NULL)
                        : NULL;
        Py_XDECREF(d);
        if (!r)
            PyErr_Fetch(&cb_type, &cb_error, &cb_tb);
        Py_XDECREF(r);
    }
    if (cb_type) {
        PyErr_Restore(cb_type, cb_error, cb_tb);
        cb_type = cb_error = cb_tb = NULL;
        goto out;
    }
    if (j.rc < 0) {
        raise_wn(&j.err, j.rc);
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
    PyObject *stats = s ? PyObject_CallFunctionObjArgs(json_loads, s, NULL)
                        : NULL;
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

static PyObject *mod_dedup(PyObject *m, PyObject *args, PyObject *kw)
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
        raise_msg(WN_EINVAL, "dedup: want one output per input");
        goto out;
    }
    if (rejects != Py_None && !PyUnicode_FSConverter(rejects, &rkeep))
        goto out;
    if (!(cfg = config_from(config)))
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
        raise_wn(&err, rc);
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

/* ------------------------------------------------------------ registry */

static PyObject *mod_stages(PyObject *m, PyObject *unused)
{
    (void)m;
    (void)unused;
    PyObject *l = PyList_New(0);
    for (size_t i = 0; l && wn_stage_name_at(i); i++) {
        const char *s = wn_stage_name_at(i);
        PyObject *t = Py_BuildValue("(sss)", s, wn_stage_group(s),
                                    wn_stage_summary(s));
        if (!t || PyList_Append(l, t))
            Py_CLEAR(l);
        Py_XDECREF(t);
    }
    return l;
}

static PyMethodDef mod_methods[] = {
    {"read", (PyCFunction)(void (*)(void))mod_read,
     METH_VARARGS | METH_KEYWORDS,
     "read(paths, *, format='auto', text_field='text', errors='raise', "
     "max_record=64 MiB, html=True) -> Reader\n\n"
     "Streams the Documents of WARC/WET, JSONL, text or HTML files (gzip, "
     "zstd or plain; directories walked), decoding with the GIL released. "
     "Bad input raises InputError (file, offset) when met; the iterator "
     "may be resumed after it.  errors='skip' counts it in .stats instead."},
    {"explain", (PyCFunction)(void (*)(void))mod_explain,
     METH_VARARGS | METH_KEYWORDS,
     "explain(text, config=None) -> list of (verdict, rule, line)\n\n"
     "Each non-empty line after normalisation, as the clean stage decides "
     "it: ('KEEP', None, line) or ('DROP', rule, line).  A document "
     "dropped as a whole ends with ('DROP', reason, None)."},
    {"_run", (PyCFunction)(void (*)(void))mod_run,
     METH_VARARGS | METH_KEYWORDS, "see winnow.run"},
    {"_dedup", (PyCFunction)(void (*)(void))mod_dedup,
     METH_VARARGS | METH_KEYWORDS, "see winnow.dedup"},
    {"stages", mod_stages, METH_NOARGS,
     "stages() -> list of (name, group, summary), in pipeline order"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moddef = {
    PyModuleDef_HEAD_INIT,
    .m_name = "winnow._winnow",
    .m_doc = "libwinnow bindings (use the winnow package).",
    .m_size = -1,
    .m_methods = mod_methods,
};

static PyObject *new_error(PyObject *m, const char *name, PyObject *bases,
                           const char *doc)
{
    char full[64];
    snprintf(full, sizeof full, "winnow.%s", name);
    PyObject *e = PyErr_NewExceptionWithDoc(full, doc, bases, NULL);
    if (e && PyModule_AddObjectRef(m, name, e)) {
        Py_DECREF(e);
        return NULL;
    }
    return e;
}

PyMODINIT_FUNC PyInit__winnow(void);

PyMODINIT_FUNC PyInit__winnow(void)
{
    PyObject *m = PyModule_Create(&moddef);
    if (!m)
        return NULL;
    PyObject *json = PyImport_ImportModule("json");
    if (!json)
        goto fail;
    json_loads = PyObject_GetAttrString(json, "loads");
    /* compact and UTF-8, as the library writes JSON */
    PyObject *dumps = PyObject_GetAttrString(json, "dumps");
    Py_DECREF(json);
    if (!json_loads || !dumps)
        goto fail;
    PyObject *partial = NULL, *ft = PyImport_ImportModule("functools");
    if (ft) {
        partial = PyObject_GetAttrString(ft, "partial");
        Py_DECREF(ft);
    }
    PyObject *kwd = Py_BuildValue("{sOs(ss)}", "ensure_ascii", Py_False,
                                  "separators", ",", ":");
    PyObject *pa = partial ? PyTuple_Pack(1, dumps) : NULL;
    json_dumps = pa && kwd ? PyObject_Call(partial, pa, kwd) : NULL;
    Py_XDECREF(pa);
    Py_XDECREF(kwd);
    Py_XDECREF(partial);
    Py_DECREF(dumps);
    if (!json_dumps || !(empty_str = PyUnicode_FromString("")))
        goto fail;
    if (PyType_Ready(&DocType) || PyType_Ready(&ReaderType) ||
        PyType_Ready(&PipeType) ||
        PyModule_AddObjectRef(m, "Document", (PyObject *)&DocType) ||
        PyModule_AddObjectRef(m, "Reader", (PyObject *)&ReaderType) ||
        PyModule_AddObjectRef(m, "Pipeline", (PyObject *)&PipeType))
        goto fail;
    if (!(Error = new_error(m, "Error", NULL,
                            "A libwinnow error: attributes code (WN_E*), "
                            "file, offset and message.")))
        goto fail;
    PyObject *b = PyTuple_Pack(2, Error, PyExc_ValueError);
    OptionError = b ? new_error(m, "OptionError", b,
                                "A bad option, stage name or argument.")
                    : NULL;
    Py_XDECREF(b);
    b = PyTuple_Pack(2, Error, PyExc_OSError);
    FileError = b ? new_error(m, "FileError", b,
                              "A file cannot be opened, read or written.")
                  : NULL;
    Py_XDECREF(b);
    InputError = new_error(m, "InputError", Error,
                           "Bad input: a broken record, invalid JSON, "
                           "corrupt compressed data, a truncated file; "
                           "file and offset say where.");
    if (!OptionError || !FileError || !InputError)
        goto fail;
    if (PyModule_AddStringConstant(m, "version", wn_version()))
        goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
