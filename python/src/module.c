/*
 * module.c - the module: errors as exceptions, Python values as options,
 * the stage registry, the method table and PyInit__winnow. (winnow_py.h:
 * what the files share.)
 */
#include "winnow_py.h"

#include <string.h>

PyObject *wnpy_Error, *wnpy_InputError, *wnpy_OptionError, *wnpy_FileError;
PyObject *wnpy_json_loads, *wnpy_json_dumps;

/* ------------------------------------------------------------- errors */

/* Raises the exception class that fits err->code, with attributes code,
 * file, offset and message; returns NULL for `return wnpy_raise(...)`. */
PyObject *wnpy_raise(const wn_error *err, int code)
{
    int c = err->code ? err->code : code;
    PyObject *type = c == WN_EINVAL       ? wnpy_OptionError
                     : c == WN_EIO        ? wnpy_FileError
                     : WN_IS_BAD_INPUT(c) ? wnpy_InputError
                     : c == WN_ENOMEM     ? PyExc_MemoryError
                                          : wnpy_Error;
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

PyObject *wnpy_raise_msg(int code, const char *msg)
{
    wn_error err = {0};
    err.code = code;
    snprintf(err.msg, sizeof err.msg, "%s", msg);
    return wnpy_raise(&err, code);
}

/* ------------------------------------------------------------- config */

/* Python value -> option text: bool as 1/0, numbers by repr, lists and
 * tuples joined by commas (stage lists, languages), str as is. */
PyObject *wnpy_option_text(PyObject *v)
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
            PyObject *t = wnpy_option_text(PySequence_Fast_GET_ITEM(seq, i));
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
        PyObject *t = wnpy_option_text(v);
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
wn_config *wnpy_config_from(PyObject *d)
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
    {"read", (PyCFunction)(void (*)(void))wnpy_read,
     METH_VARARGS | METH_KEYWORDS,
     "read(paths, *, format='auto', text_field='text', errors='raise', "
     "max_record=64 MiB, html=True) -> Reader\n\n"
     "Streams the Documents of WARC/WET, JSONL, text or HTML files (gzip, "
     "zstd or plain; directories walked), decoding with the GIL released. "
     "Bad input raises InputError (file, offset) when met; the iterator "
     "may be resumed after it.  errors='skip' counts it in .stats instead."},
    {"explain", (PyCFunction)(void (*)(void))wnpy_explain,
     METH_VARARGS | METH_KEYWORDS,
     "explain(text, config=None) -> list of (verdict, rule, line)\n\n"
     "Each non-empty line after normalisation, as the clean stage decides "
     "it: ('KEEP', None, line) or ('DROP', rule, line).  A document "
     "dropped as a whole ends with ('DROP', reason, None)."},
    {"_run", (PyCFunction)(void (*)(void))wnpy_run,
     METH_VARARGS | METH_KEYWORDS, "see winnow.run"},
    {"_dedup", (PyCFunction)(void (*)(void))wnpy_dedup,
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
    wnpy_json_loads = PyObject_GetAttrString(json, "loads");
    /* One encoder, compact and UTF-8 as the library writes JSON (json.dumps
     * with options builds an encoder per call); NaN and Infinity are not
     * JSON: ValueError rather than bad metadata. */
    PyObject *cls = PyObject_GetAttrString(json, "JSONEncoder");
    Py_DECREF(json);
    PyObject *kwd = Py_BuildValue("{sOs(ss)sO}", "ensure_ascii", Py_False,
                                  "separators", ",", ":", "allow_nan",
                                  Py_False);
    PyObject *none = PyTuple_New(0);
    PyObject *enc = cls && kwd && none ? PyObject_Call(cls, none, kwd) : NULL;
    Py_XDECREF(cls);
    Py_XDECREF(kwd);
    Py_XDECREF(none);
    wnpy_json_dumps = enc ? PyObject_GetAttrString(enc, "encode") : NULL;
    Py_XDECREF(enc);
    if (!wnpy_json_loads)
        goto fail;
    if (!wnpy_json_dumps || !(wnpy_empty = PyUnicode_FromString("")))
        goto fail;
    if (PyType_Ready(&wnpy_DocType) || PyType_Ready(&wnpy_ReaderType) ||
        PyType_Ready(&wnpy_PipeType) ||
        PyModule_AddObjectRef(m, "Document", (PyObject *)&wnpy_DocType) ||
        PyModule_AddObjectRef(m, "Reader", (PyObject *)&wnpy_ReaderType) ||
        PyModule_AddObjectRef(m, "Pipeline", (PyObject *)&wnpy_PipeType))
        goto fail;
    if (!(wnpy_Error = new_error(m, "Error", NULL,
                            "A libwinnow error: attributes code (WN_E*), "
                            "file, offset and message.")))
        goto fail;
    PyObject *b = PyTuple_Pack(2, wnpy_Error, PyExc_ValueError);
    wnpy_OptionError = b ? new_error(m, "OptionError", b,
                                "A bad option, stage name or argument.")
                    : NULL;
    Py_XDECREF(b);
    b = PyTuple_Pack(2, wnpy_Error, PyExc_OSError);
    wnpy_FileError = b ? new_error(m, "FileError", b,
                              "A file cannot be opened, read or written.")
                  : NULL;
    Py_XDECREF(b);
    wnpy_InputError = new_error(m, "InputError", wnpy_Error,
                           "Bad input: a broken record, invalid JSON, "
                           "corrupt compressed data, a truncated file; "
                           "file and offset say where.");
    if (!wnpy_OptionError || !wnpy_FileError || !wnpy_InputError)
        goto fail;
    if (PyModule_AddStringConstant(m, "version", wn_version()))
        goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
