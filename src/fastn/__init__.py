"""fastn-py: the fastn web framework (ftd documents, server, proxy) in Python."""

__version__ = "0.1.0"
