"""PyInstaller runtime hook (build.spec): a stand-in for Pillow's PIL.Image in the bundle.

reportlab.lib.utils does ``from PIL import Image`` when it is imported, whether or not a page
holds a picture; Tianbao's reports and workbooks hold none, so the bundle leaves Pillow out
(5.8 MB with its codec libraries, issue 15). This stand-in satisfies that import. Asking it for a
picture fails with OSError, the error reportlab and openpyxl expect from a file Pillow cannot
read (openpyxl then drops the picture with a warning; Tianbao reads workbooks read-only, which
never loads pictures). Any other name of Pillow is missing, which pypdf takes as "no Pillow"
(it needs it only to extract pictures, not text). A bundle built with Pillow keeps the real one.
"""

import sys
import types


def _install() -> None:
    try:
        import PIL.Image  # noqa: F401 - the real Pillow, where the bundle has it
    except ImportError:
        pass
    else:
        return

    class Image:
        """Never made: the stand-in opens no picture, so isinstance(x, Image) is False."""

    def open_picture(*_args: object, **_kwargs: object) -> Image:
        raise OSError("此版本的填报程序不含图片支持（Pillow），无法读取图片。")

    package = types.ModuleType("PIL")
    package.__path__ = []  # a package, so `import PIL.Image` finds the module below
    package.__version__ = "0 (Pillow is not in this bundle)"  # pypdf prints it in its debug line
    module = types.ModuleType("PIL.Image")
    module.Image = Image
    module.open = open_picture
    package.Image = module
    sys.modules["PIL"] = package
    sys.modules["PIL.Image"] = module


_install()
