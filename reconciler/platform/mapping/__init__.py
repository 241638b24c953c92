"""privcall's binding models <-> the wire, one module per mode. Every [I] wire choice is
written down in its mode's module docstring (and the shared ones in ``common``)."""
