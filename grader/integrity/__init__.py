"""Results a person should look at before they count: notebooks that carry large literal data,
metrics beyond what any honest model reaches, and answers that only a lookup of the labels
gives. Flagged submissions have their metric points withheld until an instructor regrades them
with ``--accept-flagged``.

The modules are imported one by one: graded notebooks import the rubric (and with it
``literals``) and must not pay for the statistics that only the grader's process needs."""
