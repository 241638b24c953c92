"""privcall: declare Huawei Cloud privacy-number bindings in YAML, plan and apply them."""

__version__ = "0.1.0.dev0"
