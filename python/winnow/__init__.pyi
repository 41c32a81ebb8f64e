# Type stub of the winnow package (the C module winnow._winnow and the
# wrappers of winnow/__init__.py).  See docs/python.md.
import os
from typing import (Any, Callable, Dict, Iterator, List, Literal, Optional,
                    Sequence, Tuple, Union)

_Path = Union[str, bytes, "os.PathLike[str]"]
_Config = Dict[str, Any]

version: str
__version__: str

class Error(Exception):
    """A libwinnow error."""
    code: int      # WN_E* (negative)
    file: str      # the input at fault, "" if none
    offset: int    # byte offset in the decoded input
    message: str

class OptionError(Error, ValueError): ...
class FileError(Error, OSError): ...
class InputError(Error): ...

class Document:
    id: str
    url: str
    date: str
    source: str
    text: str
    http: str
    metadata: Dict[str, Any]
    @property
    def kind(self) -> Literal["text", "html"]: ...
    @property
    def offset(self) -> int: ...
    def __init__(self, text: str = "", id: str = "", url: str = "",
                 date: str = "", source: str = "",
                 metadata: Optional[Dict[str, Any]] = None,
                 kind: Literal["text", "html"] = "text",
                 http: str = "") -> None: ...
    def to_json(self) -> str: ...

class Reader(Iterator[Document]):
    @property
    def stats(self) -> Dict[str, int]: ...
    def __iter__(self) -> "Reader": ...
    def __next__(self) -> Document: ...
    def close(self) -> None: ...
    def __enter__(self) -> "Reader": ...
    def __exit__(self, *exc: Any) -> None: ...

def read(paths: Union[_Path, Sequence[_Path]], *,
         format: Literal["auto", "warc", "jsonl", "text", "html"] = "auto",
         text_field: str = "text",
         errors: Literal["raise", "skip"] = "raise",
         max_record: int = ..., html: bool = True) -> Reader: ...

class Pipeline:
    def __init__(self, stages: Optional[Union[str, Sequence[str]]] = None,
                 config: Optional[_Config] = None) -> None: ...
    @property
    def stages(self) -> List[str]: ...
    @property
    def stats(self) -> Dict[str, Any]: ...
    def process(self, doc: Document) -> Tuple[bool, Optional[str]]: ...
    def process_batch(self, docs: Sequence[Document],
                      threads: int = 1) -> List[Tuple[bool, Optional[str]]]: ...

def stages() -> List[Tuple[str, str, str]]: ...

def explain(text: str, config: Optional[_Config] = None
            ) -> List[Tuple[Literal["KEEP", "DROP"], Optional[str],
                            Optional[str]]]: ...

def extract(html: str, url: Optional[str] = None,
            config: Optional[_Config] = None) -> Optional[str]: ...

def clean(text: str, preset: Optional[str] = None,
          rules: Optional[_Path] = None,
          disable: Optional[Sequence[str]] = None,
          config: Optional[_Config] = None) -> Optional[str]: ...

def run(inputs: Union[_Path, Sequence[_Path]], output: _Path,
        progress: Optional[Callable[[Dict[str, Any]], Any]] = None,
        config: Optional[_Config] = None, interval: float = 0.5,
        **options: Any) -> Dict[str, Any]: ...

def dedup(inputs: Sequence[_Path], outputs: Sequence[_Path], workdir: _Path,
          rejects: Optional[_Path] = None, config: Optional[_Config] = None,
          **options: Any) -> Dict[str, int]: ...
