"""The tuning stage: ``textclf tune``, a search within a time budget whose every trial is a normal run.

``tune.run`` drives it: ``study`` keeps the Optuna journal and the clock,
``trials`` trains each trial on its folds, ``space`` samples values and
plans the refit, ``leaderboard`` ranks trials and picks the winner.
"""
