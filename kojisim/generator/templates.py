"""Binary package layouts of each kind of source, modelled on Fedora packaging habits.

Each template fills ``source.binaries`` and the fields others use to depend on it
(``main``, ``soname``, ``devel``, ``pc``, ``tools``, ``module``) from ``source.links``
and ``source.module_deps``, which the layering code chose beforehand.
"""

from __future__ import annotations

import random

from .model import ISA, NOARCH, Binary, Source

PYTHON_ABI = "3.12"
PERL_COMPAT = "perl(:MODULE_COMPAT_5.38.2)"
LIBC = "libc.so.6()(64bit)"


def stem_of(name: str) -> str:
    """The library stem of a source name: "libfoo" and "foo" both give "foo"."""
    return name[3:] if name.startswith("lib") and len(name) > 3 else name


def linked_requires(source: Source) -> list[str]:
    """What an ELF binary of this source requires: libc and the sonames it links."""
    requires = [LIBC, "rtld(GNU_HASH)"]
    requires += [f"{lib.soname}()(64bit)" for lib in source.links if lib.soname]
    return requires


def exact(source: Source, binary: str) -> str:
    """The "same build" requirement a subpackage puts on its sibling."""
    return f"{binary}({ISA}) = {source.evr}"


def doc_binary(source: Source) -> Binary:
    """A noarch -doc subpackage."""
    return Binary(
        f"{source.name}-doc",
        NOARCH,
        files=[f"/usr/share/doc/{source.name}/html/index.html"],
        summary=f"Documentation for {source.name}",
    )


def library(rng: random.Random, source: Source, stem: str | None = None, pc_links: int = 2) -> None:
    """A shared library: runtime (named after the source or "-libs"), -devel, maybe tools,
    -doc and -static. -devel provides pkgconfig(name) and pulls the pkgconfig of the
    first ``pc_links`` libraries it links, as pkg-config's Requires.private makes rpm
    generate."""
    stem = stem or stem_of(source.name)
    major = source.version.split(".")[0]
    source.soname = f"lib{stem}.so.{major}"
    source.pc = source.pc or source.name
    split = rng.random() < 0.4
    runtime = Binary(
        f"{source.name}-libs" if split else source.name,
        provides=[f"{source.soname}()(64bit)"],
        requires=linked_requires(source),
        files=[f"/usr/lib64/{source.soname}", f"/usr/share/licenses/{source.name}/COPYING"],
        summary=f"The {stem} shared library",
    )
    source.main = runtime.name
    devel = Binary(
        f"{source.name}-devel",
        provides=[f"pkgconfig({source.pc}) = {source.version}"],
        requires=[exact(source, runtime.name), "/usr/bin/pkg-config"]
        + [f"pkgconfig({lib.pc})" for lib in source.links[:pc_links] if lib.pc],
        files=[
            f"/usr/include/{stem}.h",
            f"/usr/lib64/lib{stem}.so",
            f"/usr/lib64/pkgconfig/{source.pc}.pc",
        ],
        summary=f"Development files for {stem}",
    )
    source.devel = devel.name
    source.binaries = [runtime, devel]
    if split or rng.random() < 0.25:
        tool = Binary(
            source.name if split else f"{source.name}-tools",
            requires=[exact(source, runtime.name), *linked_requires(source)[:2]],
            files=[f"/usr/bin/{stem}", f"/usr/share/man/man1/{stem}.1.gz"],
            summary=f"Command line tools for {stem}",
        )
        tool.requires.append(f"{source.soname}()(64bit)")
        source.tools.append(f"/usr/bin/{stem}")
        source.binaries.append(tool)
    if rng.random() < 0.3:
        source.binaries.append(doc_binary(source))
    if rng.random() < 0.05:
        source.binaries.append(
            Binary(
                f"{source.name}-static",
                requires=[f"{devel.name} = {source.evr}"],
                files=[f"/usr/lib64/lib{stem}.a"],
                summary=f"Static {stem} library",
            )
        )


def tool(rng: random.Random, source: Source, path: str | None = None) -> None:
    """A command line tool that other packages use while building."""
    path = path or f"/usr/bin/{source.name}"
    source.main = source.name
    source.tools.append(path)
    source.binaries = [
        Binary(
            source.name,
            requires=linked_requires(source),
            files=[path, f"/usr/share/man/man1/{path.rsplit('/', 1)[1]}.1.gz"],
            summary=f"The {source.name} tool",
        )
    ]
    if rng.random() < 0.2:
        source.binaries.append(doc_binary(source))


def application(rng: random.Random, source: Source, count: int | None = None) -> None:
    """A leaf application, sometimes with a private -libs, -data, -doc and a shell
    completion subpackage. ``count`` (1 to 5) forces the number of binaries, for
    additions of an exact size."""
    main = Binary(
        source.name,
        requires=linked_requires(source),
        files=[f"/usr/bin/{source.name}", f"/usr/share/man/man1/{source.name}.1.gz"],
        summary=f"The {source.name} application",
    )
    source.main = main.name
    source.binaries = [main]
    rates = (0.3, 0.45, 0.15, 0.1)
    if count is None:
        wanted = [rng.random() < rate for rate in rates]
    else:
        wanted = [index < count - 1 for index in range(len(rates))]
    if wanted[0]:
        soname = f"lib{source.name}.so.{source.version.split('.')[0]}"
        libs = Binary(
            f"{source.name}-libs",
            provides=[f"{soname}()(64bit)"],
            requires=linked_requires(source),
            files=[f"/usr/lib64/{soname}"],
            summary=f"Private libraries of {source.name}",
        )
        main.requires += [exact(source, libs.name), f"{soname}()(64bit)"]
        source.binaries.append(libs)
    if wanted[1]:
        data = Binary(
            f"{source.name}-data",
            NOARCH,
            files=[f"/usr/share/{source.name}/defaults.conf"],
            summary=f"Data files for {source.name}",
        )
        main.requires.append(f"{data.name} = {source.evr}")
        source.binaries.append(data)
    if wanted[2]:
        main.suggests.append(f"{source.name}-doc")
        source.binaries.append(doc_binary(source))
    if wanted[3]:
        source.binaries.append(completion_binary(source))


def completion_binary(source: Source) -> Binary:
    """A noarch bash completion subpackage that Supplements its application."""
    return Binary(
        f"{source.name}-bash-completion",
        NOARCH,
        requires=[f"{source.name} = {source.evr}"],
        supplements=[f"({source.name} and bash)"],
        files=[f"/usr/share/bash-completion/completions/{source.name}"],
        summary=f"Bash completion for {source.name}",
    )


def python_module(rng: random.Random, source: Source, dist: str) -> None:
    """A python3-<dist> module: noarch unless it carries a C extension linking a library."""
    source.module = dist
    native = bool(source.links)
    site = f"/usr/lib{'64' if native else ''}/python{PYTHON_ABI}/site-packages/{dist}"
    module = Binary(
        f"python3-{dist}",
        "x86_64" if native else NOARCH,
        provides=[
            f"python3dist({dist}) = {source.version}",
            f"python{PYTHON_ABI}dist({dist}) = {source.version}",
            f"python-{dist} = {source.evr}",
        ],
        requires=[f"python(abi) = {PYTHON_ABI}"],
        files=[f"{site}/__init__.py"],
        summary=f"The {dist} Python module",
    )
    if native:
        module.requires += linked_requires(source)
        module.files.append(f"{site}/_core.cpython-312-x86_64-linux-gnu.so")
    module.requires += [f"python3dist({dep.module})" for dep in source.module_deps]
    source.main = module.name
    source.binaries = [module]
    if source.module_deps and rng.random() < 0.2:
        extra = source.module_deps[-1].module
        source.binaries.append(
            Binary(
                f"python3-{dist}+{extra}",
                NOARCH,
                provides=[f"python3dist({dist}[{extra}]) = {source.version}"],
                requires=[exact(source, module.name) if native else f"{module.name} = {source.evr}",
                          f"python3dist({extra})"],
                summary=f"Metapackage for {dist}[{extra}]",
            )
        )  # fmt: skip
    if rng.random() < 0.3:
        source.binaries.append(doc_binary(source))


def perl_module(rng: random.Random, source: Source, module: str) -> None:
    """A noarch perl-Foo-Bar module providing perl(Foo::Bar)."""
    source.module = module
    path = "/usr/share/perl5/vendor_perl/" + module.replace("::", "/")
    provides = [f"perl({module}) = {source.version}"]
    if rng.random() < 0.3:
        provides.append(f"perl({module}::Util)")
    perl = Binary(
        source.name,
        NOARCH,
        provides=provides,
        requires=[PERL_COMPAT] + [f"perl({dep.module})" for dep in source.module_deps],
        files=[f"{path}.pm", f"/usr/share/man/man3/{module}.3pm.gz"],
        summary=f"The {module} Perl module",
    )
    source.main = perl.name
    source.binaries = [perl]
    if rng.random() < 0.4:
        source.binaries.append(
            Binary(
                f"{source.name}-tests",
                NOARCH,
                requires=[f"{source.name} = {source.evr}", "/usr/bin/perl"],
                files=[f"/usr/libexec/{source.name}/test.t"],
                summary=f"Tests for {source.name}",
            )
        )


def data(rng: random.Random, source: Source) -> None:
    """A noarch data package (fonts, themes, schemas)."""
    fonts = source.name.endswith("-fonts")
    files = [f"/usr/share/{'fonts/' if fonts else ''}{source.name}/{source.name}.dat"]
    binary = Binary(source.name, NOARCH, files=files, summary=f"The {source.name} data")
    if fonts:
        binary.provides.append(f"font({stem_of(source.name.removesuffix('-fonts'))})")
    source.main = binary.name
    source.binaries = [binary]
    if rng.random() < 0.2:
        source.binaries.append(doc_binary(source))
