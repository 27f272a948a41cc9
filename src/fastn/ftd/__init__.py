"""The ftd language: p1 (sections) -> ast -> interpreter (resolved document) -> render."""
