"""``textclf inspect``: what is wrong with the data before a model is trained on it.

The shape of the data (``profile``), texts repeated or nearly repeated within and across splits
(``data.duplicates``, ``near_duplicates``), texts with two labels, and likely wrong labels found by confident
learning on out-of-fold probabilities (``label_errors``); what each finding means (``findings``), the report page
(``report_page``), a clean copy (``clean_copy``). ``inspect.run`` is the ladder of steps.
"""
