/*
 * winnow_py.h - what the files of the CPython extension winnow._winnow
 * share (python/README.md, docs/python.md).
 *
 * The extension is built only on the public API of include/winnow.h (the
 * experimental tier for the line cleaners' verdicts).  The GIL is
 * released around every call into the library that reads, decodes or runs
 * stages, so Python threads (and process_batch's own threads) run while
 * winnow works.  Python objects are touched only with the GIL held:
 * documents become wn_doc before the GIL is released and are updated
 * after it is taken again.  Names shared between the files start with
 * wnpy_ (the module is linked with libwinnow, whose names start with wn_;
 * only PyInit__winnow is exported).
 */
#ifndef WINNOW_PY_H
#define WINNOW_PY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define WINNOW_EXPERIMENTAL
#include "winnow.h"

/* module.c: the exception classes (winnow.Error and its subclasses),
 * json.loads, a compact UTF-8 json.dumps, and "" */
extern PyObject *wnpy_Error, *wnpy_InputError, *wnpy_OptionError,
    *wnpy_FileError;
extern PyObject *wnpy_json_loads, *wnpy_json_dumps;
extern PyObject *wnpy_empty;

/* Raises the exception class that fits err->code (or code), with the
 * attributes code, file, offset and message; returns NULL. */
PyObject *wnpy_raise(const wn_error *err, int code);
/* The same with a message and no file. */
PyObject *wnpy_raise_msg(int code, const char *msg);
/* A Python value as option text: bool 1/0, numbers, lists joined by
 * commas, str as is.  New reference, or NULL with an exception. */
PyObject *wnpy_option_text(PyObject *v);
/* A new wn_config from a dict ("section.key": value, or "section": {key:
 * value}; None values skipped) or None; NULL with an exception. */
wn_config *wnpy_config_from(PyObject *d);

/* document.c */
extern PyTypeObject wnpy_DocType;
/* A new Document from w (GIL held). */
PyObject *wnpy_doc_from_wn(const wn_doc *w);
/* Document o -> w (reset first); -1 with an exception. */
int wnpy_doc_to_wn(PyObject *o, wn_doc *w);
/* What stages changed in w (text, kind, metadata) back into o; meta0 is
 * w->meta as wnpy_doc_to_wn made it (so the dict is not serialised
 * again to see whether a stage changed it). */
int wnpy_doc_update(PyObject *o, const wn_doc *w, const wn_buf *meta0);

/* reader.c */
extern PyTypeObject wnpy_ReaderType;
/* One path or a list of paths, expanded by wn_inputs_expand (the caller
 * frees *list with wn_inputs_free); -1 with an exception. */
int wnpy_paths_from(PyObject *paths, char ***list, size_t *n);
PyObject *wnpy_read(PyObject *m, PyObject *args, PyObject *kw);

/* pipeline.c */
extern PyTypeObject wnpy_PipeType;
PyObject *wnpy_explain(PyObject *m, PyObject *args, PyObject *kw);

/* jobs.c */
PyObject *wnpy_run(PyObject *m, PyObject *args, PyObject *kw);
PyObject *wnpy_dedup(PyObject *m, PyObject *args, PyObject *kw);

#endif
