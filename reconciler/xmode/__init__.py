"""X mode: routes declared in YAML, served to the platform's Block ``callin`` push.

In X mode the platform stores no bindings: for every call to an X number it asks the
customer's server where to connect (reference section 7). privcall serves the routes the
YAML declares (``privcall xmode serve``) and plans, applies and checks drift of the table
the running server serves, like bindings.

Modules: :mod:`.routes` (YAML -> tables, validated with file:line:col), :mod:`.table`
(the served table, its wire answers and the O(1) index), :mod:`.auth` (push signatures),
:mod:`.server` (the ASGI app), :mod:`.serve` (uvicorn), :mod:`.admin` (the admin
endpoint's client), :mod:`.plan` (plan / apply / drift), :mod:`.render`, :mod:`.cli`.
"""
