"""Builds the winnow extension with Debian's setuptools, offline:

    make                                    # build/libwinnow.a first
    pip install --no-build-isolation ./python

libwinnow.a is linked in (static, symbols hidden), so the module needs only
the Debian shared libraries that `make print-ldlibs` names.  WINNOW_BUILD
points at another build directory (default: ../build).
"""
import glob
import os
import re
import subprocess

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
BUILD = os.environ.get("WINNOW_BUILD", os.path.join(TOP, "build"))
LIB = os.path.join(BUILD, "libwinnow.a")

if not os.path.exists(LIB):
    raise SystemExit(f"winnow: {LIB} not found: run `make` in {TOP} first")

# The libraries libwinnow needs, exactly as the Makefile links them.
LDLIBS = subprocess.run(
    ["make", "-s", "--no-print-directory", "-C", TOP, "print-ldlibs"],
    check=True, capture_output=True, text=True).stdout.split()

with open(os.path.join(TOP, "include", "winnow.h")) as f:
    VERSION = re.search(r'WN_VERSION_STRING "([^"]+)"', f.read()).group(1)

setup(
    name="winnow",
    version=VERSION,
    description="web crawls to clean, deduplicated text (libwinnow bindings)",
    packages=["winnow"],
    package_data={"winnow": ["*.pyi", "py.typed"]},
    python_requires=">=3.9",
    ext_modules=[Extension(
        "winnow._winnow",
        sources=sorted(glob.glob("src/*.c")),
        include_dirs=[os.path.join(TOP, "include")],
        extra_compile_args=["-std=c11", "-D_POSIX_C_SOURCE=200809L",
                            "-D_DEFAULT_SOURCE", "-fvisibility=hidden"],
        extra_objects=[LIB],
        extra_link_args=["-Wl,--exclude-libs,ALL"] + LDLIBS,
        depends=["src/winnow_py.h", os.path.join(TOP, "include", "winnow.h"),
                 LIB],
    )],
)
