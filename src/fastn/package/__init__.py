"""A fastn package: the folder with `FASTN.ftd`, what it declares, and how URLs map into it."""

from fastn.package.config import Package, PackageError, load_package
from fastn.package.routes import DocumentRoute, FileRoute, Router

__all__ = ["DocumentRoute", "FileRoute", "Package", "PackageError", "Router", "load_package"]
