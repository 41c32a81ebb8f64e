"""winnow: web crawls to clean, deduplicated text, from Python.

The work is done by libwinnow (C), linked into the extension module
``winnow._winnow``; this package adds the keyword-argument conveniences.
See docs/python.md for the API and python/README.md for building.

    import winnow
    pipe = winnow.Pipeline(stages=["gopher_quality", "c4_filter"])
    for doc in winnow.read("crawl.warc.wet.gz"):
        kept, reason = pipe.process(doc)
"""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union
import os

from ._winnow import (  # noqa: F401  (re-exported)
    Document,
    Error,
    FileError,
    InputError,
    OptionError,
    Pipeline,
    Reader,
    explain,
    read,
    stages,
    version,
)
from . import _winnow

__version__ = version
__all__ = [
    "Document", "Error", "FileError", "InputError", "OptionError",
    "Pipeline", "Reader", "read", "explain", "extract", "clean", "run",
    "dedup", "stages", "version",
]

PathLike = Union[str, "os.PathLike[str]"]


def _options(prefix: str, options: Dict[str, Any]) -> Dict[str, Any]:
    """Keyword options to config keys: ``jobs=2`` is ``run.jobs``, and
    ``dedup_threshold=0.9`` (or ``{"dedup.threshold": 0.9}`` in config) is
    ``dedup.threshold``: the first ``_`` after a known section is its dot."""
    out: Dict[str, Any] = {}
    sections = {name for name, _, _ in stages()} | {"run", "dedup"}
    for key, value in options.items():
        head, _, rest = key.partition("_")
        while rest and head not in sections:
            more, _, rest = rest.partition("_")
            head = head + "_" + more
        if head in sections and rest:
            out[head + "." + rest] = value
        else:
            out[prefix + "." + key] = value
    return out


_cache: Dict[Tuple[str, ...], Pipeline] = {}


def _pipeline(names: Tuple[str, ...],
              config: Optional[Dict[str, Any]]) -> Pipeline:
    # A pipeline with default options is kept for the next call: building
    # one costs more than running it on a page.
    if config:
        return Pipeline(stages=list(names), config=config)
    p = _cache.get(names)
    if p is None:
        p = _cache[names] = Pipeline(stages=list(names))
    return p


def extract(html: str, url: Optional[str] = None,
            config: Optional[Dict[str, Any]] = None) -> Optional[str]:
    """The main text of an HTML page (boilerplate removed), as the
    ``extract`` stage gives it; None when the page has no main text."""
    doc = Document(text=html, url=url or "", kind="html")
    kept, _ = _pipeline(("extract",), config).process(doc)
    return doc.text if kept else None


def clean(text: str, preset: Optional[str] = None,
          rules: Optional[PathLike] = None,
          disable: Optional[Sequence[str]] = None,
          config: Optional[Dict[str, Any]] = None) -> Optional[str]:
    """Text with its boilerplate lines removed (the ``normalize`` and
    ``clean`` stages, as ``winnow clean --no-site-lines``); None when the
    whole document is dropped.  preset: "c4" or "refinedweb"; rules: a
    rules file; disable: rule names to turn off."""
    cfg = dict(config or {})
    if preset is not None:
        cfg["clean.preset"] = preset
    if rules is not None:
        cfg["clean.rules"] = os.fspath(rules)
    if disable:
        cfg["clean.disable"] = list(disable)
    doc = Document(text=text)
    kept, _ = _pipeline(("normalize", "clean"), cfg).process(doc)
    return doc.text if kept else None


def run(inputs: Union[PathLike, Sequence[PathLike]], output: PathLike,
        progress: Optional[Callable[[Dict[str, Any]], Any]] = None,
        config: Optional[Dict[str, Any]] = None,
        interval: float = 0.5, **options: Any) -> Dict[str, Any]:
    """``winnow run``: the whole job from inputs into the directory output
    (data/, rejects/, stats.json, report.html), with the CLI's preset for
    English web text (langid.languages=en, langid.min_score=0.65) unless
    set otherwise.  Options are run.* keys
    as keywords (``jobs=2``, ``stages="normalize,clean"``) or any key in
    config (``{"dedup.threshold": 0.9}``).  progress(dict) is called every
    interval seconds with phase, bytes_done, bytes_total, docs_read,
    docs_kept and fraction.  Returns stats.json as a dict, plus
    "problems": the bad-input messages (the first 1000)."""
    # the preset `winnow run` applies unless set (src/cli/cmd_run.c; the
    # suite checks that both give the same output)
    cfg = {"langid.languages": "en", "langid.min_score": 0.65}
    cfg.update(config or {})
    cfg.update(_options("run", options))
    return _winnow._run(inputs, output, config=cfg, progress=progress,
                        interval=interval)


def dedup(inputs: Sequence[PathLike], outputs: Sequence[PathLike],
          workdir: PathLike, rejects: Optional[PathLike] = None,
          config: Optional[Dict[str, Any]] = None,
          **options: Any) -> Dict[str, int]:
    """``winnow dedup``: exact and near-duplicate removal over the input
    shards; outputs[i] gets the kept documents of inputs[i], rejects (if
    given) the removed ones with reject_reason.  Options are dedup.* keys
    as keywords (``threshold=0.9``, ``threads=2``) or in config.  workdir
    holds the intermediate files (a rerun resumes).  Returns the counters
    (docs, kept, exact_dups, near_dups, ...)."""
    cfg = dict(config or {})
    cfg.update(_options("dedup", options))
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    if isinstance(outputs, (str, os.PathLike)):
        outputs = [outputs]
    return _winnow._dedup(list(inputs), list(outputs), workdir,
                          rejects=rejects, config=cfg)
