"""Typed models of the platform's wire format, one module per mode.

Field names are the wire's own (camelCase); the mapping to privcall's names lives in
:mod:`reconciler.platform.mapping`.
"""
