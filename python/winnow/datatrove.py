"""winnow's stages as datatrove pipeline steps.

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from winnow.datatrove import WinnowFilter

    LocalPipelineExecutor(pipeline=[
        JsonlReader("in/"),
        WinnowFilter(stages=["gopher_repetition", "gopher_quality",
                             "c4_filter", "fineweb"]),
        JsonlWriter("out/"),
    ]).run()

WinnowFilter replaces datatrove's Gopher/C4/FineWeb filters,
WinnowExtractor its Trafilatura extractor, WinnowCleaner adds winnow's line
cleaning.  Documents stay datatrove Documents (text, id, metadata: winnow's
url/date/source come from and go to metadata); the stats follow
datatrove's conventions (total, forwarded, dropped, dropped_<reason>,
doc_len).  The documents of a step go through winnow in batches on
`threads` threads with the GIL released.

datatrove is imported when this module is, not by ``import winnow``; when
it is missing the steps still work on any objects with ``text``, ``id``
and ``metadata`` attributes (and count their stats in a plain dict).
"""

from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence

from . import Document, Pipeline

try:  # datatrove is optional: the steps need only its conventions
    from datatrove.pipeline.base import PipelineStep as _Base
    HAVE_DATATROVE = True
except ImportError:  # pragma: no cover - depends on the machine
    HAVE_DATATROVE = False

    class _Stats(dict):
        def __missing__(self, key):
            return 0

    class _Base:  # the little of datatrove's PipelineStep the steps use
        name: str = ""
        type: str = ""

        def __init__(self) -> None:
            self.stats = _Stats()

        def stat_update(self, *labels: str, value: int = 1,
                        unit: Optional[str] = None) -> None:
            for label in labels:
                self.stats[label] += value

        def update_doc_stats(self, document: Any) -> None:
            self.stat_update("doc_len", value=len(document.text))

        def __call__(self, data=None, rank: int = 0, world_size: int = 1):
            return self.run(data, rank, world_size)

# metadata keys that are winnow Document fields
_FIELDS = ("url", "date", "source")


def _to_winnow(doc: Any, kind: str) -> Document:
    meta = dict(getattr(doc, "metadata", None) or {})
    fields = {k: str(meta.pop(k)) for k in _FIELDS
              if isinstance(meta.get(k), (str, int, float))}
    return Document(text=doc.text, id=str(doc.id or ""), metadata=meta,
                    kind=kind, **fields)


def _from_winnow(w: Document, doc: Any) -> None:
    doc.text = w.text
    meta = doc.metadata if doc.metadata is not None else {}
    meta.update(w.metadata)
    doc.metadata = meta


def _batches(data: Iterable[Any], n: int) -> Iterator[List[Any]]:
    batch: List[Any] = []
    for doc in data:
        batch.append(doc)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch


class _WinnowStep(_Base):
    """A datatrove step running winnow stages over the documents."""

    name = "winnow"
    type = "🔻 - FILTER"
    _stages: Sequence[str] = ()
    _html = False

    def __init__(self, stages: Optional[Sequence[str]] = None,
                 config: Optional[Dict[str, Any]] = None,
                 threads: int = 1, batch_size: int = 512,
                 exclusion_writer: Any = None) -> None:
        super().__init__()
        self.stage_names = list(stages or self._stages)
        self.config = dict(config or {})
        self.threads = threads
        self.batch_size = batch_size
        self.exclusion_writer = exclusion_writer
        self._pipe: Optional[Pipeline] = None

    @property
    def pipeline(self) -> Pipeline:
        # made on first use: datatrove pickles steps to its workers, and a
        # Pipeline (C handles) cannot be pickled
        if self._pipe is None:
            self._pipe = Pipeline(stages=self.stage_names, config=self.config)
        return self._pipe

    def __getstate__(self) -> Dict[str, Any]:
        state = dict(self.__dict__)
        state["_pipe"] = None
        return state

    def _timer(self):
        track = getattr(self, "track_time", None)
        if track is None:
            import contextlib
            return contextlib.nullcontext()
        return track("batch")

    def run(self, data: Iterable[Any], rank: int = 0,
            world_size: int = 1) -> Iterator[Any]:
        if data is None:
            return
        import contextlib
        writer_cm = self.exclusion_writer or contextlib.nullcontext()
        with writer_cm as writer:
            for batch in _batches(data, self.batch_size):
                kind = "html" if self._html else "text"
                docs = [_to_winnow(d, kind) for d in batch]
                with self._timer():
                    results = self.pipeline.process_batch(
                        docs, threads=self.threads)
                for doc, w, (kept, reason) in zip(batch, docs, results):
                    self.stat_update("total")
                    _from_winnow(w, doc)
                    if kept:
                        self.stat_update("forwarded")
                        self.update_doc_stats(doc)
                        yield doc
                        continue
                    self.stat_update("dropped")
                    # "gopher_quality:mean_word_length=2.1<3" -> the rule
                    # alone, so the counters add up across documents
                    rule = reason.split("=", 1)[0] if reason else ""
                    if rule:
                        self.stat_update(f"dropped_{rule}")
                    if self.exclusion_writer is not None:
                        doc.metadata["filter_reason"] = reason
                        writer.write(doc, rank)


class WinnowFilter(_WinnowStep):
    """winnow's quality filters in place of datatrove's
    GopherRepetitionFilter, GopherQualityFilter, C4QualityFilter and
    FineWebQualityFilter (and, with "langid", its LanguageFilter).
    stages: any of langid, gopher_repetition, gopher_quality, c4_filter,
    fineweb, pii (default: the four quality filters); config: their
    options, e.g. {"gopher_quality.min_words": 50}."""

    name = "🔻 winnow filter"
    _stages = ("gopher_repetition", "gopher_quality", "c4_filter", "fineweb")


class WinnowExtractor(_WinnowStep):
    """winnow's HTML extraction in place of datatrove's Trafilatura step:
    each document's text is an HTML page; it becomes the page's main
    text.  Pages without main text are dropped."""

    name = "⛏ winnow extract"
    type = "🛢 - EXTRAC"
    _stages = ("extract",)
    _html = True


class WinnowCleaner(_WinnowStep):
    """winnow's line cleaning (normalize, then the boilerplate rules of
    the clean stage; config e.g. {"clean.preset": "c4"})."""

    name = "✂ winnow clean"
    type = "✂️ - FORMAT"
    _stages = ("normalize", "clean")
