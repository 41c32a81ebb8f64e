/*
 * document.c - winnow.Document: a wn_doc as a Python object, and the
 * conversions both ways. (winnow_py.h: what the files share.)
 */
#include "winnow_py.h"

#include <structmember.h>

#include <string.h>

/* ----------------------------------------------------------- documents */

typedef struct {
    PyObject_HEAD
    PyObject *id, *url, *date, *source, *text, *http; /* str, never NULL */
    PyObject *meta_raw; /* str: JSON members as read, parsed on demand */
    PyObject *metadata; /* dict once asked for (then it is the truth) */
    int kind;           /* enum wn_doc_kind */
    unsigned long long offset;
} DocObject;

PyObject *wnpy_empty;

static PyObject *str_of(const wn_buf *b)
{
    if (!b->len) {
        Py_INCREF(wnpy_empty);
        return wnpy_empty;
    }
    return PyUnicode_DecodeUTF8(b->data, (Py_ssize_t)b->len, "replace");
}

static DocObject *doc_alloc(void)
{
    DocObject *d = PyObject_GC_New(DocObject, &wnpy_DocType);
    if (!d)
        return NULL;
    d->id = d->url = d->date = d->source = d->text = d->http = wnpy_empty;
    for (int i = 0; i < 6; i++)
        Py_INCREF(wnpy_empty);
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
PyObject *wnpy_doc_from_wn(const wn_doc *w)
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
    PyObject *s = PyObject_CallFunctionObjArgs(wnpy_json_dumps, d->metadata,
                                               NULL);
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
int wnpy_doc_to_wn(PyObject *o, wn_doc *w)
{
    if (!PyObject_TypeCheck(o, &wnpy_DocType)) {
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
int wnpy_doc_update(PyObject *o, const wn_doc *w, const wn_buf *meta0)
{
    DocObject *d = (DocObject *)o;
    PyObject *v;
    if (!same_bytes(d->text, &w->text)) {
        if (!(v = str_of(&w->text)))
            return -1;
        set_field(&d->text, v);
    }
    d->kind = w->kind;
    if (meta0->len != w->meta.len ||
        (w->meta.len && memcmp(meta0->data, w->meta.data, w->meta.len))) {
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
    PyObject *text = wnpy_empty, *id = wnpy_empty, *url = wnpy_empty,
             *date = wnpy_empty, *source = wnpy_empty, *meta = Py_None,
             *http = wnpy_empty;
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
            dict = PyObject_CallFunctionObjArgs(wnpy_json_loads, s, NULL);
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
    if (!wnpy_doc_to_wn((PyObject *)self, &w)) {
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

PyTypeObject wnpy_DocType = {
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
