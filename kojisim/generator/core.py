"""The core layer: the toolchain and base system every buildroot holds.

The essential packages are written out by hand with Fedora's names, sonames and
virtual provides, because BuildRequires everywhere name them (gcc, make,
pkgconfig(...), /usr/bin/python3, perl(ExtUtils::MakeMaker)). Further core packages
use real names of base libraries and tools with the generic templates.
"""

from __future__ import annotations

from collections.abc import Callable

from .model import NOARCH, Binary, Source
from .templates import LIBC, PERL_COMPAT, PYTHON_ABI, exact

# Real base libraries and tools, in dependency-friendly order, as "name[:stem or path]":
# a library's stem gives its soname, a tool's path is what BuildRequires name.
_LIBRARY_TABLE = """
xz:lzma bzip2:bz2 ncurses:ncursesw readline pcre2:pcre2-8 libselinux libsepol libacl libattr
libcap popt lua sqlite:sqlite3 libxml2 expat keyutils krb5 e2fsprogs:ext2fs libffi gmp mpfr
zstd lz4 audit pam libxcrypt:crypt elfutils:elf file:magic json-c libyaml libarchive nettle
libtasn1 p11-kit gnutls libidn2 libunistring libpsl nghttp2 libssh curl cyrus-sasl:sasl2
openldap:ldap libpng libjpeg-turbo:jpeg freetype fontconfig harfbuzz glib2:glib-2.0 dbus systemd
"""
_TOOL_TABLE = """
sed grep gawk tar gzip diffutils:/usr/bin/diff patch findutils:/usr/bin/find
util-linux:/usr/bin/mount shadow-utils:/usr/sbin/useradd cpio unzip which info cmake meson
ninja-build:/usr/bin/ninja autoconf automake libtool m4 bison flex gettext:/usr/bin/msgfmt
help2man texinfo:/usr/bin/makeinfo git doxygen
"""


def _table(text: str) -> tuple[tuple[str, str | None], ...]:
    return tuple(
        (name, extra or None) for name, _, extra in (e.partition(":") for e in text.split())
    )


CORE_LIBRARIES = _table(_LIBRARY_TABLE)
CORE_TOOLS = _table(_TOOL_TABLE)
# Subpackages of the core that a Fedora build group does not list.
NOT_IN_BUILD_GROUP = frozenset({"glibc-langpack-en"})


def _b(name: str, arch: str = "x86_64", **fields: list[str]) -> Binary:
    return Binary(name, arch, summary=f"The {name} package", **fields)


def _filesystem(source: Source) -> None:
    source.binaries = [_b("filesystem", files=["/usr/bin/", "/usr/lib64/", "/etc/"])]


def _glibc(source: Source) -> None:
    source.soname, source.devel = "libc.so.6", "glibc-devel"
    source.binaries = [
        _b(
            "glibc",
            provides=[
                LIBC,
                "libc.so.6(GLIBC_2.34)(64bit)",
                "libm.so.6()(64bit)",
                "ld-linux-x86-64.so.2()(64bit)",
                "rtld(GNU_HASH)",
            ],
            requires=[
                "filesystem",
                exact(source, "glibc-common"),
                "(glibc-minimal-langpack or glibc-langpack-en)",
            ],
            recommends=["(glibc-langpack-en or glibc-all-langpacks)"],
            files=["/usr/lib64/libc.so.6", "/usr/lib64/libm.so.6", "/usr/sbin/ldconfig"],
        ),
        _b("glibc-common", requires=[exact(source, "glibc")], files=["/usr/bin/locale"]),
        _b("glibc-minimal-langpack", requires=[exact(source, "glibc")]),
        _b(
            "glibc-langpack-en",
            requires=[exact(source, "glibc")],
            supplements=["(glibc and langpacks-en)"],
            files=["/usr/lib/locale/en_US.utf8/LC_CTYPE"],
        ),
        _b(
            "glibc-devel",
            requires=[exact(source, "glibc")],
            files=["/usr/include/stdio.h", "/usr/lib64/libc.so", "/usr/lib64/crt1.o"],
        ),
    ]


def _bash(source: Source) -> None:
    source.tools = ["/usr/bin/bash", "/usr/bin/sh"]
    source.binaries = [
        _b(
            "bash",
            provides=["/bin/sh", "/bin/bash"],
            requires=["filesystem", LIBC],
            files=["/usr/bin/bash", "/usr/bin/sh"],
        )
    ]


def _coreutils(source: Source) -> None:
    source.tools = ["/usr/bin/install"]
    common = _b("coreutils-common", NOARCH, files=["/usr/share/info/coreutils.info.gz"])
    source.binaries = [
        _b(
            "coreutils",
            requires=[LIBC, f"coreutils-common = {source.evr}"],
            files=[f"/usr/bin/{tool}" for tool in ("ls", "cp", "mv", "cat", "install")],
        ),
        common,
    ]


def _binutils(source: Source) -> None:
    source.tools = ["/usr/bin/ld", "/usr/bin/as"]
    files = [f"/usr/bin/{tool}" for tool in ("ld", "as", "ar", "objdump", "strip")]
    source.binaries = [_b("binutils", requires=[LIBC], files=files)]


def _gcc(source: Source) -> None:
    source.soname = "libgcc_s.so.1"
    source.tools = ["/usr/bin/gcc", "/usr/bin/g++"]
    source.binaries = [
        _b(
            "gcc",
            requires=[
                exact(source, "cpp"),
                "binutils >= 2.31",
                "glibc-devel >= 2.2.90",
                f"libgcc >= {source.evr}",
                LIBC,
            ],
            files=["/usr/bin/gcc", "/usr/bin/cc"],
        ),
        _b("cpp", requires=[LIBC], files=["/usr/bin/cpp"]),
        _b(
            "gcc-c++",
            requires=[exact(source, "gcc"), exact(source, "libstdc++-devel")],
            files=["/usr/bin/g++", "/usr/bin/c++"],
        ),
        _b("libgcc", provides=["libgcc_s.so.1()(64bit)"], files=["/usr/lib64/libgcc_s.so.1"]),
        _b(
            "libstdc++",
            provides=["libstdc++.so.6()(64bit)"],
            requires=[LIBC, "libgcc_s.so.1()(64bit)"],
            files=["/usr/lib64/libstdc++.so.6"],
        ),
        _b(
            "libstdc++-devel",
            requires=[exact(source, "libstdc++")],
            files=["/usr/include/c++/14/iostream"],
        ),
    ]


def _make(source: Source) -> None:
    source.tools = ["/usr/bin/make"]
    source.binaries = [_b("make", requires=[LIBC], files=["/usr/bin/make", "/usr/bin/gmake"])]


def _pkgconf(source: Source) -> None:
    source.soname, source.tools = "libpkgconf.so.5", ["/usr/bin/pkg-config"]
    source.binaries = [
        _b("libpkgconf", provides=["libpkgconf.so.5()(64bit)"], requires=[LIBC]),
        _b(
            "pkgconf",
            requires=[exact(source, "libpkgconf"), "libpkgconf.so.5()(64bit)"],
            files=["/usr/bin/pkgconf"],
        ),
        _b(
            "pkgconf-pkg-config",
            provides=["pkgconfig", f"pkg-config = {source.version}"],
            requires=[exact(source, "pkgconf")],
            files=["/usr/bin/pkg-config"],
        ),
        _b("pkgconf-m4", NOARCH, files=["/usr/share/aclocal/pkg.m4"]),
    ]


def _openssl(source: Source) -> None:
    source.soname, source.devel, source.pc, source.main = (
        "libssl.so.3",
        "openssl-devel",
        "openssl",
        "openssl-libs",
    )
    source.tools = ["/usr/bin/openssl"]
    source.binaries = [
        _b(
            "openssl-libs",
            provides=["libssl.so.3()(64bit)", "libcrypto.so.3()(64bit)"],
            requires=[LIBC, "libz.so.1()(64bit)"],
            files=["/usr/lib64/libssl.so.3", "/usr/lib64/libcrypto.so.3"],
        ),
        _b(
            "openssl",
            requires=[exact(source, "openssl-libs"), "libcrypto.so.3()(64bit)"],
            files=["/usr/bin/openssl"],
        ),
        _b(
            "openssl-devel",
            provides=[
                f"pkgconfig(openssl) = {source.version}",
                f"pkgconfig(libssl) = {source.version}",
            ],
            requires=[exact(source, "openssl-libs"), "/usr/bin/pkg-config", "pkgconfig(zlib)"],
            files=[
                "/usr/include/openssl/ssl.h",
                "/usr/lib64/libssl.so",
                "/usr/lib64/pkgconfig/openssl.pc",
            ],
        ),
    ]


def _python(source: Source) -> None:
    so = f"libpython{PYTHON_ABI}.so.1.0"
    source.soname, source.devel, source.pc, source.main = so, "python3-devel", "python3", "python3"
    source.tools = ["/usr/bin/python3"]
    source.binaries = [
        _b(
            "python3",
            provides=[f"python(abi) = {PYTHON_ABI}", f"python{PYTHON_ABI} = {source.evr}"],
            requires=[exact(source, "python3-libs"), f"{so}()(64bit)", LIBC],
            files=["/usr/bin/python3", f"/usr/bin/python{PYTHON_ABI}"],
        ),
        _b(
            "python3-libs",
            provides=[f"{so}()(64bit)"],
            requires=[LIBC, "libz.so.1()(64bit)", "libssl.so.3()(64bit)"],
            files=[f"/usr/lib64/{so}", f"/usr/lib64/python{PYTHON_ABI}/os.py"],
        ),
        _b(
            "python3-devel",
            provides=[f"pkgconfig(python3) = {PYTHON_ABI}"],
            requires=[
                exact(source, "python3-libs"),
                exact(source, "python3"),
                "/usr/bin/pkg-config",
                "python3dist(setuptools)",
            ],
            files=[f"/usr/include/python{PYTHON_ABI}/Python.h", "/usr/bin/python3-config"],
        ),
    ]


def _setuptools(source: Source) -> None:
    source.module, source.main = "setuptools", "python3-setuptools"
    source.binaries = [
        _b(
            "python3-setuptools",
            NOARCH,
            provides=[
                f"python3dist(setuptools) = {source.version}",
                f"python{PYTHON_ABI}dist(setuptools) = {source.version}",
            ],
            requires=[f"python(abi) = {PYTHON_ABI}"],
            files=[f"/usr/lib/python{PYTHON_ABI}/site-packages/setuptools/__init__.py"],
        )
    ]


def _perl(source: Source) -> None:
    so = "libperl.so.5.38"
    source.soname, source.devel, source.main = so, "perl-devel", "perl-libs"
    source.tools = ["/usr/bin/perl"]
    source.binaries = [
        _b(
            "perl-libs",
            provides=[
                f"{so}()(64bit)",
                PERL_COMPAT,
                "perl(strict)",
                "perl(warnings)",
                "perl(Exporter)",
                "perl(Carp)",
            ],
            requires=[LIBC],
            files=[f"/usr/lib64/perl5/CORE/{so}", "/usr/share/perl5/strict.pm"],
        ),
        _b(
            "perl-interpreter",
            provides=["perl(:VERSION) = 5.38.2"],
            requires=[exact(source, "perl-libs"), f"{so}()(64bit)"],
            files=["/usr/bin/perl"],
        ),
        _b(
            "perl-devel",
            requires=[exact(source, "perl-libs"), "perl-interpreter"],
            files=["/usr/lib64/perl5/CORE/perl.h"],
        ),
    ]


def _perl_generators(source: Source) -> None:
    source.binaries = [
        _b(
            "perl-generators",
            NOARCH,
            requires=["/usr/bin/perl"],
            files=["/usr/lib/rpm/fileattrs/perl.attr"],
        )
    ]


def _makemaker(source: Source) -> None:
    source.module = "ExtUtils::MakeMaker"
    source.binaries = [
        _b(
            "perl-ExtUtils-MakeMaker",
            NOARCH,
            provides=[f"perl(ExtUtils::MakeMaker) = {source.version}", "perl(ExtUtils::MM)"],
            requires=[PERL_COMPAT, "perl-interpreter"],
            files=["/usr/share/perl5/vendor_perl/ExtUtils/MakeMaker.pm"],
        )
    ]


def _rpm(source: Source) -> None:
    source.soname, source.devel, source.pc, source.main = (
        "librpm.so.10",
        "rpm-devel",
        "rpm",
        "rpm-libs",
    )
    source.tools = ["/usr/bin/rpmbuild"]
    source.binaries = [
        _b(
            "rpm-libs",
            provides=["librpm.so.10()(64bit)", "librpmio.so.10()(64bit)"],
            requires=[LIBC, "libz.so.1()(64bit)", "libcrypto.so.3()(64bit)"],
            files=["/usr/lib64/librpm.so.10"],
        ),
        _b("rpm", requires=[exact(source, "rpm-libs"), "/usr/bin/sh"], files=["/usr/bin/rpm"]),
        _b(
            "rpm-build",
            requires=[exact(source, "rpm"), "binutils", "/usr/bin/gcc", "/usr/bin/make"],
            files=["/usr/bin/rpmbuild"],
        ),
        _b(
            "rpm-devel",
            provides=[f"pkgconfig(rpm) = {source.version}"],
            requires=[exact(source, "rpm-libs"), "/usr/bin/pkg-config"],
            files=["/usr/include/rpm/rpmlib.h", "/usr/lib64/librpm.so"],
        ),
    ]


def _rpm_config(source: Source) -> None:
    source.binaries = [
        _b(
            "redhat-rpm-config",
            NOARCH,
            requires=["rpm >= 4.11.0", "/usr/bin/bash", "(gcc if rpm-build)"],
            files=["/usr/lib/rpm/redhat/macros"],
        )
    ]


Shaper = Callable[[Source], None]
# (name, epoch, version, kind, linked essentials, shaper); zlib gets the library template.
ESSENTIALS: tuple[tuple[str, int, str, str, tuple[str, ...], Shaper | None], ...] = (
    ("filesystem", 0, "3.18", "data", (), _filesystem),
    ("glibc", 0, "2.39", "core", (), _glibc),
    ("bash", 0, "5.2.26", "tool", ("glibc",), _bash),
    ("coreutils", 0, "9.4", "tool", ("glibc",), _coreutils),
    ("binutils", 0, "2.41", "tool", ("glibc",), _binutils),
    ("gcc", 0, "14.1.1", "core", ("glibc",), _gcc),
    ("make", 1, "4.4.1", "tool", ("glibc",), _make),
    ("zlib", 0, "1.3.1", "library", ("glibc",), None),
    ("pkgconf", 0, "2.1.1", "core", ("glibc",), _pkgconf),
    ("openssl", 1, "3.2.2", "core", ("glibc", "zlib"), _openssl),
    ("python3.12", 0, "3.12.4", "core", ("glibc", "zlib", "openssl"), _python),
    ("python-setuptools", 0, "69.0.3", "python", ("python3.12",), _setuptools),
    ("perl", 4, "5.38.2", "core", ("glibc",), _perl),
    ("perl-generators", 0, "1.16", "perl", ("perl",), _perl_generators),
    ("perl-ExtUtils-MakeMaker", 2, "7.70", "perl", ("perl",), _makemaker),
    ("rpm", 0, "4.19.1.1", "core", ("glibc", "zlib", "openssl"), _rpm),
    ("redhat-rpm-config", 0, "288", "data", (), _rpm_config),
)


def shape_essential(source: Source, shaper: Shaper) -> None:
    """Give an essential source its hand-written binaries."""
    shaper(source)
    if not source.main:
        source.main = source.binaries[0].name


def library_stem(name: str) -> str | None:
    """The soname stem of a real core library, when it differs from the name."""
    return "z" if name == "zlib" else dict(CORE_LIBRARIES).get(name)


def tool_path(name: str) -> str | None:
    """The characteristic /usr/bin path of a real core tool, when not /usr/bin/<name>."""
    return dict(CORE_TOOLS).get(name)
